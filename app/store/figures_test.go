package store

import (
	"context"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/sync/figures"
)

// The hall's case figures are counted as the county's dashboard counts
// them (sync/figures): by the day accepted, 即办 and 容缺 by the decision,
// 最多跑一次 / 零上门 by the active catalog's 跑动次数.
func TestCaseFigures(t *testing.T) {
	db, clk := openTemp(t)
	ctx := context.Background()
	if err := db.SetDeviceNumber(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LoadCatalog(ctx, assets.DemoCatalog()); err != nil {
		t.Fatal(err)
	}
	add := func(at time.Time, matter string, decision cases.Kind, status cases.Status, commitment bool) {
		t.Helper()
		clk.Set(at)
		c := sampleCase()
		c.Matters = []string{matter}
		c.Decision, c.Status, c.Accepted = decision, status, at
		if commitment {
			c.Materials = append(c.Materials, cases.MaterialEntry{Matter: matter, Material: "premises_proof", State: cases.Committed})
		}
		if _, err := db.CreateCase(ctx, c, c.Clerk); err != nil {
			t.Fatal(err)
		}
	}
	day := t0                                                                           // Thursday 26 November 2026, 09:00 Beijing
	add(day, "330000-SS-0001", cases.Complete, cases.StatusCompleted, false)            // 即办, 最多跑一次 (1 visit)
	add(day.Add(time.Hour), "330000-MS-0012", cases.Accept, cases.StatusAccepted, true) // 零上门, 告知承诺
	add(day.Add(2*time.Hour), "330000-SS-0004", cases.AcceptDeferred, cases.StatusDeferred, false)
	add(day.Add(3*time.Hour), "330000-SS-0001", cases.Reject, cases.StatusRejected, false)
	add(day.AddDate(0, 0, -20), "330000-SS-0001", cases.Accept, cases.StatusAccepted, false)               // earlier this month
	add(day.Add(15*time.Hour+30*time.Minute), "330000-SS-0001", cases.Accept, cases.StatusAccepted, false) // 00:30 the next day, Beijing

	tests := []struct {
		name     string
		from, to time.Time
		want     figures.Counts
	}{
		{"today", day, day, figures.Counts{Accepted: 3, Immediate: 1, Deficient: 1, Commitment: 1, AtMostOnce: 3, ZeroVisit: 1, Refused: 1}},
		{"this month", day.AddDate(0, 0, -25), day.AddDate(0, 0, 4), figures.Counts{Accepted: 5, Immediate: 1, Deficient: 1, Commitment: 1, AtMostOnce: 5, ZeroVisit: 1, Refused: 1}},
		{"the day before", day.AddDate(0, 0, -1), day.AddDate(0, 0, -1), figures.Counts{}},
	}
	for _, tt := range tests {
		got, err := db.CaseFigures(ctx, tt.from, tt.to)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
