package office

import (
	"strings"

	"github.com/yichuang/yichuang/app/report"
)

// Every table a page shows is a report.Table (typed cells: counts, rates
// and averages as sync/figures worked them out, days, dates), the very
// value its export writes as CSV, a workbook or the monthly report, so a
// page and its file cannot tell two stories. pageTable adds what only a
// page needs beside the data, and the shared template "table" (base.html)
// renders every one of them through one cell formatter, report.Table.Shown
// ("—" for a figure with nothing to count over).

// pageTable is a report table as a page shows it.
type pageTable struct {
	*report.Table
	// Marks give each row's look ("overdue", "done" or ""): a class on the
	// row and the colour of a chipCell column; the text says the same.
	Marks []string
	// Total: the last row is the table's total, shown apart (tfoot).
	Total bool
	// RowHeads: the first column names its row (a row header).
	RowHeads bool
	// Caption: the title is the table's caption; otherwise the page heads
	// the table itself and the title only names the region.
	Caption bool
	// Class is the table's class; "list" when empty.
	Class string
	// ColClass is a column's class on the page ("nowrap", or chipCell).
	ColClass map[int]string
	// Empty is what the body says when there is no row.
	Empty string
}

// chipCell as a column's class shows its cells as status chips coloured
// by their row's mark.
const chipCell = "chip"

// tableView is a pageTable ready for the template: every cell's text
// and class worked out here, so that the one template holds no rule.
type tableView struct {
	Label, Class, Empty string
	Caption             bool
	Head                []string
	Body                []rowView
	Foot                *rowView
}

type rowView struct {
	Class string
	Cells []cellView
}

type cellView struct {
	Text, Class, Chip string
	Head              bool
}

// chipColour is a state chip's colour by its row's mark: red overdue,
// green done, amber still open.
func chipColour(mark string) string {
	switch mark {
	case "overdue":
		return "red"
	case "done":
		return "green"
	}
	return "amber"
}

// View lays the table out for the template "table".
func (p pageTable) View() tableView {
	v := tableView{Label: p.Title, Class: p.Class, Empty: p.Empty, Caption: p.Caption}
	if v.Class == "" {
		v.Class = "list"
	}
	for _, c := range p.Columns {
		v.Head = append(v.Head, c.Header)
	}
	for i := range p.Rows {
		var r rowView
		if i < len(p.Marks) {
			r.Class = p.Marks[i]
		}
		for j, c := range p.Columns {
			cell := cellView{Text: p.Shown(i, j), Head: p.RowHeads && j == 0}
			var cls []string
			if isNumber(c.Kind) {
				cls = append(cls, "num")
			}
			switch k := p.ColClass[j]; k {
			case "":
			case chipCell:
				cell.Chip = chipColour(r.Class)
			default:
				cls = append(cls, k)
			}
			cell.Class = strings.Join(cls, " ")
			r.Cells = append(r.Cells, cell)
		}
		if p.Total && i == len(p.Rows)-1 {
			r.Class = strings.TrimSpace(r.Class + " total")
			v.Foot = &r
			continue
		}
		v.Body = append(v.Body, r)
	}
	return v
}

// isNumber says whether a column holds numbers, set right-aligned.
func isNumber(k report.Kind) bool {
	switch k {
	case report.Integer, report.Percent, report.Days, report.Average:
		return true
	}
	return false
}
