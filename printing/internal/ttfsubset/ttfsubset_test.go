package ttfsubset

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/yichuang/yichuang/assets"
)

var srcFont = sync.OnceValues(func() (*Font, error) { return Parse(assets.Font()) })

func mustFont(t testing.TB) *Font {
	t.Helper()
	f, err := srcFont()
	if err != nil {
		t.Fatalf("Parse(assets.Font()): %v", err)
	}
	return f
}

func mustSubset(t testing.TB, f *Font, runes []rune) []byte {
	t.Helper()
	out, err := f.Subset(runes)
	if err != nil {
		t.Fatalf("Subset(%d runes): %v", len(runes), err)
	}
	return out
}

// The helpers below read fonts on their own, not through the package, so that
// they can serve as an oracle for what Subset should have produced.

// rawTables returns the tables of an sfnt by tag.
func rawTables(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	n := int(binary.BigEndian.Uint16(data[4:]))
	out := map[string][]byte{}
	for i := range n {
		rec := data[12+16*i:]
		off, l := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		out[string(rec[:4])] = data[off : off+l]
	}
	return out
}

// rawGlyph returns glyph g's bytes, reading loca in whichever format head says.
func rawGlyph(tables map[string][]byte, g int) []byte {
	loca, glyf := tables["loca"], tables["glyf"]
	var off, end uint32
	if binary.BigEndian.Uint16(tables["head"][50:]) == 0 {
		off, end = 2*uint32(binary.BigEndian.Uint16(loca[2*g:])), 2*uint32(binary.BigEndian.Uint16(loca[2*g+2:]))
	} else {
		off, end = binary.BigEndian.Uint32(loca[4*g:]), binary.BigEndian.Uint32(loca[4*g+4:])
	}
	return glyf[off:end]
}

// rawComponents returns, for a composite glyph, the byte positions of its
// component glyph ids; nil for a simple or empty glyph.
func rawComponents(glyph []byte) []int {
	if len(glyph) == 0 || int16(binary.BigEndian.Uint16(glyph)) >= 0 {
		return nil
	}
	var at []int
	for p := 10; ; {
		flags := binary.BigEndian.Uint16(glyph[p:])
		at = append(at, p+2)
		p += 4 + 2
		if flags&1 != 0 {
			p += 2
		}
		if flags&0x08 != 0 {
			p += 2
		} else if flags&0x40 != 0 {
			p += 4
		} else if flags&0x80 != 0 {
			p += 8
		}
		if flags&0x20 == 0 {
			return at
		}
	}
}

// wantGlyphs is the glyph closure a subset of runes must hold: .notdef, each
// rune's glyph and every component, recursively.
func wantGlyphs(t testing.TB, src []byte, runes []rune) int {
	t.Helper()
	sf, err := sfnt.Parse(src)
	if err != nil {
		t.Fatalf("sfnt.Parse(source): %v", err)
	}
	tables := rawTables(t, src)
	var b sfnt.Buffer
	seen := map[int]bool{0: true}
	var todo []int
	for _, r := range runes {
		g, err := sf.GlyphIndex(&b, r)
		if err != nil {
			t.Fatalf("GlyphIndex(%U): %v", r, err)
		}
		if !seen[int(g)] {
			seen[int(g)] = true
			todo = append(todo, int(g))
		}
	}
	for len(todo) > 0 {
		g := todo[0]
		todo = todo[1:]
		glyph := rawGlyph(tables, g)
		for _, p := range rawComponents(glyph) {
			c := int(binary.BigEndian.Uint16(glyph[p:]))
			if !seen[c] {
				seen[c] = true
				todo = append(todo, c)
			}
		}
	}
	return len(seen)
}

// rebuild reassembles an sfnt after edit has changed its tables.
func rebuild(t testing.TB, data []byte, edit func(map[string][]byte)) []byte {
	t.Helper()
	tables := map[string][]byte{}
	for tag, b := range rawTables(t, data) {
		tables[tag] = slices.Clone(b)
	}
	edit(tables)
	var list []table
	for tag, b := range tables {
		list = append(list, table{tag, b})
	}
	slices.SortFunc(list, func(a, b table) int { return strings.Compare(a.tag, b.tag) })
	return assemble(list)
}

