package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/sync/figures"
	"github.com/yichuang/yichuang/sync/protocol"
)

// factCases writes a day of varied cases (即办, 告知承诺, 代办, 容缺,
// refused, returned from pre-review) through CreateCase and returns them.
func factCases(t *testing.T, db *DB) []cases.Case {
	t.Helper()
	ctx := context.Background()
	if err := db.SetDeviceNumber(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LoadCatalog(ctx, assets.DemoCatalog()); err != nil {
		t.Fatal(err)
	}
	var out []cases.Case
	add := func(matter string, decision cases.Kind, status cases.Status, edit func(*cases.Case)) {
		t.Helper()
		c := sampleCase()
		c.Matters = []string{matter}
		c.Decision, c.Status = decision, status
		if edit != nil {
			edit(&c)
		}
		c, err := db.CreateCase(ctx, c, c.Clerk)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	add("330000-SS-0001", cases.Complete, cases.StatusCompleted, nil)
	add("330000-MS-0012", cases.Accept, cases.StatusAccepted, func(c *cases.Case) {
		c.Materials = append(c.Materials, cases.MaterialEntry{Matter: "330000-MS-0012", Material: "premises_proof", State: cases.Committed})
		c.Applicant = cases.Applicant{Kind: cases.Enterprise, Name: "长兴小红餐饮有限公司", IDNumber: "91330522MA2B3C4D5E",
			LegalRepName: "李四", LegalRepID: "330522198001010018", Mobile: "13857201235"}
	})
	add("330000-SS-0004", cases.AcceptDeferred, cases.StatusDeferred, func(c *cases.Case) {
		c.Proxy = &cases.Proxy{Agent: cases.Actor{ID: 7, Name: "赵代办"}, Village: "和平村"}
		c.Suspensions = []cases.Suspension{{Kind: cases.SuspendCorrection, From: t0.Add(-48 * time.Hour), To: t0.Add(-24 * time.Hour)}}
	})
	add("330000-SS-0001", cases.Reject, cases.StatusRejected, nil)
	add("330000-SS-0001", cases.Kind(""), cases.StatusReturned, nil)
	return out
}

var factDay = figures.Counts{Accepted: 3, Immediate: 1, Deficient: 1, Commitment: 1, Proxy: 1, AtMostOnce: 3, ZeroVisit: 1, Refused: 1, Returned: 1}

// Rows written before migration 0014 hold no facts: the figures and the
// search still read them right (from their documents), and FillCaseFacts
// fills them, in batches, until none is left.
func TestCaseFactsOfOlderRows(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	written := factCases(t, db)
	day := t0
	figuresOf := func(when string) {
		t.Helper()
		got, err := db.CaseFigures(ctx, day, day)
		if err != nil {
			t.Fatal(err)
		}
		if got != factDay {
			t.Errorf("%s: got %+v, want %+v", when, got, factDay)
		}
	}
	figuresOf("as written")
	unfilled := func() int {
		t.Helper()
		var n int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases c WHERE first_matter IS NULL OR commitment IS NULL
			OR (reduced_at IS NULL AND NOT EXISTS (SELECT 1 FROM case_briefs b WHERE b.case_id = c.id AND b.accepted_at = c.accepted_at))`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := unfilled(); n != 0 {
		t.Errorf("as written: got %d rows without facts, want 0 (CreateCase writes them)", n)
	}

	// Three of the five as a kiosk before 0014 left them; the other two
	// keep theirs, so both parts of the figures' query count.
	beforeFacts(t, db, written[0].ID, written[1].ID, written[2].ID)
	figuresOf("three without facts")
	briefsMatch(t, db, written, "three without summaries")

	defer func(n int) { fillBatch = n }(fillBatch)
	fillBatch = 2 // two batches and a last one
	n, err := db.FillCaseFacts(ctx)
	if err != nil || n != 3 {
		t.Fatalf("fill: got %d, %v, want 3 filled", n, err)
	}
	if missing := unfilled(); missing != 0 {
		t.Errorf("after the fill: got %d rows without facts, want 0", missing)
	}
	figuresOf("filled")
	briefsMatch(t, db, written, "filled")
	if n, err := db.FillCaseFacts(ctx); err != nil || n != 0 {
		t.Errorf("second fill: got %d, %v, want nothing left", n, err)
	}

	// A reduced case keeps its facts (the figures still count it) and
	// loses its brief (the names go); the fill leaves it so.
	if err := db.update(ctx, func(tx *tx) error { _, _, err := tx.reduce(ctx, written[1].ID); return err }); err != nil {
		t.Fatal(err)
	}
	figuresOf("one reduced")
	if n := briefs(t, db, written[1].ID); n != 0 {
		t.Errorf("reduced case: got %d briefs, want none", n)
	}
	beforeFacts(t, db, written[1].ID)
	figuresOf("one reduced before 0014")
	if n, err := db.FillCaseFacts(ctx); err != nil || n != 1 {
		t.Errorf("fill of a reduced case: got %d, %v, want 1", n, err)
	}
	if n := briefs(t, db, written[1].ID); n != 0 {
		t.Errorf("reduced case after the fill: got %d briefs, want none", n)
	}
	figuresOf("reduced and filled")
	if n, err := db.FillCaseFacts(ctx); err != nil || n != 0 {
		t.Errorf("fill after the reduced one: got %d, %v, want nothing left", n, err)
	}

	db.Lock()
	if _, err := db.FillCaseFacts(ctx); err == nil {
		t.Error("fill without the data key: got no error")
	}
}

// briefsMatch checks that each case's brief from CaseBriefsOpenOrSince
// carries what 查询办件 reads of the whole case, the due date as of a day
// included.
func briefsMatch(t *testing.T, db *DB, written []cases.Case, when string) {
	t.Helper()
	ctx := context.Background()
	briefs, err := db.CaseBriefsOpenOrSince(ctx, t0.AddDate(0, 0, -90), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(briefs) != len(written) {
		t.Fatalf("%s: got %d briefs, want %d", when, len(briefs), len(written))
	}
	// The same cases as older than the span: only the open ones, through
	// the other part of the query.
	older, err := db.CaseBriefsOpenOrSince(ctx, t0.AddDate(0, 0, 1), 100)
	if err != nil {
		t.Fatal(err)
	}
	open := 0
	for _, w := range written {
		c, err := db.CaseByID(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Status.Closed() {
			open++
		}
	}
	if len(older) != open || open == 0 {
		t.Fatalf("%s: got %d briefs of older cases, want the %d open", when, len(older), open)
	}
	briefs = append(briefs, older...)
	notices, err := assets.HolidayCalendars()
	if err != nil {
		t.Fatal(err)
	}
	cal, err := workday.Load(notices...)
	if err != nil {
		t.Fatal(err)
	}
	for _, br := range briefs {
		b := br.Case()
		w, err := db.CaseByID(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		type seen struct {
			tracking, name, rep, id, repID, status string
			clerk, agent                           int64
			proxy                                  bool
			accepted, due                          time.Time
		}
		of := func(c cases.Case) seen {
			s := seen{tracking: c.Tracking, name: c.Applicant.Name, rep: c.Applicant.LegalRepName, id: c.Applicant.IDNumber,
				repID: c.Applicant.LegalRepID, status: string(c.Status), clerk: c.Clerk.ID, proxy: c.Proxy != nil, accepted: c.Accepted}
			if c.Proxy != nil {
				s.agent = c.Proxy.Agent.ID
			}
			if s.due, err = c.DueAt(cal, t0.AddDate(0, 0, 3)); err != nil {
				t.Fatal(err)
			}
			return s
		}
		if got, want := of(b), of(w); got != want || !slices.EqualFunc(b.Pauses(), w.Pauses(),
			func(x, y workday.Pause) bool { return x.From.Equal(y.From) && x.To.Equal(y.To) }) {
			t.Errorf("%s: brief of %s: got %+v, want %+v", when, b.Tracking, got, want)
		}
	}
}

// A case's facts follow every later write of its document: a 容缺
// material replaced by a 告知承诺 when the applicant comes back, and the
// county's correction request that stops the clock.
func TestCaseFactsFollowWrites(t *testing.T) {
	db, clk := openTemp(t)
	ctx := context.Background()
	written := factCases(t, db)
	c := written[2] // 容缺, filed by agent 7
	clk.Advance(time.Hour)
	after := c
	after.Materials = append(slices.Clone(c.Materials), cases.MaterialEntry{Matter: c.Matters[0], Material: "premises_proof", State: cases.Committed})
	after.Status = cases.StatusAccepted
	after.Applicant.Name = "张小红（更正）"
	if _, err := db.UpdateCase(ctx, after, cases.EvSupplemented, c.Clerk, nil); err != nil {
		t.Fatal(err)
	}
	want := factDay
	want.Commitment++
	if got, err := db.CaseFigures(ctx, t0, t0); err != nil || got != want {
		t.Errorf("after the supplement: got %+v, %v, want %+v", got, err, want)
	}
	briefsMatch(t, db, written, "after the supplement")

	clk.Advance(time.Hour)
	st := protocol.CaseStatus{CaseID: c.ID, Tracking: c.Tracking, Status: protocol.CountyCorrection,
		Supplements: []protocol.Supplement{{Name: "租赁合同原件"}}, SupplyBy: "2026-12-04", At: clk.Now()}
	if err := db.update(ctx, func(tx *tx) error { return applyCountyStatus(ctx, tx, st) }); err != nil {
		t.Fatal(err)
	}
	got, err := db.CaseByID(ctx, c.ID)
	if err != nil || got.Status != cases.StatusCorrection || len(got.Suspensions) < 2 {
		t.Fatalf("after the county: status %s, %d suspensions, %v", got.Status, len(got.Suspensions), err)
	}
	briefsMatch(t, db, written, "after the county's correction")
}

// beforeFacts leaves cases as a kiosk before 0014 did: no facts, no brief.
func beforeFacts(t *testing.T, db *DB, ids ...string) {
	t.Helper()
	for _, id := range ids {
		for _, q := range []string{
			`DELETE FROM case_briefs WHERE case_id = ?`,
			`UPDATE cases SET first_matter = NULL, commitment = NULL WHERE id = ?`,
		} {
			if _, err := db.w.ExecContext(context.Background(), q, id); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// briefs is how many briefs a case has.
func briefs(t *testing.T, db *DB, id string) int {
	t.Helper()
	var n int
	if err := db.r.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM case_briefs WHERE case_id = ?`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
