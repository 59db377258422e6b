package store

import (
	"context"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
)

// In a hall the hub lists every case past its 容缺 deadline (a window may be
// off for days); a machine lists only the cases it accepted itself.
func TestDeferredPastDeadlineIsTheHubsInAHall(t *testing.T) {
	h := newTestHall(t, "a")
	ctx := context.Background()
	c := sampleCase()
	c.Clerk = cases.Actor{Name: "王丽", Window: 2}
	c.Status, c.SupplementBy = cases.StatusDeferred, t0.Add(48*time.Hour)
	c, err := h.ms["a"].CreateCase(ctx, c, c.Clerk)
	if err != nil {
		t.Fatal(err)
	}
	h.push("a")
	later := t0.Add(5 * 24 * time.Hour)
	tests := []struct {
		name      string
		db        *DB
		wholeHall bool
		want      int
	}{
		{"the hub, for the hall", h.hub, true, 1},
		{"the hub, its own only", h.hub, false, 0},
		{"the accepting window, its own", h.ms["a"], false, 1},
	}
	for _, tt := range tests {
		got, err := tt.db.DeferredPastDeadline(ctx, later, tt.wholeHall)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.want || tt.want == 1 && got[0].ID != c.ID {
			t.Errorf("%s: got %d cases, want %d", tt.name, len(got), tt.want)
		}
	}
	if got, _ := h.hub.DeferredPastDeadline(ctx, c.SupplementBy, true); len(got) != 0 {
		t.Errorf("on the deadline day: got %d cases, want none (the day itself is in time)", len(got))
	}
}
