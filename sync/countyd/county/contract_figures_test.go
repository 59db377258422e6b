package county_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/figures"
	"github.com/yichuang/yichuang/sync/protocol"
)

func TestContractFiguresSQLite(t *testing.T) {
	contractFigures(t, func(t *testing.T, now func() time.Time) county.Store {
		st, err := county.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "county.db"), county.WithClock(now))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

func TestContractFiguresPostgres(t *testing.T) { contractFigures(t, openPostgres) }

func queueEvent(kind protocol.Kind, doc string) protocol.Event {
	p, _ := json.Marshal(protocol.QueuePayload{Doc: json.RawMessage(doc)})
	return protocol.Event{ID: uuid.NewString(), Kind: kind, Created: t0, Payload: p}
}

// sumFigures adds up a period's groups, with the point and matter of
// every case row.
func sumFigures(t *testing.T, st county.Store, from, to string) (figures.Counts, []county.FigureGroup) {
	t.Helper()
	gs, err := st.(county.Figures).FigureGroups(context.Background(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	var c figures.Counts
	for _, g := range gs {
		c.Add(g.Counts)
	}
	return c, gs
}

// contractFigures: the rollup follows a case through acceptance, a repeat
// push, a newer version, the county's decision and its reversal, and
// counts a ticket and a rating once, the same on both stores.
func contractFigures(t *testing.T, open opener) {
	ctx := context.Background()
	clock := countytest.NewClock(t0)
	st := open(t, clock.Now)
	w1 := mustDevice(t, st, countytest.TestPoint, "w1")
	id, tr := newCase()
	ev := caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted")
	mustApply(t, st, w1, ev)
	mustApply(t, st, w1, ev) // a repeat adds nothing
	mustApply(t, st, w1, caseEvent(id, tr, countytest.TestPoint.Code, 2, "case.noted", "accepted"))
	mustApply(t, st, w1,
		queueEvent(protocol.TicketIssued, `{"id":"t1","sector":"商事登记","day":"2026-11-26","issued":"2026-11-26T09:00:00+08:00","status":"waiting"}`),
		queueEvent(protocol.TicketClosed, `{"id":"t1","sector":"商事登记","day":"2026-11-26","issued":"2026-11-26T09:00:00+08:00","status":"done",
			"called_at":"2026-11-26T09:12:00+08:00","started_at":"2026-11-26T09:13:00+08:00","finished_at":"2026-11-26T09:21:00+08:00"}`),
		ratingEvent(id))

	// Two cases and a case's second version in one push: the push's
	// changes are gathered and written at its end, each counted once.
	id2, tr2 := newCase()
	id3, tr3 := newCase()
	mustApply(t, st, w1,
		caseEvent(id2, tr2, countytest.TestPoint.Code, 1, "case.accepted", "accepted"),
		caseEvent(id3, tr3, countytest.TestPoint.Code, 1, "case.accepted", "accepted"),
		caseEvent(id2, tr2, countytest.TestPoint.Code, 2, "case.noted", "accepted"))
	got, gs := sumFigures(t, st, "2026-11-01", "2026-11-30")
	want := figures.Counts{Accepted: 3, Proxy: 0, Tickets: 1, Closed: 1, Served: 1, Called: 1, WaitSecs: 12 * 60, ServiceSecs: 8 * 60}
	want.Ratings[5] = 1
	if got != want {
		t.Errorf("after acceptance: got %+v, want %+v", got, want)
	}
	for _, g := range gs {
		if g.Counts.Accepted > 0 && (g.Point != countytest.TestPoint.Code || g.Matter != "330000-SS-0001" || g.Sector != "") {
			t.Errorf("case row: got point %s sector %q matter %s, want %s, no sector, its first matter", g.Point, g.Sector, g.Matter, countytest.TestPoint.Code)
		}
		if g.Counts.Tickets == 1 && (g.Sector != "商事登记" || g.Matter != "") {
			t.Errorf("ticket row: got sector %q matter %q, want 商事登记 and none", g.Sector, g.Matter)
		}
	}
	if got, _ := sumFigures(t, st, "2026-12-01", "2026-12-31"); got != (figures.Counts{}) {
		t.Errorf("another month: got %+v, want nothing", got)
	}

	// Decided by the county on 2026-12-02, before the promised 2026-12-10:
	// on time, 4 working days after acceptance on Thursday 2026-11-26.
	clock.Set(t0.AddDate(0, 0, 6))
	if _, err := st.SetCaseStatus(ctx, county.StatusChange{Case: id, Status: protocol.CountyCompleted, By: "李科长", Pickup: "窗口领取"}); err != nil {
		t.Fatal(err)
	}
	dec, _ := sumFigures(t, st, "2026-12-02", "2026-12-02")
	if want := (figures.Counts{Decided: 1, Promised: 1, OnTime: 1, DecideDays: 4}); dec != want {
		t.Errorf("decided: got %+v, want %+v", dec, want)
	}
	// The county takes it back: the decision no longer counts anywhere.
	if _, err := st.SetCaseStatus(ctx, county.StatusChange{Case: id, Status: protocol.CountyReviewing, By: "李科长"}); err != nil {
		t.Fatal(err)
	}
	if dec, _ := sumFigures(t, st, "2026-12-01", "2026-12-31"); dec != (figures.Counts{}) {
		t.Errorf("after the decision was taken back: got %+v, want nothing", dec)
	}
	if got, _ := sumFigures(t, st, "2026-11-01", "2026-11-30"); got != want {
		t.Errorf("acceptance month after it all: got %+v, want %+v", got, want)
	}
}

// TestFiguresBackfillMatchesLiveCounts: the rollup 0014 builds from a
// county's stored cases, decisions, tickets and ratings is the one Apply
// and the decisions keep as they happen.
func TestFiguresBackfillMatchesLiveCounts(t *testing.T) {
	ctx := context.Background()
	clock := countytest.NewClock(t0)
	st, err := county.OpenSQLite(ctx, filepath.Join(t.TempDir(), "county.db"), county.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w1 := mustDevice(t, st, countytest.TestPoint, "w1")
	var ids []string
	for i := range 6 {
		id, tr := newCase()
		ids = append(ids, id)
		mustApply(t, st, w1, caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"))
		if i%2 == 0 {
			mustApply(t, st, w1, caseEvent(id, tr, countytest.TestPoint.Code, 2, "case.noted", "accepted"))
		}
	}
	mustApply(t, st, w1,
		queueEvent(protocol.TicketIssued, `{"id":"t1","sector":"商事登记","day":"2026-11-26","issued":"2026-11-26T09:00:00+08:00","status":"waiting"}`),
		queueEvent(protocol.TicketClosed, `{"id":"t1","sector":"商事登记","day":"2026-11-26","issued":"2026-11-26T09:00:00+08:00","status":"noshow",
			"called_at":"2026-11-26T09:12:00+08:00"}`),
		ratingEvent(ids[0]))
	clock.Set(t0.AddDate(0, 0, 1))
	if _, err := st.SetCaseStatus(ctx, county.StatusChange{Case: ids[1], Status: protocol.CountyCorrection, By: "李科长",
		Supplements: []protocol.Supplement{{Name: "营业执照副本"}}, SupplyBy: "2026-12-31"}); err != nil {
		t.Fatal(err)
	}
	clock.Set(t0.AddDate(0, 0, 8))
	for _, id := range ids[:3] {
		if _, err := st.SetCaseStatus(ctx, county.StatusChange{Case: id, Status: protocol.CountyCompleted, By: "李科长", Pickup: "窗口领取"}); err != nil {
			t.Fatal(err)
		}
	}
	read := func() ([]county.FigureGroup, []county.FigureGroup) {
		gs, err := st.FigureGroups(ctx, "2026-11-01", "2026-12-31")
		if err != nil {
			t.Fatal(err)
		}
		days, err := st.FigureTrend(ctx, "2026-11-01", "2026-12-31")
		if err != nil {
			t.Fatal(err)
		}
		return gs, days
	}
	liveGroups, liveDays := read()
	if len(liveGroups) == 0 {
		t.Fatal("no figures to compare")
	}
	if err := county.RebuildFigures(ctx, st); err != nil {
		t.Fatal(err)
	}
	gotGroups, gotDays := read()
	if !reflect.DeepEqual(gotGroups, liveGroups) || !reflect.DeepEqual(gotDays, liveDays) {
		t.Errorf("back-filled:\n got %+v\n     %+v\nwant %+v\n     %+v", gotGroups, gotDays, liveGroups, liveDays)
	}
}
