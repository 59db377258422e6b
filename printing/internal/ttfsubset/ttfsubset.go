// Package ttfsubset parses a glyf-based TrueType font once and cuts, per
// document, a small standalone TrueType font holding only the glyphs that
// document draws. gofpdf parses the whole font handed to AddUTF8FontFromBytes
// and walks every glyph again at output; with the 49,531-glyph CJK font that
// costs ~45 ms per document, while for a subset of a few hundred glyphs only
// gofpdf's fixed per-document overhead remains.
//
// The subset keeps .notdef, the requested glyphs and the components of
// composite glyphs, with unchanged outlines, hinting and metrics, so text
// widths and the font descriptor gofpdf derives from it are the same as with
// the full font.
//
// What gofpdf v1.16.2 reads: sfnt version 0x00010000 or 'true' (it rejects
// OTTO and ttcf); the tables name, head (unitsPerEm, bbox, indexToLocFormat),
// hhea (ascender, descender, numberOfHMetrics), OS/2 (fsType, weight,
// sTypoAscender/Descender, sCapHeight; optional), post (italicAngle,
// underline, isFixedPitch), maxp (numGlyphs), hmtx, loca and glyf; and from
// cmap only the first format 4 subtable of platform (3,1) or platform 0.
// Consequently runes beyond the BMP cannot be printed through gofpdf even when
// the font has them: gofpdf encodes text as 16-bit codes (Identity-H with a
// 64K CIDToGIDMap), mis-encodes 4-byte UTF-8 into two wrong codes, and its
// GetStringWidth indexes past its width table for U+10000. Subset still
// includes such glyphs and adds a (3,10) format 12 subtable, which gofpdf
// ignores, so the font itself stays correct for other readers; callers that
// print with gofpdf must keep non-BMP runes out of their text.
package ttfsubset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"unicode"
)

// Font is a TrueType font parsed once; safe for concurrent use after Parse.
type Font struct {
	head, hhea, maxp, os2, name, post []byte
	hmtx, loca, glyf                  []byte
	// hinting tables copied verbatim; they do not refer to glyph ids.
	cvt, fpgm, prep, gasp []byte

	numGlyphs   int
	numHMetrics int
	longLoca    bool

	// cmapFormat is 4 or 12; cmapSub runs from the chosen subtable's start
	// to the end of the cmap table, because format 4's 16-bit length field
	// is unreliable in large fonts.
	cmapFormat int
	cmapSub    []byte
}

const (
	sfntTrueType = 0x00010000
	sfntTrue     = 0x74727565 // 'true', Apple TrueType
	sfntOTTO     = 0x4F54544F // 'OTTO', CFF outlines
	sfntTTC      = 0x74746366 // 'ttcf', font collection
)

var be = binary.BigEndian

