package office

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/ids"
)

var (
	residentIDRE = regexp.MustCompile(`^[0-9]{17}[0-9Xx]$`)
	mobileRE     = regexp.MustCompile(`^1[0-9]{10}$`)
	// inTextRE finds resident IDs and mobile numbers inside free text
	// (form fields, notes), where a clerk may have typed one.
	inTextRE = regexp.MustCompile(`[0-9]{17}[0-9Xx]|1[0-9]{10}`)
)

// MaskID masks a resident ID number as the kiosk and its papers do
// (ids.MaskResidentID: 330522********0024), so a clerk on the phone with
// the county reads the same digits. Anything else of 8 or more characters keeps only its
// last four; shorter values are starred whole, since they cannot be told
// apart from a fragment of a real number.
func MaskID(s string) string {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case s == "":
		return ""
	case residentIDRE.MatchString(s):
		return ids.MaskResidentID(s)
	case n >= 8:
		r := []rune(s)
		return strings.Repeat("*", n-4) + string(r[n-4:])
	}
	return strings.Repeat("*", n)
}

// MaskMobile masks a mainland mobile number as 138****1234.
func MaskMobile(s string) string {
	s = strings.TrimSpace(s)
	if mobileRE.MatchString(s) {
		return ids.MaskMobile(s)
	}
	return MaskID(s)
}

// MaskText masks every resident ID and mobile number inside free text.
func MaskText(s string) string {
	return inTextRE.ReplaceAllStringFunc(s, func(m string) string {
		if len(m) == 11 {
			return MaskMobile(m)
		}
		return MaskID(m)
	})
}
