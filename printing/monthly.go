package printing

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/report"
	"github.com/yichuang/yichuang/app/workday"
)

// MonthlyInput is what a county's monthly report (政务服务月度报告) holds:
// a cover, then one section per table, each with an optional bar chart.
// Whoever has figures adds a Section; the report knows none of them.
type MonthlyInput struct {
	County    string    // "长兴县行政服务中心"
	Month     time.Time // any moment of the month, Beijing
	Generated time.Time
	Sections  []Section
}

// Section is a part of the report: a title, a line saying what it shows,
// a chart and a table (either may be nil).
type Section struct {
	Title string
	Intro string
	Chart *BarChart
	Table *report.Table
}

// BarChart is one series as horizontal bars: labels are long Chinese
// names (service points, matters), which read well beside a bar and not
// under one.
type BarChart struct {
	Title  string
	Labels []string
	Values []float64
	// Unit follows each value ("件").
	Unit string
	// Texts, when given, are the values as printed beside the bars, one
	// per value: a rate as sync/figures rounds it ("33.33%"), the same
	// text as the table under the chart.
	Texts []string
}

// maxBars is how many bars a chart draws; the table under it has every
// row.
const maxBars = 24

// MonthlyReport writes the report as A4 pages: the cover, then the
// sections, long tables carried over to the next page with their header
// repeated, every page numbered "第 n 页 / 共 N 页".
func MonthlyReport(w io.Writer, in MonthlyInput) (Meta, error) {
	m := in.Month.In(workday.China)
	month := fmt.Sprintf("%d年%d月", m.Year(), int(m.Month()))
	title := in.County + " " + month + " 政务服务月度报告"
	b := []block{
		gap(50),
		heading{in.County, ""},
		gap(4),
		heading{month + " 政务服务月度报告", ""},
		gap(30),
		kv{"统计月份", fmt.Sprintf("%d-%02d（%s）", m.Year(), int(m.Month()), month)},
		kv{"生成时间", in.Generated.In(workday.China).Format("2006-01-02 15:04")},
	}
	var toc []string
	for i, s := range in.Sections {
		toc = append(toc, fmt.Sprintf("%d. %s", i+1, s.Title))
	}
	if len(toc) > 0 {
		b = append(b, kv{"内容", strings.Join(toc, "\n")})
	}
	b = append(b, gap(10), para{text: "本报告由县级政务服务后台根据各服务点上报的数据自动生成；个人信息不出现在本报告中。", small: true})
	for i, s := range in.Sections {
		if s.Table != nil {
			if err := s.Table.Check(); err != nil {
				return Meta{}, fmt.Errorf("monthly report: %w", err)
			}
		}
		b = append(b, pageBreak{}, section(fmt.Sprintf("%d. %s", i+1, s.Title)))
		if s.Intro != "" {
			b = append(b, para{text: s.Intro, small: true})
		}
		if s.Chart != nil && len(s.Chart.Values) > 0 {
			b = append(b, barChart(*s.Chart))
		}
		if s.Table != nil {
			b = append(b, tableOf(s.Table))
			if s.Table.Note != "" {
				b = append(b, para{text: s.Table.Note, small: true})
			}
		}
	}
	return renderDoc(w, A4, title, in.Generated, b)
}

// a4Units is about how many Latin characters (textWidth) of a table's
// text fit across the A4 body with the cells' padding: what the columns
// share out.
const a4Units = 88

