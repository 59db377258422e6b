// Package printing writes the kiosk's paper — receipts, notices, the written
// commitment, pickup vouchers and service guides — as PDF to an io.Writer,
// in A4 and 80 mm roll layouts, and hands files to the operating system's
// printer. It never imports Fyne: a document is data in, bytes out,
// checked with pdftotext and zbarimg.
package printing

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jung-kurt/gofpdf"
)

// fontFamily is the embedded CJK+Latin font's name inside each PDF. One font
// for every glyph: DroidSansFallback has no Latin (digits became boxes) and
// CFF/TTC fonts fail in gofpdf, which is why assets ships a plain TrueType.
//
// The family's length is chosen so that gofpdf's name for it, "utf8" +
// family, is exactly as long as the PDF/A subset name "ABCDEF+MicroHei":
// archivable renames it in place.
const fontFamily = "wqymicrohei"

// fontSubsetName is the embedded font's name after the subset tag.
const fontSubsetName = "MicroHei"

// renderDoc lays out blocks on a new PDF and writes it. The document's font
// is a subset holding exactly the characters its blocks can draw; anything
// drawn outside that set (a fixed word a block forgot to declare) is caught
// here rather than printed as an empty box.
// Meta describes a rendered document.
type Meta struct {
	Pages int
	// PageHeight is the page length in mm: 297 for A4, the content's own
	// length on roll paper (the printer feeds and cuts exactly that).
	PageHeight float64
}

func renderDoc(w io.Writer, layout Layout, title string, created time.Time, blocks []block) (Meta, error) {
	g, ok := geometries[layout]
	if !ok {
		return Meta{}, fmt.Errorf("print: unknown layout %q", layout)
	}
	var texts []string
	for _, b := range blocks {
		texts = append(texts, b.texts()...)
	}
	font, err := subsetFor(append(texts, title))
	if err != nil {
		return Meta{}, err
	}
	pdf := gofpdf.NewCustom(&gofpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: gofpdf.SizeType{Wd: g.pageW, Ht: max(g.fixedHeight, 100)}})
	pdf.SetMargins(g.margin, g.margin, g.margin)
	pdf.SetAutoPageBreak(false, 0) // blocks break pages themselves
	pdf.SetCellMargin(0.8)
	pdf.AddUTF8FontFromBytes(fontFamily, "", font)
	pdf.SetTitle(title, true)
	pdf.SetCreator("Yichuang 一窗", true)
	pdf.SetProducer("Yichuang 一窗", true)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCatalogSort(true)
	r := &renderer{pdf: pdf, g: g}
	if g.fixedHeight > 0 {
		pdf.AliasNbPages("{nb}")
		pdf.SetFooterFunc(func() {
			pdf.SetXY(g.margin, g.fixedHeight-g.footer+4)
			r.size(g.smallSize)
			pdf.SetTextColor(110, 110, 110)
			pdf.CellFormat(g.pageW-2*g.margin, 5, fmt.Sprintf("第 %d 页 / 共 {nb} 页", pdf.PageNo()), "", 0, "C", false, 0, "")
			pdf.SetTextColor(0, 0, 0)
		})
	}
	r.render(blocks)
	if err := pdf.Error(); err != nil {
		return Meta{}, fmt.Errorf("build pdf: %w", err)
	}
	declared := always + strings.Join(texts, "")
	for _, c := range r.used.String() {
		if !strings.ContainsRune(declared, c) {
			return Meta{}, fmt.Errorf("print %s: drew %q, which no block declared in texts()", title, c)
		}
	}
	_, h := pdf.GetPageSize()
	meta := Meta{Pages: pdf.PageNo(), PageHeight: h}
	var raw bytes.Buffer
	if err := pdf.Output(&raw); err != nil {
		return meta, fmt.Errorf("build pdf: %w", err)
	}
	out, err := archivable(raw.Bytes(), docInfo{Title: title, Created: created,
		FontFrom: "utf8" + fontFamily, FontTo: subsetName(font, fontSubsetName)})
	if err != nil {
		return meta, fmt.Errorf("print %s: %w", title, err)
	}
	if _, err := w.Write(out); err != nil {
		return meta, fmt.Errorf("write pdf: %w", err)
	}
	return meta, nil
}

// wrap splits text into lines no wider than w (mm, less the cell padding).
// gofpdf's own MultiCell and SplitText drop the CJK character at which they
// break a line (they treat it like a breaking space), so every multi-line
// text goes through here: any CJK character may end a line, a Latin word is
// kept whole when it fits on a line of its own, a date, a time or a number
// is never cut (a "2026年12月" / "3日" on two lines of a roll receipt has been
// read as the wrong day), and explicit newlines are kept.
func wrap(pdf *gofpdf.Fpdf, text string, w float64) []string {
	avail := w - 2*pdf.GetCellMargin()
	var out []string
	for _, para := range strings.Split(text, "\n") {
		r := []rune(para)
		inside := unbreakable(para)
		start := 0
		for start < len(r) {
			end, lastBreak := start, -1
			for end < len(r) {
				if pdf.GetStringWidth(string(r[start:end+1])) > avail && end > start {
					break
				}
				if breakable(r[end]) && (end+1 == len(r) || !inside[end+1]) {
					lastBreak = end + 1 // a break is allowed after this rune
				}
				end++
			}
			if end < len(r) && lastBreak > start && (inside[end] || !breakable(r[end]) && !breakable(r[end-1])) {
				end = lastBreak // do not cut a Latin word, a number or a date in two
			}
			out = append(out, strings.TrimRight(string(r[start:end]), " "))
			start = end
			for start < len(r) && r[start] == ' ' {
				start++
			}
		}
		if len(r) == 0 {
			out = append(out, "")
		}
	}
	return out
}

func breakable(r rune) bool { return r == ' ' || r > 0x2E80 }

// reUnbreakable matches what a line must not be broken inside: dates with
// Chinese or numeric separators (with a time after them), times, and
// numbers with their decimal point, thousands separator or percent sign.
var reUnbreakable = regexp.MustCompile(`(?:\d{4}年)?\d{1,2}月\d{1,2}日(?: ?\d{1,2}:\d{2}(?::\d{2})?)?|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?: \d{1,2}:\d{2}(?::\d{2})?)?|\d{4}年\d{1,2}月|\d{1,2}:\d{2}(?::\d{2})?|\d[\d.,]*\d%?|\d%?`)

// unbreakable reports, per rune of s, whether a line may not start there
// because the rune continues a date, time or number begun before it.
func unbreakable(s string) []bool {
	out := make([]bool, utf8.RuneCountInString(s)+1)
	for _, m := range reUnbreakable.FindAllStringIndex(s, -1) {
		from, to := utf8.RuneCountInString(s[:m[0]]), utf8.RuneCountInString(s[:m[1]])
		for i := from + 1; i < to; i++ {
			out[i] = true
		}
	}
	return out
}
