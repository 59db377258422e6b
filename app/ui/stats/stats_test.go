package stats

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

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
