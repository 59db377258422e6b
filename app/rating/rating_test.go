package rating

import (
	"errors"
	"testing"
)

func TestCheck(t *testing.T) {
	base := Rating{Kind: Case, Ref: "c1", ClerkID: 3}
	for _, tc := range []struct {
		name string
		r    func() Rating
		want error
	}{
		{"very satisfied, no reason needed", func() Rating { r := base; r.Level = 5; return r }, nil},
		{"dissatisfied without a reason", func() Rating { r := base; r.Level = 2; return r }, ErrReason},
		{"dissatisfied with a listed reason", func() Rating { r := base; r.Level = 2; r.Reasons = []string{"等候时间长"}; return r }, nil},
		{"very dissatisfied with only a note", func() Rating { r := base; r.Level = 1; r.Note = " 窗口午休无人 "; return r }, nil},
		{"a reason not on the list", func() Rating { r := base; r.Level = 1; r.Reasons = []string{"太贵"}; return r }, ErrUnknown},
		{"no level", func() Rating { return base }, ErrLevel},
		{"no service", func() Rating { r := base; r.Level = 5; r.Ref = ""; return r }, ErrNoService},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Check(tc.r())
			if !errors.Is(err, tc.want) && !(err == nil && tc.want == nil) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	got, _ := Check(Rating{Kind: Ticket, Ref: "t", Level: 4, Reasons: []string{"等候时间长"}})
	if got.Reasons != nil {
		t.Errorf("reasons kept on a good rating: %v", got.Reasons)
	}
}

func TestTally(t *testing.T) {
	var tl Tally
	for _, l := range []Level{5, 5, 4, 3, 1, 9} {
		tl.Add(l)
	}
	if got, want := tl.Total, 5; got != want {
		t.Errorf("total %d, want %d", got, want)
	}
	if got, want := tl.Satisfied().Text(), "60.00%"; got != want {
		t.Errorf("satisfied %v, want %v", got, want)
	}
}
