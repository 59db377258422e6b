// Package xlsx writes report tables as an Excel workbook
// (github.com/xuri/excelize/v2): a sheet per table, counts and rates as
// numbers with their formats, days as dates, the header row frozen and
// the columns as wide as their Chinese text. It is its own package so
// that the kiosk, which prints tables but never sends spreadsheets, does
// not carry excelize.
package xlsx

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/yichuang/yichuang/app/report"
	"github.com/yichuang/yichuang/app/workday"
)

// Props are the workbook's document properties (File › Info in Excel).
type Props struct {
	Title, Subject, Description string
	// Creator is who exported it: the staff member, so a file found on a
	// shared drive says whose it was.
	Creator string
	Created time.Time
}

// Number formats. Dates are ISO days rather than Excel's built-in 14,
// which each PC shows in its own locale's order.
const (
	fmtInteger  = "0"
	fmtPercent  = "0.00%"
	fmtDays     = "0.0"
	fmtDate     = "yyyy-mm-dd"
	fmtDateTime = "yyyy-mm-dd hh:mm"
)

// Write writes tables as one workbook, a sheet each, in their order.
func Write(w io.Writer, p Props, tables ...*report.Table) error {
	if len(tables) == 0 {
		return fmt.Errorf("xlsx: no tables")
	}
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for i, t := range tables {
		if err := t.Check(); err != nil {
			return err
		}
		name := sheetName(t.Name, names)
		if i == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
				return fmt.Errorf("xlsx: name sheet: %w", err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("xlsx: add sheet: %w", err)
		}
		if err := writeSheet(f, name, t, st); err != nil {
			return fmt.Errorf("xlsx: sheet %s: %w", name, err)
		}
	}
	created := p.Created.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{Title: p.Title, Subject: p.Subject, Description: p.Description,
		Creator: p.Creator, LastModifiedBy: p.Creator, Created: created, Modified: created, Language: "zh-CN"}); err != nil {
		return fmt.Errorf("xlsx: document properties: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("xlsx: write: %w", err)
	}
	return nil
}

type styles struct {
	header int
	kind   map[report.Kind]int
}

func newStyles(f *excelize.File) (styles, error) {
	st := styles{kind: map[report.Kind]int{}}
	var err error
	st.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8ECF2"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "7F8A99", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	if err != nil {
		return st, fmt.Errorf("xlsx: header style: %w", err)
	}
	for k, code := range map[report.Kind]string{report.Integer: fmtInteger, report.Percent: fmtPercent, report.Days: fmtDays, report.Average: fmtDays,
		report.Date: fmtDate, report.DateTime: fmtDateTime} {
		code := code
		if st.kind[k], err = f.NewStyle(&excelize.Style{CustomNumFmt: &code}); err != nil {
			return st, fmt.Errorf("xlsx: number format %s: %w", code, err)
		}
	}
	return st, nil
}

// writeSheet streams a table into its sheet: a county's case list runs to
// tens of thousands of rows, and the stream writer holds one row at a time.
func writeSheet(f *excelize.File, name string, t *report.Table, st styles) error {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for j, w := range widths(t) {
		if err := sw.SetColWidth(j+1, j+1, w); err != nil {
			return err
		}
	}
	// The header stays in view while scrolling down a long table.
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	head := make([]any, len(t.Columns))
	for j, c := range t.Columns {
		head[j] = excelize.Cell{StyleID: st.header, Value: c.Header}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	row := make([]any, len(t.Columns))
	for i := range t.Rows {
		for j, c := range t.Columns {
			v := t.Value(i, j)
			if tm, ok := v.(time.Time); ok {
				// Excel has no time zones: the cell holds Beijing's wall
				// clock, what the page shows.
				b := tm.In(workday.China)
				v = time.Date(b.Year(), b.Month(), b.Day(), b.Hour(), b.Minute(), 0, 0, time.UTC)
				if c.Kind == report.Date {
					v = time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
				}
			}
			// Text stays a string cell: excelize never writes it as a
			// formula, so "=…" from a kiosk is shown, not run, and the
			// apostrophe CSV needs would only be noise here.
			row[j] = excelize.Cell{StyleID: st.kind[c.Kind], Value: v}
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if t.Note != "" {
		cell, _ := excelize.CoordinatesToCellName(1, len(t.Rows)+3)
		if err := sw.SetRow(cell, []any{t.Note}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// widths fits each column to its longest text, counting a CJK character
// as two (Excel's width unit is one digit of the default font), within
// bounds: a long note wraps rather than make a column a screen wide. The
// first rows decide, which is enough to size a column of like values.
func widths(t *report.Table) []float64 {
	const sample = 2000
	out := make([]float64, len(t.Columns))
	for j, c := range t.Columns {
		w := textWidth(c.Header)
		for i := 0; i < len(t.Rows) && i < sample; i++ {
			w = max(w, textWidth(t.Text(i, j)))
		}
		out[j] = min(max(float64(w)+2, 8), 60)
	}
	return out
}

func textWidth(s string) int {
	w := 0
	for _, r := range s {
		if utf8.RuneLen(r) >= 3 && r >= 0x1100 { // CJK, full-width forms
			w += 2
		} else {
			w++
		}
	}
	return w
}

// sheetName is a valid, unique sheet name: at most 31 characters, none of
// : \ / ? * [ ].
func sheetName(name string, used map[string]bool) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" {
		name = "表"
	}
	if r := []rune(name); len(r) > 31 {
		name = string(r[:31])
	}
	base := name
	for n := 2; used[name]; n++ {
		suffix := fmt.Sprintf("(%d)", n)
		r := []rune(base)
		name = string(r[:min(len(r), 31-len(suffix))]) + suffix
	}
	used[name] = true
	return name
}
