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
	s := New(context.Background(), noQueue{}, src, func() time.Time { return now }, func() {})
	test.NewTempWindow(t, s.Content())
	if got, want := src.since, now.AddDate(0, 0, -30); !got.Equal(want) {
		t.Errorf("tallies since %v, want %v", got, want)
	}
	if len(s.RatingRows) != 3 {
		t.Fatalf("rows %v", s.RatingRows)
	}
	got := s.RatingRows[1]
	want := []string{"人员：王丽", "4", "2", "1", "0", "1", "0", "75%"}
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
	s := New(context.Background(), manySectors{}, longNames{}, time.Now, func() {})
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
