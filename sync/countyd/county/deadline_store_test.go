package county_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/eventid"
	"github.com/yichuang/yichuang/sync/protocol"
)

// day10 is 10:00 Beijing time on a day of 2026.
func day10(s string) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, s, workday.China)
	if err != nil {
		panic(err)
	}
	return d.Add(10 * time.Hour)
}

// shapedCase is a case event whose document is caseDoc changed by shape.
func shapedCase(caseID, tracking string, version int, status string, shape func(doc map[string]any)) protocol.Event {
	var doc map[string]any
	if err := json.Unmarshal(caseDoc(caseID, tracking, countytest.TestPoint.Code, status), &doc); err != nil {
		panic(err)
	}
	shape(doc)
	b, _ := json.Marshal(doc)
	p, err := json.Marshal(rawCaseEvent{CaseEvent: protocol.CaseEvent{CaseID: caseID, Tracking: tracking, Version: version, At: t0,
		Actor: protocol.Actor{ID: 3, Name: "王丽", Window: 2}}, Case: b})
	if err != nil {
		panic(err)
	}
	return protocol.Event{ID: eventid.New(), Kind: "case.accepted", Created: t0, Payload: p}
}

// The back office's deadline filters judge the due date moved by the
// pauses (补正, 特别程序), across 中秋 and the 2026 National Day week: a case
// whose clock stopped before its original day is not overdue after that
// day but listed as 暂停计时; a case whose moved day passed is overdue; a
// case paused when already late stays overdue; a 容缺 case past its
// supplement day is listed; and a county decision that starts the clock
// again moves the stored day in its own transaction.
func TestDeadlineFiltersJudgeTheMovedDate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	st := e.c.Store
	e.clock.Set(day10("2026-09-14"))
	type kase struct{ id, tr string }
	mk := func(status string, shape func(map[string]any)) kase {
		id, tr := newCase()
		e.push(t, shapedCase(id, tr, 1, status, shape))
		return kase{id, tr}
	}
	dueOn := func(day string) func(map[string]any) {
		return func(d map[string]any) { d["due"] = day + "T00:00:00+08:00" }
	}
	// Paused by the county before its original day (30 September).
	paused := mk("accepted", dueOn("2026-09-30"))
	// Due 21 September, the county's 补正 only on the 24th.
	lateThenPaused := mk("accepted", dueOn("2026-09-21"))
	// 容缺 at the window: the clock stops until the supplement arrives.
	deferred := mk("deferred", func(d map[string]any) {
		dueOn("2026-10-30")(d)
		d["supplement_by"] = "2026-10-08T00:00:00+08:00"
		d["suspensions"] = []protocol.Suspension{{Kind: "correction", Reason: "容缺受理", From: day10("2026-09-14")}}
	})
	soon := mk("accepted", dueOn("2026-10-12"))
	mk("completed", dueOn("2026-09-18")) // finished: under no deadline filter

	correction := func(k kase, when string) {
		e.clock.Set(day10(when))
		if _, err := st.SetCaseStatus(ctx, county.StatusChange{Case: k.tr, Status: protocol.CountyCorrection,
			Supplements: []protocol.Supplement{{Name: "经营场所使用证明"}}, SupplyBy: "2026-10-30"}); err != nil {
			t.Fatal(err)
		}
	}
	correction(paused, "2026-09-22")
	correction(lateThenPaused, "2026-09-24")

	e.clock.Set(day10("2026-10-09"))
	// The hall reports its 补正s once they ended (its document comes
	// after the materials did). The hall's 补正 ended on the 17th: two working days, due 24 → 29 September.
	moved := mk("accepted", func(d map[string]any) {
		dueOn("2026-09-24")(d)
		d["suspensions"] = []protocol.Suspension{{Kind: "correction", From: day10("2026-09-15"), To: day10("2026-09-17")}}
	})
	// Original day passed, moved one not: seven working days of 补正 move
	// 30 September to 15 October.
	notYet := mk("accepted", func(d map[string]any) {
		dueOn("2026-09-30")(d)
		d["suspensions"] = []protocol.Suspension{{Kind: "correction", From: day10("2026-09-21"), To: day10("2026-10-08")}}
	})
	list := func(deadline string) []string {
		t.Helper()
		cs, total, err := st.CasePage(ctx, county.CasePageFilter{Deadline: deadline, Today: "2026-10-09", SoonDay: "2026-10-12"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		if total != len(ids) {
			t.Errorf("%s: total %d, %d rows", deadline, total, len(ids))
		}
		slices.Sort(ids)
		return ids
	}
	ids := func(ks ...kase) []string {
		var out []string
		for _, k := range ks {
			out = append(out, k.id)
		}
		slices.Sort(out)
		return out
	}
	for _, tt := range []struct {
		deadline string
		want     []string
	}{
		{county.DueOverdue, ids(moved, lateThenPaused)},
		{county.DuePaused, ids(paused, lateThenPaused, deferred)},
		{county.DueSoon, ids(soon)},
		{county.DueLapsed, ids(deferred)},
		{county.DueOpen, ids(paused, moved, notYet, lateThenPaused, deferred, soon)},
	} {
		if got := list(tt.deadline); !slices.Equal(got, tt.want) {
			t.Errorf("filter %s: got %v, want %v", tt.deadline, got, tt.want)
		}
	}

	cal := workday.Default()
	c, err := st.Case(ctx, paused.id)
	if err != nil {
		t.Fatal(err)
	}
	dl := county.CaseDeadline(cal, c, e.clock.Now(), "2026-10-12")
	// 23, 24, 28, 29, 30 September and 8, 9 October: 30 September + 7.
	if got := dl.Due.Format(time.DateOnly); got != "2026-10-15" || dl.Overdue || dl.PausedKind != "correction" {
		t.Errorf("paused case shows due %s, overdue %v, paused %q; want 2026-10-15, false, correction", got, dl.Overdue, dl.PausedKind)
	}

	// The county takes the case up again on Monday 12 October: the clock
	// runs, nine working days later than promised (the 调休 Saturday counts).
	e.clock.Set(day10("2026-10-12"))
	if _, err := st.SetCaseStatus(ctx, county.StatusChange{Case: paused.tr, Status: protocol.CountyReviewing}); err != nil {
		t.Fatal(err)
	}
	if c, err = st.Case(ctx, paused.id); err != nil {
		t.Fatal(err)
	}
	if c.DueMoved != "2026-10-19" || c.PausedSince != "" {
		t.Errorf("after review resumed: got due %q paused since %q, want 2026-10-19 and none", c.DueMoved, c.PausedSince)
	}
}

// A county that ran 0010 before 0007 was merged gets 0007 on its next
// start (migrations are applied by the record, not by the highest
// number), and its existing cases get their deadline columns from their
// documents and status logs.
func TestMigration0007BackfillsACountyAlreadyAt0010(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	st := e.c.Store
	e.clock.Set(day10("2026-09-14"))
	id, tr := newCase()
	e.push(t, shapedCase(id, tr, 1, "accepted", func(d map[string]any) { d["due"] = "2026-09-30T00:00:00+08:00" }))
	e.clock.Set(day10("2026-09-22"))
	if _, err := st.SetCaseStatus(ctx, county.StatusChange{Case: tr, Status: protocol.CountyCorrection,
		Supplements: []protocol.Supplement{{Name: "经营场所使用证明"}}, SupplyBy: "2026-10-30"}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", st.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`DROP INDEX IF EXISTS cases_due_moved`, `DROP INDEX IF EXISTS cases_paused`, `DROP INDEX IF EXISTS cases_supplement_by`,
		// 0011's and 0016's list indexes name the columns too.
		`DROP INDEX cases_open_due`, `DROP INDEX cases_open_paused`, `DROP INDEX cases_due_list`, `DROP INDEX cases_deferred_supplement`,
		`ALTER TABLE cases DROP COLUMN due_moved`, `ALTER TABLE cases DROP COLUMN paused_since`,
		`ALTER TABLE cases DROP COLUMN paused_kind`, `ALTER TABLE cases DROP COLUMN paused_procedure`,
		`ALTER TABLE cases DROP COLUMN supplement_by`,
		`ALTER TABLE notices DROP COLUMN requeues`, `ALTER TABLE notices DROP COLUMN requeued_at`,
		`DELETE FROM schema_migrations WHERE version = 7`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	again, err := county.OpenSQLite(ctx, st.Path(), county.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	c, err := again.Case(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.DueMoved != "2026-09-30" || c.PausedSince != "2026-09-22" || c.PausedKind != "correction" {
		t.Errorf("after the upgrade: got due %q paused since %q (%q), want 2026-09-30, 2026-09-22, correction",
			c.DueMoved, c.PausedSince, c.PausedKind)
	}
}