// compositeRunes finds BMP runes whose glyph is composite in the source.
func compositeRunes(t testing.TB, n int, lo, hi rune) []rune {
	t.Helper()
	f := mustFont(t)
	tables := rawTables(t, assets.Font())
	var out []rune
	for r := lo; r <= hi && len(out) < n; r++ {
		if g := f.glyphIndex(r); g != 0 && rawComponents(rawGlyph(tables, g)) != nil {
			out = append(out, r)
		}
	}
	if len(out) < n {
		t.Fatalf("found %d composite glyphs in %U..%U, want %d; the font changed?", len(out), lo, hi, n)
	}
	return out
}

func runeRange(lo, hi, step rune) []rune {
	var out []rune
	for r := lo; r <= hi; r += step {
		out = append(out, r)
	}
	return out
}

// sampleRunes spans the font: Latin, digits, CJK and full-width punctuation,
// ideographs across the URO block, and composite glyphs.
func sampleRunes(t testing.TB) []rune {
	rs := runeRange(0x20, 0x7E, 1)
	rs = append(rs, []rune("（）“”‘’、。，：；《》【】·—…￥¥©")...)
	rs = append(rs, runeRange(0xFF01, 0xFF5E, 3)...)
	rs = append(rs, runeRange(0x4E00, 0x9FA5, 71)...)
	rs = append(rs, compositeRunes(t, 10, 0xC0, 0x17F)...)
	rs = append(rs, compositeRunes(t, 20, 0x4E00, 0x9FA5)...)
	return rs
}

// checkSameGlyphs compares, for every rune, the outline and advance in the
// subset with the source.
func checkSameGlyphs(t *testing.T, src, sub []byte, runes []rune) {
	t.Helper()
	of, err := sfnt.Parse(src)
	if err != nil {
		t.Fatalf("sfnt.Parse(source): %v", err)
	}
	sf, err := sfnt.Parse(sub)
	if err != nil {
		t.Fatalf("sfnt.Parse(subset): %v", err)
	}
	otb, stb := rawTables(t, src), rawTables(t, sub)
	ppem := fixed.I(int(of.UnitsPerEm()))
	var ob, sb sfnt.Buffer
	check := func(label string, og, sg sfnt.GlyphIndex) {
		t.Helper()
		oseg, err := of.LoadGlyph(&ob, og, ppem, nil)
		if err != nil {
			t.Fatalf("%s: source LoadGlyph(%d): %v", label, og, err)
		}
		sseg, err := sf.LoadGlyph(&sb, sg, ppem, nil)
		if err != nil {
			t.Fatalf("%s: subset LoadGlyph(%d): %v", label, sg, err)
		}
		if !slices.Equal(sseg, oseg) {
			t.Errorf("%s: outline got %d segments %v, want %d segments %v", label, len(sseg), head(sseg), len(oseg), head(oseg))
		}
		oadv, err := of.GlyphAdvance(&ob, og, ppem, font.HintingNone)
		if err != nil {
			t.Fatalf("%s: source GlyphAdvance: %v", label, err)
		}
		sadv, err := sf.GlyphAdvance(&sb, sg, ppem, font.HintingNone)
		if err != nil {
			t.Fatalf("%s: subset GlyphAdvance: %v", label, err)
		}
		if sadv != oadv {
			t.Errorf("%s: advance got %v, want %v", label, sadv, oadv)
		}
	}
	check(".notdef", 0, 0)
	checkSameBytes(t, ".notdef", otb, stb, 0, 0)
	for _, r := range runes {
		og, err := of.GlyphIndex(&ob, r)
		if err != nil {
			t.Fatalf("source GlyphIndex(%U): %v", r, err)
		}
		sg, err := sf.GlyphIndex(&sb, r)
		if err != nil {
			t.Fatalf("subset GlyphIndex(%U): %v", r, err)
		}
		if (og == 0) != (sg == 0) {
			t.Errorf("%U %q: subset glyph %d, source glyph %d: mapped in one but not the other", r, r, sg, og)
			continue
		}
		if og != 0 {
			check(string(r), og, sg)
			checkSameBytes(t, string(r), otb, stb, int(og), int(sg))
		}
	}
}

