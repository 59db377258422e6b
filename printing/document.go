// Package printing writes the kiosk's paper — service guides now; receipts,
// notices and queue tickets as their issues land — as PDF to an io.Writer,
// and hands files to the operating system's printer. It never imports Fyne:
// a document is data in, bytes out, testable with pdftotext.
package printing

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"

	"github.com/yichuang/yichuang/assets"
)

// fontFamily is the embedded CJK+Latin font's name inside each PDF. One font
// for every glyph: DroidSansFallback has no Latin (digits became boxes) and
// CFF/TTC fonts fail in gofpdf, which is why assets ships a plain TrueType.
const fontFamily = "wqy"

// page geometry in millimetres (A4 portrait).
const (
	pageW, marginL, marginR, marginT = 210.0, 18.0, 18.0, 16.0
	bodyW                            = pageW - marginL - marginR
)

// newDocument returns an A4 document with the embedded font registered and
// the metadata set; created is fixed so the same input gives the same bytes.
func newDocument(title string, created time.Time) *gofpdf.Fpdf {
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(marginL, marginT, marginR)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AddUTF8FontFromBytes(fontFamily, "", assets.Font())
	pdf.SetTitle(title, true)
	pdf.SetCreator("Yichuang 一窗", true)
	pdf.SetProducer("Yichuang 一窗", true)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCatalogSort(true)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		setFont(pdf, 8)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(bodyW, 5, fmt.Sprintf("第 %d 页 / 共 {nb} 页", pdf.PageNo()), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	return pdf
}

func setFont(pdf *gofpdf.Fpdf, size float64) { pdf.SetFont(fontFamily, "", size) }

// finish writes the document or returns the first error gofpdf recorded
// while building it (it records errors instead of returning them per call).
func finish(pdf *gofpdf.Fpdf, w io.Writer) error {
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("build pdf: %w", err)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

// wrap splits text into lines no wider than w (mm, less the cell padding).
// gofpdf's own MultiCell and SplitText drop the CJK character at which they
// break a line (they treat it like a breaking space), so every multi-line
// text goes through here: any CJK character may end a line, a Latin word is
// kept whole when it fits on a line of its own, and explicit newlines are
// kept.
func wrap(pdf *gofpdf.Fpdf, text string, w float64) []string {
	avail := w - 2*pdf.GetCellMargin()
	var out []string
	for _, para := range strings.Split(text, "\n") {
		r := []rune(para)
		start := 0
		for start < len(r) {
			end, lastBreak := start, -1
			for end < len(r) {
				if pdf.GetStringWidth(string(r[start:end+1])) > avail && end > start {
					break
				}
				if r[end] == ' ' || r[end] > 0x2E80 {
					lastBreak = end + 1 // a break is allowed after this rune
				}
				end++
			}
			if end < len(r) && lastBreak > start && !breakable(r[end]) && !breakable(r[end-1]) {
				end = lastBreak // do not cut a Latin word or number in two
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

// paragraph writes wrapped text at the current position, lineH per line,
// and leaves the cursor at the start of the next line.
func paragraph(pdf *gofpdf.Fpdf, w, lineH float64, text, align string) {
	x := pdf.GetX()
	for _, l := range wrap(pdf, text, w) {
		pdf.SetX(x)
		pdf.CellFormat(w, lineH, l, "", 2, align, false, 0, "")
	}
}
