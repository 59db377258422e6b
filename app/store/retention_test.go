package store

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/sync/protocol"
)

// collectedCase is a case completed at once and collected, every event of
// it acknowledged by the county unless unsent.
func collectedCase(t *testing.T, db *DB, unsent bool, scan string) cases.Case {
	t.Helper()
	ctx := context.Background()
	c := sampleCase()
	c.Decision, c.Status = cases.Complete, cases.StatusCompleted
	c.Attachments[0].SHA256 = scan
	cs, err := db.CreateCase(ctx, c, c.Clerk)
	if err != nil {
		t.Fatal(err)
	}
	deliverAt(t, db, cs.Tracking, "王丽", 3, db.clock.Now())
	if !unsent {
		evs, _ := db.PendingEvents(ctx, 100)
		var ids []string
		for _, e := range evs {
			ids = append(ids, e.ID)
		}
		if err := db.MarkAcked(ctx, ids...); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := db.CaseByID(ctx, cs.ID)
	return got
}

// A closed case the county holds is reduced once the county's retention
// period is over: what the progress query and the statistics need stays,
// the citizen's data goes; open cases and cases with unsent events stay
// whole (issue 15, data minimisation).
func TestMinimiseReducesClosedCases(t *testing.T) {
	db, clk := openTemp(t)
	ctx := context.Background()
	db.SetDeviceNumber(ctx, 1)
	closed := collectedCase(t, db, false, strings.Repeat("cd", 32))
	waiting := collectedCase(t, db, true, strings.Repeat("ab", 32)) // the open case's scan too
	open, err := db.CreateCase(ctx, sampleCase(), cases.Actor{Name: "王丽"})
	if err != nil {
		t.Fatal(err)
	}
	// The county keeps data 120 days.
	if err := db.ApplyFeed(ctx, []protocol.FeedItem{feedItem(1, protocol.FeedRetention, protocol.Retention{PersonalDataDays: 120})}); err != nil {
		t.Fatal(err)
	}
	clk.Set(clk.Now().Add(100 * 24 * time.Hour))
	if r, err := db.Minimise(ctx); err != nil || r.Cases != 0 {
		t.Fatalf("before the county's period: reduced %d, %v", r.Cases, err)
	}
	clk.Set(clk.Now().Add(21 * 24 * time.Hour))
	r, err := db.Minimise(ctx)
	if err != nil || r.Cases != 1 || len(r.Scans) != 1 || r.Scans[0] != strings.Repeat("cd", 32) {
		t.Fatalf("after it: %+v, %v; want one case reduced and its scan freed", r, err)
	}
	got, err := db.CaseByID(ctx, closed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Applicant.Name != "" || got.Applicant.IDNumber != "" || got.Applicant.Mobile != "" || len(got.Fields) != 0 ||
		len(got.Attachments) != 0 || got.Pickup == nil || got.Pickup.Collector.IDNumber != "" || got.Reduced.IsZero() {
		t.Errorf("reduced case: %+v", got)
	}
	if got.Status != cases.StatusDelivered || got.Tracking != closed.Tracking || len(got.Matters) != 1 || got.Clerk.Name != "王丽" {
		t.Errorf("the reduced case lost what statistics need: %+v", got)
	}
	if _, err := db.VerifyProgress(ctx, closed.Tracking, "0024"); err != nil {
		t.Errorf("the progress query of a reduced case: %v", err)
	}
	evs, _ := db.CaseEvents(ctx, closed.ID)
	for _, e := range evs {
		if strings.Contains(e.Data, "330522") {
			t.Errorf("history of the reduced case keeps %s", e.Data)
		}
	}
	for _, c := range []cases.Case{waiting, open} {
		if kept, _ := db.CaseByID(ctx, c.ID); kept.Applicant.IDNumber == "" {
			t.Errorf("case %s (%s) was reduced", c.Tracking, c.Status)
		}
	}
	// The waiting case once sent is reduced too; its scan stays, the open
	// case holds it.
	evs2, _ := db.PendingEvents(ctx, 100)
	var ids []string
	for _, e := range evs2 {
		ids = append(ids, e.ID)
	}
	db.MarkAcked(ctx, ids...)
	r, err = db.Minimise(ctx)
	if err != nil || r.Cases != 1 || len(r.Scans) != 0 {
		t.Errorf("the waiting case once sent: %+v, %v", r, err)
	}
}

// TestCountyIDMaskFeed: the county's mask pattern arrives through the feed,
// takes effect at once and after a restart; one that would reveal the birth
// date is ignored.
func TestCountyIDMaskFeed(t *testing.T) {
	t.Cleanup(func() { ids.SetIDMask(ids.DefaultIDMask) })
	db, _ := openTemp(t)
	ctx := context.Background()
	const id = "330522199003150024"
	if err := db.ApplyIDMask(ctx); err != nil || ids.MaskIDNumber(id) != "330522********00**" {
		t.Fatalf("default: got %q (%v), want 330522********00**", ids.MaskIDNumber(id), err)
	}
	tests := []struct {
		cursor  int64
		pattern string
		want    string
	}{
		{1, "######************", "330522************"},
		{2, "##########********", "330522************"}, // shows the birth year: ignored
	}
	for _, tt := range tests {
		if err := db.ApplyFeed(ctx, []protocol.FeedItem{feedItem(tt.cursor, protocol.FeedMasking, protocol.Masking{IDPattern: tt.pattern})}); err != nil {
			t.Fatal(err)
		}
		if got := ids.MaskIDNumber(id); got != tt.want {
			t.Errorf("after %q: got %q, want %q", tt.pattern, got, tt.want)
		}
	}
	ids.SetIDMask(ids.DefaultIDMask) // as a restarted process starts
	if err := db.ApplyIDMask(ctx); err != nil || ids.MaskIDNumber(id) != "330522************" {
		t.Errorf("after a restart: got %q (%v), want the county's pattern", ids.MaskIDNumber(id), err)
	}
}

// The county configures a point's seal image; the kiosk keeps it for its
// papers, replaces it when a new one comes and drops it when removed.
func TestCountySealFeed(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	if img, err := db.SealImage(ctx); err != nil || img != nil {
		t.Fatalf("before any: SealImage = %d bytes, %v; want none", len(img), err)
	}
	first, second := []byte("\x89PNG first"), []byte("\x89PNG second")
	tests := []struct {
		cursor int64
		png    []byte
		want   []byte
	}{
		{1, first, first},
		{2, second, second},
		{3, make([]byte, protocol.MaxSealPNG+1), second}, // too large for any release: kept as it was
		{4, nil, nil},
	}
	for _, tt := range tests {
		if err := db.ApplyFeed(ctx, []protocol.FeedItem{feedItem(tt.cursor, protocol.FeedSeal, protocol.Seal{PNG: tt.png})}); err != nil {
			t.Fatal(err)
		}
		got, err := db.SealImage(ctx)
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("after item %d: SealImage = %q (%v), want %q", tt.cursor, got, err, tt.want)
		}
	}
}

// A 容缺 case that lapsed (终止办理 or 视为撤回) is over at the hall like a
// collected one: the county's retention period reduces it too.
func TestMinimiseReducesLapsedCases(t *testing.T) {
	for _, st := range []cases.Status{cases.StatusTerminated, cases.StatusWithdrawn} {
		t.Run(string(st), func(t *testing.T) {
			db, clk := openTemp(t)
			ctx := context.Background()
			db.SetDeviceNumber(ctx, 1)
			c := sampleCase()
			c.Status = st
			cs, err := db.CreateCase(ctx, c, c.Clerk)
			if err != nil {
				t.Fatal(err)
			}
			evs, _ := db.PendingEvents(ctx, 100)
			var ids []string
			for _, e := range evs {
				ids = append(ids, e.ID)
			}
			if err := db.MarkAcked(ctx, ids...); err != nil {
				t.Fatal(err)
			}
			clk.Set(clk.Now().Add(91 * 24 * time.Hour)) // the default 90 days
			r, err := db.Minimise(ctx)
			if err != nil || r.Cases != 1 {
				t.Fatalf("Minimise: reduced %d, %v; want the lapsed case", r.Cases, err)
			}
			got, _ := db.CaseByID(ctx, cs.ID)
			if got.Applicant.IDNumber != "" || got.Reduced.IsZero() || got.Status != st {
				t.Errorf("reduced: %+v", got)
			}
		})
	}
}