// checkSameBytes compares what sfnt does not expose: the hmtx entry (left
// side bearing included) and the glyph bytes (instructions included), with
// component ids masked since they are renumbered.
func checkSameBytes(t *testing.T, label string, otb, stb map[string][]byte, og, sg int) {
	t.Helper()
	if got, want := rawMetric(stb, sg), rawMetric(otb, og); got != want {
		t.Errorf("%s: hmtx (advance, lsb) got %v, want %v", label, got, want)
	}
	mask := func(g []byte) []byte {
		g = slices.Clone(g)
		for _, p := range rawComponents(g) {
			g[p], g[p+1] = 0, 0
		}
		return g
	}
	// The subset pads glyphs to 4 bytes; the source may not.
	got, want := mask(rawGlyph(stb, sg)), mask(rawGlyph(otb, og))
	if len(got) >= len(want) && len(got)-len(want) < 4 && !bytes.ContainsFunc(got[len(want):], func(r rune) bool { return r != 0 }) {
		got = got[:len(want)]
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: glyph bytes differ: got %d bytes, want %d", label, len(got), len(want))
	}
}

// rawMetric reads glyph g's (advance, lsb), sharing the last advance past
// numberOfHMetrics.
func rawMetric(tb map[string][]byte, g int) [2]uint16 {
	hmtx := tb["hmtx"]
	nh := int(binary.BigEndian.Uint16(tb["hhea"][34:]))
	if g < nh {
		return [2]uint16{binary.BigEndian.Uint16(hmtx[4*g:]), binary.BigEndian.Uint16(hmtx[4*g+2:])}
	}
	return [2]uint16{binary.BigEndian.Uint16(hmtx[4*nh-4:]), binary.BigEndian.Uint16(hmtx[4*nh+2*(g-nh):])}
}

func head(s sfnt.Segments) sfnt.Segments { return s[:min(len(s), 3)] }

func TestSubsetKeepsOutlinesAndMetrics(t *testing.T) {
	f := mustFont(t)
	src := assets.Font()
	sample := sampleRunes(t)
	if len(sample) < 300 {
		t.Fatalf("sample has %d runes, want a few hundred", len(sample))
	}

	// Fixtures built from small subsets, for source layouts the real font
	// does not have.
	cjk := simpleSameAdvanceIdeographs(t, 20)
	base := mustSubset(t, f, append([]rune("Aa1"), cjk...))
	shortLoca := rebuild(t, base, toShortLoca)
	sharedAdv := rebuild(t, base, func(tb map[string][]byte) { shareTrailingAdvances(t, tb) })
	nested := nestedComposite(t)
	transforms := transformedComposite(t)

	tests := []struct {
		name  string
		src   []byte
		runes []rune
	}{
		{"latin and digits", src, []rune("Hello, World! 0123456789 ¥80.00 330000-SS-0001")},
		{"CJK punctuation and full-width forms", src, append([]rune("（）“”、。：；《》"), runeRange(0xFF01, 0xFF5E, 1)...)},
		{"sample across the font", src, sample},
		{"duplicates and runes the font lacks", src, []rune("受理受理\U00020BB7\U00013000回执\U0010FFFF")},
		{"beyond the BMP, cmap format 12", src, []rune("A受\U00010400\U00010428\U0001D30C")},
		{"nothing", src, nil},
		{"source with short loca", shortLoca, append([]rune("a1"), cjk[5:15]...)},
		{"source with numberOfHMetrics < numGlyphs", sharedAdv, append([]rune("A"), cjk[3:]...)},
		{"source with nested composite", nested, []rune("\u4e04x")},
		{"composite with scale, x/y scale, 2x2 and instructions", transforms, []rune("x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := Parse(tt.src)
			if err != nil {
				t.Fatalf("Parse(source): %v", err)
			}
			sub := mustSubset(t, src, tt.runes)
			checkSameGlyphs(t, tt.src, sub, tt.runes)
			sf, err := sfnt.Parse(sub)
			if err != nil {
				t.Fatalf("sfnt.Parse(subset): %v", err)
			}
			if got, want := sf.NumGlyphs(), wantGlyphs(t, tt.src, tt.runes); got != want {
				t.Errorf("subset has %d glyphs, want %d (.notdef + glyphs + components)", got, want)
			}
		})
	}
}

