package printing

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/boombuler/barcode/qr"
	"github.com/jung-kurt/gofpdf"
)

// Layout is a paper format a document can be printed on.
type Layout string

// Layouts.
const (
	A4     Layout = "a4"     // office printer, 210 × 297 mm
	Roll80 Layout = "roll80" // thermal receipt printer, 80 mm roll, page as long as the content
)

// geometry of a layout, in millimetres.
type geometry struct {
	pageW, margin   float64
	base            float64 // body text size, points
	line            float64 // body line height
	qr              float64 // QR code side
	fixedHeight     float64 // 0: the page is as long as the content (roll)
	footer          float64 // space kept for the page footer (A4)
	labelW          float64 // width of the label column of key–value rows
	headingSize     float64
	subheadingSize  float64
	smallSize       float64
	tableHeaderFill int // grey level of table headers (A4 only; roll has no tables)
}

var geometries = map[Layout]geometry{
	A4:     {pageW: 210, margin: 18, base: 10.5, line: 6, qr: 30, fixedHeight: 297, footer: 16, labelW: 30, headingSize: 18, subheadingSize: 12, smallSize: 9, tableHeaderFill: 242},
	Roll80: {pageW: 80, margin: 4, base: 8.5, line: 4.4, qr: 30, labelW: 17, headingSize: 13, subheadingSize: 9.5, smallSize: 7.5},
}

// A block is one vertical piece of a document: it knows its height at a
// width and draws itself at the current position.
type block interface {
	height(r *renderer) float64
	draw(r *renderer)
	// texts returns every string the block can draw, fixed words included:
	// the document's font is cut down to exactly these characters.
	texts() []string
}

// renderer draws blocks on a gofpdf document with one font.
type renderer struct {
	pdf  *gofpdf.Fpdf
	g    geometry
	w    float64 // body width
	used strings.Builder
}

func (r *renderer) size(pt float64) { r.pdf.SetFont(fontFamily, "", pt) }

// text records every string drawn, so the font check sees exactly what is
// printed.
func (r *renderer) cell(w, h float64, s, align string) {
	r.used.WriteString(s)
	r.pdf.CellFormat(w, h, s, "", 0, align, false, 0, "")
}

func (r *renderer) lines(s string, w float64) []string { return wrap(r.pdf, s, w) }

type heading struct{ text, sub string }

func (b heading) texts() []string { return []string{b.text, b.sub} }

func (b heading) height(r *renderer) float64 {
	h := r.g.headingSize * 0.55
	if b.sub != "" {
		h += r.g.line
	}
	return h + 2
}

func (b heading) draw(r *renderer) {
	x, y := r.pdf.GetXY()
	r.size(r.g.headingSize)
	r.cell(r.w, r.g.headingSize*0.55, b.text, "C")
	if b.sub != "" {
		r.size(r.g.smallSize)
		r.pdf.SetXY(x, y+r.g.headingSize*0.55)
		r.cell(r.w, r.g.line, b.sub, "C")
	}
	r.pdf.SetXY(x, y+b.height(r))
}

// header is the small line above the title: the hall and the print time.
type header struct{ left, right string }

func (b header) texts() []string { return []string{b.left, b.right} }

func (b header) height(r *renderer) float64 {
	if r.g.fixedHeight == 0 { // roll: two centred lines
		return 2 * r.g.line * 0.85
	}
	return r.g.line
}

func (b header) draw(r *renderer) {
	x, y := r.pdf.GetXY()
	r.size(r.g.smallSize)
	r.pdf.SetTextColor(80, 80, 80)
	if r.g.fixedHeight == 0 {
		r.cell(r.w, r.g.line*0.85, b.left, "C")
		r.pdf.SetXY(x, y+r.g.line*0.85)
		r.cell(r.w, r.g.line*0.85, b.right, "C")
	} else {
		r.cell(r.w/2, r.g.line, b.left, "L")
		r.cell(r.w/2, r.g.line, b.right, "R")
	}
	r.pdf.SetTextColor(0, 0, 0)
	r.pdf.SetXY(x, y+b.height(r))
}

// qrBlock is the tracking code as a QR code with the code in large type
// beside it (A4) or under it (roll).
type qrBlock struct {
	code, caption string // caption: the grouped code
	note          string
}

func (b qrBlock) texts() []string { return []string{"查询码 ", b.caption, b.note} }

func (b qrBlock) height(r *renderer) float64 {
	if r.g.fixedHeight == 0 {
		return r.g.qr + 2*r.g.line + float64(len(r.lines(b.note, r.w)))*r.g.line*0.9 + 2
	}
	return r.g.qr + 3
}