// Parse reads a TrueType (glyf-based, 'true' or 0x00010000 sfnt version) font.
// It rejects CFF/OTTO and collections (ttc) with a clear error. The Font keeps
// references into data, which must not be modified afterwards.
func Parse(data []byte) (*Font, error) {
	if len(data) < 12 {
		return nil, errors.New("ttfsubset: not a font: shorter than the 12-byte sfnt header")
	}
	switch v := be.Uint32(data); v {
	case sfntTrueType, sfntTrue:
	case sfntOTTO:
		return nil, errors.New("ttfsubset: CFF-based OpenType (OTTO) fonts are not supported, only glyf TrueType")
	case sfntTTC:
		return nil, errors.New("ttfsubset: font collections (ttc) are not supported, extract one face first")
	default:
		return nil, fmt.Errorf("ttfsubset: not a TrueType font (sfnt version %#08x)", v)
	}
	numTables := int(be.Uint16(data[4:]))
	if 12+16*numTables > len(data) {
		return nil, fmt.Errorf("ttfsubset: table directory of %d tables runs past the end of the data", numTables)
	}
	tables := make(map[string][]byte, numTables)
	for i := range numTables {
		rec := data[12+16*i:]
		tag := string(rec[:4])
		off, length := uint64(be.Uint32(rec[8:])), uint64(be.Uint32(rec[12:]))
		if off+length > uint64(len(data)) {
			return nil, fmt.Errorf("ttfsubset: table %q (offset %d, length %d) runs past the end of the data (%d bytes)", tag, off, length, len(data))
		}
		if _, dup := tables[tag]; !dup {
			tables[tag] = data[off : off+length : off+length]
		}
	}
	f := &Font{
		os2: tables["OS/2"], cvt: tables["cvt "], fpgm: tables["fpgm"], prep: tables["prep"], gasp: tables["gasp"],
	}
	if _, ok := tables["CFF "]; ok && tables["glyf"] == nil {
		return nil, errors.New("ttfsubset: font has CFF outlines, only glyf TrueType is supported")
	}
	// Minimum sizes are what Parse, Subset and gofpdf read from each table.
	for _, req := range []struct {
		tag string
		min int
		dst *[]byte
	}{
		{"head", 54, &f.head}, {"hhea", 36, &f.hhea}, {"maxp", 6, &f.maxp}, {"post", 32, &f.post},
		{"name", 6, &f.name}, {"cmap", 4, nil}, {"hmtx", 4, &f.hmtx}, {"loca", 4, &f.loca}, {"glyf", 0, &f.glyf},
	} {
		t, ok := tables[req.tag]
		if !ok {
			return nil, fmt.Errorf("ttfsubset: required table %q is missing", req.tag)
		}
		if len(t) < req.min {
			return nil, fmt.Errorf("ttfsubset: table %q is %d bytes, want at least %d", req.tag, len(t), req.min)
		}
		if req.dst != nil {
			*req.dst = t
		}
	}
	if be.Uint16(f.head[18:]) == 0 {
		return nil, errors.New("ttfsubset: head.unitsPerEm is 0")
	}
	switch be.Uint16(f.head[50:]) {
	case 0:
	case 1:
		f.longLoca = true
	default:
		return nil, fmt.Errorf("ttfsubset: unknown head.indexToLocFormat %d", int16(be.Uint16(f.head[50:])))
	}
	if g := be.Uint16(f.head[52:]); g != 0 {
		return nil, fmt.Errorf("ttfsubset: unknown head.glyphDataFormat %d", g)
	}
	f.numGlyphs = int(be.Uint16(f.maxp[4:]))
	if f.numGlyphs == 0 {
		return nil, errors.New("ttfsubset: maxp.numGlyphs is 0 (no .notdef)")
	}
	f.numHMetrics = int(be.Uint16(f.hhea[34:]))
	if f.numHMetrics == 0 || f.numHMetrics > f.numGlyphs {
		return nil, fmt.Errorf("ttfsubset: hhea.numberOfHMetrics %d outside 1..numGlyphs (%d)", f.numHMetrics, f.numGlyphs)
	}
	if want := 4*f.numHMetrics + 2*(f.numGlyphs-f.numHMetrics); len(f.hmtx) < want {
		return nil, fmt.Errorf("ttfsubset: hmtx is %d bytes, want %d for %d glyphs", len(f.hmtx), want, f.numGlyphs)
	}
	entry := 2
	if f.longLoca {
		entry = 4
	}
	if want := entry * (f.numGlyphs + 1); len(f.loca) < want {
		return nil, fmt.Errorf("ttfsubset: loca is %d bytes, want %d for %d glyphs", len(f.loca), want, f.numGlyphs)
	}
	if err := f.pickCmap(tables["cmap"]); err != nil {
		return nil, err
	}
	return f, nil
}