// simpleSameAdvanceIdeographs returns n ideographs with simple (not
// composite) glyphs that share one advance, so a fixture can fold their
// advances into a shorter hmtx.
func simpleSameAdvanceIdeographs(t testing.TB, n int) []rune {
	t.Helper()
	f := mustFont(t)
	tables := rawTables(t, assets.Font())
	adv, _ := f.metric(f.glyphIndex('一'))
	var out []rune
	for r := rune(0x4E00); r <= 0x9FA5 && len(out) < n; r += 13 {
		g := f.glyphIndex(r)
		if a, _ := f.metric(g); g != 0 && a == adv && rawComponents(rawGlyph(tables, g)) == nil {
			out = append(out, r)
		}
	}
	if len(out) < n {
		t.Fatalf("found %d simple ideographs of advance %d, want %d", len(out), adv, n)
	}
	return out
}

// toShortLoca rewrites a long-loca font to the short format.
func toShortLoca(tb map[string][]byte) {
	long := tb["loca"]
	short := make([]byte, len(long)/2)
	for i := range len(long) / 4 {
		binary.BigEndian.PutUint16(short[2*i:], uint16(binary.BigEndian.Uint32(long[4*i:])/2))
	}
	tb["loca"] = short
	binary.BigEndian.PutUint16(tb["head"][50:], 0)
}

// shareTrailingAdvances folds the trailing run of equal advances into the
// last long metric, as fonts with numberOfHMetrics < numGlyphs do.
func shareTrailingAdvances(t testing.TB, tb map[string][]byte) {
	hmtx := tb["hmtx"]
	n := len(hmtx) / 4
	adv := func(g int) uint16 { return binary.BigEndian.Uint16(hmtx[4*g:]) }
	m := n - 1
	for m > 0 && adv(m-1) == adv(n-1) {
		m--
	}
	keep := m + 1 // glyph m carries the shared advance
	if keep > n-3 {
		t.Fatalf("only %d trailing glyphs share an advance; the fixture would not exercise the short hmtx", n-keep)
	}
	short := slices.Clone(hmtx[:4*keep])
	for g := keep; g < n; g++ {
		short = append(short, hmtx[4*g+2:4*g+4]...)
	}
	tb["hmtx"] = short
	binary.BigEndian.PutUint16(tb["hhea"][34:], uint16(keep))
}

// nestedComposite builds a font where 丄 (a composite) uses À (itself a
// composite) as its first component; the real font nests no composites.
func nestedComposite(t testing.TB) []byte {
	t.Helper()
	base := mustSubset(t, mustFont(t), []rune("À\u4e04x"))
	sf, err := sfnt.Parse(base)
	if err != nil {
		t.Fatalf("sfnt.Parse: %v", err)
	}
	var b sfnt.Buffer
	agrave, _ := sf.GlyphIndex(&b, 'À')
	shang, _ := sf.GlyphIndex(&b, '\u4e04')
	return rebuild(t, base, func(tb map[string][]byte) {
		g := rawGlyph(tb, int(shang))
		at := rawComponents(g)
		if len(at) < 2 || rawComponents(rawGlyph(tb, int(agrave))) == nil {
			t.Fatalf("fixture: 丄 has %d components, À composite=%v; want 2+ and true", len(at), rawComponents(rawGlyph(tb, int(agrave))) != nil)
		}
		binary.BigEndian.PutUint16(g[at[0]:], uint16(agrave))
	})
}