func (b qrBlock) draw(r *renderer) {
	x, y := r.pdf.GetXY()
	qx := x
	if r.g.fixedHeight == 0 {
		qx = x + (r.w-r.g.qr)/2
	}
	drawQR(r.pdf, b.code, qx, y, r.g.qr)
	if r.g.fixedHeight == 0 {
		r.pdf.SetXY(x, y+r.g.qr+1)
		r.size(r.g.subheadingSize)
		r.cell(r.w, r.g.line, "查询码 "+b.caption, "C")
		r.pdf.SetXY(x, y+r.g.qr+1+r.g.line*1.2)
		r.size(r.g.smallSize)
		for i, l := range r.lines(b.note, r.w) {
			r.pdf.SetXY(x, y+r.g.qr+1+r.g.line*1.2+float64(i)*r.g.line*0.9)
			r.cell(r.w, r.g.line*0.9, l, "C")
		}
	} else {
		tx := x + r.g.qr + 6
		r.pdf.SetXY(tx, y+4)
		r.size(r.g.smallSize)
		r.cell(r.w-r.g.qr-6, r.g.line, "查询码", "L")
		r.pdf.SetXY(tx, y+4+r.g.line)
		r.size(r.g.headingSize)
		r.cell(r.w-r.g.qr-6, 10, b.caption, "L")
		r.size(r.g.smallSize)
		for i, l := range r.lines(b.note, r.w-r.g.qr-6) {
			r.pdf.SetXY(tx, y+4+r.g.line+11+float64(i)*r.g.line*0.9)
			r.cell(r.w-r.g.qr-6, r.g.line*0.9, l, "L")
		}
	}
	r.pdf.SetXY(x, y+b.height(r))
}

// drawQR draws a QR code as vector squares: sharp at any printer resolution
// and nothing to re-encode as an image.
func drawQR(pdf *gofpdf.Fpdf, content string, x, y, side float64) {
	code, err := qr.Encode(content, qr.M, qr.AlphaNumeric)
	if err != nil {
		if code, err = qr.Encode(content, qr.M, qr.Auto); err != nil {
			pdf.SetError(fmt.Errorf("qr code: %w", err))
			return
		}
	}
	n := code.Bounds().Dx()
	const quiet = 2 // modules of quiet zone inside the given side
	m := side / float64(n+2*quiet)
	pdf.SetFillColor(0, 0, 0)
	for row := 0; row < n; row++ {
		for col := 0; col < n; {
			if r, _, _, _ := code.At(col, row).RGBA(); r != 0 {
				col++
				continue
			}
			run := col
			for run < n {
				if r, _, _, _ := code.At(run, row).RGBA(); r != 0 {
					break
				}
				run++
			}
			pdf.Rect(x+float64(col+quiet)*m, y+float64(row+quiet)*m, float64(run-col)*m+0.01, m+0.01, "F")
			col = run
		}
	}
}

// section is a shaded section title.
type section string

func (b section) texts() []string { return []string{"【】 ", string(b)} }

func (b section) height(r *renderer) float64 { return r.g.line*1.3 + 2 }

func (b section) draw(r *renderer) {
	x, y := r.pdf.GetXY()
	r.pdf.SetXY(x, y+1.5)
	r.size(r.g.subheadingSize)
	if r.g.fixedHeight == 0 {
		r.cell(r.w, r.g.line*1.3, "【"+string(b)+"】", "L")
	} else {
		r.pdf.SetFillColor(232, 240, 250)
		r.pdf.Rect(x, y+1.5, r.w, r.g.line*1.3, "F")
		r.cell(r.w, r.g.line*1.3, " "+string(b), "L")
	}
	r.pdf.SetXY(x, y+b.height(r))
}

// kv is a label–value row; the value wraps under itself.
type kv struct{ label, value string }

func (b kv) texts() []string { return []string{b.label, b.value} }

func (b kv) height(r *renderer) float64 {
	r.size(r.g.base)
	return float64(len(r.lines(b.value, r.w-r.g.labelW))) * r.g.line
}

func (b kv) draw(r *renderer) {
	x, y := r.pdf.GetXY()
	r.size(r.g.base)
	r.pdf.SetTextColor(90, 90, 90)
	r.cell(r.g.labelW, r.g.line, b.label, "L")
	r.pdf.SetTextColor(0, 0, 0)
	for i, l := range r.lines(b.value, r.w-r.g.labelW) {
		r.pdf.SetXY(x+r.g.labelW, y+float64(i)*r.g.line)
		r.cell(r.w-r.g.labelW, r.g.line, l, "L")
	}
	r.pdf.SetXY(x, y+b.height(r))
}

// para is running text.
type para struct {
	text  string
	small bool
	align string
}

func (b para) texts() []string { return []string{b.text} }