// pickCmap chooses the widest Unicode subtable the package can read: a format
// 12 for full Unicode, else a format 4 for the BMP.
func (f *Font) pickCmap(cmap []byte) error {
	n := int(be.Uint16(cmap[2:]))
	if 4+8*n > len(cmap) {
		return fmt.Errorf("ttfsubset: cmap has %d encoding records, more than fit in %d bytes", n, len(cmap))
	}
	best := 0
	for i := range n {
		rec := cmap[4+8*i:]
		pid, eid, off := be.Uint16(rec), be.Uint16(rec[2:]), uint64(be.Uint32(rec[4:]))
		if off+2 > uint64(len(cmap)) {
			continue
		}
		sub := cmap[off:]
		format := int(be.Uint16(sub))
		unicodeFull := (pid == 3 && eid == 10) || (pid == 0 && (eid == 4 || eid == 6))
		unicodeBMP := (pid == 3 && eid == 1) || (pid == 0 && eid <= 3)
		switch {
		case format == 12 && (unicodeFull || unicodeBMP) && best < 12:
			if len(sub) < 16 || 16+12*uint64(be.Uint32(sub[12:])) > uint64(len(sub)) {
				continue
			}
			f.cmapFormat, f.cmapSub, best = 12, sub, 12
		case format == 4 && unicodeBMP && best < 4:
			if len(sub) < 14 || 16+8*int(be.Uint16(sub[6:])/2) > len(sub) {
				continue
			}
			f.cmapFormat, f.cmapSub, best = 4, sub, 4
		}
	}
	if best == 0 {
		return errors.New("ttfsubset: cmap has no usable Unicode subtable (format 4 or 12)")
	}
	return nil
}

// glyphIndex maps r through the font's cmap; 0 means .notdef (not mapped).
func (f *Font) glyphIndex(r rune) int {
	if r < 0 || r > unicode.MaxRune {
		return 0
	}
	c := uint32(r)
	var g int
	switch f.cmapFormat {
	case 12:
		sub := f.cmapSub
		n := int(be.Uint32(sub[12:])) // checked against len(sub) in pickCmap
		i, j := 0, n
		for i < j {
			h := int(uint(i+j) >> 1)
			grp := sub[16+12*h:]
			start, end := be.Uint32(grp), be.Uint32(grp[4:])
			switch {
			case c < start:
				j = h
			case c > end:
				i = h + 1
			default:
				g64 := uint64(be.Uint32(grp[8:])) + uint64(c-start)
				if g64 >= uint64(f.numGlyphs) {
					return 0
				}
				return int(g64)
			}
		}
		return 0
	case 4:
		if c > 0xFFFF {
			return 0
		}
		sub := f.cmapSub
		segs := int(be.Uint16(sub[6:]) / 2)
		ends, starts, deltas, ranges := 14, 16+2*segs, 16+4*segs, 16+6*segs
		// First segment whose endCode >= c.
		i, j := 0, segs
		for i < j {
			h := int(uint(i+j) >> 1)
			if uint32(be.Uint16(sub[ends+2*h:])) < c {
				i = h + 1
			} else {
				j = h
			}
		}
		if i == segs {
			return 0
		}
		start := uint32(be.Uint16(sub[starts+2*i:]))
		if c < start {
			return 0
		}
		delta := be.Uint16(sub[deltas+2*i:])
		ro := int(be.Uint16(sub[ranges+2*i:]))
		if ro == 0 {
			g = int(uint16(c) + delta)
		} else {
			p := ranges + 2*i + ro + 2*int(c-start)
			if p+2 > len(sub) {
				return 0
			}
			raw := be.Uint16(sub[p:])
			if raw == 0 {
				return 0
			}
			g = int(raw + delta)
		}
	}
	if g >= f.numGlyphs {
		return 0
	}
	return g
}

// Has reports whether the font's cmap maps r to a glyph other than .notdef.
func (f *Font) Has(r rune) bool { return f.glyphIndex(r) != 0 }

// Missing returns the distinct runes of s, in order of first appearance, that the font
// cannot draw. Line breaks, tabs and other control characters are not reported.
func (f *Font) Missing(s string) []rune {
	var missing []rune
	var seen map[rune]bool
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || f.Has(r) || seen[r] {
			continue
		}
		if seen == nil {
			seen = map[rune]bool{}
		}
		seen[r] = true
		missing = append(missing, r)
	}
	return missing
}

