package printing

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/printing/internal/ttfsubset"
)

// theFont is the embedded font, parsed once per process. Parsing it per
// document (what gofpdf does on its own) cost ~25 ms, and cutting it at
// output another ~20 ms; each document instead gets a subset holding just
// the characters it prints.
var theFont = sync.OnceValues(func() (*ttfsubset.Font, error) {
	f, err := ttfsubset.Parse(assets.Font())
	if err != nil {
		return nil, fmt.Errorf("parse embedded font: %w", err)
	}
	return f, nil
})

// always are the characters every document may draw outside its blocks:
// digits and Latin for numbers and codes, and the page footer.
const always = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~" +
	"第页共—·、。，：；（）《》“”【】"

// MissingGlyphsError says which characters the font cannot print. It is a
// hard error: a text-extraction check cannot see the empty boxes a missing
// glyph prints, but a citizen can.
type MissingGlyphsError struct{ Runes []rune }

func (e *MissingGlyphsError) Error() string {
	var b strings.Builder
	for i, r := range e.Runes {
		if i > 0 {
			b.WriteString("、")
		}
		fmt.Fprintf(&b, "“%c”(U+%04X)", r, r)
	}
	return "字体中没有以下字符，无法打印：" + b.String()
}

// subsetFor returns a font holding every character of texts, or
// *MissingGlyphsError when the embedded font lacks any of them.
func subsetFor(texts []string) ([]byte, error) {
	f, err := theFont()
	if err != nil {
		return nil, err
	}
	all := always + strings.Join(texts, "")
	missing := f.Missing(all)
	// gofpdf writes 16-bit character codes: a character beyond the BMP
	// (some rare name characters, CJK Extension B) would print as garbage
	// even where the font has it, so it counts as missing.
	for _, r := range all {
		if r > 0xFFFF && !slices.Contains(missing, r) {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return nil, &MissingGlyphsError{Runes: missing}
	}
	seen := map[rune]bool{}
	var runes []rune
	for _, r := range all {
		if !seen[r] {
			seen[r] = true
			runes = append(runes, r)
		}
	}
	return f.Subset(runes)
}
