package county_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// A later event of a case sets only the list columns whose value changed:
// SQLite rewrites the entry of every index over a column an UPDATE sets,
// changed or not, and the list indexes of 0011 made each case event pay
// for all of them (issue 18). A trigger "UPDATE OF" those columns fires
// exactly when the UPDATE sets one of them, which is when SQLite writes
// their indexes; what is stored must still follow the document.
func TestCaseUpdateSetsOnlyChangedListColumns(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	db, err := sql.Open("sqlite3", e.c.Store.Path()+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE list_writes (case_id TEXT, version INTEGER);
		CREATE TRIGGER cases_list_write AFTER UPDATE OF kiosk_status, due_moved, paused_since, supplement_by, tracking ON cases
		BEGIN INSERT INTO list_writes VALUES (new.case_id, new.version); END`); err != nil {
		t.Fatal(err)
	}
	id, tr := newCase()
	due := func(day string) func(map[string]any) {
		return func(d map[string]any) { d["due"] = day + "T00:00:00+08:00" }
	}
	if r := e.push(t, shapedCase(id, tr, 1, "accepted", due("2026-12-10"))); r[0].Status != protocol.Applied {
		t.Fatalf("version 1: %+v", r[0])
	}
	for _, tc := range []struct {
		name      string
		status    string
		shape     func(map[string]any)
		listWrite bool
		wantDue   string
		wantSuppl string
	}{
		{"same status and due", "accepted", due("2026-12-10"), false, "2026-12-10", ""},
		{"status changes", "deferred", func(d map[string]any) {
			due("2026-12-10")(d)
			d["supplement_by"] = "2026-12-05T00:00:00+08:00"
		}, true, "2026-12-10", "2026-12-05"},
		{"nothing listed changes again", "deferred", func(d map[string]any) {
			due("2026-12-10")(d)
			d["supplement_by"] = "2026-12-05T00:00:00+08:00"
		}, false, "2026-12-10", "2026-12-05"},
		{"due moves", "deferred", func(d map[string]any) {
			due("2026-12-20")(d)
			d["supplement_by"] = "2026-12-05T00:00:00+08:00"
		}, true, "2026-12-20", "2026-12-05"},
		{"supplement day dropped", "accepted", due("2026-12-20"), true, "2026-12-20", ""},
	} {
		var version int
		if err := db.QueryRowContext(ctx, `SELECT version FROM cases WHERE case_id = ?`, id).Scan(&version); err != nil {
			t.Fatal(err)
		}
		if r := e.push(t, shapedCase(id, tr, version+1, tc.status, tc.shape)); r[0].Status != protocol.Applied {
			t.Fatalf("%s: %+v", tc.name, r[0])
		}
		var writes int
		var status, dueMoved, suppl string
		var got int
		if err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM list_writes WHERE version = c.version),
			c.version, c.kiosk_status, c.due_moved, c.supplement_by FROM cases c WHERE c.case_id = ?`, id).
			Scan(&writes, &got, &status, &dueMoved, &suppl); err != nil {
			t.Fatal(err)
		}
		if got != version+1 || status != tc.status || dueMoved != tc.wantDue || suppl != tc.wantSuppl {
			t.Errorf("%s: got version %d, status %s, due_moved %s, supplement_by %q; want %d, %s, %s, %q",
				tc.name, got, status, dueMoved, suppl, version+1, tc.status, tc.wantDue, tc.wantSuppl)
		}
		if (writes > 0) != tc.listWrite {
			t.Errorf("%s: got list columns set %v, want %v", tc.name, writes > 0, tc.listWrite)
		}
	}
}

// cancelledAfter is a context whose Err turns to Canceled after n calls
// and whose Done is nil, as a client that hangs up mid-push: nothing but
// Apply's own check between events can see it.
type cancelledAfter struct {
	context.Context
	n int
}

func (c *cancelledAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

// Apply decodes a case event once (issue 18); what it refuses, and the
// holding back of the same case's later events, stay as they were: a type
// error in the event still names its case, so the next event of that case
// in the push waits behind it.
func TestCaseEventDecodedOnceRefusesTheSame(t *testing.T) {
	e := newEnv(t)
	reshape := func(ev protocol.Event, f func(p map[string]any)) protocol.Event {
		var p map[string]any
		if err := json.Unmarshal(ev.Payload, &p); err != nil {
			t.Fatal(err)
		}
		f(p)
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		ev.Payload = b
		return ev
	}
	for _, tc := range []struct {
		name  string
		shape func(p map[string]any)
		want  string
	}{
		{"no case document", func(p map[string]any) { delete(p, "case") }, protocol.CodeBadPayload},
		{"null case document", func(p map[string]any) { p["case"] = nil }, protocol.CodeBadPayload},
		{"case document an array", func(p map[string]any) { p["case"] = []int{1} }, protocol.CodeBadPayload},
		{"version a text", func(p map[string]any) { p["version"] = "1" }, protocol.CodeBadPayload},
		{"status a number", func(p map[string]any) { p["case"].(map[string]any)["status"] = 7 }, protocol.CodeBadPayload},
		{"newer document layout", func(p map[string]any) { p["case"].(map[string]any)["v"] = protocol.CaseDocVersion + 1 }, protocol.CodeUnsupported},
	} {
		id, tr := newCase()
		first := reshape(caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"), tc.shape)
		next := caseEvent(id, tr, countytest.TestPoint.Code, 2, "case.supplemented", "accepted")
		got := e.push(t, first, next)
		if got[0].Error == nil || got[0].Error.Code != tc.want {
			t.Errorf("%s: got %+v, want %s", tc.name, got[0], tc.want)
		}
		if got[1].Error == nil || got[1].Error.Code != protocol.CodeOutOfOrder {
			t.Errorf("%s: the next event got %+v, want %s", tc.name, got[1], protocol.CodeOutOfOrder)
		}
	}
}

// County case numbers run on without a gap or a repeat, within a push and
// across pushes, from one statement per new case (INSERT … RETURNING).
func TestCountyCaseNumbersRunOn(t *testing.T) {
	e := newEnv(t)
	year := e.clock.Now().In(workday.China).Year()
	var got []string
	for _, n := range []int{3, 1} {
		var evs []protocol.Event
		for range n {
			id, tr := newCase()
			evs = append(evs, caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"))
		}
		for _, r := range e.push(t, evs...) {
			got = append(got, r.CountyCase)
		}
	}
	county := countytest.TestPoint.Code[:6]
	for i, g := range got {
		if want := fmt.Sprintf("%s-%d-%06d", county, year, i+1); g != want {
			t.Errorf("case %d: got %s, want %s", i+1, g, want)
		}
	}
}