// glyph returns glyph g's bytes in glyf, empty for a glyph without outline.
func (f *Font) glyph(g int) (off, end int, err error) {
	if f.longLoca {
		off, end = int(be.Uint32(f.loca[4*g:])), int(be.Uint32(f.loca[4*g+4:]))
	} else {
		off, end = 2*int(be.Uint16(f.loca[2*g:])), 2*int(be.Uint16(f.loca[2*g+2:]))
	}
	if off > end || end > len(f.glyf) {
		return 0, 0, fmt.Errorf("ttfsubset: glyph %d: loca range %d..%d outside glyf (%d bytes)", g, off, end, len(f.glyf))
	}
	if end-off > 0 && end-off < 10 {
		return 0, 0, fmt.Errorf("ttfsubset: glyph %d: %d bytes, shorter than a glyph header", g, end-off)
	}
	return off, end, nil
}

// Composite glyph flags (OpenType glyf table).
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
	// WE_HAVE_INSTRUCTIONS (0x0100): instructions follow the last component;
	// they are copied with the rest of the glyph and need no rewriting.
)

// metric returns glyph g's hmtx entry; glyphs past numberOfHMetrics share
// the last advance and keep their own left side bearing.
func (f *Font) metric(g int) (advance, lsb uint16) {
	if g < f.numHMetrics {
		return be.Uint16(f.hmtx[4*g:]), be.Uint16(f.hmtx[4*g+2:])
	}
	return be.Uint16(f.hmtx[4*(f.numHMetrics-1):]), be.Uint16(f.hmtx[4*f.numHMetrics+2*(g-f.numHMetrics):])
}

// mapping is one cmap entry of the subset: rune r draws new glyph gid.
type mapping struct {
	r   rune
	gid int
}

// Subset returns a standalone TrueType font with .notdef (glyph 0), the glyphs of the
// given runes the font has (others are ignored, duplicates fine), and all components of
// composite glyphs (recursively), renumbered compactly.
//
// New glyph ids follow rune order, so runs of consecutive runes become single
// cmap segments. Subset fails only on a damaged glyph, or when the BMP runes
// need more than ~8,000 separate segments, more than a format 4 subtable can
// hold and far more than any document draws. U+FFFF is never mapped.
func (f *Font) Subset(runes []rune) ([]byte, error) {
	rs := slices.Clone(runes)
	slices.Sort(rs)
	rs = slices.Compact(rs)

	newID := map[int]int{0: 0}
	order := []int{0} // order[new id] = old id
	assign := func(old int) int {
		id, ok := newID[old]
		if !ok {
			id = len(order)
			newID[old] = id
			order = append(order, old)
		}
		return id
	}
	var maps []mapping
	for _, r := range rs {
		if g := f.glyphIndex(r); g != 0 {
			maps = append(maps, mapping{r, assign(g)})
		}
	}

	// order grows while composites pull in their components. glyph checks
	// off <= end, which makes loca non-decreasing, so glyphs never overlap and
	// the copy is bounded by the source glyf.
	size := 0
	for _, old := range order {
		if off, end, err := f.glyph(old); err == nil {
			size += end - off + 3
		}
	}
	glyf := make([]byte, 0, size+size/4) // room for some components
	locaOut := make([]uint32, 0, len(order)+1)
	for i := 0; i < len(order); i++ {
		off, end, err := f.glyph(order[i])
		if err != nil {
			return nil, err
		}
		at := len(glyf)
		locaOut = append(locaOut, uint32(at))
		glyf = append(glyf, f.glyf[off:end]...)
		if end > off {
			if err := f.renumberComponents(glyf[at:], order[i], assign); err != nil {
				return nil, err
			}
		}
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
	}
	locaOut = append(locaOut, uint32(len(glyf)))

	n := len(order)
	hmtx := make([]byte, 4*n)
	for i, old := range order {
		adv, lsb := f.metric(old)
		be.PutUint16(hmtx[4*i:], adv)
		be.PutUint16(hmtx[4*i+2:], lsb)
	}
	loca := make([]byte, 4*len(locaOut))
	for i, o := range locaOut {
		be.PutUint32(loca[4*i:], o)
	}
	cmap, err := buildCmap(maps)
	if err != nil {
		return nil, err
	}

	head := slices.Clone(f.head[:54])
	be.PutUint32(head[8:], 0) // checkSumAdjustment, set once the file is assembled
	be.PutUint16(head[50:], 1)
	hhea := slices.Clone(f.hhea)
	be.PutUint16(hhea[34:], uint16(n))
	maxp := slices.Clone(f.maxp)
	be.PutUint16(maxp[4:], uint16(n))
	// post format 3.0 has no glyph names; keep italicAngle, underline and
	// isFixedPitch, drop the memory hints which described the full font.
	post := make([]byte, 32)
	be.PutUint32(post, 0x00030000)
	copy(post[4:16], f.post[4:16])

	tables := []table{
		{"OS/2", f.os2}, {"cmap", cmap}, {"cvt ", f.cvt}, {"fpgm", f.fpgm}, {"gasp", f.gasp},
		{"glyf", glyf}, {"head", head}, {"hhea", hhea}, {"hmtx", hmtx}, {"loca", loca},
		{"maxp", maxp}, {"name", f.name}, {"post", post}, {"prep", f.prep},
	}
	return assemble(tables), nil
}

