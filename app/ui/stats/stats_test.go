package stats

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/sync/figures"
)

type noQueue struct{}

func (noQueue) Stats(context.Context) (queue.Stats, error) {
	return queue.Stats{Day: "2026-11-26"}, nil
}

type tallies struct{ since time.Time }

func (t *tallies) RatingTallies(_ context.Context, since time.Time) ([]rating.Tally, []rating.Tally, error) {
	t.since = since
	var wl, bdc rating.Tally
	wl.Key, bdc.Key = "王丽", "不动产登记"
	for _, l := range []rating.Level{5, 5, 4, 2} {
		wl.Add(l)
		bdc.Add(l)
	}
	return []rating.Tally{wl}, []rating.Tally{bdc}, nil
}

func TestRatingsPerClerkAndMatter(t *testing.T) {
	test.NewTempApp(t)
	now := time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC)
	src := &tallies{}
	s := New(context.Background(), noQueue{}, src, nil, func() time.Time { return now }, func() {})
	test.NewTempWindow(t, s.Content())
	if got, want := src.since, now.AddDate(0, 0, -30); !got.Equal(want) {
		t.Errorf("tallies since %v, want %v", got, want)
	}
	if len(s.RatingRows) != 3 {
		t.Fatalf("rows %v", s.RatingRows)
	}
	got := s.RatingRows[1]
	want := []string{"人员：王丽", "4", "2", "1", "0", "1", "0", "75.00%"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("clerk row %v, want %v", got, want)
		}
	}
	if s.RatingRows[2][0] != "事项：不动产登记" {
		t.Errorf("matter row %v", s.RatingRows[2])
	}
}

type longNames struct{}

func (longNames) RatingTallies(context.Context, time.Time) ([]rating.Tally, []rating.Tally, error) {
	matter := rating.Tally{Key: "设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批"}
	sector := rating.Tally{Key: "不动产登记", Sector: true}
	for _, l := range []rating.Level{5, 4, 1} {
		matter.Add(l)
		sector.Add(l)
	}
	return nil, []rating.Tally{matter, sector}, nil
}

type manySectors struct{}

func (manySectors) Stats(context.Context) (queue.Stats, error) {
	st := queue.Stats{Day: "2026-11-26"}
	for _, s := range []string{"不动产登记", "商事登记", "投资项目", "社会事务", "其他综合事务", "公安服务", "民生服务"} {
		st.Sectors = append(st.Sectors, queue.SectorStats{Sector: s, Issued: 3})
	}
	return st, nil
}

// TestStatsTablesShowWholeRows (issue 17, item 21): at 1280×800 every
// sector row shows below a header that stays; a long matter name is cut
// with "…" inside its column, so the counts beside it show, and is shown
// whole when its row is chosen; a ticket's sector is labelled 板块.
func TestStatsTablesShowWholeRows(t *testing.T) {
	test.NewTempApp(t)
	s := New(context.Background(), manySectors{}, longNames{}, nil, time.Now, func() {})
	w := test.NewTempWindow(t, s.Content())
	w.Resize(fyne.NewSize(1280, 800))
	if got := s.Sectors.StickyRowCount; got != 1 {
		t.Errorf("sector table keeps %d header rows on top, want 1", got)
	}
	rowH := widget.NewLabel("板块").MinSize().Height
	if got, want := s.Sectors.Size().Height, 8*rowH; got < want {
		t.Errorf("sector table %v high, want room for the header and 7 rows (%v)", got, want)
	}
	if got := s.RatingRows[2][0]; got != "板块：不动产登记" {
		t.Errorf("a ticket's sector is labelled %q, want 板块：不动产登记", got)
	}
	s.Tabs.SelectIndex(2)
	l := cell().(*widget.Label)
	l.SetText(s.RatingRows[1][0])
	if got := l.MinSize().Width; got > 260 {
		t.Errorf("a long name's cell asks for %v, more than its 260 column: it runs under the counts", got)
	}
	s.Ratings.Select(widget.TableCellID{Row: 1, Col: 3})
	if got := s.Full.Text; got != s.RatingRows[1][0] {
		t.Errorf("the chosen row shows %q, want the whole name %q", got, s.RatingRows[1][0])
	}
}

type caseCounts struct{ spans [][2]time.Time }

func (c *caseCounts) CaseFigures(_ context.Context, from, to time.Time) (figures.Counts, error) {
	c.spans = append(c.spans, [2]time.Time{from, to})
	if from.Day() == to.Day() { // today
		return figures.Counts{Accepted: 3, Immediate: 1, AtMostOnce: 3, ZeroVisit: 1}, nil
	}
	return figures.Counts{Accepted: 8, Immediate: 1, AtMostOnce: 7, ZeroVisit: 1, Proxy: 2}, nil
}

// The 办件 tab shows today's and this month's case figures named and
// rounded as the county's dashboard shows them (sync/figures), and the
// queue's columns carry the shared names in either language.
func TestCaseFiguresUseTheSharedDefinitions(t *testing.T) {
	test.NewTempApp(t)
	now := time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC) // 27 November, 00:00 in Beijing
	src := &caseCounts{}
	s := New(context.Background(), noQueue{}, nil, src, func() time.Time { return now }, func() {})
	if len(src.spans) != 2 || src.spans[1][0].Day() != 1 || src.spans[1][0].Month() != 11 {
		t.Fatalf("asked for spans %v, want today and from 1 November", src.spans)
	}
	want := map[string][2]string{"受理件数": {"3", "8"}, "即办率": {"33.33%", "12.50%"}, "最多跑一次率": {"100.00%", "87.50%"},
		"零上门率": {"33.33%", "12.50%"}, "代办件数": {"0", "2"}, "容缺受理率": {"0.00%", "0.00%"}}
	for _, r := range s.CaseRows[1:] {
		if w, ok := want[r[0]]; ok && (r[1] != w[0] || r[2] != w[1]) {
			t.Errorf("%s: got %s today, %s this month; want %s, %s", r[0], r[1], r[2], w[0], w[1])
		}
		delete(want, r[0])
	}
	if len(want) > 0 {
		t.Errorf("figures missing from the 办件 tab: %v", want)
	}
	if err := l10n.Use("en"); err != nil {
		t.Fatal(err)
	}
	defer l10n.Use("zh")
	s = New(context.Background(), noQueue{}, nil, src, func() time.Time { return now }, func() {})
	if got := s.CaseRows[2][0]; got != "Done on the spot" {
		t.Errorf("English 即办率: got %q, want the shared package's name", got)
	}
	if got, want := minutes("avg_wait", 150*time.Second), "2.5"; got != want {
		t.Errorf("2m30s as the figure shows it: got %s, want %s", got, want)
	}
}