// transformedComposite builds a font whose 'x' is a composite using every
// transform the real font lacks (WE_HAVE_A_SCALE, WE_HAVE_A_TWO_BY_TWO) besides
// word arguments, an x/y scale and trailing instructions.
func transformedComposite(t testing.TB) []byte {
	t.Helper()
	base := mustSubset(t, mustFont(t), []rune("Aax"))
	sf, err := sfnt.Parse(base)
	if err != nil {
		t.Fatalf("sfnt.Parse: %v", err)
	}
	var b sfnt.Buffer
	gA, _ := sf.GlyphIndex(&b, 'A')
	ga, _ := sf.GlyphIndex(&b, 'a')
	gx, _ := sf.GlyphIndex(&b, 'x')
	u16 := func(v ...uint16) []byte {
		var out []byte
		for _, x := range v {
			out = binary.BigEndian.AppendUint16(out, x)
		}
		return out
	}
	const xy, words, scale, more, xyScale, twoByTwo, instr = 0x0002, 0x0001, 0x0008, 0x0020, 0x0040, 0x0080, 0x0100
	var g []byte
	g = append(g, u16(0xFFFF, 0, 0, 1500, 1500)...)                                                   // numberOfContours -1, bbox
	g = append(g, u16(xy|scale|more, uint16(gA), 0x0AFB, 0x2000)...)                                  // byte args (10,-5), scale 0.5
	g = append(g, u16(xy|words|twoByTwo|more, uint16(ga), 300, 0xFF38, 0x4000, 0, 0x1000, 0x3000)...) // word args (300,-200), 2x2
	g = append(g, u16(xy|xyScale|instr, uint16(gA), 0x0000, 0x2000, 0x6000)...)                       // x/y scale 0.5, 1.5
	g = append(g, u16(3)...)
	g = append(g, 0xB0, 0x01, 0x2F) // instructions, copied verbatim
	return rebuild(t, base, func(tb map[string][]byte) { replaceGlyph(tb, int(gx), g) })
}

// replaceGlyph swaps glyph g's bytes in a long-loca font.
func replaceGlyph(tb map[string][]byte, g int, data []byte) {
	n := len(tb["loca"])/4 - 1
	var glyf, loca []byte
	for i := range n {
		loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
		if i == g {
			glyf = append(glyf, data...)
		} else {
			glyf = append(glyf, rawGlyph(tb, i)...)
		}
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
	}
	tb["loca"] = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
	tb["glyf"] = glyf
}