// renumberComponents rewrites, in place, the component glyph ids of the
// composite glyph g (a copy of its bytes), assigning new ids to components not
// yet in the subset. Simple glyphs are left alone.
func (f *Font) renumberComponents(g []byte, old int, assign func(int) int) error {
	if int16(be.Uint16(g)) >= 0 {
		return nil
	}
	p := 10
	for {
		if p+4 > len(g) {
			return fmt.Errorf("ttfsubset: composite glyph %d: component record runs past the glyph", old)
		}
		flags := be.Uint16(g[p:])
		comp := int(be.Uint16(g[p+2:]))
		if comp >= f.numGlyphs {
			return fmt.Errorf("ttfsubset: composite glyph %d: component %d out of range (%d glyphs)", old, comp, f.numGlyphs)
		}
		be.PutUint16(g[p+2:], uint16(assign(comp)))
		p += 4
		if flags&argsAreWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&haveTwoByTwo != 0:
			p += 8
		}
		if p > len(g) {
			return fmt.Errorf("ttfsubset: composite glyph %d: component record runs past the glyph", old)
		}
		if flags&moreComponents == 0 {
			return nil
		}
	}
}

// buildCmap writes a cmap with a (3,1) format 4 subtable for the BMP and, when
// any rune is beyond it, a (3,10) format 12 subtable for everything. maps is
// sorted by rune.
func buildCmap(maps []mapping) ([]byte, error) {
	// Format 4: one idDelta segment per run of consecutive runes with
	// consecutive glyph ids. U+FFFF belongs to the mandatory final segment.
	type seg struct{ start, end, gid int }
	var segs []seg
	wide := false
	for _, m := range maps {
		if m.r > 0xFFFF {
			wide = true
			continue
		}
		if m.r == 0xFFFF {
			continue
		}
		if k := len(segs) - 1; k >= 0 && int(m.r) == segs[k].end+1 && m.gid == segs[k].gid+int(m.r)-segs[k].start {
			segs[k].end++
			continue
		}
		segs = append(segs, seg{int(m.r), int(m.r), m.gid})
	}
	segs = append(segs, seg{0xFFFF, 0xFFFF, 0}) // maps to glyph 0 via idDelta 1
	sc := len(segs)
	length4 := 16 + 8*sc
	if length4 > 0xFFFF {
		return nil, fmt.Errorf("ttfsubset: %d cmap segments do not fit a format 4 subtable", sc)
	}
	numSub := 1
	if wide {
		numSub = 2
	}
	out := make([]byte, 4+8*numSub, 4+8*numSub+length4)
	be.PutUint16(out[2:], uint16(numSub))
	be.PutUint16(out[4:], 3)
	be.PutUint16(out[6:], 1)
	be.PutUint32(out[8:], uint32(len(out)))

	sub := make([]byte, length4)
	be.PutUint16(sub[0:], 4)
	be.PutUint16(sub[2:], uint16(length4))
	be.PutUint16(sub[6:], uint16(2*sc))
	pow := 1
	sel := 0
	for pow*2 <= sc {
		pow *= 2
		sel++
	}
	be.PutUint16(sub[8:], uint16(2*pow))
	be.PutUint16(sub[10:], uint16(sel))
	be.PutUint16(sub[12:], uint16(2*sc-2*pow))
	ends, starts, deltas := 14, 16+2*sc, 16+4*sc // idRangeOffsets stay 0
	for i, s := range segs {
		be.PutUint16(sub[ends+2*i:], uint16(s.end))
		be.PutUint16(sub[starts+2*i:], uint16(s.start))
		delta := uint16(s.gid - s.start)
		if s.start == 0xFFFF {
			delta = 1
		}
		be.PutUint16(sub[deltas+2*i:], delta)
	}
	out = append(out, sub...)
	if !wide {
		return out, nil
	}

	be.PutUint16(out[12:], 3)
	be.PutUint16(out[14:], 10)
	be.PutUint32(out[16:], uint32(len(out)))
	type group struct {
		start, end rune
		gid        int
	}
	var groups []group
	for _, m := range maps {
		if k := len(groups) - 1; k >= 0 && m.r == groups[k].end+1 && m.gid == groups[k].gid+int(m.r-groups[k].start) {
			groups[k].end++
			continue
		}
		groups = append(groups, group{m.r, m.r, m.gid})
	}
	sub12 := make([]byte, 16+12*len(groups))
	be.PutUint16(sub12[0:], 12)
	be.PutUint32(sub12[4:], uint32(len(sub12)))
	be.PutUint32(sub12[12:], uint32(len(groups)))
	for i, g := range groups {
		be.PutUint32(sub12[16+12*i:], uint32(g.start))
		be.PutUint32(sub12[20+12*i:], uint32(g.end))
		be.PutUint32(sub12[24+12*i:], uint32(g.gid))
	}
	return append(out, sub12...), nil
}

