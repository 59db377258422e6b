package office

import (
	"fmt"
	"slices"
	"testing"

	"github.com/yichuang/yichuang/app/catalog"
)

// The coverage table counts as the seed reports (长兴: of 687 matters, 681
// 最多跑一次 and 424 零上门, "覆盖率分别达到99.13%和61.72%"), with a matter
// whose 跑动次数 is unassessed counted among the matters and in neither.
func TestCoverageTableReproducesChangxing(t *testing.T) {
	n := func(v int) *int { return &v }
	cat := &catalog.Catalog{}
	for i := range 687 {
		m := catalog.Matter{Code: fmt.Sprintf("330522-CX-%04d", i), Sector: "社会事务"}
		switch {
		case i < 424:
			m.Visits, m.OnlineDepth = n(0), 4
		case i < 681:
			m.Visits = n(1)
		case i < 684:
			m.Visits = n(2)
		default: // not assessed
		}
		cat.Matters = append(cat.Matters, m)
	}
	tab := CoverageTable(&reqCtx{lang: "zh"}, cat)
	var got []string
	for j := range tab.Columns {
		got = append(got, tab.Shown(len(tab.Rows)-1, j))
	}
	want := []string{"合计", "687", "681", "99.13%", "424", "61.72%", "3", "424"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// Two lines ending at the same value keep their names apart.
func TestSpreadLabels(t *testing.T) {
	got := spreadLabels([]endLabel{{10, 100, "满意率"}, {10, 96, "即办率"}, {10, 40, "按时办结率"}}, 14)
	want := []endLabel{{10, 40, "按时办结率"}, {10, 96, "即办率"}, {10, 110, "满意率"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