func TestSubsetTables(t *testing.T) {
	f := mustFont(t)
	src := rawTables(t, assets.Font())
	tests := []struct {
		name      string
		runes     []rune
		wantTags  string
		wantCmaps []string
	}{
		{"BMP only", []rune("受理回执 ABC"), "OS/2 cmap cvt  fpgm gasp glyf head hhea hmtx loca maxp name post prep", []string{"3/1/4"}},
		{"with a rune beyond the BMP", []rune("受\U00010400"), "OS/2 cmap cvt  fpgm gasp glyf head hhea hmtx loca maxp name post prep", []string{"3/1/4", "3/10/12"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := mustSubset(t, f, tt.runes)
			be := binary.BigEndian
			n := int(be.Uint16(out[4:]))
			var tags []string
			for i := range n {
				rec := out[12+16*i:]
				tag := string(rec[:4])
				tags = append(tags, tag)
				off, l := int(be.Uint32(rec[8:])), int(be.Uint32(rec[12:]))
				if off%4 != 0 || off+l > len(out) {
					t.Errorf("%s: offset %d length %d in a %d-byte file, want 4-aligned and inside", tag, off, l, len(out))
					continue
				}
				data := slices.Clone(out[off : off+l])
				if tag == "head" {
					be.PutUint32(data[8:], 0)
				}
				if got, want := be.Uint32(rec[4:]), checksum(data); got != want {
					t.Errorf("%s: directory checksum got %#x, want %#x", tag, got, want)
				}
			}
			if got := strings.Join(tags, " "); got != tt.wantTags {
				t.Errorf("tables got %q, want %q", got, tt.wantTags)
			}
			pow := 1
			for pow*2 <= n {
				pow *= 2
			}
			if got, want := [3]uint16{be.Uint16(out[6:]), be.Uint16(out[8:]), be.Uint16(out[10:])},
				[3]uint16{uint16(16 * pow), uint16(bits(pow)), uint16(16*n - 16*pow)}; got != want {
				t.Errorf("searchRange/entrySelector/rangeShift got %v, want %v", got, want)
			}
			if got := checksum(out); got != 0xB1B0AFBA {
				t.Errorf("whole-file checksum got %#x, want 0xB1B0AFBA (checkSumAdjustment wrong)", got)
			}

			tb := rawTables(t, out)
			numGlyphs := be.Uint16(tb["maxp"][4:])
			if got, want := be.Uint16(tb["hhea"][34:]), numGlyphs; got != want {
				t.Errorf("hhea.numberOfHMetrics got %d, want numGlyphs %d", got, want)
			}
			if got, want := len(tb["hmtx"]), 4*int(numGlyphs); got != want {
				t.Errorf("hmtx length got %d, want %d", got, want)
			}
			if got, want := be.Uint16(tb["head"][50:]), uint16(1); got != want {
				t.Errorf("head.indexToLocFormat got %d, want %d", got, want)
			}
			if got, want := len(tb["loca"]), 4*(int(numGlyphs)+1); got != want {
				t.Errorf("loca length got %d, want %d", got, want)
			}
			if got, want := be.Uint32(tb["post"]), uint32(0x00030000); got != want {
				t.Errorf("post version got %#x, want %#x", got, want)
			}
			if got, want := tb["post"][4:16], src["post"][4:16]; !bytes.Equal(got, want) {
				t.Errorf("post italicAngle..isFixedPitch got % x, want % x", got, want)
			}
			maxp := slices.Clone(tb["maxp"])
			be.PutUint16(maxp[4:], be.Uint16(src["maxp"][4:]))
			if !bytes.Equal(maxp, src["maxp"]) {
				t.Errorf("maxp besides numGlyphs got % x, want % x", maxp, src["maxp"])
			}
			for _, tag := range []string{"OS/2", "name", "cvt ", "fpgm", "prep", "gasp"} {
				if !bytes.Equal(tb[tag], src[tag]) {
					t.Errorf("%s: got %d bytes, want a verbatim copy of %d bytes", tag, len(tb[tag]), len(src[tag]))
				}
			}
			cmap := tb["cmap"]
			var cmaps []string
			for i := range int(be.Uint16(cmap[2:])) {
				rec := cmap[4+8*i:]
				cmaps = append(cmaps, strings.Join([]string{itoa(be.Uint16(rec)), itoa(be.Uint16(rec[2:])), itoa(be.Uint16(cmap[be.Uint32(rec[4:]):]))}, "/"))
			}
			if !slices.Equal(cmaps, tt.wantCmaps) {
				t.Errorf("cmap subtables (platform/encoding/format) got %v, want %v", cmaps, tt.wantCmaps)
			}
		})
	}
}

func bits(pow int) int {
	n := 0
	for ; pow > 1; pow >>= 1 {
		n++
	}
	return n
}

func itoa(v uint16) string { return strconv.Itoa(int(v)) }

func TestMissingAndHas(t *testing.T) {
	f := mustFont(t)
	// Preconditions: the runes the cases call missing really are.
	for _, r := range []rune{0x20BB7, 0x13000} {
		if f.Has(r) {
			t.Fatalf("font has %U; pick another missing rune for this test", r)
		}
	}
	missingTests := []struct {
		in   string
		want []rune
	}{
		{"", nil},
		{"受理回执 ABC ¥80.00（容缺）：“告知承诺”", nil},
		{"第一行\n第二行\r\n\t缩进\u2028\x00\x7f\u0085", nil},
		{"吉\U00020BB7祥\U00020BB7", []rune{0x20BB7}},
		{"\U00013000a\U00020BB7b\U00013000", []rune{0x13000, 0x20BB7}},
	}
	for _, tt := range missingTests {
		if got := f.Missing(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Missing(%q) got %U, want %U", tt.in, got, tt.want)
		}
	}
	hasTests := []struct {
		r    rune
		want bool
	}{
		{'A', true}, {'受', true}, {'（', true}, {'￥', true}, {0x10400, true},
		{0x20BB7, false}, {0x13000, false}, {-1, false}, {0x110000, false}, {0xFFFF, false},
	}
	for _, tt := range hasTests {
		if got := f.Has(tt.r); got != tt.want {
			t.Errorf("Has(%U) got %v, want %v", tt.r, got, tt.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	real := assets.Font()
	withVersion := func(v string) []byte {
		b := slices.Clone(real[:4096])
		copy(b, v)
		return b
	}
	tests := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"empty", nil, "not a font"},
		{"garbage", []byte("this is not a font at all, just some text"), "not a TrueType font"},
		{"OTTO", withVersion("OTTO"), "CFF"},
		{"collection", withVersion("ttcf"), "collections"},
		{"truncated in directory", real[:100], "table directory"},
		{"truncated in tables", real[:4096], "past the end"},
		{"last table cut by one byte", real[:tablesEnd(real)-1], "past the end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse got (%v, %v), want error containing %q", f != nil, err, tt.wantErr)
			}
		})
	}

	// 'true' is Apple's TrueType tag; it must be accepted like 0x00010000.
	apple := slices.Clone(real)
	copy(apple, "true")
	if _, err := Parse(apple); err != nil {
		t.Errorf("Parse with sfnt version 'true' got %v, want nil", err)
	}
}

