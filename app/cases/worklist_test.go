package cases

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/workday"
)

func TestPlanPutsWhatNeedsTheAgentFirst(t *testing.T) {
	day := func(n int) time.Time { return time.Date(2026, 11, 26+n, 0, 0, 0, 0, workday.China) }
	proxy := func(village, group string) *Proxy { return &Proxy{Village: village, Group: group} }
	mk := func(tracking string, st Status, p *Proxy) Case {
		return Case{Tracking: tracking, Status: st, Draft: Draft{Proxy: p}, Accepted: day(-10)}
	}
	late := mk("LATE", StatusCorrection, proxy("大钱村", "3组"))
	late.SupplementBy = day(-2)
	late.Materials = []MaterialEntry{{Matter: "m", Material: "hukou", State: Deferred}}
	fix := mk("FIX", StatusCorrection, proxy("许家村", "1组"))
	fix.SupplementBy = day(3)
	fix.County = &CountyDecision{Supplements: []string{"租赁合同原件"}}
	ready := mk("READY", StatusCompleted, proxy("大钱村", "3组"))
	unsent := mk("UNSENT", StatusAccepted, proxy("大钱村", "5组"))
	unsent.Due = day(4)
	county := mk("COUNTY", StatusReviewing, proxy("许家村", "1组"))
	county.Due = day(6)
	done := mk("DONE", StatusDelivered, proxy("大钱村", "3组"))
	now := day(0).Add(8 * time.Hour)
	items := Plan([]Tracked{{Case: done}, {Case: county}, {Case: unsent, Unsent: 1, Oldest: now.Add(-50 * time.Hour)},
		{Case: ready}, {Case: fix}, {Case: late}}, workday.Default(), now)

	var got []string
	for _, w := range items {
		got = append(got, w.Case.Tracking+":"+string(w.Shelf))
	}
	want := []string{"LATE:overdue", "FIX:correction", "READY:deliver", "UNSENT:unsent", "COUNTY:at_county", "DONE:done"}
	if !slices.Equal(got, want) {
		t.Fatalf("plan %v, want %v", got, want)
	}
	if items[0].Late != 2 || len(items[0].Fetch) != 1 || items[1].FetchMore[0] != "租赁合同原件" || items[3].Waiting != 50*time.Hour {
		t.Errorf("details: late %d, fetch %v, more %v, waiting %v", items[0].Late, items[0].Fetch, items[1].FetchMore, items[3].Waiting)
	}

	var stops []string
	for _, s := range Route(items) {
		var ts []string
		for _, w := range s.Items {
			ts = append(ts, w.Case.Tracking)
		}
		stops = append(stops, s.Village+s.Group+"="+fmt.Sprint(ts))
	}
	if want := []string{"大钱村3组=[LATE READY]", "许家村1组=[FIX]"}; !slices.Equal(stops, want) {
		t.Errorf("route %v, want %v", stops, want)
	}
}
