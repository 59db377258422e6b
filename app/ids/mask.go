package ids

import (
	"strings"
	"sync/atomic"

	"github.com/yichuang/yichuang/app/msg"
)

// Masking keeps just enough of a number for a person to recognise their own
// record (the region and the last digits) and hides the rest, on every screen
// and every printed page. It works on any input, valid or not, and never
// reveals more than the same shape of a valid number would.

// MaskResidentID masks an ID number as 330102********1234.
func MaskResidentID(id string) string { return maskKeep(id, 6, 4) }

// MaskMobile masks a mobile number as 138****5678.
func MaskMobile(m string) string { return maskKeep(m, 3, 4) }

// MaskName masks a person's name for public screens (the hall board, the
// self-service progress page): 张三 → 张*, 欧阳娜娜 → 欧**娜.
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	default:
		return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
	}
}

// maskKeep shows head leading and tail trailing runes of the normalized value.
// A value too short to keep both with at least as many hidden runes as shown
// is hidden entirely: a mistyped short number must not leak in full.
func maskKeep(s string, head, tail int) string {
	r := []rune(normalize(s))
	if len(r) == 0 {
		return ""
	}
	if len(r)-head-tail < (head+tail+1)/2 { // too short to hide a meaningful middle
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

// DefaultIDMask is the kiosk's mask of an 18-character ID number until the
// county sends its own (county setting masking.published): '#' shows a
// character, '*' hides it. It shows the region (positions 1–6) and the two
// sequence digits 15–16, and hides the birth date (7–14), the gender digit
// (17) and the check character (18): 330522********00**. The last four
// characters, which the old progress query accepted, are therefore never
// whole on a screen or a paper; a person still recognises their record by
// region and name.
const DefaultIDMask = "######********##**"

// idMask is the pattern in force, set from the county's setting.
var idMask atomic.Value // string

// Mask pattern messages.
var (
	ErrMaskPattern = msg.New("证件号遮挡规则应为18位，由#（显示）和*（遮挡）组成")
	ErrMaskReveals = msg.New("证件号遮挡规则必须遮挡出生日期（第7–14位）、性别位（第17位），且不能完整显示后4位")
)

// CheckIDMask reports whether p is an acceptable mask pattern: 18 runes of
// '#' and '*', hiding the birth date and the gender digit and at least one
// of the last four characters.
func CheckIDMask(p string) error {
	if len(p) != 18 || strings.Trim(p, "#*") != "" {
		return ErrMaskPattern
	}
	if strings.Contains(p[6:14], "#") || p[16] == '#' || p[14:] == "####" {
		return ErrMaskReveals
	}
	return nil
}

// SetIDMask makes p the pattern of MaskIDNumber for the whole process
// (the kiosk sets it at start and when the county's setting arrives).
func SetIDMask(p string) error {
	if err := CheckIDMask(p); err != nil {
		return err
	}
	idMask.Store(p)
	return nil
}

// IDMask returns the pattern in force.
func IDMask() string {
	if p, ok := idMask.Load().(string); ok {
		return p
	}
	return DefaultIDMask
}

// MaskIDNumber masks an ID number for the kiosk's screens and papers with
// the county's pattern. A number of another length (an old 15-digit card,
// a passport) shows only its first two characters: the pattern cannot be
// mapped onto it, and its tail may be what a legacy query accepts.
func MaskIDNumber(id string) string {
	r := []rune(normalize(id))
	if len(r) == 0 {
		return ""
	}
	if len(r) != 18 {
		return maskKeep(id, min(2, len(r)/3), 0)
	}
	p := IDMask()
	out := make([]rune, len(r))
	for i := range r {
		out[i] = r[i]
		if p[i] == '*' {
			out[i] = '*'
		}
	}
	return string(out)
}
