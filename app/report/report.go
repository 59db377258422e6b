// Package report provides tables as the county shows and sends them: a
// title, typed columns (text, integer, percent, working days, date) and
// rows, written as CSV that Excel on Windows opens in Chinese, or handed
// to the Excel writer (report/xlsx) and the monthly report PDF
// (printing.MonthlyReport). A page that shows a table builds one Table
// and every format is written from it, so what is exported is what the
// page shows, masking included.
package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/figures"
)

// Kind says what a column holds, so that spreadsheets get numbers as
// numbers and dates as dates rather than text.
type Kind int

// Column kinds and the Go values their cells hold (nil is an empty cell
// in any column). A figures.Value (the dashboard's figures, 满意率) goes
// into an Integer, Percent or Average column as it stands: its own
// rounding is kept, so the page, the CSV, the workbook and the PDF show
// the one number sync/figures worked out.
const (
	Text     Kind = iota // string
	Integer              // int, int64 or figures.Value: a count
	Percent              // float64 fraction (0.9913 is 99.13%) or figures.Value: two decimals, as sync/figures rounds a rate
	Days                 // float64 or int: working days
	Date                 // time.Time: a day in Beijing
	DateTime             // time.Time: to the minute, in Beijing
	Average              // float64 or figures.Value: a mean to one decimal (2.4, 2.0), as sync/figures rounds one
)

// Column is a column's header and kind.
type Column struct {
	Header string
	Kind   Kind
}

// Table is one table of a page or a report.
type Table struct {
	// Name is short: a sheet's name and the start of a file name
	// ("案件", "设备").
	Name string
	// Title says what the table is, with its filters ("案件 · 已超期").
	Title   string
	Columns []Column
	Rows    [][]any
	// Note is a line under the table: where the rows were cut, what a
	// figure means.
	Note string
}

// New returns an empty table.
func New(name, title string, cols ...Column) *Table {
	return &Table{Name: name, Title: title, Columns: cols}
}

// Add appends a row; Check says whether its cells fit their columns.
func (t *Table) Add(cells ...any) { t.Rows = append(t.Rows, cells) }

// Check reports the first cell whose value does not fit its column's
// kind, or a row of the wrong length: writers refuse such a table rather
// than guess, since a count written as text no longer adds up.
func (t *Table) Check() error {
	for i, row := range t.Rows {
		if len(row) != len(t.Columns) {
			return fmt.Errorf("table %s row %d: %d cells for %d columns", t.Name, i+1, len(row), len(t.Columns))
		}
		for j, v := range row {
			if _, err := normal(t.Columns[j].Kind, v); err != nil {
				return fmt.Errorf("table %s row %d column %q: %w", t.Name, i+1, t.Columns[j].Header, err)
			}
		}
	}
	return nil
}

// Value is a cell as the writers see it: nil for an empty cell, else a
// string (Text), int64 (Integer), float64 (Percent, Days, Average) or
// time.Time (Date, DateTime).
func (t *Table) Value(row, col int) any {
	v, _ := normal(t.Columns[col].Kind, t.Rows[row][col])
	return v
}

// Text is a cell as a file holds it: 1234, 99.13%, 3.5, 2026-11-26, and
// "" for no value, so that a spreadsheet reads an empty number.
func (t *Table) Text(row, col int) string {
	return Format(t.Columns[col].Kind, t.Value(row, col))
}

// Shown is a cell as a page or a printed report shows it: Text, but a
// number with no value (a rate of no cases) is figures.None, "—", not a
// blank that reads as a cell left out, nor 0%.
func (t *Table) Shown(row, col int) string {
	v := t.Value(row, col)
	if v == nil && t.Columns[col].Kind != Text {
		return figures.None
	}
	return Format(t.Columns[col].Kind, v)
}

// normal turns a cell into its kind's one Go type.
func normal(k Kind, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if fv, ok := v.(figures.Value); ok {
		return figureValue(k, fv)
	}
	switch k {
	case Text:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case Integer:
		switch n := v.(type) {
		case int:
			return int64(n), nil
		case int64:
			return n, nil
		}
	case Percent, Days, Average:
		switch n := v.(type) {
		case float64:
			// 0/0 (no cases, no rate) is an empty cell, not "NaN%".
			if math.IsNaN(n) || math.IsInf(n, 0) {
				return nil, nil
			}
			return n, nil
		case int:
			return float64(n), nil
		}
	case Date, DateTime:
		if tm, ok := v.(time.Time); ok {
			if tm.IsZero() {
				return nil, nil
			}
			return tm, nil
		}
	}
	return nil, fmt.Errorf("%T in a column of kind %d", v, k)
}

// figureValue is a figure as a cell of kind k: the number sync/figures
// rounded (Scaled), so that Format prints exactly Value.Text and a
// spreadsheet holds that number; nothing to divide by is an empty cell.
func figureValue(k Kind, v figures.Value) (any, error) {
	want := map[figures.Kind]Kind{figures.Count: Integer, figures.Rate: Percent, figures.Average: Average}[v.Kind]
	if k != want {
		return nil, fmt.Errorf("figure of kind %d in a column of kind %d", v.Kind, k)
	}
	switch {
	case !v.OK:
		return nil, nil
	case v.Kind == figures.Rate:
		return float64(v.Scaled) / 10000, nil
	case v.Kind == figures.Average:
		return float64(v.Scaled) / 10, nil
	}
	return v.Scaled, nil
}

// Format writes a normalised value as a person reads it. A percent has
// two decimals and an average one, always ("40.00%", "2.0"), as
// figures.Value.Text writes them: the same figure reads the same on the
// page, in the CSV and in the workbook's 0.00% format.
func Format(k Kind, v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		switch k {
		case Percent:
			return strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
		case Average:
			return strconv.FormatFloat(v, 'f', 1, 64)
		}
		return trimZeros(strconv.FormatFloat(v, 'f', 1, 64))
	case time.Time:
		if k == DateTime {
			return v.In(workday.China).Format("2006-01-02 15:04")
		}
		return v.In(workday.China).Format(time.DateOnly)
	}
	return fmt.Sprint(v)
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// FileName is a download's name: the table's name and the period it
// covers, "案件-2026-11-26.xlsx". Characters no file system takes are
// replaced.
func FileName(name, period, ext string) string {
	base := name
	if period != "" {
		base += "-" + period
	}
	base = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < 0x20 {
			return '_'
		}
		return r
	}, base)
	return base + "." + ext
}
