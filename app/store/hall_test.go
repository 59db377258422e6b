package store

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/sync/protocol"
)

// testHall is a hub and machines, each with its own database file, moved
// by hand: push (a machine's events to the hub) and pull (the hub's log to
// a machine). The HTTP transport is tested elsewhere; this is the rules.
type testHall struct {
	t   *testing.T
	clk *clock.Manual
	hub *DB
	ms  map[string]*DB
	ids map[*DB]string
}

func openAt(t *testing.T, dir string, clk *clock.Manual) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(dir, "kiosk.db"), Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return unlocked(t, db)
}

func configure(t *testing.T, db *DB, device int, role string) {
	t.Helper()
	k := servicepoint.Kiosk{Point: servicepoint.ServicePoint{Code: "330522101000", Name: "洪桥镇便民服务中心", Level: "township"},
		Device: device, QueueRole: role, HubAddr: "192.168.1.10:8730"}
	if _, err := db.ConfigureKiosk(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	loadMini(t, db)
}

func newTestHall(t *testing.T, machines ...string) *testHall {
	t.Helper()
	clk := clock.NewManual(t0)
	h := &testHall{t: t, clk: clk, ms: map[string]*DB{}, ids: map[*DB]string{}}
	h.hub = openAt(t, t.TempDir(), clk)
	configure(t, h.hub, 1, servicepoint.QueueHub)
	ctx := context.Background()
	if _, err := h.hub.CreateFirstSupervisor(ctx, clerks.Account{Login: "zhuguan", Name: "陈主管", Window: 1}, "hq-2026-chen"); err != nil {
		t.Fatal(err)
	}
	for i, name := range machines {
		db := openAt(t, t.TempDir(), clk)
		configure(t, db, i+2, servicepoint.QueueClient)
		id, err := db.MachineID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.JoinHall(ctx, 0, HallLink{Addr: "192.168.1.10:8730", Pin: "pin", Token: "token-" + name, Machine: id, Hub: "hub"}); err != nil {
			t.Fatal(err)
		}
		h.ms[name] = db
		h.ids[db] = id
	}
	for _, name := range machines {
		h.pull(name)
	}
	return h
}

// push sends a machine's waiting events to the hub and records the
// answers, as the machine's replicator does.
func (h *testHall) push(name string) []protocol.HallResult {
	h.t.Helper()
	ctx := context.Background()
	db := h.ms[name]
	evs, err := db.HallOutgoing(ctx, 500)
	if err != nil {
		h.t.Fatal(err)
	}
	if len(evs) == 0 {
		return nil
	}
	res, err := h.hub.HallAccept(ctx, h.ids[db], protocol.HallPush{Events: evs})
	if err != nil {
		h.t.Fatalf("hub accept from %s: %v", name, err)
	}
	if err := db.HallRecordPush(ctx, res); err != nil {
		h.t.Fatalf("%s record push: %v", name, err)
	}
	return res
}

// pull applies the hub's log to a machine from its cursor.
func (h *testHall) pull(name string) {
	h.t.Helper()
	ctx := context.Background()
	db := h.ms[name]
	epoch, err := h.hub.HallEpoch(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	have, after, err := db.HallCursor(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	if have != epoch {
		if err := db.ResetHallCursor(ctx, epoch); err != nil {
			h.t.Fatal(err)
		}
		after = 0
		if have != "" {
			h.resend(name)
		}
	}
	for {
		items, more, err := h.hub.HallLog(ctx, after, 100)
		if err != nil {
			h.t.Fatal(err)
		}
		if len(items) == 0 {
			return
		}
		if err := db.HallApply(ctx, epoch, items); err != nil {
			h.t.Fatalf("%s apply: %v", name, err)
		}
		after = items[len(items)-1].Seq
		if !more {
			return
		}
	}
}

func (h *testHall) resend(name string) {
	ctx := context.Background()
	db := h.ms[name]
	evs, err := db.HallResend(ctx, 500)
	if err != nil || len(evs) == 0 {
		return
	}
	res, err := h.hub.HallAccept(ctx, h.ids[db], protocol.HallPush{Events: evs, Recovered: true})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := db.HallRecordPush(ctx, res); err != nil {
		h.t.Fatal(err)
	}
}

// sync pushes every machine's events, then pulls the log everywhere.
func (h *testHall) sync() {
	for name := range h.ms {
		h.push(name)
	}
	for name := range h.ms {
		h.pull(name)
	}
}

func acceptCase(t *testing.T, db *DB, window int) cases.Case {
	t.Helper()
	c := sampleCase()
	c.Clerk = cases.Actor{Name: "王丽", Window: window}
	got, err := db.CreateCase(context.Background(), c, c.Clerk)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// standingKinds lists the kinds of a case's standing events, oldest first.
func standingKinds(t *testing.T, db *DB, caseID string) []string {
	t.Helper()
	rows, err := db.r.Query(`SELECT kind FROM case_events WHERE case_id = ? AND superseded_by IS NULL ORDER BY version`, caseID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		out = append(out, k)
	}
	return out
}

func TestHallCaseReachesEveryMachine(t *testing.T) {
	h := newTestHall(t, "a", "b", "terminal")
	ctx := context.Background()
	pendingBefore := map[string]int{}
	for name, db := range h.ms {
		pendingBefore[name], _ = db.PendingCount(ctx)
	}
	c := acceptCase(t, h.ms["a"], 2)
	if _, err := h.ms["terminal"].CaseByTracking(ctx, c.Tracking); err == nil {
		t.Fatal("the terminal holds the case before any sync")
	}
	res := h.push("a")
	if len(res) != 1 || res[0].Status != protocol.HallAccepted {
		t.Fatalf("push: %+v", res)
	}
	h.pull("terminal")
	h.pull("b")
	for _, name := range []string{"terminal", "b"} {
		got, err := h.ms[name].CaseByTracking(ctx, c.Tracking)
		if err != nil || got.ID != c.ID || got.Applicant.Name != "张小红" {
			t.Fatalf("%s: %+v, %v", name, got, err)
		}
		// The terminal's progress query answers for a case from window 2.
		if _, err := h.ms[name].VerifyProgress(ctx, c.Tracking, "0024"); err != nil {
			t.Errorf("%s progress: %v", name, err)
		}
	}
	if got, err := h.hub.CaseByTracking(ctx, c.Tracking); err != nil || got.ID != c.ID {
		t.Fatalf("hub: %+v, %v", got, err)
	}
	// A's event stays A's to send to the county; the copies are not sent
	// again by the others.
	for _, name := range []string{"terminal", "b"} {
		if n, _ := h.ms[name].PendingCount(ctx); n != pendingBefore[name] {
			t.Errorf("%s has %d events to send, %d before: a copy is not its to send", name, n, pendingBefore[name])
		}
	}
	if n, _ := h.ms["a"].PendingCount(ctx); n != pendingBefore["a"]+1 {
		t.Errorf("a has %d events to send, %d before; want its case's", n, pendingBefore["a"])
	}
	// The scan is A's to upload, held elsewhere for B.
	if up, _ := h.ms["b"].PendingUploads(ctx); len(up) != 0 {
		t.Errorf("b would upload %v, a file it does not have", up)
	}
	// Applying the log again changes nothing.
	if err := h.ms["b"].HallApply(ctx, mustEpoch(t, h.hub), mustLog(t, h.hub)); err != nil {
		t.Fatal(err)
	}
	if n, _ := h.ms["b"].CaseCount(ctx); n != 1 {
		t.Errorf("b holds %d cases after applying the log twice, want 1", n)
	}
}

func mustEpoch(t *testing.T, db *DB) string {
	e, err := db.HallEpoch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func mustLog(t *testing.T, db *DB) []protocol.HallItem {
	items, _, err := db.HallLog(context.Background(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// completedAtA is a case taken in at window 2 (machine a), known to the
// whole hall and completed at the county an hour later; the clock is then
// two hours on, at the time of the hand-over.
func completedAtA(t *testing.T, h *testHall) cases.Case {
	t.Helper()
	c := acceptCase(t, h.ms["a"], 2)
	h.sync()
	completeAtCounty(t, h, c, t0.Add(time.Hour))
	h.clk.Advance(2 * time.Hour)
	return c
}

// completeAtCounty moves a case to 办结 (待领取) everywhere, as the county's
// decision each machine pulls.
func completeAtCounty(t *testing.T, h *testHall, c cases.Case, at time.Time) {
	t.Helper()
	st := protocol.CaseStatus{CaseID: c.ID, Tracking: c.Tracking, CountyCase: "330522-2026-000001", Status: protocol.CountyCompleted,
		Pickup: "镇便民服务中心3号窗口", At: at}
	item := feedItem(int64(at.Unix()), protocol.FeedCaseStatus, st)
	for _, db := range append([]*DB{h.hub}, values(h.ms)...) {
		if err := db.ApplyFeed(context.Background(), []protocol.FeedItem{item}); err != nil {
			t.Fatal(err)
		}
	}
}

func values(m map[string]*DB) []*DB {
	var out []*DB
	for _, db := range m {
		out = append(out, db)
	}
	return out
}

// TestHallOneDeliveryStands: windows 2 and 3 hand out the same result while
// apart. Window 2's reaches the hub first and stands everywhere; window 3's
// is withdrawn before it reaches the county, and its clerk is told when,
// where and what happened.
func TestHallOneDeliveryStands(t *testing.T) {
	h := newTestHall(t, "a", "b")
	ctx := context.Background()
	c := completedAtA(t, h)

	deliverAt(t, h.ms["a"], c.Tracking, "窗口a", 2, h.clk.Now())
	h.clk.Advance(3 * time.Minute)
	deliverAt(t, h.ms["b"], c.Tracking, "窗口b", 3, h.clk.Now())

	if res := h.push("a"); len(res) != 1 || res[0].Status != protocol.HallAccepted {
		t.Fatalf("a's delivery: %+v", res)
	}
	res := h.push("b")
	if len(res) != 1 || res[0].Status != protocol.HallRefused || res[0].Code != protocol.CodeConflict || res[0].Head == nil {
		t.Fatalf("b's delivery: %+v, want refused as a conflict with the head", res)
	}
	h.sync()

	for name, db := range map[string]*DB{"hub": h.hub, "a": h.ms["a"], "b": h.ms["b"]} {
		kinds := standingKinds(t, db, c.ID)
		if got := strings.Count(strings.Join(kinds, " "), "case.delivered"); got != 1 {
			t.Errorf("%s: standing events %v, want exactly one delivery", name, kinds)
		}
		cs, _ := db.CaseByTracking(ctx, c.Tracking)
		if cs.Status != cases.StatusDelivered || cs.Pickup == nil || !cs.Pickup.At.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("%s: %s, pickup %+v, want window 2's delivery", name, cs.Status, cs.Pickup)
		}
	}
	// B's delivery never goes to the county; A's does.
	for _, db := range []*DB{h.ms["b"]} {
		evs, _ := db.SendableEvents(ctx, 100)
		for _, e := range evs {
			if e.Kind == protocol.Kind(cases.EvDelivered) {
				t.Errorf("b would send its lost delivery %s to the county", e.ID)
			}
		}
	}
	evs, _ := h.ms["a"].SendableEvents(ctx, 100)
	if !hasKind(evs, cases.EvDelivered) {
		t.Error("a's delivery is not on its way to the county")
	}
	// Window 3's clerk reads why, in words.
	notes, err := h.ms["b"].HallNotices(ctx)
	if err != nil || len(notes) != 1 || notes[0].Window != 3 {
		t.Fatalf("notices at b: %+v, %v", notes, err)
	}
	if got, want := notes[0].Message.Error(), "您于11:03办理的“出件”（查询码"+c.Tracking+"）未生效：该件已于11:00由2号窗口出件"; got != want {
		t.Errorf("notice: got %q, want %q", got, want)
	}
	if err := h.ms["b"].SeenHallNotice(ctx, notes[0].ID, 0); err != nil {
		t.Fatal(err)
	}
	if notes, _ := h.ms["b"].HallNotices(ctx); len(notes) != 0 {
		t.Errorf("a read notice still shows: %+v", notes)
	}
}

// deliverAt hands the case's result to 张小红 at a window of machine db, as
// the window's clerk does on the case as that machine holds it.
func deliverAt(t *testing.T, db *DB, tracking, who string, window int, now time.Time) {
	t.Helper()
	ctx := context.Background()
	cs, err := db.CaseByTracking(ctx, tracking)
	if err != nil {
		t.Fatal(err)
	}
	after, err := cases.Deliver(cs, cases.Person{Name: "张小红", IDNumber: "330522199003150024"}, now)
	if err != nil {
		t.Fatalf("%s: %v", who, err)
	}
	if _, err := db.UpdateCase(ctx, after, cases.EvDelivered, cases.Actor{Name: who, Window: window}, after.Pickup); err != nil {
		t.Fatalf("%s deliver: %v", who, err)
	}
}

func hasKind(evs []protocol.Event, k cases.EventKind) bool {
	for _, e := range evs {
		if e.Kind == protocol.Kind(k) {
			return true
		}
	}
	return false
}

// TestHallStaleWindowIsToldAtOnce: on the hub itself (or with the hub
// reachable) a window acting on a case another window just changed is
// refused before anything is written, with what happened.
func TestHallStaleWindowIsToldAtOnce(t *testing.T) {
	h := newTestHall(t, "a")
	ctx := context.Background()
	c := acceptCase(t, h.hub, 1)
	h.sync()
	completeAtCounty(t, h, c, t0.Add(time.Hour))
	cs, _ := h.hub.CaseByTracking(ctx, c.Tracking) // window 4 opens the case
	deliverAt(t, h.hub, c.Tracking, "李", 1, h.clk.Now())
	after, _ := cases.Deliver(cs, cases.Person{Name: "张小红", IDNumber: "330522199003150024"}, h.clk.Now())
	_, err := h.hub.UpdateCase(ctx, after, cases.EvDelivered, cases.Actor{Name: "王", Window: 4}, after.Pickup)
	if !errors.Is(err, ErrCaseChangedBy) || !strings.Contains(err.Error(), "由1号窗口出件") {
		t.Errorf("second delivery: %v, want it refused naming window 1's 出件", err)
	}
}

// TestHallLoserIsReplayedWhenItStillMakesSense: window 2 registers a
// collector while window 3 records the supplement of the same case; both
// stand, in the hub's order, and nobody is bothered.
func TestHallLoserIsReplayedWhenItStillMakesSense(t *testing.T) {
	h := newTestHall(t, "a", "b")
	ctx := context.Background()
	sc := sampleCase()
	sc.Materials = append(sc.Materials, cases.MaterialEntry{Matter: "330000-SS-0001", Material: "premises_proof", State: cases.Deferred})
	sc.Status = cases.StatusDeferred
	c, err := h.ms["a"].CreateCase(ctx, sc, cases.Actor{Name: "王丽", Window: 2})
	if err != nil {
		t.Fatal(err)
	}
	h.sync()
	csA, _ := h.ms["a"].CaseByTracking(ctx, c.Tracking)
	auth, err := cases.Authorize(csA, cases.Person{Name: "李四", IDNumber: "330522198805060018"}, h.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.ms["a"].UpdateCase(ctx, auth, cases.EvAuthorized, cases.Actor{Name: "王丽", Window: 2},
		map[string]any{"name": "李四", "id_number": "330522198805060018"}); err != nil {
		t.Fatal(err)
	}
	csB, _ := h.ms["b"].CaseByTracking(ctx, c.Tracking)
	received := []cases.MaterialEntry{{Matter: "330000-SS-0001", Material: "premises_proof", State: cases.Original}}
	cat, _ := h.ms["b"].ActiveCatalog(ctx)
	sup, err := cases.Supplement(cat, csB, received, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.ms["b"].UpdateCase(ctx, sup, cases.EvSupplemented, cases.Actor{Name: "赵", Window: 3}, map[string]any{"received": received}); err != nil {
		t.Fatal(err)
	}
	h.push("a")
	if res := h.push("b"); len(res) != 1 || res[0].Status != protocol.HallRefused {
		t.Fatalf("b's supplement: %+v, want refused (a's came first)", res)
	}
	// B tried its supplement again on top of A's: a new event, taken.
	if res := h.push("b"); len(res) != 1 || res[0].Status != protocol.HallAccepted {
		t.Fatalf("b's replayed supplement: %+v", res)
	}
	h.sync()
	for name, db := range map[string]*DB{"hub": h.hub, "a": h.ms["a"], "b": h.ms["b"]} {
		cs, _ := db.CaseByTracking(ctx, c.Tracking)
		if len(cs.Authorized) != 1 || cs.Status != cases.StatusAccepted || cs.MaterialsIn(cases.Deferred) != nil {
			t.Errorf("%s: authorized %v, status %s, deferred %v: want both actions", name, cs.Authorized, cs.Status, cs.MaterialsIn(cases.Deferred))
		}
		if got := standingKinds(t, db, c.ID); strings.Join(got, " ") != "case.accepted case.authorized case.supplemented" {
			t.Errorf("%s: standing %v", name, got)
		}
	}
	if notes, _ := h.ms["b"].HallNotices(ctx); len(notes) != 0 {
		t.Errorf("b's clerk was told %+v about an action that stood", notes)
	}
}

// TestHallCountyOverridesTheHall: window 3 was cut off from the hub but
// reached the county, which took its delivery; the hub had taken window
// 2's. The county's stands everywhere, window 2's gives way.
func TestHallCountyOverridesTheHall(t *testing.T) {
	h := newTestHall(t, "a", "b")
	ctx := context.Background()
	c := completedAtA(t, h)
	var bEvent protocol.Event
	for name, window := range map[string]int{"a": 2, "b": 3} {
		deliverAt(t, h.ms[name], c.Tracking, name, window, h.clk.Now())
	}
	h.push("a") // the hub takes window 2's
	// Window 3's went to the county directly (no hub): it comes down the
	// county's feed to the hub.
	evs, _ := h.ms["b"].PendingEvents(ctx, 10)
	for _, e := range evs {
		if e.Kind == protocol.Kind(cases.EvDelivered) {
			bEvent = e
		}
	}
	if err := h.ms["b"].RecordPush(ctx, []protocol.Result{{ID: bEvent.ID, Status: protocol.Applied}}); err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(bEvent)
	if err := h.hub.ApplyFeed(ctx, []protocol.FeedItem{{Cursor: 900, Kind: protocol.FeedCaseEvent, At: h.clk.Now(), Payload: payload}}); err != nil {
		t.Fatal(err)
	}
	h.sync()
	for name, db := range map[string]*DB{"hub": h.hub, "a": h.ms["a"], "b": h.ms["b"]} {
		cs, _ := db.CaseByTracking(ctx, c.Tracking)
		if cs.Pickup == nil || cs.Status != cases.StatusDelivered {
			t.Fatalf("%s: %+v", name, cs)
		}
		var head string
		db.r.QueryRow(`SELECT head FROM cases WHERE id = ?`, c.ID).Scan(&head)
		if head != bEvent.ID {
			t.Errorf("%s: head %s, want the county's (window 3's) %s", name, head, bEvent.ID)
		}
		if kinds := standingKinds(t, db, c.ID); strings.Count(strings.Join(kinds, " "), "case.delivered") != 1 {
			t.Errorf("%s: standing %v", name, kinds)
		}
	}
	// Window 2's delivery is withdrawn from the county and its clerk told.
	evs, _ = h.ms["a"].SendableEvents(ctx, 100)
	if hasKind(evs, cases.EvDelivered) {
		t.Error("a would still send its superseded delivery")
	}
	if notes, _ := h.ms["a"].HallNotices(ctx); len(notes) != 1 || !strings.Contains(notes[0].Message.Error(), "由3号窗口出件") {
		t.Errorf("notice at a: %+v", notes)
	}
}

// TestHallRestoredHubRollsForward: the hub's file is put back from last
// night's copy. The machines see the hub's new epoch, send again what the
// hub had taken from them, and the hub holds it all again; no machine goes
// back.
func TestHallRestoredHubRollsForward(t *testing.T) {
	h := newTestHall(t, "a", "b")
	ctx := context.Background()
	early := acceptCase(t, h.ms["a"], 2)
	h.sync()
	backup := filepath.Join(t.TempDir(), "hub-copy.db")
	if err := h.hub.BackupTo(ctx, backup); err != nil {
		t.Fatal(err)
	}
	late := acceptCase(t, h.ms["b"], 3)
	h.sync()
	cs, _ := h.ms["a"].CaseByTracking(ctx, late.Tracking)
	completeAtCounty(t, h, cs, t0.Add(time.Hour))
	deliverAt(t, h.ms["a"], late.Tracking, "a", 2, h.clk.Now())
	h.sync()

	// The hub's disk dies; last night's copy goes back in.
	path := h.hub.Path()
	h.hub.Close()
	if _, err := RestoreBackup(ctx, path, backup, h.clk.Now()); err != nil {
		t.Fatal(err)
	}
	h.hub = openAt(t, filepath.Dir(path), h.clk)
	if _, err := h.hub.CaseByTracking(ctx, late.Tracking); err == nil {
		t.Fatal("the restored copy already holds the late case: the test proves nothing")
	}
	h.sync()
	h.sync()
	for name, db := range map[string]*DB{"hub": h.hub, "a": h.ms["a"], "b": h.ms["b"]} {
		if _, err := db.CaseByTracking(ctx, early.Tracking); err != nil {
			t.Errorf("%s lost the early case: %v", name, err)
		}
		cs, err := db.CaseByTracking(ctx, late.Tracking)
		if err != nil || cs.Status != cases.StatusDelivered {
			t.Errorf("%s: late case %s, %v; want it delivered", name, cs.Status, err)
		}
	}
}

// TestHallCountyDecisionBeforeTheCase: a machine hears the county's
// decision on a case before the case itself reaches it; the decision is
// kept and applied when the case arrives.
func TestHallCountyDecisionBeforeTheCase(t *testing.T) {
	h := newTestHall(t, "a", "b")
	ctx := context.Background()
	c := acceptCase(t, h.ms["a"], 2)
	st := protocol.CaseStatus{CaseID: c.ID, Tracking: c.Tracking, Status: protocol.CountyCompleted, Pickup: "3号窗口", At: t0.Add(time.Hour)}
	if err := h.ms["b"].ApplyFeed(ctx, []protocol.FeedItem{feedItem(5, protocol.FeedCaseStatus, st)}); err != nil {
		t.Fatal(err)
	}
	h.sync()
	cs, err := h.ms["b"].CaseByTracking(ctx, c.Tracking)
	if err != nil || cs.Status != cases.StatusCompleted || cs.County == nil || cs.County.Pickup != "3号窗口" {
		t.Errorf("b: %+v, %v; want the county's 办结 applied on arrival", cs.County, err)
	}
}

// TestHallRatingsAndAccounts: a rating given at one window counts in the
// hall's statistics at every machine, once; accounts are the hub's, a lock
// holds at every machine.
func TestHallRatingsAndAccounts(t *testing.T) {
	h := newTestHall(t, "a", "b")
	ctx := context.Background()
	sup, err := h.hub.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.hub.CreateAccount(ctx, sup, clerks.Account{Login: "wangli", Name: "王丽", Role: clerks.Clerk, Window: 2}, "wl258147"); err != nil {
		t.Fatal(err)
	}
	h.sync()
	for _, name := range []string{"a", "b"} {
		a, err := h.ms[name].Authenticate(ctx, "wangli", "wl258147")
		if err != nil || a.Window != 2 {
			t.Fatalf("%s: sign-in with the hall's account: %+v, %v", name, a, err)
		}
		if ok, _ := h.ms[name].HasSupervisor(ctx); !ok {
			t.Errorf("%s has no supervisor after joining", name)
		}
	}
	for i := 0; i < clerks.MaxFailures; i++ {
		h.hub.Authenticate(ctx, "wangli", "wrong-pin-x")
	}
	h.sync()
	if _, err := h.ms["b"].Authenticate(ctx, "wangli", "wl258147"); !errors.Is(err, clerks.ErrLocked) {
		t.Errorf("b after the hub locked the account: %v, want locked", err)
	}

	r := rating.Rating{Kind: rating.Case, Ref: "case-1", Level: rating.Level(5), ClerkName: "王丽", Window: 2, Matter: "食品经营许可"}
	if _, err := h.ms["a"].Rate(ctx, r); err != nil {
		t.Fatal(err)
	}
	r2 := r
	r2.Level = rating.Level(4)
	if _, err := h.ms["b"].Rate(ctx, r2); err != nil {
		t.Fatal(err)
	}
	h.push("a")
	if res := h.push("b"); len(res) != 1 || res[0].Code != protocol.CodeAlreadyRated {
		t.Fatalf("b's second rating of the same service: %+v", res)
	}
	h.sync()
	for name, db := range map[string]*DB{"hub": h.hub, "a": h.ms["a"], "b": h.ms["b"]} {
		byClerk, _, err := db.RatingTallies(ctx, t0.Add(-time.Hour))
		if err != nil || len(byClerk) != 1 || byClerk[0].Total != 1 {
			t.Errorf("%s tallies: %+v, %v; want one rating", name, byClerk, err)
		}
	}
	evs, _ := h.ms["b"].SendableEvents(ctx, 100)
	for _, e := range evs {
		if e.Kind == protocol.RatingGiven {
			t.Error("b would send the refused rating to the county")
		}
	}
}

// TestHallThroughTheCountysFeed: with the hall's LAN down, a case accepted
// at window 2 reaches window 3 through the county's feed; when the LAN is
// back the hub's log brings nothing twice.
func TestHallThroughTheCountysFeed(t *testing.T) {
	h := newTestHall(t, "a", "b")
	ctx := context.Background()
	c := acceptCase(t, h.ms["a"], 2)
	evs, _ := h.ms["a"].PendingEvents(ctx, 10)
	var items []protocol.FeedItem
	for i, e := range evs {
		if !strings.HasPrefix(string(e.Kind), "case.") {
			continue
		}
		b, _ := json.Marshal(e)
		items = append(items, protocol.FeedItem{Cursor: int64(100 + i), Kind: protocol.FeedCaseEvent, At: t0, Payload: b})
	}
	if err := h.ms["b"].ApplyFeed(ctx, items); err != nil {
		t.Fatal(err)
	}
	if cs, err := h.ms["b"].CaseByTracking(ctx, c.Tracking); err != nil || cs.ID != c.ID {
		t.Fatalf("b through the county: %+v, %v", cs, err)
	}
	h.sync()
	var n int
	h.ms["b"].r.QueryRow(`SELECT COUNT(*) FROM case_events WHERE case_id = ?`, c.ID).Scan(&n)
	if n != 1 {
		t.Errorf("b holds %d events of the case, want 1", n)
	}
}

// TestHallCountyRefusesTheSecondDelivery: with the hub away, windows 2 and
// 3 both handed out and sent straight to the county; the county took window
// 2's and refused window 3's with its head. Window 3 gives way at once,
// withdraws its event and tells its clerk.
func TestHallCountyRefusesTheSecondDelivery(t *testing.T) {
	h := newTestHall(t, "a", "b")
	ctx := context.Background()
	c := completedAtA(t, h)
	events := map[string]protocol.Event{}
	for name, window := range map[string]int{"a": 2, "b": 3} {
		db := h.ms[name]
		db.SetHallOnline(false) // the hub is away: events go to the county directly
		deliverAt(t, db, c.Tracking, name, window, h.clk.Now())
		evs, _ := db.SendableEvents(ctx, 100)
		for _, e := range evs {
			if e.Kind == protocol.Kind(cases.EvDelivered) {
				events[name] = e
			}
		}
		if events[name].ID == "" {
			t.Fatalf("%s: the delivery is not sendable with the hub away", name)
		}
	}
	var won protocol.CaseEvent
	json.Unmarshal(events["a"].Payload, &won)
	if err := h.ms["a"].RecordPush(ctx, []protocol.Result{{ID: events["a"].ID, Status: protocol.Applied}}); err != nil {
		t.Fatal(err)
	}
	err := h.ms["b"].RecordPush(ctx, []protocol.Result{{ID: events["b"].ID, Status: protocol.Rejected,
		Error: &protocol.Error{Code: protocol.CodeConflict, Message: "version 3 is another event"},
		Head:  &protocol.CaseHead{EventID: events["a"].ID, Kind: events["a"].Kind, Event: won}}})
	if err != nil {
		t.Fatal(err)
	}
	b := h.ms["b"]
	cs, _ := b.CaseByTracking(ctx, c.Tracking)
	if cs.Pickup == nil || cs.Status != cases.StatusDelivered {
		t.Fatalf("b after the county's refusal: %+v", cs)
	}
	var head string
	b.r.QueryRow(`SELECT head FROM cases WHERE id = ?`, c.ID).Scan(&head)
	if head != events["a"].ID {
		t.Errorf("b's head %s, want window 2's %s", head, events["a"].ID)
	}
	if q, _ := b.Quarantined(ctx); len(q) != 0 {
		t.Errorf("a conflict was quarantined for the supervisor: %+v", q)
	}
	if evs, _ := b.SendableEvents(ctx, 100); hasKind(evs, cases.EvDelivered) {
		t.Error("b would send its refused delivery again")
	}
	if notes, _ := b.HallNotices(ctx); len(notes) != 1 || !strings.Contains(notes[0].Message.Error(), "由2号窗口出件") {
		t.Errorf("b's notices: %+v", notes)
	}
}

// TestProgressBeforeTheCaseArrives: a citizen asks at the terminal for a
// case taken in at window 2 a moment ago, before it reached the terminal,
// again and again. The answer is the neutral one, nothing is counted, and
// the right answer works once the case is there; wrong checks on a case the
// terminal holds still lock it.
func TestProgressBeforeTheCaseArrives(t *testing.T) {
	h := newTestHall(t, "a", "terminal")
	ctx := context.Background()
	c := acceptCase(t, h.ms["a"], 2)
	term := h.ms["terminal"]
	for i := 0; i < 2*ProgressMaxFailures; i++ {
		if _, err := term.VerifyProgress(ctx, c.Tracking, "0024"); !errors.Is(err, cases.ErrVerify) {
			t.Fatalf("try %d before the case is here: %v, want the neutral answer", i, err)
		}
	}
	h.sync()
	if _, err := term.VerifyProgress(ctx, c.Tracking, "0024"); err != nil {
		t.Fatalf("once the case is here: %v", err)
	}
	for i := 0; i < ProgressMaxFailures; i++ {
		term.VerifyProgress(ctx, c.Tracking, "9999")
	}
	if _, err := term.VerifyProgress(ctx, c.Tracking, "0024"); !errors.Is(err, cases.ErrVerifyLocked) {
		t.Errorf("after five wrong checks: %v, want locked", err)
	}
}

// TestHallOnlineHoldsOnlyWhatWaitsForTheHub: while the hub answers, a case
// event waits for the hub before the county, but everything the hall does
// not share (the machine's own configuration, a notice) goes to the county
// at once.
func TestHallOnlineHoldsOnlyWhatWaitsForTheHub(t *testing.T) {
	h := newTestHall(t, "a")
	ctx := context.Background()
	db := h.ms["a"]
	db.SetHallOnline(true)
	c := acceptCase(t, db, 2)
	evs, err := db.SendableEvents(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, string(e.Kind))
	}
	got := strings.Join(kinds, " ")
	if strings.Contains(got, "case.") || !strings.Contains(got, string(protocol.ServicePointConfigured)) || !strings.Contains(got, string(protocol.CatalogActivated)) {
		t.Errorf("sendable while the hub answers: %s; want the configuration, not the case yet", got)
	}
	h.push("a")
	evs, _ = db.SendableEvents(ctx, 100)
	if !hasKind(evs, cases.EvAccepted) {
		t.Errorf("the case %s is not sendable after the hub took it", c.Tracking)
	}
}

// TestHallRefusesAnotherHallsCase: a paired machine speaks for this hall
// only; an event for another service point's case changes nothing.
func TestHallRefusesAnotherHallsCase(t *testing.T) {
	h := newTestHall(t, "a")
	ctx := context.Background()
	c := acceptCase(t, h.ms["a"], 2)
	evs, _ := h.ms["a"].HallOutgoing(ctx, 10)
	var ce protocol.CaseEvent
	json.Unmarshal(evs[0].Payload, &ce)
	ce.Case.ServicePoint = "330522102000"
	evs[0].Payload, _ = json.Marshal(ce)
	res, err := h.hub.HallAccept(ctx, h.ids[h.ms["a"]], protocol.HallPush{Events: evs[:1]})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != protocol.HallRefused || res[0].Code != protocol.CodeWrongPoint {
		t.Errorf("another hall's case: %+v", res[0])
	}
	if _, err := h.hub.CaseByTracking(ctx, c.Tracking); err == nil {
		t.Error("the hub stored another hall's case")
	}
}

// TestCountyRevocationTakesTheMachineOutOfTheHall: the county revokes a
// device; its hall's hub hears it in the county's feed and removes the
// machine, whose token then stops working.
func TestCountyRevocationTakesTheMachineOutOfTheHall(t *testing.T) {
	h := newTestHall(t, "a")
	ctx := context.Background()
	if _, err := h.hub.Pair(ctx, h.ids[h.ms["a"]], "unused", 2, "a", "token-hash-a"); err == nil {
		t.Fatal("paired with an unknown code")
	}
	// The machine as the hub knows it, with its county identity.
	if err := h.hub.NewPairing(ctx, 1, "secret-hash", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.hub.Pair(ctx, h.ids[h.ms["a"]], "secret-hash", 2, "a", "token-hash-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.hub.HallAccept(ctx, h.ids[h.ms["a"]], protocol.HallPush{CountyDevice: "d_a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.hub.MachineByToken(ctx, "token-hash-a"); err != nil {
		t.Fatalf("before the revocation: %v", err)
	}
	item := feedItem(77, protocol.FeedDeviceRevoked, protocol.DeviceRevoked{DeviceID: "d_a", At: t0})
	if err := h.hub.ApplyFeed(ctx, []protocol.FeedItem{item}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.hub.MachineByToken(ctx, "token-hash-a"); !errors.Is(err, ErrMachineGone) {
		t.Errorf("after the county revoked it: %v, want the machine gone", err)
	}
	h.pull("a")
	if l, _ := h.ms["a"].HallLink(ctx); l.Paired() || l.Removed == "" {
		t.Errorf("the machine's link after removal: %+v", l)
	}
}

// TestHallTrackingCodeTakenIsRefusedNotWedged: a machine that took a
// number in use makes a case with a tracking code another case holds; the
// hub refuses that one event and takes the rest of the push.
func TestHallTrackingCodeTakenIsRefusedNotWedged(t *testing.T) {
	h := newTestHall(t, "a", "b")
	ctx := context.Background()
	acceptCase(t, h.ms["a"], 2)
	h.push("a")
	evs, _ := h.ms["a"].HallOutgoing(ctx, 10)
	if len(evs) != 0 {
		t.Fatalf("a still has %d events for the hub", len(evs))
	}
	got, _, _ := h.hub.HallLog(ctx, 0, 1000)
	var first protocol.CaseEvent
	for _, it := range got {
		if it.Event != nil && strings.HasPrefix(string(it.Event.Kind), "case.") {
			json.Unmarshal(it.Event.Payload, &first)
		}
	}
	clash := first
	clash.CaseID = uuid.NewString()
	clash.Case.ID = clash.CaseID
	p, _ := json.Marshal(clash)
	fine := acceptCase(t, h.ms["b"], 3)
	bEvs, _ := h.ms["b"].HallOutgoing(ctx, 10)
	push := protocol.HallPush{Events: append([]protocol.Event{{ID: "clash", Kind: "case.accepted", Created: t0, Payload: p}}, bEvs...)}
	res, err := h.hub.HallAccept(ctx, h.ids[h.ms["b"]], push)
	if err != nil {
		t.Fatalf("the push failed as a whole: %v", err)
	}
	if res[0].Status != protocol.HallRefused || res[0].Code != CodeTrackingTaken || res[len(res)-1].Status != protocol.HallAccepted {
		t.Errorf("results: %+v", res)
	}
	if _, err := h.hub.CaseByTracking(ctx, fine.Tracking); err != nil {
		t.Errorf("the good case after the clash: %v", err)
	}
}

// TestHubKeepsItsNumberFree: the hub cannot take the number of a machine
// paired with it.
func TestHubKeepsItsNumberFree(t *testing.T) {
	h := newTestHall(t, "a")
	ctx := context.Background()
	if err := h.hub.NewPairing(ctx, 1, "s", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.hub.Pair(ctx, h.ids[h.ms["a"]], "s", 2, "a", "tok"); err != nil {
		t.Fatal(err)
	}
	cfg, _, _ := h.hub.Kiosk(ctx)
	cfg.Device = 2
	if _, err := h.hub.ConfigureKiosk(ctx, cfg); !errors.Is(err, ErrDeviceTaken) {
		t.Errorf("hub taking number 2: %v, want ErrDeviceTaken", err)
	}
}
