package ids

import "strings"

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
