package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/sync/protocol"
)

// ackAll acknowledges every event a push would send, as a push the county
// applied whole (a quarantined event stays as it is).
func ackAll(t testing.TB, db *DB) {
	t.Helper()
	ctx := context.Background()
	evs, err := db.SendableEvents(ctx, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range evs {
		ids = append(ids, e.ID)
	}
	if err := db.MarkAcked(ctx, ids...); err != nil {
		t.Fatal(err)
	}
}

// completedCase is a case completed at the window at once (its papers
// ready to collect).
func completedCase(t *testing.T, db *DB, window int) cases.Case {
	t.Helper()
	c := sampleCase()
	c.Decision, c.Status = cases.Complete, cases.StatusCompleted
	c.Clerk = cases.Actor{Name: "王丽", Window: window}
	got, err := db.CreateCase(context.Background(), c, c.Clerk)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// deliveredCase is a completed case its applicant collected: two events.
func deliveredCase(t *testing.T, db *DB, window int) cases.Case {
	t.Helper()
	c := completedCase(t, db, window)
	deliverAt(t, db, c.Tracking, "王丽", window, db.clock.Now())
	return c
}

// compacted says, per outbox event id, whether its payload was emptied.
func compacted(t testing.TB, db *DB) map[string]bool {
	t.Helper()
	rows, err := db.r.Query(`SELECT event_id, payload = 'null' FROM outbox`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		var empty bool
		if err := rows.Scan(&id, &empty); err != nil {
			t.Fatal(err)
		}
		out[id] = empty
	}
	return out
}

// answers is what users get from the kiosk for these cases: the progress
// query, the case and its history, the sync status, the quarantine list
// and the 好差评 statistics, as text to compare.
func answers(t testing.TB, db *DB, trackings ...string) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, tr := range trackings {
		p, err := db.VerifyProgress(ctx, tr, "0024")
		fmt.Fprintf(&b, "progress %s: %+v %v\n", tr, p, err)
		c, err := db.CaseByTracking(ctx, tr)
		fmt.Fprintf(&b, "case %s: %s %s %d %v\n", tr, c.Status, c.Applicant.Name, len(c.Matters), err)
		evs, err := db.CaseEvents(ctx, c.ID)
		for _, e := range evs {
			fmt.Fprintf(&b, "  event %+v\n", e)
		}
		fmt.Fprintf(&b, "  %v\n", err)
	}
	st, err := db.SyncStatus(ctx)
	fmt.Fprintf(&b, "sync: %d pending %d quarantined %d uploads %v\n", st.Pending, st.Quarantined, st.Uploads, err)
	q, err := db.Quarantined(ctx)
	fmt.Fprintf(&b, "quarantined: %+v %v\n", q, err)
	byClerk, byMatter, err := db.RatingTallies(ctx, t0.Add(-time.Hour))
	fmt.Fprintf(&b, "ratings: %+v %+v %v\n", byClerk, byMatter, err)
	n, err := db.CaseCount(ctx)
	fmt.Fprintf(&b, "cases: %d %v\n", n, err)
	return b.String()
}

// Acknowledged payloads go two weeks after the county's acknowledgement;
// what users get stays the same; an event not yet acknowledged, one
// quarantined, one the county has but the hall's hub not yet, one
// acknowledged lately and the ratings keep theirs.
func TestCompactOutboxKeepsTheAnswers(t *testing.T) {
	h := newTestHall(t, "a")
	ctx := context.Background()
	db := h.ms["a"]
	old := deliveredCase(t, db, 2)
	if _, err := db.Rate(ctx, rating.Rating{Kind: rating.Case, Ref: old.ID, Level: 5, ClerkName: "王丽", Window: 2, Matter: "个体工商户设立登记"}); err != nil {
		t.Fatal(err)
	}
	h.sync()
	ackAll(t, db)
	oldEvents := compacted(t, db)
	// The county refuses this one (the hub took it).
	refused := acceptCase(t, db, 2)
	h.sync()
	evs, _ := db.SendableEvents(ctx, 10)
	if len(evs) != 1 {
		t.Fatalf("got %d events to send, want the refused case's one", len(evs))
	}
	if err := db.RecordPush(ctx, []protocol.Result{{ID: evs[0].ID, Status: protocol.Rejected,
		Error: &protocol.Error{Code: protocol.CodeBadPayload, Message: "test"}}}); err != nil {
		t.Fatal(err)
	}
	// Two weeks later, a case both have.
	h.clk.Advance(15 * 24 * time.Hour)
	lately := acceptCase(t, db, 2)
	h.sync()
	ackAll(t, db)
	// Back then (the clock set back), a case the county took while the
	// hub was away, still waiting for the hub.
	h.clk.Set(t0.Add(time.Hour))
	hubAway := acceptCase(t, db, 2)
	ackAll(t, db)
	h.clk.Set(t0.Add(15*24*time.Hour + 2*time.Hour))
	before := answers(t, db, old.Tracking, hubAway.Tracking, refused.Tracking, lately.Tracking)

	n, err := db.CompactOutbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := compacted(t, db)
	want := 0
	for id := range oldEvents {
		kind := eventKind(t, db, id)
		wantEmpty := kind != string(protocol.RatingGiven)
		if wantEmpty {
			want++
		}
		if got[id] != wantEmpty {
			t.Errorf("old %s event %s: got compacted %v, want %v", kind, id, got[id], wantEmpty)
		}
	}
	if n != want || n == 0 {
		t.Errorf("got %d compacted, want %d", n, want)
	}
	for name, c := range map[string]cases.Case{"waiting for the hub": hubAway, "quarantined": refused, "acknowledged lately": lately} {
		for id := range eventsOf(t, db, c.ID) {
			if got[id] {
				t.Errorf("%s: event %s was compacted", name, id)
			}
		}
	}
	if after := answers(t, db, old.Tracking, hubAway.Tracking, refused.Tracking, lately.Tracking); after != before {
		t.Errorf("answers after compaction:\n%s\nwant as before:\n%s", after, before)
	}
	if again, err := db.CompactOutbox(ctx); err != nil || again != 0 {
		t.Errorf("second run: got %d, %v; want 0", again, err)
	}
	// Once the hub has it, it goes too.
	h.sync()
	if n, err := db.CompactOutbox(ctx); err != nil || n != len(eventsOf(t, db, hubAway.ID)) {
		t.Errorf("after the hub took it: got %d, %v; want the case's events", n, err)
	}
}

func eventsOf(t testing.TB, db *DB, caseID string) map[string]bool {
	t.Helper()
	rows, err := db.r.Query(`SELECT event_id FROM outbox WHERE case_id = ?`, caseID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		out[id] = true
	}
	if len(out) == 0 {
		t.Fatalf("case %s has no outbox events", caseID)
	}
	return out
}

func firstEvent(t testing.TB, db *DB, caseID string) string {
	t.Helper()
	var id string
	if err := db.r.QueryRow(`SELECT event_id FROM outbox WHERE case_id = ? ORDER BY seq LIMIT 1`, caseID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func eventKind(t testing.TB, db *DB, eventID string) string {
	t.Helper()
	var k string
	if err := db.r.QueryRow(`SELECT kind FROM outbox WHERE event_id = ?`, eventID).Scan(&k); err != nil {
		t.Fatal(err)
	}
	return k
}

// A machine that joins the hall late is back-filled from the hub's log
// with every case, as it stands, after every machine compacted its outbox.
func TestLateMachineBackfilledAfterCompaction(t *testing.T) {
	h := newTestHall(t, "a")
	ctx := context.Background()
	atA := acceptCase(t, h.ms["a"], 2)
	atHub := completedCase(t, h.hub, 1)
	h.sync()
	deliverAt(t, h.ms["a"], atHub.Tracking, "王丽", 2, h.clk.Now())
	h.sync()
	for _, db := range []*DB{h.hub, h.ms["a"]} {
		ackAll(t, db)
	}
	want := answers(t, h.ms["a"], atA.Tracking, atHub.Tracking)
	h.clk.Advance(15 * 24 * time.Hour)
	for name, db := range map[string]*DB{"hub": h.hub, "a": h.ms["a"]} {
		if n, err := db.CompactOutbox(ctx); err != nil || n == 0 {
			t.Fatalf("%s compacted %d, %v; want its acknowledged events", name, n, err)
		}
	}

	late := openAt(t, t.TempDir(), h.clk)
	configure(t, late, 3, servicepoint.QueueClient)
	id, _ := late.MachineID(ctx)
	if err := late.JoinHall(ctx, 0, HallLink{Addr: "192.168.1.10:8730", Pin: "pin", Token: "token-late", Machine: id, Hub: "hub"}); err != nil {
		t.Fatal(err)
	}
	h.ms["late"], h.ids[late] = late, id
	h.pull("late")
	for _, tr := range []string{atA.Tracking, atHub.Tracking} {
		got, err := late.VerifyProgress(ctx, tr, "0024")
		wantP, _ := h.ms["a"].VerifyProgress(ctx, tr, "0024")
		if err != nil || got.Status != wantP.Status {
			t.Errorf("late machine, progress of %s: got %v, %v; want %v", tr, got.Status, err, wantP.Status)
		}
	}
	if got := answers(t, h.ms["a"], atA.Tracking, atHub.Tracking); got != want {
		t.Errorf("machine a after compaction:\n%s\nwant:\n%s", got, want)
	}
}

// A kiosk that ran alone (its events compacted) and then joins a hall
// still brings every case of its own to the hall: each case's head event
// is rebuilt from the case as it stands.
func TestLoneKioskJoinsTheHallAfterCompaction(t *testing.T) {
	h := newTestHall(t)
	ctx := context.Background()
	lone := openAt(t, t.TempDir(), h.clk)
	configure(t, lone, 2, servicepoint.QueueLocal)
	c := deliveredCase(t, lone, 2)
	ackAll(t, lone)
	h.clk.Advance(15 * 24 * time.Hour)
	if n, err := lone.CompactOutbox(ctx); err != nil || n == 0 {
		t.Fatalf("compacted %d, %v", n, err)
	}
	id, _ := lone.MachineID(ctx)
	if err := lone.JoinHall(ctx, 0, HallLink{Addr: "192.168.1.10:8730", Pin: "pin", Token: "token-lone", Machine: id, Hub: "hub"}); err != nil {
		t.Fatal(err)
	}
	h.ms["lone"], h.ids[lone] = lone, id
	h.sync()
	got, err := h.hub.CaseByTracking(ctx, c.Tracking)
	if err != nil || got.Status != cases.StatusDelivered {
		t.Fatalf("hub: got %s, %v; want the lone kiosk's case, delivered", got.Status, err)
	}
	// The compacted event that is not the head stays out of the hall (the
	// hub would refuse an empty payload).
	var refusedRows int
	if err := lone.r.QueryRow(`SELECT COUNT(*) FROM outbox WHERE hall_state = 'refused'`).Scan(&refusedRows); err != nil || refusedRows != 0 {
		t.Errorf("got %d events the hub refused, %v; want none", refusedRows, err)
	}
}

// A kiosk that ran alone (its events compacted) and then becomes the
// hub of a hall seeds the hub's log with its cases as they stand, and a
// machine that joins is back-filled with them.
func TestLoneKioskBecomesTheHubAfterCompaction(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(t0)
	lone := openAt(t, t.TempDir(), clk)
	configure(t, lone, 1, servicepoint.QueueLocal)
	c := deliveredCase(t, lone, 1)
	ackAll(t, lone)
	clk.Advance(15 * 24 * time.Hour)
	if n, err := lone.CompactOutbox(ctx); err != nil || n == 0 {
		t.Fatalf("compacted %d, %v", n, err)
	}
	configure(t, lone, 1, servicepoint.QueueHub)
	if err := lone.SeedHall(ctx); err != nil {
		t.Fatal(err)
	}
	h := &testHall{t: t, clk: clk, hub: lone, ms: map[string]*DB{}, ids: map[*DB]string{}}
	late := openAt(t, t.TempDir(), clk)
	configure(t, late, 2, servicepoint.QueueClient)
	id, _ := late.MachineID(ctx)
	if err := late.JoinHall(ctx, 0, HallLink{Addr: "192.168.1.10:8730", Pin: "pin", Token: "token-late", Machine: id, Hub: "hub"}); err != nil {
		t.Fatal(err)
	}
	h.ms["late"], h.ids[late] = late, id
	h.pull("late")
	got, err := late.CaseByTracking(ctx, c.Tracking)
	if err != nil || got.Status != cases.StatusDelivered {
		t.Fatalf("late machine: got %s, %v; want the hub's case, delivered", got.Status, err)
	}
}

// A hub restored from a copy older than the compaction gets each case of
// a machine again as it stands (the machine's compacted head events are
// rebuilt and sent again).
func TestRestoredHubAfterCompaction(t *testing.T) {
	h := newTestHall(t, "a")
	ctx := context.Background()
	backup := filepath.Join(t.TempDir(), "hub-copy.db")
	if err := h.hub.BackupTo(ctx, backup); err != nil {
		t.Fatal(err)
	}
	c := completedCase(t, h.ms["a"], 2)
	h.sync()
	deliverAt(t, h.ms["a"], c.Tracking, "王丽", 2, h.clk.Now())
	h.sync()
	ackAll(t, h.ms["a"])
	h.clk.Advance(15 * 24 * time.Hour)
	if n, err := h.ms["a"].CompactOutbox(ctx); err != nil || n == 0 {
		t.Fatalf("compacted %d, %v", n, err)
	}
	path := h.hub.Path()
	h.hub.Close()
	if _, err := RestoreBackup(ctx, path, backup, h.clk.Now()); err != nil {
		t.Fatal(err)
	}
	h.hub = openAt(t, filepath.Dir(path), h.clk)
	h.sync()
	h.sync()
	got, err := h.hub.CaseByTracking(ctx, c.Tracking)
	if err != nil || got.Status != cases.StatusDelivered {
		t.Fatalf("restored hub: got %s, %v; want the case, delivered", got.Status, err)
	}
}

// fileGrowth writes n cases, acknowledges them and, when compact is set,
// lets two weeks pass and compacts, then writes n more: it returns the
// pages the file grew by in the second round.
func fileGrowth(t *testing.T, n int, compact bool) (grew, freed, freeAfter int) {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewManual(t0)
	db := openAt(t, t.TempDir(), clk)
	configure(t, db, 2, servicepoint.QueueLocal)
	// Page counts do not depend on fsync; the test runs faster without.
	if _, err := db.w.Exec(`PRAGMA synchronous=OFF`); err != nil {
		t.Fatal(err)
	}
	write := func() {
		for range n {
			deliveredCase(t, db, 2)
		}
		ackAll(t, db)
	}
	pages := func() (count, free int) {
		if err := db.w.QueryRow(`PRAGMA page_count`).Scan(&count); err != nil {
			t.Fatal(err)
		}
		if err := db.w.QueryRow(`PRAGMA freelist_count`).Scan(&free); err != nil {
			t.Fatal(err)
		}
		return count, free
	}
	write()
	clk.Advance(15 * 24 * time.Hour)
	if compact {
		if _, err := db.CompactOutbox(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The pages freed reach the main file at a checkpoint.
	if _, err := db.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	start, free := pages()
	write()
	if _, err := db.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	end, left := pages()
	t.Logf("compact=%v: %d pages after the first %d cases (%d free), %d after the next %d (%d free)", compact, start, n, free, end, n, left)
	return end - start, free, left
}

// The file stops growing: after compaction the next cases mostly reuse
// the pages the emptied payloads freed (auto_vacuum is NONE; the freelist
// is reused), where without it the file grows by all of them.
func TestCompactionStopsTheFileGrowing(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 120
	}
	plain, _, _ := fileGrowth(t, n, false)
	withCompaction, freed, left := fileGrowth(t, n, true)
	// The outbox is about half of what a case adds (issue 18: 49%); the
	// rest (the case, its history, search, audit) the kiosk needs.
	if freed == 0 || withCompaction*3 > plain*2 {
		t.Errorf("file grew by %d pages with compaction (%d freed), want at most two thirds of the %d without", withCompaction, freed, plain)
	}
	if left*4 > freed {
		t.Errorf("%d of the %d freed pages still free after the next cases, want them mostly reused", left, freed)
	}
}

// BenchmarkCompactBatch times the daily compaction's transactions, each
// of compactBatch acknowledged events: the longest is what a counter
// commit can wait for it (docs/performance.md). Each round generates three
// batches' worth without fsync and compacts them with the real settings;
// the first batch of a round reads a cold cache.
func BenchmarkCompactBatch(b *testing.B) {
	ctx := context.Background()
	clk := clock.NewManual(t0)
	db, err := Open(ctx, filepath.Join(b.TempDir(), "kiosk.db"), Options{Clock: clk})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	unlocked(b, db)
	if err := db.SetDeviceNumber(ctx, 2); err != nil {
		b.Fatal(err)
	}
	var longest, later time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db.w.ExecContext(ctx, `PRAGMA synchronous=OFF`)
		for range 3 * compactBatch {
			c := sampleCase()
			if _, err := db.CreateCase(ctx, c, c.Clerk); err != nil {
				b.Fatal(err)
			}
		}
		ackAll(b, db)
		db.w.ExecContext(ctx, `PRAGMA synchronous=FULL`)
		clk.Advance(15 * 24 * time.Hour)
		b.StartTimer()
		for batch := range 3 {
			start := time.Now()
			var n int
			err := db.update(ctx, func(t *tx) error {
				var err error
				n, err = compactBatchTx(ctx, t, stamp(clk.Now().Add(-compactAfter)), compactBatch)
				return err
			})
			took := time.Since(start)
			longest = max(longest, took)
			if batch > 0 {
				later = max(later, took)
			}
			if err != nil || n != compactBatch {
				b.Fatalf("compacted %d, %v; want %d", n, err, compactBatch)
			}
		}
	}
	b.ReportMetric(float64(longest.Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(later.Microseconds())/1000, "max-warm-ms")
}

// A compacted payload holds nothing to seal: making the data key (which
// seals what an upgraded file kept in clear) leaves it the marker the
// store finds compacted rows by.
func TestSealingLeavesCompactedPayloads(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "kiosk.db"), Options{Clock: clock.NewManual(t0)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// A case event from before the data key, compacted.
	if _, err := db.w.Exec(`INSERT INTO outbox (event_id, kind, payload, created_at, acked_at) VALUES ('e1', 'case.created', 'null', ?, ?)`,
		stamp(t0), stamp(t0)); err != nil {
		t.Fatal(err)
	}
	unlocked(t, db)
	var got string
	if err := db.r.QueryRow(`SELECT payload FROM outbox WHERE event_id = 'e1'`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != compactedPayload {
		t.Errorf("got payload %.20q after sealing, want %q", got, compactedPayload)
	}
}

// Compaction is not a second retention rule: it always comes before the
// shortest retention period the county may set, so the county's rule is
// the only one that bounds how long a citizen's data stays.
func TestCompactionComesBeforeAnyRetention(t *testing.T) {
	if got, want := compactAfter, time.Duration(protocol.MinRetentionDays)*24*time.Hour; got >= want {
		t.Errorf("got compaction after %v, want it before the county's shortest retention %v", got, want)
	}
}