// tablesEnd is where the last table ends; the file may hold padding after it.
func tablesEnd(data []byte) int {
	end := 0
	for i := range int(binary.BigEndian.Uint16(data[4:])) {
		rec := data[12+16*i:]
		end = max(end, int(binary.BigEndian.Uint32(rec[8:])+binary.BigEndian.Uint32(rec[12:])))
	}
	return end
}

func TestSubsetRejectsBrokenGlyphs(t *testing.T) {
	base := mustSubset(t, mustFont(t), []rune("À受"))
	tests := []struct {
		name    string
		edit    func(map[string][]byte)
		wantErr string
	}{
		{"loca past glyf", func(tb map[string][]byte) {
			binary.BigEndian.PutUint32(tb["loca"][len(tb["loca"])-4:], 1<<30)
		}, "outside glyf"},
		{"component out of range", func(tb map[string][]byte) {
			for g := range len(tb["loca"])/4 - 1 {
				if at := rawComponents(rawGlyph(tb, g)); at != nil {
					binary.BigEndian.PutUint16(rawGlyph(tb, g)[at[0]:], 0xFFF0)
					return
				}
			}
			t.Fatal("fixture has no composite glyph")
		}, "out of range"},
		{"loca going backwards", func(tb map[string][]byte) {
			binary.BigEndian.PutUint32(tb["loca"][4:], uint32(len(tb["glyf"])))
		}, "outside glyf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(rebuild(t, base, tt.edit))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			out, err := f.Subset([]rune("À受"))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Subset got (%d bytes, %v), want error containing %q", len(out), err, tt.wantErr)
			}
		})
	}
}

var fuzzRunes = []rune("Aaé受理回执（）\n\U00010400\U0001D30C\u4e04")

func FuzzParse(f *testing.F) {
	// A small seed keeps the fuzzer fast: a few glyphs (one composite, one
	// beyond the BMP) without hinting tables or names.
	base, err := mustFont(f).Subset([]rune("A\u00c0\u4e04\U00010400"))
	if err != nil {
		f.Fatal(err)
	}
	small := rebuild(f, base, func(tb map[string][]byte) {
		for _, tag := range []string{"cvt ", "fpgm", "prep", "gasp"} {
			delete(tb, tag)
		}
		tb["name"] = make([]byte, 6)
	})
	f.Add(small)
	f.Add(small[:len(small)/2])
	apple := slices.Clone(small)
	copy(apple, "true")
	f.Add(apple)
	f.Add([]byte("OTTO\x00\x01\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("ttcf"))
	f.Add([]byte("\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		font, err := Parse(data)
		if err != nil {
			return
		}
		font.Has('A')
		font.Missing("受理 \U00010400\n")
		out, err := font.Subset(fuzzRunes)
		if err != nil {
			return
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(Subset(x)) = %v; a subset must always parse", err)
		}
		if again.numGlyphs > font.numGlyphs {
			t.Fatalf("subset has %d glyphs, source %d", again.numGlyphs, font.numGlyphs)
		}
		if _, err := again.Subset(fuzzRunes); err != nil {
			t.Fatalf("Subset(Subset(x)) = %v; a subset must subset again", err)
		}
	})
}
