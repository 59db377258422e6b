package county_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// The events and the feed: Apply, Feed, SetDeviceStatus, the same on both
// stores (runContract). PostgreSQL runs pushes at once where SQLite runs
// them one after another; the races below are where that shows.

// mustDevice enrolls an HMAC device at p.
func mustDevice(t *testing.T, st county.Store, p county.ServicePoint, host string) county.Device {
	t.Helper()
	d, err := st.Enroll(context.Background(), mustCode(t, st, p), host, "0.9.0")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustApply(t *testing.T, st county.Store, dev county.Device, evs ...protocol.Event) []protocol.Result {
	t.Helper()
	rs, err := st.Apply(context.Background(), dev, evs)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func ratingEvent(ref string) protocol.Event {
	return protocol.Event{ID: uuid.NewString(), Kind: protocol.RatingGiven, Created: t0,
		Payload: json.RawMessage(`{"kind":"case","ref":"` + ref + `","level":5,"clerk_id":3,"clerk_name":"王丽","at":"2026-11-26T10:31:00+08:00"}`)}
}

func resultCode(r protocol.Result) string {
	if r.Error == nil {
		return string(r.Status)
	}
	return string(r.Status) + "/" + r.Error.Code
}

// contractApplyOnce: an event pushed again is not applied again; the
// repeat gets the first answer, marked as a repeat.
func contractApplyOnce(t *testing.T, open opener) {
	st := open(t, countytest.NewClock(t0).Now)
	dev := mustDevice(t, st, countytest.TestPoint, "w1")
	id, tr := countytest.NewCase(countytest.TestPoint.Code)
	evs := []protocol.Event{caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"), ratingEvent(id)}
	first := mustApply(t, st, dev, evs...)
	before := mustStats(t, st)
	again := mustApply(t, st, dev, evs...)
	for i := range evs {
		if first[i].Status != protocol.Applied || first[i].Repeat {
			t.Errorf("event %d first: got %+v, want applied", i, first[i])
		}
		if again[i].Status != protocol.Applied || !again[i].Repeat || again[i].CountyCase != first[i].CountyCase {
			t.Errorf("event %d again: got %+v, want the first answer %+v as a repeat", i, again[i], first[i])
		}
	}
	if got, want := first[0].CountyCase, "330522-2026-000001"; got != want {
		t.Errorf("county case: got %q, want %q", got, want)
	}
	if got := mustStats(t, st); got != before || got.Applied != 2 || got.Cases != 1 || got.CaseLog != 1 || got.Inbox != 1 {
		t.Errorf("stats after the repeat: got %+v, want %+v with 2 applied, 1 case, 1 log entry, 1 inbox event", got, before)
	}
	devs, err := st.Devices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].Events != 2 {
		t.Errorf("devices: got %+v, want one with 2 events", devs)
	}
}

// contractApplyTwiceInOnePush: an event sent twice in one push (a kiosk's
// outbox read twice into one batch) is applied once and answered as a
// repeat the second time, as across two pushes: Apply reads a push's
// stored answers in one statement before applying any, so it must
// remember what it applies itself.
func contractApplyTwiceInOnePush(t *testing.T, open opener) {
	st := open(t, countytest.NewClock(t0).Now)
	dev := mustDevice(t, st, countytest.TestPoint, "w1")
	id, tr := countytest.NewCase(countytest.TestPoint.Code)
	ev := caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted")
	rating := ratingEvent(id)
	before := mustStats(t, st)
	rs := mustApply(t, st, dev, ev, rating, ev, rating)
	for i, r := range rs {
		repeat := i >= 2
		if r.Status != protocol.Applied || r.Repeat != repeat || r.CountyCase != rs[i%2].CountyCase {
			t.Errorf("event %d: got %+v, want applied, repeat %v, county case %q", i, r, repeat, rs[i%2].CountyCase)
		}
	}
	got := mustStats(t, st)
	if got.Applied != before.Applied+2 || got.Cases != before.Cases+1 || got.CaseLog != before.CaseLog+1 || got.Inbox != before.Inbox+1 {
		t.Errorf("stats: got %+v, want %+v with 2 more applied, 1 more case, log entry and inbox event", got, before)
	}
}

// contractApplyRace: pushes of the same events at once, from two devices
// of a hall (a kiosk's retry racing its first attempt looks the same), and
// another township of the county numbering its own cases meanwhile: every
// event applied once, nobody refused or failed, county case numbers
// consecutive.
func contractApplyRace(t *testing.T, open opener) {
	st := open(t, countytest.NewClock(t0).Now)
	p, q := countytest.TestPoint, otherPoint
	devs := []county.Device{mustDevice(t, st, p, "p1"), mustDevice(t, st, p, "p2"), mustDevice(t, st, q, "q1")}
	var pEvents, qEvents []protocol.Event
	for c := 0; c < 4; c++ {
		id, tr := countytest.NewCase(p.Code)
		for v := 1; v <= 3; v++ {
			pEvents = append(pEvents, caseEvent(id, tr, p.Code, v, "case.updated", "accepted"))
		}
		pEvents = append(pEvents, ratingEvent(id))
	}
	for c := 0; c < 3; c++ {
		id, tr := countytest.NewCase(q.Code)
		qEvents = append(qEvents, caseEvent(id, tr, q.Code, 1, "case.accepted", "accepted"))
	}
	before := mustStats(t, st)
	const n = 9
	results := make([][]protocol.Result, n)
	errs := race(n, func(i int) (err error) {
		dev, evs := devs[i%3], pEvents
		if dev.Point == q {
			evs = qEvents
		}
		results[i], err = st.Apply(context.Background(), dev, evs)
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
	}
	numbers := map[string]bool{}
	for _, set := range []struct {
		evs []protocol.Event
		of  int // the pushes of this set are those with i%3 in of's set
	}{{pEvents, 0}, {qEvents, 2}} {
		for j, ev := range set.evs {
			fresh := 0
			var county string
			for i := 0; i < n; i++ {
				if (i%3 == 2) != (set.of == 2) {
					continue
				}
				r := results[i][j]
				if r.Status != protocol.Applied || r.ID != ev.ID {
					t.Errorf("push %d event %d: got %s %+v, want applied", i, j, resultCode(r), r)
				}
				if !r.Repeat {
					fresh++
				}
				if county != "" && r.CountyCase != county {
					t.Errorf("event %d: county case %q and %q", j, county, r.CountyCase)
				}
				county = r.CountyCase
			}
			if fresh != 1 {
				t.Errorf("event %d (%s): applied %d times, want once", j, ev.Kind, fresh)
			}
			if county != "" {
				numbers[county] = true
			}
		}
	}
	var got []string
	for c := range numbers {
		got = append(got, c)
	}
	sort.Strings(got)
	var want []string
	for i := 1; i <= 7; i++ {
		want = append(want, fmt.Sprintf("330522-2026-%06d", i))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("county case numbers: got %v, want %v", got, want)
	}
	after := mustStats(t, st)
	if d := after.Applied - before.Applied; d != int64(len(pEvents)+len(qEvents)) {
		t.Errorf("applied events: got %d, want %d", d, len(pEvents)+len(qEvents))
	}
	if after.Cases != 7 || after.CaseLog != 15 || after.Inbox != 4 || after.Rejected != 0 {
		t.Errorf("stats: got %+v, want 7 cases, 15 log entries, 4 inbox events, none rejected", after)
	}
	counts, err := st.Devices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, d := range counts {
		total += d.Events
	}
	if total != int64(len(pEvents)+len(qEvents)) {
		t.Errorf("device event counts: got %d in all, want %d", total, len(pEvents)+len(qEvents))
	}
}

// contractApplyIDAcrossPoints: devices of two townships sending an event
// of the same id at once: one is applied, the other refused as another
// device's, and neither push fails.
func contractApplyIDAcrossPoints(t *testing.T, open opener) {
	st := open(t, countytest.NewClock(t0).Now)
	devs := []county.Device{mustDevice(t, st, countytest.TestPoint, "p1"), mustDevice(t, st, otherPoint, "q1")}
	for round := 0; round < 8; round++ {
		ev := ratingEvent("ref")
		got := make([]string, 2)
		errs := race(2, func(i int) error {
			rs, err := st.Apply(context.Background(), devs[i], []protocol.Event{ev})
			if err == nil {
				got[i] = resultCode(rs[0])
			}
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d push %d: %v", round, i, err)
			}
		}
		sort.Strings(got)
		if want := []string{"applied", "rejected/" + protocol.CodeIDTaken}; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("round %d: got %v, want %v", round, got, want)
		}
	}
}

// contractCaseOrder: a case's events apply in order: one behind a
// rejected event of its case waits, one at a place already taken is a
// conflict with the county's head, a jump too far is refused, an older
// event the county never had is kept as history.
func contractCaseOrder(t *testing.T, open opener) {
	st := open(t, countytest.NewClock(t0).Now)
	point := countytest.TestPoint.Code
	dev := mustDevice(t, st, countytest.TestPoint, "w1")
	id, tr := countytest.NewCase(point)
	bad := caseEvent(id, tr, point, 0, "case.accepted", "accepted") // version 0: refused
	v2 := caseEvent(id, tr, point, 2, "case.updated", "accepted")
	rs := mustApply(t, st, dev, bad, v2)
	if got := []string{resultCode(rs[0]), resultCode(rs[1])}; got[0] != "rejected/"+protocol.CodeBadPayload || got[1] != "rejected/"+protocol.CodeOutOfOrder {
		t.Errorf("a bad first event and its successor: got %v, want bad payload, out of order", got)
	}

	v1 := caseEvent(id, tr, point, 1, "case.accepted", "accepted")
	v3 := caseEvent(id, tr, point, 3, "case.updated", "accepted")
	rs = mustApply(t, st, dev, v1, v3)
	if resultCode(rs[0]) != "applied" || resultCode(rs[1]) != "applied" {
		t.Fatalf("v1, v3: got %s, %s, want applied (a gap is allowed)", resultCode(rs[0]), resultCode(rs[1]))
	}
	other3 := caseEvent(id, tr, point, 3, "case.updated", "accepted")
	far := caseEvent(id, tr, point, 3+county.MaxVersionJump+1, "case.updated", "accepted")
	rs = append(mustApply(t, st, dev, v2, other3), mustApply(t, st, dev, far)...)
	if got := resultCode(rs[0]); got != "applied" {
		t.Errorf("v2 arriving late: got %s, want applied as history", got)
	}
	if got := resultCode(rs[1]); got != "rejected/"+protocol.CodeConflict || rs[1].Head == nil || rs[1].Head.EventID != v3.ID {
		t.Errorf("a second v3: got %s head %+v, want a conflict with head %s", got, rs[1].Head, v3.ID)
	}
	if got := resultCode(rs[2]); got != "rejected/"+protocol.CodeBadPayload {
		t.Errorf("a jump of %d: got %s, want bad payload", county.MaxVersionJump+1, got)
	}
}

// contractFeedCursors: a point's feed pages by cursor, leaves out the
// device's own events and shows no other point's.
func contractFeedCursors(t *testing.T, open opener) {
	ctx := context.Background()
	st := open(t, countytest.NewClock(t0).Now)
	point := countytest.TestPoint.Code
	a1, a2 := mustDevice(t, st, countytest.TestPoint, "a1"), mustDevice(t, st, countytest.TestPoint, "a2")
	b := mustDevice(t, st, otherPoint, "b1")
	id, tr := countytest.NewCase(point)
	var sent []string
	var evs []protocol.Event
	for v := 1; v <= 3; v++ {
		ev := caseEvent(id, tr, point, v, "case.updated", "accepted")
		evs = append(evs, ev)
		sent = append(sent, ev.ID)
	}
	r := ratingEvent(id)
	evs = append(evs, r)
	sent = append(sent, r.ID)
	mustApply(t, st, a1, evs...)
	bid, btr := countytest.NewCase(otherPoint.Code)
	mustApply(t, st, b, caseEvent(bid, btr, otherPoint.Code, 1, "case.accepted", "accepted"))

	all, more, err := st.Feed(ctx, a2, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if more {
		t.Errorf("the whole feed: got more, want none")
	}
	var paged []protocol.FeedItem
	after := int64(0)
	for pages := 0; ; pages++ {
		items, more, err := st.Feed(ctx, a2, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) > 2 || more && len(items) != 2 || pages > len(all) {
			t.Fatalf("page after %d: got %d items, more %v", after, len(items), more)
		}
		paged = append(paged, items...)
		if !more {
			break
		}
		after = items[len(items)-1].Cursor
	}
	if fmt.Sprint(cursors(paged)) != fmt.Sprint(cursors(all)) {
		t.Errorf("paged by 2: got cursors %v, want %v", cursors(paged), cursors(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Cursor <= all[i-1].Cursor {
			t.Errorf("cursors not rising: %v", cursors(all))
		}
	}
	got := hallEvents(t, all)
	if fmt.Sprint(got) != fmt.Sprint(sent) {
		t.Errorf("the other device of the hall: got events %v, want %v", got, sent)
	}
	for _, it := range all {
		if it.Kind != protocol.FeedCaseEvent {
			continue
		}
		var ev protocol.Event
		json.Unmarshal(it.Payload, &ev)
		if ev.ID == evs[0].ID && (string(ev.Payload) != string(evs[0].Payload) || ev.Kind != evs[0].Kind) {
			t.Errorf("the hall's copy: got %s %s, want %s %s", ev.Kind, ev.Payload, evs[0].Kind, evs[0].Payload)
		}
	}
	for _, who := range []struct {
		dev  county.Device
		name string
	}{{a1, "the sender"}, {b, "another point"}} {
		items, _, err := st.Feed(ctx, who.dev, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range hallEvents(t, items) {
			for _, s := range sent {
				if id == s {
					t.Errorf("%s got hall event %s", who.name, id)
				}
			}
		}
	}
	last := all[len(all)-1].Cursor
	if items, more, err := st.Feed(ctx, a2, last, 10); err != nil || len(items) != 0 || more {
		t.Errorf("after the last cursor: got %d items, more %v, %v; want none", len(items), more, err)
	}
}

func cursors(items []protocol.FeedItem) []int64 {
	var out []int64
	for _, it := range items {
		out = append(out, it.Cursor)
	}
	return out
}

// hallEvents are the ids of the hall events among feed items.
func hallEvents(t *testing.T, items []protocol.FeedItem) []string {
	t.Helper()
	var out []string
	for _, it := range items {
		if it.Kind == protocol.FeedCaseEvent {
			var ev protocol.Event
			if err := json.Unmarshal(it.Payload, &ev); err != nil {
				t.Fatalf("hall event %s: %v", it.Payload, err)
			}
			out = append(out, ev.ID)
		}
	}
	return out
}

// deviceStatuses is what reads the reports back (the back office's).
type deviceStatuses interface {
	DeviceStatuses(ctx context.Context) (map[string]county.DeviceReport, error)
}

// contractDeviceStatus: the latest report of each device is kept, whole,
// when two come at once too.
func contractDeviceStatus(t *testing.T, open opener) {
	ctx := context.Background()
	clock := countytest.NewClock(t0)
	st := open(t, clock.Now)
	d := mustDevice(t, st, countytest.TestPoint, "w1")
	if err := st.SetDeviceStatus(ctx, d.ID, protocol.DeviceStatus{AppVersion: "0.9.0", Pending: 1, At: t0}); err != nil {
		t.Fatal(err)
	}
	clock.Add(60e9)
	errs := race(4, func(i int) error {
		return st.SetDeviceStatus(ctx, d.ID, protocol.DeviceStatus{AppVersion: "0.9.1", Pending: 10 + i, LastError: strings.Repeat("错", i), At: t0})
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.(deviceStatuses).DeviceStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := got[d.ID]
	if len(got) != 1 || !ok {
		t.Fatalf("reports: got %v, want one of %s", got, d.ID)
	}
	i := r.Status.Pending - 10
	if r.Status.AppVersion != "0.9.1" || i < 0 || i > 3 || r.Status.LastError != strings.Repeat("错", i) || !r.Received.Equal(t0.Add(60e9)) {
		t.Errorf("report: got %+v received %v, want one of the four later ones, whole, received %v", r.Status, r.Received, t0.Add(60e9))
	}
}

// contractApplyStops: a push whose request ends half-way stops there and
// applies none of it: Apply's statements run without the request's
// cancellation, so the check between events is what stops it.
func contractApplyStops(t *testing.T, open opener) {
	st := open(t, countytest.NewClock(t0).Now)
	dev := mustDevice(t, st, countytest.TestPoint, "w1")
	var evs []protocol.Event
	for range 10 {
		id, tr := newCase()
		evs = append(evs, caseEvent(id, tr, dev.Point.Code, 1, "case.accepted", "accepted"))
	}
	_, err := st.Apply(&cancelledAfter{Context: context.Background(), n: 5}, dev, evs)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want %v", err, context.Canceled)
	}
	if s := mustStats(t, st); s.Applied != 0 || s.Cases != 0 {
		t.Errorf("got %d events applied, %d cases; want 0, 0", s.Applied, s.Cases)
	}
}

// contractCaseRace: two windows of a hall send different next events of
// one case at once: the first to reach the county stands, the other is a
// conflict with it as the head, as when they come one after the other.
func contractCaseRace(t *testing.T, open opener) {
	st := open(t, countytest.NewClock(t0).Now)
	point := countytest.TestPoint.Code
	devs := []county.Device{mustDevice(t, st, countytest.TestPoint, "w1"), mustDevice(t, st, countytest.TestPoint, "w2")}
	for round := 0; round < 5; round++ {
		id, tr := newCase()
		mustApply(t, st, devs[0], caseEvent(id, tr, point, 1, "case.accepted", "accepted"))
		next := []protocol.Event{caseEvent(id, tr, point, 2, "case.updated", "accepted"), caseEvent(id, tr, point, 2, "case.updated", "accepted")}
		rs := make([]protocol.Result, 2)
		errs := race(2, func(i int) error {
			r, err := st.Apply(context.Background(), devs[i], next[i:i+1])
			if err == nil {
				rs[i] = r[0]
			}
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d push %d: %v", round, i, err)
			}
		}
		won := 0
		if rs[1].Status == protocol.Applied {
			won = 1
		}
		lost := rs[1-won]
		if rs[won].Status != protocol.Applied || resultCode(lost) != "rejected/"+protocol.CodeConflict || lost.Head == nil || lost.Head.EventID != next[won].ID {
			t.Errorf("round %d: got %s and %s (head %+v), want one applied and the other a conflict with it", round, resultCode(rs[0]), resultCode(rs[1]), lost.Head)
		}
	}
}