// tableOf lays a report table out: numbers right-aligned in columns as
// wide as their widest value, so that a number is never broken over two
// lines ("37.5" over "0%") and a long header such as 平均办理用时（工作日）
// wraps instead; text columns as wide as their longest text (within
// bounds) share what the numbers leave, a long name wrapping rather than
// squeezing the counts.
func tableOf(t *report.Table) table {
	out := table{cols: make([]string, len(t.Columns)), width: make([]float64, len(t.Columns)), align: make([]string, len(t.Columns))}
	var fixed, flex float64
	for j, c := range t.Columns {
		out.cols[j] = c.Header
		out.align[j] = "L"
		if c.Kind != report.Text {
			out.align[j] = "R"
			wide := 0.0
			for i := range t.Rows {
				wide = max(wide, float64(textWidth(t.Shown(i, j))))
			}
			out.width[j] = max(wide+2, 6)
			fixed += out.width[j]
			continue
		}
		wide := float64(textWidth(c.Header))
		for i := range t.Rows {
			wide = max(wide, float64(textWidth(t.Shown(i, j))))
		}
		out.width[j] = min(max(wide, 6), 40)
		flex += out.width[j]
	}
	if room := a4Units - fixed; flex > room && flex > 0 {
		for j, c := range t.Columns {
			if c.Kind == report.Text {
				out.width[j] = max(out.width[j]*room/flex, 6)
			}
		}
	}
	var sum float64
	for _, w := range out.width {
		sum += w
	}
	for j := range out.width {
		out.width[j] /= sum
	}
	for i := range t.Rows {
		row := make([]string, len(t.Columns))
		for j := range t.Columns {
			row[j] = t.Shown(i, j)
		}
		out.rows = append(out.rows, row)
	}
	return out
}

// textWidth counts a CJK character as two Latin ones.
func textWidth(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0x2E80 {
			n++
		}
	}
	return n
}

// pageBreak starts a new page: each section of the report begins on its
// own.
type pageBreak struct{}

func (pageBreak) texts() []string          { return nil }
func (pageBreak) height(*renderer) float64 { return 0 }
func (pageBreak) draw(r *renderer)         { r.newPage() }

// barChart draws a series as horizontal bars with gofpdf's rectangles:
// one blue (Okabe–Ito #0072B2, told apart from the page by people with
// any colour vision, and dark enough to stay a bar when photocopied),
// the value printed at the bar's end so no one reads a length.
type barChart BarChart

func (c barChart) bars() ([]string, []float64) {
	labels, values := c.Labels, c.Values
	if len(values) > maxBars {
		labels, values = labels[:maxBars], values[:maxBars]
	}
	return labels, values
}

func (c barChart) value(i int, v float64) string {
	if i < len(c.Texts) {
		return c.Texts[i]
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if v != math.Trunc(v) {
		s = strconv.FormatFloat(v, 'f', 1, 64)
	}
	return s + c.Unit
}

func (c barChart) texts() []string {
	out := []string{c.Title, fmt.Sprintf("（前 %d 项）", maxBars)}
	labels, values := c.bars()
	out = append(out, labels...)
	for i, v := range values {
		out = append(out, c.value(i, v))
	}
	return out
}

const barH = 5.0

func (c barChart) height(r *renderer) float64 {
	_, values := c.bars()
	return r.g.line + float64(len(values))*barH + 4
}

func (c barChart) draw(r *renderer) {
	x, y := r.pdf.GetXY()
	labels, values := c.bars()
	r.size(r.g.base)
	t := c.Title
	if len(c.Values) > maxBars {
		t += fmt.Sprintf("（前 %d 项）", maxBars)
	}
	r.cell(r.w, r.g.line, t, "L")
	y += r.g.line
	top := 1.0
	for _, v := range values {
		top = max(top, v)
	}
	labelW, valueW := r.w*0.32, 22.0
	barMax := r.w - labelW - valueW
	r.size(r.g.smallSize)
	r.pdf.SetDrawColor(90, 90, 90)
	r.pdf.SetLineWidth(0.2)
	r.pdf.Line(x+labelW, y, x+labelW, y+float64(len(values))*barH)
	for i, v := range values {
		by := y + float64(i)*barH
		r.pdf.SetXY(x, by)
		label := labels[i]
		for label != "" && r.pdf.GetStringWidth(label) > labelW-2 {
			label = string([]rune(label)[:len([]rune(label))-1])
		}
		r.cell(labelW-1, barH, label, "R")
		bw := max(barMax*max(v, 0)/top, 0)
		r.pdf.SetFillColor(0, 114, 178)
		if bw > 0 {
			r.pdf.Rect(x+labelW, by+0.8, bw, barH-1.6, "F")
		}
		r.pdf.SetXY(x+labelW+bw+1, by)
		r.cell(valueW, barH, c.value(i, v), "L")
	}
	r.pdf.SetDrawColor(0, 0, 0)
	r.pdf.SetXY(x, y+float64(len(values))*barH+4)
}
