// Package assets embeds everything the kiosk needs at run time — the CJK+Latin
// font and its licence, the demo matter catalog, the holiday calendars, the
// UI translations and the pinyin input's table — so that a kiosk never depends on files or fonts installed
// on the machine.
package assets

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

// FontName is the file name of the embedded font, used as its resource name.
const FontName = "WenQuanYiMicroHei.ttf"

//go:embed fonts/WenQuanYiMicroHei.ttf
var font []byte

//go:embed fonts/COPYRIGHT-wqy-microhei.txt
var fontLicence string

//go:embed catalog/demo.json
var demoCatalog []byte

//go:embed holidays/*.json
var holidays embed.FS

// Translations holds one go-i18n JSON file per UI language, in translations/.
// Source strings are Chinese, so Chinese needs no file.
//
//go:embed translations/*.json
var Translations embed.FS

// Font returns the TrueType font (face 0 of WenQuanYi Micro Hei) that has
// both Latin and CJK glyphs; Fyne and gofpdf both load it.
func Font() []byte { return font }

// FontLicence returns the licence text that must ship beside the font.
func FontLicence() string { return fontLicence }

// DemoCatalog returns the demo matter catalog document loaded on first start.
func DemoCatalog() []byte { return demoCatalog }

// HolidayCalendars returns the embedded yearly holiday notices, oldest first,
// keyed by file name.
func HolidayCalendars() ([][]byte, error) {
	names, err := fs.Glob(holidays, "holidays/*.json")
	if err != nil {
		return nil, fmt.Errorf("list holiday calendars: %w", err)
	}
	sort.Strings(names)
	out := make([][]byte, 0, len(names))
	for _, n := range names {
		b, err := holidays.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path.Base(n), err)
		}
		out = append(out, b)
	}
	return out, nil
}

// The pinyin table is generated from Debian's rime-data-luna-pinyin; the
// generator needs that package and opencc, building does not.
//
//go:generate go run pinyin/gen.go

//go:embed pinyin/table.tsv.gz
var pinyinTable []byte

//go:embed pinyin/COPYING-luna-pinyin.txt
var pinyinLicence string

// PinyinTable returns the gzip'd table of the on-screen pinyin input: one
// line per 字 or 词, "text<TAB>pinyin syllables<TAB>weight", lines starting
// with # are comments (see pinyin/gen.go).
func PinyinTable() []byte { return pinyinTable }

// PinyinLicence returns the licence (LGPL-3) of the Luna Pinyin data the
// table comes from, which must ship beside it.
func PinyinLicence() string { return pinyinLicence }

//go:embed icon.png
var icon []byte

// Icon returns the application icon (PNG, 256×256).
func Icon() []byte { return icon }

// SRGBProfile returns the sRGB ICC profile (from Debian's icc-profiles-free,
// zlib licence, see color/COPYRIGHT-sRGB.txt) that archivable PDFs embed as
// their output intent (PDF/A-2b, ISO 19005-2 §6.2.3).
func SRGBProfile() []byte { return srgbProfile }

//go:embed color/sRGB.icc
var srgbProfile []byte
