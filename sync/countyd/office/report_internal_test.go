package office

import (
	"testing"

	"github.com/yichuang/yichuang/sync/figures"
)

// ReportFigures is the monthly report's k-th figure table's figures, for
// the tests outside the package.
func ReportFigures(k int) []figures.ID { return reportFigures[k] }

// The monthly report's two figure tables hold every figure of the
// dashboard once: a figure added to sync/figures must find its table.
func TestReportFiguresAreEveryFigureOnce(t *testing.T) {
	seen := map[figures.ID]int{}
	for _, part := range reportFigures {
		for _, id := range part {
			seen[id]++
		}
	}
	for _, f := range figures.All {
		if seen[f.ID] != 1 {
			t.Errorf("%s: got %d times in the report, want once", f.ID, seen[f.ID])
		}
		delete(seen, f.ID)
	}
	for id := range seen {
		t.Errorf("%s: in the report, not a figure", id)
	}
}