func (b para) fontSize(r *renderer) float64 {
	if b.small {
		return r.g.smallSize
	}
	return r.g.base
}

func (b para) height(r *renderer) float64 {
	r.size(b.fontSize(r))
	lh := r.g.line * b.fontSize(r) / r.g.base
	return float64(len(r.lines(b.text, r.w)))*lh + 1
}

func (b para) draw(r *renderer) {
	x, y := r.pdf.GetXY()
	r.size(b.fontSize(r))
	lh := r.g.line * b.fontSize(r) / r.g.base
	align := b.align
	if align == "" {
		align = "L"
	}
	for i, l := range r.lines(b.text, r.w) {
		r.pdf.SetXY(x, y+float64(i)*lh)
		r.cell(r.w, lh, l, align)
	}
	r.pdf.SetXY(x, y+b.height(r))
}

// table is a bordered table; widths are fractions of the body width.
type table struct {
	cols  []string
	width []float64
	rows  [][]string
	align []string // per column, "L" when nil: numbers read best right-aligned
}

func (b table) colW(r *renderer, i int) float64 { return b.width[i] * r.w }

func (b table) texts() []string {
	out := append([]string{"： · "}, b.cols...)
	for _, row := range b.rows {
		out = append(out, row...)
	}
	return out
}

func (b table) rowHeight(r *renderer, cells []string) float64 {
	n := 1
	for i, c := range cells {
		n = max(n, len(r.lines(c, b.colW(r, i))))
	}
	return float64(n)*r.g.line*0.95 + 1
}

// rollRows turns the table into one paragraph per row for roll paper,
// where columns would be a few characters wide: "名称：类型 · 日期".
func (b table) rollRows() []para {
	out := make([]para, 0, len(b.rows))
	for _, row := range b.rows {
		text := row[0]
		if len(row) > 1 {
			text += "：" + strings.Join(row[1:], " · ")
		}
		out = append(out, para{text: text})
	}
	return out
}

func (b table) height(r *renderer) float64 {
	r.size(r.g.base)
	if r.g.fixedHeight == 0 {
		h := 1.0
		for _, p := range b.rollRows() {
			h += p.height(r)
		}
		return h
	}
	h := b.rowHeight(r, b.cols)
	for _, row := range b.rows {
		h += b.rowHeight(r, row)
	}
	return h + 1
}

// draw draws the table; on A4 a row that does not fit starts a new page and
// the header is repeated there.
func (b table) draw(r *renderer) {
	r.size(r.g.base)
	if r.g.fixedHeight == 0 {
		for _, p := range b.rollRows() {
			p.draw(r)
		}
		r.pdf.SetXY(r.g.margin, r.pdf.GetY()+1)
		return
	}
	r.pdf.SetDrawColor(120, 120, 120)
	r.pdf.SetLineWidth(0.2)
	b.drawRow(r, b.cols, true)
	for _, row := range b.rows {
		if r.g.fixedHeight > 0 && r.pdf.GetY()+b.rowHeight(r, row) > r.g.fixedHeight-r.g.footer {
			r.newPage()
			r.size(r.g.base)
			b.drawRow(r, b.cols, true)
		}
		b.drawRow(r, row, false)
	}
	r.pdf.SetXY(r.g.margin, r.pdf.GetY()+1)
}

func (b table) drawRow(r *renderer, cells []string, head bool) {
	x, y := r.g.margin, r.pdf.GetY()
	h := b.rowHeight(r, cells)
	for i, c := range cells {
		w := b.colW(r, i)
		if head {
			r.pdf.SetFillColor(r.g.tableHeaderFill, r.g.tableHeaderFill, r.g.tableHeaderFill)
			r.pdf.Rect(x, y, w, h, "FD")
		} else {
			r.pdf.Rect(x, y, w, h, "D")
		}
		align := "L"
		if !head && i < len(b.align) {
			align = b.align[i]
		}
		for j, l := range r.lines(c, w) {
			r.pdf.SetXY(x, y+0.5+float64(j)*r.g.line*0.95)
			r.cell(w, r.g.line*0.95, l, align)
		}
		x += w
	}
	r.pdf.SetXY(r.g.margin, y+h)
}

// signature is a line for a handwritten signature and date.
type signature struct{ who string }

func (b signature) texts() []string { return []string{b.who, "：日期"} }

func (b signature) height(r *renderer) float64 { return r.g.line*3 + 2 }

