package ids

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaskText masks every number in free text that could be a resident ID
// (18 digits, the last maybe X; the old 15-digit form) or a mainland
// mobile (11 digits), however it was typed:
//
//   - any run of 11 or more digits, so a number inside a longer run
//     (a file name, a bank card, two numbers typed together) is hidden too;
//   - digits in groups split by spaces, dashes, underscores or invisible
//     characters ("138 1234 5678", "330522-19550505-0017", "+86 139…")
//     when the groups together make one of those lengths;
//   - full-width digits as half-width ones.
//
// It errs towards hiding: three dates typed one after another may be taken
// for an ID. Dates, times, amounts, IP addresses and county case numbers
// (330522-2026-000001) are left alone.
func MaskText(s string) string {
	groups := digitGroups(s)
	if len(groups) == 0 {
		return s
	}
	var out strings.Builder
	last := 0
	emit := func(from, to int, digits string) {
		out.WriteString(s[last:from])
		out.WriteString(maskDigits(digits))
		last = to
	}
	for i := 0; i < len(groups); {
		// The longest chain of joined groups from i that makes a number.
		best, digits := -1, groups[i].digits
		for j, d := i+1, groups[i].digits; j < len(groups) && groups[j].joined && len(d) < 18; j++ {
			d += groups[j].digits
			if numberShape(d) {
				best, digits = j, d
			}
		}
		switch {
		case best >= 0:
			emit(groups[i].from, groups[best].to, digits)
			i = best + 1
			continue
		case len(groups[i].digits) >= 11:
			emit(groups[i].from, groups[i].to, groups[i].digits)
		}
		i++
	}
	out.WriteString(s[last:])
	return out.String()
}

// numberShape says whether digits, typed in several groups, make an ID or
// a mobile (with or without the country code 86).
func numberShape(d string) bool {
	switch len(d) {
	case 18, 15:
		return true
	case 11:
		return d[0] == '1'
	case 13:
		return strings.HasPrefix(d, "861")
	}
	return false
}

// maskDigits masks a number found in text: a mobile keeps 3 and 4 digits
// (after the country code), anything longer 6 and 4 (ids.MaskResidentID
// stars the whole of 12–14).
func maskDigits(d string) string {
	if len(d) == 13 && strings.HasPrefix(d, "861") {
		return "86" + MaskMobile(d[2:])
	}
	if len(d) <= 11 {
		return MaskMobile(d)
	}
	return MaskResidentID(d)
}

// digitGroup is a run of digits in a text (half-width in digits; an X
// right after the digits is the ID's check character and belongs to it).
type digitGroup struct {
	from, to int // byte offsets in the text
	digits   string
	// joined: only separators stand between this group and the one before.
	joined bool
}

func digitGroups(s string) []digitGroup {
	var out []digitGroup
	var cur *digitGroup
	seps := -1 // separator runes since the last group; -1: something else came
	for i, r := range s {
		w := utf8.RuneLen(r)
		d, isDigit := digitValue(r)
		switch {
		case isDigit:
			if cur == nil {
				out = append(out, digitGroup{from: i, joined: len(out) > 0 && seps >= 1 && seps <= 2})
				cur = &out[len(out)-1]
			}
			cur.digits += string(d)
			cur.to = i + w
			seps = 0
		case cur != nil && (r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ'):
			cur.digits += "X"
			cur.to = i + w
			cur, seps = nil, 0
		case isSeparator(r):
			cur = nil
			if seps >= 0 {
				seps++
			}
		default:
			cur, seps = nil, -1
		}
	}
	return out
}

func digitValue(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r), true
	case r >= '０' && r <= '９':
		return byte(r-'０') + '0', true
	}
	return 0, false
}

// isSeparator: what people put between the groups of a number, and the
// invisible characters someone could slip in so that a page shows a whole
// number that no plain search finds.
func isSeparator(r rune) bool {
	switch r {
	case ' ', '\u00a0', '\u3000', '-', '_', '‐', '‑', '‒', '–', '—', '－', '＿':
		return true
	}
	return unicode.Is(unicode.Cf, r)
}
