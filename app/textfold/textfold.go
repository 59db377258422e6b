// Package textfold folds what people type on Chinese input methods into the
// plain form programs compare: full-width letters, digits and punctuation
// (what a pinyin IME types in full-width mode) become ASCII, and the
// ideographic space becomes a space.
package textfold

import "strings"

// Rune maps one full-width ASCII variant (U+FF01–U+FF5E) or the ideographic
// space (U+3000) to ASCII and leaves every other rune alone.
func Rune(r rune) rune {
	switch {
	case r >= '\uFF01' && r <= '\uFF5E':
		return r - 0xFEE0
	case r == '\u3000':
		return ' '
	}
	return r
}

// Compact folds s rune by rune and drops every folded rune for which drop
// reports true (spaces, dashes …).
func Compact(s string, drop func(rune) bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = Rune(r)
		if drop != nil && drop(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
