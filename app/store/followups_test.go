package store

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
)

func badRating(ref string, level int) rating.Rating {
	return rating.Rating{Kind: rating.Case, Ref: ref, Level: rating.Level(level), Reasons: []string{"等候时间长"},
		Note: "请回电13812345678，身份证330522199003070024", ClerkID: 7, ClerkName: "王丽", Window: 2, Matter: "食品经营许可"}
}

func followUps(t *testing.T, db *DB) []rating.FollowUp {
	t.Helper()
	fs, err := db.FollowUps(context.Background(), workday.Default(), FollowUpQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func countKind(evs []protocol.Event, k protocol.Kind) int {
	n := 0
	for _, e := range evs {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// TestHallFollowUpOnEveryMachineOnce: a 非常不满意 taken at window 2 is one
// follow-up at every machine of the hall, the same one, even when window 3
// rated the same service again before hearing of it; a supervisor at
// window 3 records 回访 and 整改 while the hub is away, and they reach every
// machine once and leave for the county from window 3 only.
func TestHallFollowUpOnEveryMachineOnce(t *testing.T) {
	h := newTestHall(t, "a", "b")
	ctx := context.Background()
	if _, err := h.ms["a"].Rate(ctx, badRating("case-1", 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.ms["b"].Rate(ctx, badRating("case-1", 2)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.ms["a"].Rate(ctx, badRating("case-2", 4)); err != nil { // praise: nothing to follow up
		t.Fatal(err)
	}
	h.push("a")
	h.push("b") // refused: a's came first
	h.sync()
	all := map[string]*DB{"hub": h.hub, "a": h.ms["a"], "b": h.ms["b"]}
	var id string
	for name, db := range all {
		fs := followUps(t, db)
		if len(fs) != 1 {
			t.Fatalf("%s: got %d follow-ups, want 1: %+v", name, len(fs), fs)
		}
		f := fs[0]
		if id == "" {
			id = f.ID
		}
		if f.ID != id || f.Rating.Level != 1 || f.Rating.ClerkName != "王丽" || f.Rating.Window != 2 {
			t.Errorf("%s: got %+v, want a's 非常不满意 (%s)", name, f, id)
		}
		if got, want := f.Due.Format(time.DateOnly), "2026-12-03"; got != want {
			t.Errorf("%s: got due %s, want %s", name, got, want)
		}
		// No phone or ID in the item, whichever machine shows it.
		if b, _ := json.Marshal(f); strings.Contains(string(b), "13812345678") || strings.Contains(string(b), "330522199003070024") {
			t.Errorf("%s: a number in the item: %s", name, b)
		}
		if !strings.Contains(f.Rating.Note, "138****5678") {
			t.Errorf("%s: got note %q, want the mobile masked", name, f.Rating.Note)
		}
	}

	// The hub is away: window 3's supervisor calls back and fixes.
	sup, err := h.ms["b"].Authenticate(ctx, "zhuguan", "hq-2026-chen")
	if err != nil {
		t.Fatal(err)
	}
	fix := rating.Step{Kind: rating.Rectified, ByID: sup.ID, ByName: sup.Name, Text: "增设叫号提醒"}
	if _, err := h.ms["b"].RecordFollowUp(ctx, id, fix); !errors.Is(err, rating.ErrCallFirst) {
		t.Errorf("整改 before 回访: got %v, want %v", err, rating.ErrCallFirst)
	}
	h.clk.Advance(time.Hour)
	if _, err := h.ms["b"].RecordFollowUp(ctx, id, rating.Step{Kind: rating.Called, ByID: sup.ID, ByName: sup.Name, Reached: true,
		Text: "已回访，群众留了新号码13912345678"}); err != nil {
		t.Fatal(err)
	}
	h.clk.Advance(time.Hour)
	if _, err := h.ms["b"].RecordFollowUp(ctx, id, fix); err != nil {
		t.Fatal(err)
	}
	if got := followUps(t, h.ms["a"])[0].State(h.clk.Now()); got != rating.Open {
		t.Errorf("a before the hub is back: got %s, want %s", got, rating.Open)
	}
	h.sync()
	h.sync()
	for name, db := range all {
		f := followUps(t, db)[0]
		if len(f.Steps) != 2 || f.State(h.clk.Now()) != rating.Done {
			t.Errorf("%s: got %d steps, state %s; want 2, done", name, len(f.Steps), f.State(h.clk.Now()))
			continue
		}
		if f.Steps[0].Kind != rating.Called || !f.Steps[0].Reached || f.Steps[0].ByName != "陈主管" || strings.Contains(f.Steps[0].Text, "13912345678") {
			t.Errorf("%s: got first step %+v, want 陈主管's 回访, masked", name, f.Steps[0])
		}
	}
	for name, db := range all {
		evs, err := db.PendingEvents(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		if name == "b" {
			want = 1
		}
		if got := countKind(evs, protocol.FollowUpCalled); got != want {
			t.Errorf("%s sends %d 回访 to the county, want %d", name, got, want)
		}
		if got := countKind(evs, protocol.FollowUpRectified); got != want {
			t.Errorf("%s sends %d 整改 to the county, want %d", name, got, want)
		}
	}

	// The same steps coming down the county's feed too change nothing.
	evs, _ := h.ms["b"].PendingEvents(ctx, 100)
	var items []protocol.FeedItem
	for i, e := range evs {
		if strings.HasPrefix(string(e.Kind), "followup.") {
			b, _ := json.Marshal(e)
			items = append(items, protocol.FeedItem{Cursor: int64(200 + i), Kind: protocol.FeedCaseEvent, At: t0, Payload: b})
		}
	}
	if err := h.ms["a"].ApplyFeed(ctx, items); err != nil {
		t.Fatal(err)
	}
	if got := len(followUps(t, h.ms["a"])[0].Steps); got != 2 {
		t.Errorf("a after the feed: got %d steps, want 2", got)
	}
}

// TestFollowUpRules: only a supervisor records, only on a bad rating, a
// step says something; a step of a rating not yet here waits for it.
func TestFollowUpRules(t *testing.T) {
	h := newTestHall(t, "a")
	ctx := context.Background()
	db := h.ms["a"]
	sup, err := db.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.hub.CreateAccount(ctx, sup, clerks.Account{Login: "wangli", Name: "王丽", Role: clerks.Clerk, Window: 2}, "wl258147"); err != nil {
		t.Fatal(err)
	}
	h.sync()
	clerk, err := db.Authenticate(ctx, "wangli", "wl258147")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Rate(ctx, badRating("bad", 2)); err != nil {
		t.Fatal(err)
	}
	good := badRating("good", 5)
	if _, err := db.Rate(ctx, good); err != nil {
		t.Fatal(err)
	}
	var badID, goodID string
	db.r.QueryRow(`SELECT event_id FROM ratings WHERE ref = 'bad'`).Scan(&badID)
	db.r.QueryRow(`SELECT event_id FROM ratings WHERE ref = 'good'`).Scan(&goodID)
	call := func(by clerks.Account, text string) rating.Step {
		return rating.Step{Kind: rating.Called, ByID: by.ID, ByName: by.Name, Text: text}
	}
	for _, tc := range []struct {
		name string
		id   string
		s    rating.Step
		want error
	}{
		{"a clerk", badID, call(clerk, "已回访"), rating.ErrNotSupervise},
		{"a good rating", goodID, call(sup, "已回访"), rating.ErrNoFollowUp},
		{"no such rating", "nope", call(sup, "已回访"), rating.ErrNoFollowUp},
		{"nothing said", badID, call(sup, " "), rating.ErrStepText},
		{"a supervisor", badID, call(sup, "已回访"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.RecordFollowUp(ctx, tc.id, tc.s)
			if !errors.Is(err, tc.want) && !(err == nil && tc.want == nil) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	evs, _ := db.PendingEvents(ctx, 100)
	if got := countKind(evs, protocol.FollowUpCalled); got != 1 {
		t.Errorf("got %d 回访 events, want 1 (refused steps send nothing)", got)
	}

	// A step made elsewhere for a rating this machine has not heard of.
	lone := openAt(t, t.TempDir(), h.clk)
	configure(t, lone, 9, "")
	step := protocol.Event{ID: "step-early", Kind: protocol.FollowUpCalled, Created: t0}
	step.Payload, _ = json.Marshal(protocol.FollowUpPayload{Rating: badID, ByID: sup.ID, ByName: sup.Name, Text: "已回访", At: t0})
	if err := lone.ApplyFeed(ctx, []protocol.FeedItem{{Cursor: 1, Kind: protocol.FeedCaseEvent, At: t0, Payload: mustJSON(step)}}); err != nil {
		t.Fatal(err)
	}
	if fs := followUps(t, lone); len(fs) != 0 {
		t.Errorf("got %d follow-ups before the rating, want 0", len(fs))
	}
	rev, _ := db.PendingEvents(ctx, 100)
	for i, e := range rev {
		if e.ID == badID {
			if err := lone.ApplyFeed(ctx, []protocol.FeedItem{{Cursor: int64(2 + i), Kind: protocol.FeedCaseEvent, At: t0, Payload: mustJSON(e)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if fs := followUps(t, lone); len(fs) != 1 || len(fs[0].Steps) != 1 {
		t.Errorf("after the rating: got %+v, want one follow-up with the early step", fs)
	}
}

// TestOwnRatings: a clerk sees their own ratings and their follow-ups'
// outcomes, nobody else's, and nothing of the citizen.
func TestOwnRatings(t *testing.T) {
	h := newTestHall(t)
	ctx := context.Background()
	db := h.hub
	mine, other := badRating("c1", 1), badRating("c2", 2)
	other.ClerkID, other.ClerkName = 8, "李强"
	praise := badRating("c3", 5)
	old := badRating("c4", 2)
	for _, r := range []rating.Rating{old} {
		if _, err := db.Rate(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	h.clk.Advance(40 * 24 * time.Hour)
	for _, r := range []rating.Rating{mine, other, praise} {
		if _, err := db.Rate(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.OwnRatings(ctx, workday.Default(), 7, h.clk.Now().AddDate(0, 0, -30))
	if err != nil {
		t.Fatal(err)
	}
	if got.Tally.Total != 2 || got.Tally.Counts[1] != 1 || got.Tally.Counts[5] != 1 {
		t.Errorf("got tally %+v, want one 非常不满意 and one 非常满意 of the last 30 days", got.Tally)
	}
	if len(got.FollowUps) != 1 || got.FollowUps[0].Rating.ClerkID != 7 {
		t.Fatalf("got follow-ups %+v, want the one of c1", got.FollowUps)
	}
	if f := got.FollowUps[0]; f.Rating.Note != "" || f.Rating.Ref != "" {
		t.Errorf("got note %q, ref %q in a clerk's own view, want none", f.Rating.Note, f.Rating.Ref)
	}
}

// TestMinimiseEmptiesFollowUpTexts: when a closed case is reduced, what the
// citizen said on the call back goes with their note; the follow-up stays
// done, with who did it and when.
func TestMinimiseEmptiesFollowUpTexts(t *testing.T) {
	db, clk := openTemp(t)
	ctx := context.Background()
	db.SetDeviceNumber(ctx, 1)
	sup, err := db.CreateFirstSupervisor(ctx, clerks.Account{Login: "zhuguan", Name: "陈主管", Window: 1}, "hq-2026-chen")
	if err != nil {
		t.Fatal(err)
	}
	closed := collectedCase(t, db, false, strings.Repeat("cd", 32))
	if _, err := db.Rate(ctx, badRating(closed.ID, 1)); err != nil {
		t.Fatal(err)
	}
	id := followUps(t, db)[0].ID
	for _, s := range []rating.Step{{Kind: rating.Called, Text: "群众说13912345678可联系"}, {Kind: rating.Rectified, Text: "增设叫号提醒"}} {
		s.ByID, s.ByName = sup.ID, sup.Name
		if _, err := db.RecordFollowUp(ctx, id, s); err != nil {
			t.Fatal(err)
		}
	}
	ackAll(t, db)
	if err := db.ApplyFeed(ctx, []protocol.FeedItem{feedItem(1, protocol.FeedRetention, protocol.Retention{PersonalDataDays: 120})}); err != nil {
		t.Fatal(err)
	}
	clk.Set(clk.Now().Add(121 * 24 * time.Hour))
	if r, err := db.Minimise(ctx); err != nil || r.Cases != 1 {
		t.Fatalf("got %+v, %v; want the case reduced", r, err)
	}
	f := followUps(t, db)[0]
	if f.Rating.Note != "" || len(f.Steps) != 2 || f.Steps[0].Text != "" || f.Steps[0].ByName != "陈主管" || f.State(clk.Now()) != rating.Done {
		t.Errorf("got %+v, want the follow-up done with its texts gone", f)
	}
}
