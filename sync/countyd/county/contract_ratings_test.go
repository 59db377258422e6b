package county_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

func badRatingEvent(ref string, level int, clerk string, window int, at time.Time) protocol.Event {
	b, _ := json.Marshal(protocol.RatingPayload{Kind: "case", Ref: ref, Level: level, Reasons: []string{"等候时间长"}, Note: "电话13812345678",
		ClerkID: 3, ClerkName: clerk, Window: window, Matter: "食品经营许可", At: at})
	return protocol.Event{ID: uuid.NewString(), Kind: protocol.RatingGiven, Created: at, Payload: b}
}

func stepEvent(kind protocol.Kind, ratingID, text string, at time.Time) protocol.Event {
	b, _ := json.Marshal(protocol.FollowUpPayload{Rating: ratingID, ByID: 1, ByName: "陈主管", Reached: kind == protocol.FollowUpCalled, Text: text, At: at})
	return protocol.Event{ID: uuid.NewString(), Kind: kind, Created: at, Payload: b}
}

// contractFollowUps: a bad rating is a follow-up at the county, its steps
// are kept once however often they are pushed and whichever comes first,
// and the list's state filters judge the due day in working days over a
// holiday (a rating on the eve of National Day is due 2026-10-13).
func contractFollowUps(t *testing.T, open opener) {
	ctx := context.Background()
	eve := time.Date(2026, 9, 30, 16, 0, 0, 0, workday.China)
	clk := countytest.NewClock(eve)
	st := open(t, clk.Now)
	rv := st.(county.RatingReview)
	w1 := mustDevice(t, st, countytest.TestPoint, "w1")
	w2 := mustDevice(t, st, countytest.TestPoint, "w2")
	other := county.ServicePoint{Code: "330522102000", Name: "夹浦镇便民服务中心", Level: county.LevelTownship}
	w9 := mustDevice(t, st, other, "w9")

	bad := badRatingEvent("c1", 1, "王丽", 2, eve)
	again := badRatingEvent("c1", 2, "王丽", 2, eve) // the same service rated at another window while apart
	good := badRatingEvent("c2", 5, "王丽", 2, eve)
	far := badRatingEvent("c3", 2, "李强", 4, eve)
	// 夹浦's supervisor called back before 夹浦's rating reached the county.
	early := stepEvent(protocol.FollowUpCalled, far.ID, "已回访", eve.Add(time.Hour))
	mustApply(t, st, w9, early)
	call := stepEvent(protocol.FollowUpCalled, bad.ID, "已回访，群众认可", eve.Add(2*time.Hour))
	fix := stepEvent(protocol.FollowUpRectified, bad.ID, "增设叫号提醒", eve.Add(3*time.Hour))
	for _, rs := range [][]protocol.Result{mustApply(t, st, w1, bad, good), mustApply(t, st, w2, again, call, fix), mustApply(t, st, w2, call, fix),
		mustApply(t, st, w9, far)} {
		for _, r := range rs {
			if r.Status != protocol.Applied {
				t.Fatalf("got %+v, want applied", r)
			}
		}
	}

	list := func(f county.FollowUpFilter) []county.FollowUp {
		t.Helper()
		items, _, err := rv.FollowUps(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return items
	}
	all := list(county.FollowUpFilter{})
	if len(all) != 2 {
		t.Fatalf("got %d follow-ups, want 2 (one per badly rated service)", len(all))
	}
	byID := map[string]county.FollowUp{}
	for _, it := range all {
		byID[it.ID] = it
	}
	got, ok := byID[bad.ID]
	if !ok || got.Point != countytest.TestPoint.Code || got.Rating.Level != 1 || got.Rating.Window != 2 || len(got.Steps) != 2 {
		t.Fatalf("got %+v, want the first rating of c1 at 洪桥 with its two steps", got)
	}
	if got.Due.Format(time.DateOnly) != "2026-10-13" {
		t.Errorf("got due %s, want 2026-10-13", got.Due.Format(time.DateOnly))
	}
	if f := byID[far.ID]; len(f.Steps) != 1 || f.Steps[0].Text != "已回访" {
		t.Errorf("got %+v, want 夹浦's follow-up with the step that came first", f)
	}

	states := func(when time.Time, f county.FollowUpFilter) []string {
		clk.Set(when)
		var ids []string
		for _, it := range list(f) {
			ids = append(ids, it.ID)
		}
		return ids
	}
	for _, tc := range []struct {
		name string
		when time.Time
		f    county.FollowUpFilter
		want []string
	}{
		{"done", eve, county.FollowUpFilter{State: rating.Done}, []string{bad.ID}},
		{"open after the holiday", time.Date(2026, 10, 13, 12, 0, 0, 0, workday.China), county.FollowUpFilter{State: rating.Open}, []string{far.ID}},
		{"not overdue on the due day", time.Date(2026, 10, 13, 12, 0, 0, 0, workday.China), county.FollowUpFilter{State: rating.Overdue}, nil},
		{"overdue the day after", time.Date(2026, 10, 14, 9, 0, 0, 0, workday.China), county.FollowUpFilter{State: rating.Overdue}, []string{far.ID}},
		{"one point", eve, county.FollowUpFilter{Point: countytest.TestPoint.Code}, []string{bad.ID}},
		{"a period without ratings", eve, county.FollowUpFilter{From: eve.Add(time.Hour)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := states(tc.when, tc.f); len(got) != len(tc.want) || len(got) > 0 && got[0] != tc.want[0] {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}

	stats, err := rv.RatingStats(ctx, county.RatingFilter{From: eve.Add(-time.Hour), To: eve.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if stats.All.Total != 3 || stats.All.Counts[1] != 1 || stats.All.Counts[2] != 1 || stats.All.Counts[5] != 1 {
		t.Errorf("got all %+v, want 3 ratings (the second of c1 not counted): one each of 1, 2, 5", stats.All)
	}
	if len(stats.ByPoint) != 2 || stats.ByPoint[0].Key != countytest.TestPoint.Code || stats.ByPoint[0].Total != 2 {
		t.Errorf("got by point %+v, want 洪桥 with 2 first", stats.ByPoint)
	}
	if len(stats.ByWindow) != 2 || stats.ByWindow[0].Window != 2 || stats.ByWindow[0].Point != countytest.TestPoint.Code {
		t.Errorf("got by window %+v, want 洪桥's window 2 first", stats.ByWindow)
	}
	if len(stats.ByClerk) != 2 || stats.ByClerk[0].Key != "王丽" || stats.ByClerk[0].Satisfied().Text() != "50.00%" {
		t.Errorf("got by clerk %+v, want 王丽 first, half satisfied", stats.ByClerk)
	}
	if len(stats.ByMatter) != 1 || stats.ByMatter[0].Total != 3 {
		t.Errorf("got by matter %+v, want one matter counted across points", stats.ByMatter)
	}
	if s, _ := rv.RatingStats(ctx, county.RatingFilter{Point: other.Code}); s.All.Total != 1 {
		t.Errorf("got %d ratings at 夹浦, want 1", s.All.Total)
	}
}