type table struct {
	tag  string
	data []byte
}

// assemble writes the sfnt: directory, tables 4-byte aligned, checksums and
// head.checkSumAdjustment. tables must be sorted by tag; nil ones are left out.
func assemble(all []table) []byte {
	var tables []table
	size := 0
	for _, t := range all {
		if t.data != nil {
			tables = append(tables, t)
			size += (len(t.data) + 3) &^ 3
		}
	}
	n := len(tables)
	dir := 12 + 16*n
	out := make([]byte, dir, dir+size)
	be.PutUint32(out, sfntTrueType)
	be.PutUint16(out[4:], uint16(n))
	pow, sel := 1, 0
	for pow*2 <= n {
		pow *= 2
		sel++
	}
	be.PutUint16(out[6:], uint16(16*pow))
	be.PutUint16(out[8:], uint16(sel))
	be.PutUint16(out[10:], uint16(16*n-16*pow))
	headAt := -1
	for i, t := range tables {
		rec := out[12+16*i:]
		copy(rec, t.tag)
		be.PutUint32(rec[4:], checksum(t.data))
		be.PutUint32(rec[8:], uint32(len(out)))
		be.PutUint32(rec[12:], uint32(len(t.data)))
		if t.tag == "head" {
			headAt = len(out)
		}
		out = append(out, t.data...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	if headAt >= 0 {
		be.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	}
	return out
}

// checksum is the sfnt table checksum: the sum of big-endian uint32s, the
// last one zero-padded.
func checksum(b []byte) uint32 {
	var sum uint32
	for len(b) >= 4 {
		sum += be.Uint32(b)
		b = b[4:]
	}
	if len(b) > 0 {
		var last [4]byte
		copy(last[:], b)
		sum += be.Uint32(last[:])
	}
	return sum
}