func (b signature) draw(r *renderer) {
	x, y := r.pdf.GetXY()
	r.size(r.g.base)
	y += r.g.line * 1.5
	half := r.w / 2
	if r.g.fixedHeight == 0 {
		half = r.w
	}
	r.pdf.SetXY(x, y)
	r.cell(r.g.labelW+8, r.g.line, b.who+"：", "L")
	r.pdf.Line(x+r.g.labelW+8, y+r.g.line, x+half-4, y+r.g.line)
	if r.g.fixedHeight == 0 {
		y += r.g.line * 1.5
		r.pdf.SetXY(x, y)
		r.cell(r.g.labelW+8, r.g.line, "日期：", "L")
		r.pdf.Line(x+r.g.labelW+8, y+r.g.line, x+r.w, y+r.g.line)
	} else {
		r.pdf.SetXY(x+half, y)
		r.cell(16, r.g.line, "日期：", "L")
		r.pdf.Line(x+half+16, y+r.g.line, x+r.w, y+r.g.line)
	}
	r.pdf.SetXY(x, y+r.g.line*1.5+2)
}

// gap is vertical space.
type gap float64

func (b gap) texts() []string          { return nil }
func (b gap) height(*renderer) float64 { return float64(b) }
func (b gap) draw(r *renderer)         { r.pdf.SetXY(r.g.margin, r.pdf.GetY()+float64(b)) }

func (r *renderer) newPage() {
	if r.g.fixedHeight == 0 {
		return
	}
	r.pdf.AddPage()
	r.pdf.SetXY(r.g.margin, r.g.margin)
}

// render lays the blocks out on the layout's pages.
func (r *renderer) render(blocks []block) {
	r.w = r.g.pageW - 2*r.g.margin
	r.size(r.g.base)
	if r.g.fixedHeight == 0 {
		h := 2 * r.g.margin
		for _, b := range blocks {
			h += b.height(r)
		}
		r.pdf.AddPageFormat("P", gofpdf.SizeType{Wd: r.g.pageW, Ht: h + 6}) // +6: the cutter's margin
		r.pdf.SetXY(r.g.margin, r.g.margin)
	} else {
		r.pdf.AddPage()
		r.pdf.SetXY(r.g.margin, r.g.margin)
	}
	for _, b := range blocks {
		if _, isTable := b.(table); !isTable && r.g.fixedHeight > 0 &&
			r.pdf.GetY()+b.height(r) > r.g.fixedHeight-r.g.footer {
			r.newPage()
		}
		b.draw(r)
	}
}

// sealArea is where the issuer's seal goes, with the issuer's name and the
// date under it (a seal covers both in Chinese practice). When the service
// point configured a seal image it is placed there, captioned as exactly
// that — an image, not a cryptographic electronic signature (电子签章 under
// 电子签名法 needs a certificate this kiosk does not hold).
type sealArea struct {
	issuer, date string
	png          []byte
}

// sealImageCaption marks a printed seal image for what it is.
const sealImageCaption = "电子印章图像（非电子签章）"

func (b sealArea) texts() []string {
	return []string{b.issuer, b.date, "（盖章）", sealImageCaption}
}

func (b sealArea) side(r *renderer) float64 {
	if r.g.fixedHeight == 0 {
		return 30
	}
	return 38
}

func (b sealArea) height(r *renderer) float64 { return b.side(r) + r.g.line + 4 }

func (b sealArea) draw(r *renderer) {
	x, y := r.pdf.GetXY()
	side := b.side(r)
	w := min(r.w, side+30)
	bx := x + r.w - w // right-aligned on A4 and roll alike
	cx, cy := bx+w/2, y+side/2+1
	if len(b.png) > 0 {
		opt := gofpdf.ImageOptions{ImageType: "PNG", ReadDpi: false}
		info := r.pdf.RegisterImageOptionsReader("seal", opt, bytes.NewReader(b.png))
		if info != nil {
			r.pdf.ImageOptions("seal", cx-side/2, cy-side/2, side, side, false, opt, 0, "")
		}
	} else {
		r.pdf.SetDrawColor(150, 150, 150)
		r.pdf.SetLineWidth(0.2)
		r.pdf.SetDashPattern([]float64{1, 1}, 0)
		r.pdf.Circle(cx, cy, side/2, "D")
		r.pdf.SetDashPattern([]float64{}, 0)
		r.pdf.SetDrawColor(0, 0, 0)
	}
	r.size(r.g.base)
	n := 0
	for _, l := range []string{b.issuer, "（盖章）", b.date} {
		for _, part := range r.lines(l, w) {
			r.pdf.SetXY(bx, cy-r.g.line*1.5+float64(n)*r.g.line)
			r.cell(w, r.g.line, part, "C")
			n++
		}
	}
	if len(b.png) > 0 {
		r.size(r.g.smallSize)
		r.pdf.SetXY(bx, y+side+2)
		r.cell(w, r.g.line, sealImageCaption, "C")
	}
	r.pdf.SetXY(x, y+b.height(r))
}
