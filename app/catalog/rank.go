package catalog

import (
	"strings"
	"unicode"

	"github.com/yichuang/yichuang/app/textfold"
)

// Rank orders search hits; lower is better. The order is the one clerks
// expect: the exact name first, then names starting with what was typed,
// then pinyin initials, then anything containing it.
type Rank int

// Ranks, best first.
const (
	RankExact Rank = iota
	RankPrefix
	RankInitials
	RankSubstring
	RankNone
)

// TermKind says what a searchable term of a matter is.
type TermKind string

// Searchable term kinds.
const (
	TermName     TermKind = "name"
	TermAlias    TermKind = "alias"
	TermPinyin   TermKind = "pinyin"
	TermInitials TermKind = "initials"
)

// Term is one searchable string of a matter or bundle.
type Term struct {
	Kind TermKind
	Text string
}

// Terms returns everything a matter or bundle can be found by: its name,
// aliases, and the full pinyin and initials of each.
func Terms(name string, aliases []string) []Term {
	out := make([]Term, 0, 3+3*len(aliases))
	seen := map[Term]bool{}
	add := func(t Term) {
		if t.Text != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for i, s := range append([]string{name}, aliases...) {
		k := TermName
		if i > 0 {
			k = TermAlias
		}
		add(Term{k, NormalizeQuery(s)})
		full, ini := PinyinKeys(s)
		add(Term{TermPinyin, full})
		add(Term{TermInitials, ini})
	}
	return out
}

// NormalizeQuery folds what a person typed into the form terms are stored
// in: full-width to half-width, Latin lowercased, spaces and the
// punctuation removed, so "不动产 查询" finds 不动产查询 and "查询打印" finds
// 查询（打印）.
func NormalizeQuery(s string) string {
	return strings.ToLower(textfold.Compact(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
	}))
}

// RankTerm says how well a normalized query matches one term.
func RankTerm(q string, t Term) Rank {
	if q == "" || !strings.Contains(t.Text, q) {
		return RankNone
	}
	switch t.Kind {
	case TermInitials:
		if strings.HasPrefix(t.Text, q) {
			return RankInitials
		}
	default:
		if t.Text == q {
			return RankExact
		}
		if strings.HasPrefix(t.Text, q) {
			return RankPrefix
		}
	}
	return RankSubstring
}

// Hit is one search result.
type Hit struct {
	Code   string
	Name   string
	Sector string // empty for a bundle
	Bundle bool
	Rank   Rank
	// Matched is the term that matched best (a name, alias or pinyin key).
	Matched string
}
