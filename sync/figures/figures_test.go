package figures

import (
	"testing"
	"time"
)

// The seed's figures for 长兴 come out as the journal printed them.
func TestCoverageReproducesChangxing(t *testing.T) {
	c := Coverage{Matters: 687, AtMostOnce: 681, ZeroVisit: 424}
	if got, want := c.AtMostOnceRate().Text(), "99.13%"; got != want {
		t.Errorf("最多跑一次: got %s, want %s", got, want)
	}
	if got, want := c.ZeroVisitRate().Text(), "61.72%"; got != want {
		t.Errorf("零上门: got %s, want %s", got, want)
	}
}

func TestRatioRounding(t *testing.T) {
	tests := []struct {
		num, den, scale, want int64
		ok                    bool
	}{
		{681, 687, 10000, 9913, true},
		{1, 8, 100, 13, true}, // 12.5 rounds half away from zero
		{-1, 8, 100, -13, true},
		{2, 3, 10, 7, true},
		{0, 5, 10000, 0, true},
		{3, 0, 10000, 0, false}, // nothing to divide by
	}
	for _, tt := range tests {
		got, ok := Ratio(tt.num, tt.den, tt.scale)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Ratio(%d, %d, %d): got %d %v, want %d %v", tt.num, tt.den, tt.scale, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFigureText(t *testing.T) {
	c := Counts{Accepted: 8, Immediate: 1, Decided: 3, Promised: 3, OnTime: 2, DecideDays: 7,
		Called: 2, WaitSecs: 9 * 60, Served: 4, ServiceSecs: 30 * 60}
	c.Ratings[5], c.Ratings[4], c.Ratings[2] = 2, 1, 1
	tests := []struct {
		id   ID
		c    Counts
		want string
	}{
		{"accepted", c, "8"},
		{"immediate_rate", c, "12.50%"},
		{"on_time_rate", c, "66.67%"},
		{"overdue", c, "1"},
		{"avg_days", c, "2.3"},
		{"avg_wait", c, "4.5"},
		{"avg_service", c, "7.5"},
		{"ratings", c, "4"},
		{"satisfied_rate", c, "75.00%"},
		{"immediate_rate", Counts{}, None}, // no case is not 0%
		{"avg_wait", Counts{}, None},
		{"tickets", Counts{}, "0"},
	}
	for _, tt := range tests {
		f, ok := ByID(tt.id)
		if !ok {
			t.Fatalf("no figure %s", tt.id)
		}
		if got := f.Of(tt.c).Text(); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.id, got, tt.want)
		}
	}
}

// A total's rate is worked out from the summed counts, not averaged from
// its groups' rates: 1/1 and 0/3 make 25%, not 50%.
func TestAddThenRate(t *testing.T) {
	var total Counts
	total.Add(Counts{Accepted: 1, Immediate: 1})
	total.Add(Counts{Accepted: 3})
	f, _ := ByID("immediate_rate")
	if got, want := f.Of(total).Text(), "25.00%"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// Add covers every field: a field added to Counts and forgotten in Add
// would drop out of every total row.
func TestAddCoversEveryField(t *testing.T) {
	one := Counts{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, [6]int64{1, 1, 1, 1, 1, 1}}
	var got Counts
	got.Add(one)
	if got != one {
		t.Errorf("got %+v, want %+v", got, one)
	}
}

func TestEveryFigureIsDefined(t *testing.T) {
	seen := map[ID]bool{}
	for _, f := range All {
		if f.Zh == "" || f.En == "" || f.Over == "" || f.OverEn == "" || (f.UnitZh == "") != (f.UnitEn == "") || f.num == nil || (f.Kind != Count && f.den == nil) || seen[f.ID] {
			t.Errorf("figure %q: incomplete or repeated", f.ID)
		}
		seen[f.ID] = true
	}
}

func TestWaitAndService(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	if got, ok := Wait(at, at.Add(7*time.Minute)); !ok || got != 7*time.Minute {
		t.Errorf("wait: got %v %v, want 7m true", got, ok)
	}
	if _, ok := Wait(at, time.Time{}); ok {
		t.Error("a ticket never called has a wait")
	}
	if _, ok := Service(at, at.Add(-time.Minute)); ok {
		t.Error("a service ending before it started counts")
	}
}
