package county_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
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

// A new case, open with its clock running and no county status (nearly
// every case at its first event), has an entry only in the indexes of
// cases that a list filter reads it by (0016): its key, county case
// number and tracking code, the list by first sight, point and hall
// status, the due-day list and the two open-case indexes. It had 13; the
// paused, 容缺 and county-status indexes now hold only such cases, and due
// soon reads the open due-day index. Each index of cases is judged by its
// own partial WHERE, as SQLite does when it writes the row.
func TestNewCaseWritesNineIndexEntries(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id, tr := newCase()
	if r := e.push(t, shapedCase(id, tr, 1, "accepted", func(d map[string]any) { d["due"] = "2026-12-10T00:00:00+08:00" })); r[0].Status != protocol.Applied {
		t.Fatalf("push: %+v", r[0])
	}
	db, err := sql.Open("sqlite3", e.c.Store.Path()+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT il.name, COALESCE(m.sql, '') FROM pragma_index_list('cases') il
		LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = il.name`)
	if err != nil {
		t.Fatal(err)
	}
	type index struct{ name, ddl string }
	var indexes []index
	for rows.Next() {
		var ix index
		if err := rows.Scan(&ix.name, &ix.ddl); err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, ix)
	}
	rows.Close()
	var holding []string
	for _, ix := range indexes {
		cond := "1"
		if i := strings.Index(strings.ToUpper(ix.ddl), " WHERE "); i >= 0 {
			cond = ix.ddl[i+len(" WHERE "):]
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE case_id = ? AND (`+cond+`)`, id).Scan(&n); err != nil {
			t.Fatalf("%s: %v", ix.name, err)
		}
		if n == 1 {
			holding = append(holding, ix.name)
		}
	}
	sort.Strings(holding)
	want := []string{"cases_due_list", "cases_kiosk_seen", "cases_open_due", "cases_open_seen", "cases_point_seen", "cases_seen",
		"cases_tracking", "sqlite_autoindex_cases_1", "sqlite_autoindex_cases_2"}
	if !slices.Equal(holding, want) {
		t.Errorf("indexes with an entry for a new open case: got %d %v, want %d %v", len(holding), holding, len(want), want)
	}
}

// TestLaterEventWritesOnlyChangedMattersAndScans: a later event of a case
// writes the rows of its matters and scans that changed, and none when
// they are the ones the county holds (most later events: a note, 补正
// received); a changed list still ends as the document says (issue 18).
func TestLaterEventWritesOnlyChangedMattersAndScans(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	db, err := sql.Open("sqlite3", e.c.Store.Path()+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE row_writes (tbl TEXT, op TEXT, key TEXT);
		CREATE TRIGGER matter_in AFTER INSERT ON case_matters BEGIN INSERT INTO row_writes VALUES ('m', '+', new.matter); END;
		CREATE TRIGGER matter_out AFTER DELETE ON case_matters BEGIN INSERT INTO row_writes VALUES ('m', '-', old.matter); END;
		CREATE TRIGGER scan_in AFTER INSERT ON case_attachments BEGIN INSERT INTO row_writes VALUES ('a', '+', substr(new.sha256, 1, 1)); END;
		CREATE TRIGGER scan_out AFTER DELETE ON case_attachments BEGIN INSERT INTO row_writes VALUES ('a', '-', substr(old.sha256, 1, 1)); END`); err != nil {
		t.Fatal(err)
	}
	sha := func(c byte) string { return strings.Repeat(string(c), 64) }
	shape := func(matters []string, scans ...byte) func(map[string]any) {
		return func(d map[string]any) {
			d["matters"] = matters
			var atts []map[string]any
			for _, c := range scans {
				atts = append(atts, map[string]any{"sha256": sha(c), "name": "扫描件.pdf", "size": 1, "type": "application/pdf"})
			}
			d["attachments"] = atts
		}
	}
	id, tr := newCase()
	for i, tc := range []struct {
		name       string
		matters    []string
		scans      []byte
		wantWrites []string // table, op, key; sorted
	}{
		{"new case", []string{"330000-SS-0001", "330000-SS-0002"}, []byte{'a', 'b'},
			[]string{"a+a", "a+b", "m+330000-SS-0001", "m+330000-SS-0002"}},
		{"the same again", []string{"330000-SS-0001", "330000-SS-0002"}, []byte{'a', 'b'}, nil},
		{"the same, in another order", []string{"330000-SS-0002", "330000-SS-0001"}, []byte{'b', 'a'}, nil},
		{"a matter and a scan swapped", []string{"330000-SS-0001", "330000-SS-0003"}, []byte{'a', 'c'},
			[]string{"a+c", "a-b", "m+330000-SS-0003", "m-330000-SS-0002"}},
		{"all dropped", nil, nil, []string{"a-a", "a-c", "m-330000-SS-0001", "m-330000-SS-0003"}},
	} {
		if _, err := db.ExecContext(ctx, `DELETE FROM row_writes`); err != nil {
			t.Fatal(err)
		}
		if r := e.push(t, shapedCase(id, tr, i+1, "accepted", shape(tc.matters, tc.scans...))); r[0].Status != protocol.Applied {
			t.Fatalf("%s: %+v", tc.name, r[0])
		}
		var writes []string
		rows, err := db.QueryContext(ctx, `SELECT tbl || op || key FROM row_writes ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var w string
			if err := rows.Scan(&w); err != nil {
				t.Fatal(err)
			}
			writes = append(writes, w)
		}
		rows.Close()
		if !slices.Equal(writes, tc.wantWrites) {
			t.Errorf("%s: got row writes %v, want %v", tc.name, writes, tc.wantWrites)
		}
		var matters, scans string
		if err := db.QueryRowContext(ctx, `SELECT
			COALESCE((SELECT group_concat(matter) FROM (SELECT matter FROM case_matters WHERE case_id = ?1 ORDER BY matter)), ''),
			COALESCE((SELECT group_concat(substr(sha256, 1, 1), '') FROM (SELECT sha256 FROM case_attachments WHERE case_id = ?1 ORDER BY sha256)), '')`, id).
			Scan(&matters, &scans); err != nil {
			t.Fatal(err)
		}
		wantM := slices.Clone(tc.matters)
		slices.Sort(wantM)
		wantS := slices.Clone(tc.scans)
		slices.Sort(wantS)
		if matters != strings.Join(wantM, ",") || scans != string(wantS) {
			t.Errorf("%s: got matters %q, scans %q; want %q, %q", tc.name, matters, scans, strings.Join(wantM, ","), string(wantS))
		}
	}
}

// TestAppliedEventsRecordedTogether: a push's applied events are recorded
// at its end, appliedChunk rows to a statement (issue 18); a push of more
// than two chunks records every one, and each is answered as a repeat
// when sent again.
func TestAppliedEventsRecordedTogether(t *testing.T) {
	e := newEnv(t)
	var evs []protocol.Event
	for range 250 { // 100 + 100 + 50
		id, tr := newCase()
		evs = append(evs, caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"))
	}
	for i, r := range e.push(t, evs...) {
		if r.Status != protocol.Applied || r.Repeat {
			t.Fatalf("event %d: got %+v, want applied", i, r)
		}
	}
	if st := e.stats(t); st.Applied != int64(len(evs)) {
		t.Errorf("got %d applied events recorded, want %d", st.Applied, len(evs))
	}
	for i, r := range e.push(t, evs...) {
		if r.Status != protocol.Applied || !r.Repeat {
			t.Errorf("event %d sent again: got %+v, want applied, a repeat", i, r)
		}
	}
}
