package county_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// pageAll walks a filter's list by key, After the last row of each page,
// and back again Before the first, and returns the county case numbers
// each way.
func pageAll(t *testing.T, st *county.SQLite, f county.CasePageFilter) (forward, back []string) {
	t.Helper()
	ctx := context.Background()
	f.Limit = 2
	var pages [][]county.Case
	for range 20 {
		cs, _, err := st.CasePage(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) == 0 {
			break
		}
		pages = append(pages, cs)
		for _, c := range cs {
			forward = append(forward, c.CountyCase)
		}
		f.After = cs[len(cs)-1].CountyCase
	}
	f.After = ""
	for i := len(pages) - 1; i > 0; i-- {
		f.Before = pages[i][0].CountyCase
		cs, _, err := st.CasePage(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range cs {
			got = append(got, c.CountyCase)
		}
		back = append(got, back...)
	}
	if len(pages) > 0 {
		for _, c := range pages[len(pages)-1] {
			back = append(back, c.CountyCase)
		}
	}
	return forward, back
}

// The case list pages by key in the order of its filter: every case once,
// ties of the same second broken by county case number, the same pages
// walking back; a status matches the kiosk's or the county's (two queries
// merged), and a matter's list keeps the order of the whole list.
func TestCasePagesByKeyInFilterOrder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	st := e.c.Store
	var all []string // county case numbers, oldest first
	trackings := map[string]string{}
	for i := range 7 {
		e.clock.Set(t0.Add(time.Duration(i/2) * time.Minute)) // two cases a minute: ties
		id, tr := newCase()
		matters := []string{"330000-SS-0001"}
		if i%2 == 0 {
			matters = []string{"330000-SS-0002", "330000-SS-0001"}
		}
		res := e.push(t, shapedCase(id, tr, 1, "accepted", func(d map[string]any) { d["matters"] = matters }))
		all = append(all, res[0].CountyCase)
		trackings[res[0].CountyCase] = tr
	}
	newestFirst := slices.Clone(all)
	slices.Reverse(newestFirst)
	// The county finishes one case and starts reviewing another; the
	// kiosk reports a third completed.
	e.clock.Set(t0.Add(time.Hour))
	if _, err := st.SetCaseStatus(ctx, county.StatusChange{Case: trackings[all[1]], Status: protocol.CountyCompleted, Pickup: "窗口领取"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetCaseStatus(ctx, county.StatusChange{Case: trackings[all[2]], Status: protocol.CountyReviewing}); err != nil {
		t.Fatal(err)
	}
	c4, err := st.Case(ctx, all[4])
	if err != nil {
		t.Fatal(err)
	}
	e.push(t, shapedCase(c4.ID, c4.Tracking, 2, "completed", func(map[string]any) {}))
	// The case the county finished is handed out: completed on both sides,
	// listed once.
	c1, err := st.Case(ctx, all[1])
	if err != nil {
		t.Fatal(err)
	}
	e.push(t, shapedCase(c1.ID, c1.Tracking, 2, "completed", func(d map[string]any) { d["matters"] = []string{"330000-SS-0001"} }))

	for _, tc := range []struct {
		name string
		f    county.CasePageFilter
		want []string
	}{
		{"all", county.CasePageFilter{}, newestFirst},
		{"point", county.CasePageFilter{Point: countytest.TestPoint.Code}, newestFirst},
		{"matter", county.CasePageFilter{Matter: "330000-SS-0002"}, []string{all[6], all[4], all[2], all[0]}},
		{"status of either side", county.CasePageFilter{Status: "completed"}, []string{all[4], all[1]}},
		{"kiosk status", county.CasePageFilter{Status: "accepted"}, []string{all[6], all[5], all[3], all[2], all[0]}},
		{"open", county.CasePageFilter{Deadline: county.DueOpen}, []string{all[6], all[5], all[3], all[2], all[0]}},
	} {
		forward, back := pageAll(t, st, tc.f)
		if !slices.Equal(forward, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, forward, tc.want)
		}
		if !slices.Equal(back, forward) {
			t.Errorf("%s walking back: got %v, want %v", tc.name, back, forward)
		}
		_, total, err := st.CasePage(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(tc.want) {
			t.Errorf("%s: got total %d, want %d", tc.name, total, len(tc.want))
		}
	}
	if _, _, err := st.CasePage(ctx, county.CasePageFilter{After: "330522-2026-999999"}); err == nil {
		t.Error("a page after a case the county does not hold: got no error, want one")
	}
}

// The matter list skips through the index: each code once, in order.
func TestCaseMatterCodesListsEachOnce(t *testing.T) {
	e := newEnv(t)
	for _, ms := range [][]string{{"330000-SS-0003", "330000-SS-0001"}, {"330000-SS-0001"}, {"330000-AB-0009"}} {
		id, tr := newCase()
		e.push(t, shapedCase(id, tr, 1, "accepted", func(d map[string]any) { d["matters"] = ms }))
	}
	got, err := e.c.Store.CaseMatterCodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"330000-AB-0009", "330000-SS-0001", "330000-SS-0003"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// The fleet page's event count is kept by Apply: applied events count
// once, a repeat and a rejection do not.
func TestDeviceEventCountsAreKeptByApply(t *testing.T) {
	e := newEnv(t)
	id, tr := newCase()
	first := caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted")
	e.push(t, first, caseEvent(id, tr, countytest.TestPoint.Code, 2, "case.supplemented", "accepted"))
	e.push(t, first)                                                                 // a repeat
	e.push(t, caseEvent(id, tr, "330522999999", 3, "case.supplemented", "accepted")) // another point's: rejected
	id2, tr2 := newCase()
	e.push(t, caseEvent(id2, tr2, countytest.TestPoint.Code, 1, "case.accepted", "accepted"))
	ds, err := e.c.Store.Devices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 {
		t.Fatalf("got %d devices, want 1", len(ds))
	}
	if got, want := ds[0].Events, e.stats(t).Applied; got != want || got != 3 {
		t.Errorf("got %d events, want %d (applied_events) and 3", got, want)
	}
}
