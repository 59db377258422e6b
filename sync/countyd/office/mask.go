package office

import (
	"reflect"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/ids"
)

// Masking on the back office's pages. The rules are the kiosk's own
// (app/ids: an ID keeps its region and last four, a mobile its first three
// and last four), so a clerk on the phone with the county reads the same
// digits; this file only finds the numbers in text the county did not
// write itself.

var (
	residentIDRE = regexp.MustCompile(`^[0-9]{17}[0-9Xx]$`)
	mobileRE     = regexp.MustCompile(`^1[0-9]{10}$`)
)

// MaskID masks a resident ID number as the kiosk and its papers do
// (ids.MaskResidentID: 330522********0024). Anything else of 8 or more
// characters keeps only its last four; shorter values are starred whole,
// since they cannot be told apart from a fragment of a real number.
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

// MaskText masks every number in free text that could be a resident ID or
// a mainland mobile, however it was typed (ids.MaskText, shared with the
// kiosk's screens).
func MaskText(s string) string { return ids.MaskText(s) }

// maskStrings masks, in place, every string reachable from v (struct
// fields, pointers, slices, map keys and values) with MaskText. Pages show
// a case document through it, so a field a newer kiosk sends is masked
// before any page shows it, without anyone having to remember.
func maskStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(MaskText(v.String()))
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			maskStrings(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				maskStrings(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			maskStrings(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		masked := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			k := reflect.New(v.Type().Key()).Elem()
			k.Set(iter.Key())
			maskStrings(k)
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(iter.Value())
			maskStrings(e)
			masked.SetMapIndex(k, e)
		}
		v.Set(masked)
	}
}
