package county_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// The cases: the reads the kiosk API and the back office make, the
// county's decisions, and the admin publishing, the same on both stores
// (runContract). Cases are seeded through Apply, as the kiosks make them.

// caseStore is the part of the back office's store (office.Store) the
// case pages use, and the admin commands' publishing; both stores have it.
type caseStore interface {
	county.Store
	CasePage(ctx context.Context, f county.CasePageFilter) ([]county.Case, int, error)
	CaseMatterCodes(ctx context.Context) ([]string, error)
	CaseStatusLog(ctx context.Context, caseID string) ([]county.StatusLogEntry, error)
	SetCaseStatusAudited(ctx context.Context, c county.StatusChange, e county.AuditEntry) (protocol.FeedItem, error)
	AuditLog(ctx context.Context, f county.AuditFilter) ([]county.AuditEntry, int, error)
	Notices(ctx context.Context, caseID string, limit int) ([]county.NoticeRecord, error)
	PublishRetention(ctx context.Context, days int) (protocol.FeedItem, error)
	PublishMasking(ctx context.Context, pattern string) (protocol.FeedItem, error)
	PublishSeal(ctx context.Context, point string, img []byte) (protocol.FeedItem, error)
	PublishHallConfig(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error)
}

func contractCases(t *testing.T, open opener) {
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, open opener)
	}{
		{"Reads", contractCaseReads},
		{"Page", contractCasePage},
		{"Decision", contractDecision},
		{"DecisionRace", contractDecisionRace},
		{"DecisionTwice", contractDecisionTwice},
		{"Publishing", contractPublishing},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open) })
	}
}

// seededCases are three cases pushed an hour apart: a and b at the test
// point (b of another matter), c at the other point; a has a second event.
type seededCases struct {
	st      caseStore
	clock   *countytest.Clock
	a, b, c county.Case
	aEvents []string
}

const otherMatter = "330000-XK-0009"

func seedCases(t *testing.T, open opener) seededCases {
	t.Helper()
	ctx := context.Background()
	clock := countytest.NewClock(t0)
	st := open(t, clock.Now).(caseStore)
	w1 := mustDevice(t, st, countytest.TestPoint, "w1")
	far := mustDevice(t, st, otherPoint, "far")
	var s seededCases
	s.st, s.clock = st, clock
	push := func(dev county.Device, ev protocol.Event) county.Case {
		t.Helper()
		rs := mustApply(t, st, dev, ev)
		if rs[0].Status != protocol.Applied {
			t.Fatalf("push: got %s, want applied", resultCode(rs[0]))
		}
		c, err := st.Case(ctx, rs[0].CountyCase)
		if err != nil {
			t.Fatal(err)
		}
		clock.Add(time.Hour)
		return c
	}
	id, tr := newCase()
	a1 := caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted")
	s.a = push(w1, a1)
	id, tr = newCase()
	b := caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted")
	b.Payload = json.RawMessage(strings.ReplaceAll(string(b.Payload), "330000-SS-0002", otherMatter))
	s.b = push(w1, b)
	id, tr = countytest.NewCase(otherPoint.Code)
	s.c = push(far, caseEvent(id, tr, otherPoint.Code, 1, "case.accepted", "accepted"))
	a2 := caseEvent(s.a.ID, s.a.Tracking, countytest.TestPoint.Code, 2, "case.updated", "accepted")
	s.a = push(w1, a2)
	s.aEvents = []string{a1.ID, a2.ID}
	return s
}

func countyCases(cs []county.Case) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.CountyCase)
	}
	return out
}

func contractCaseReads(t *testing.T, open opener) {
	ctx := context.Background()
	s := seedCases(t, open)
	st := s.st
	if _, err := st.SetCaseStatus(ctx, county.StatusChange{Case: s.b.CountyCase, Status: protocol.CountyReviewing, By: "county"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		f    county.CaseFilter
		want []county.Case
	}{
		{"all, newest first", county.CaseFilter{}, []county.Case{s.c, s.b, s.a}},
		{"one point", county.CaseFilter{Point: otherPoint.Code}, []county.Case{s.c}},
		{"the county's status", county.CaseFilter{Status: protocol.CountyReviewing}, []county.Case{s.b}},
		{"the kiosk's status", county.CaseFilter{Point: countytest.TestPoint.Code, Status: "accepted"}, []county.Case{s.b, s.a}},
	} {
		got, err := st.Cases(ctx, tt.f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if g, w := countyCases(got), countyCases(tt.want); !slices.Equal(g, w) {
			t.Errorf("%s: got %v, want %v", tt.name, g, w)
		}
	}
	// By id, by tracking code as typed (lower case, spaced), by county number.
	typed := strings.ToLower(s.a.Tracking[:4] + " " + s.a.Tracking[4:])
	for _, ref := range []string{s.a.ID, typed, s.a.CountyCase} {
		got, err := st.Case(ctx, ref)
		if err != nil {
			t.Fatalf("case %q: %v", ref, err)
		}
		if got.ID != s.a.ID || got.Version != 2 || got.Point != countytest.TestPoint.Code || got.KioskStatus != "accepted" {
			t.Errorf("case %q: got %s v%d at %s (%s), want %s v2 at %s (accepted)", ref, got.ID, got.Version, got.Point, got.KioskStatus, s.a.ID, countytest.TestPoint.Code)
		}
	}
	if _, err := st.Case(ctx, "330522-2026-999999"); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("unknown case: got %v, want ErrNotFound", err)
	}
	log, err := st.CaseLog(ctx, s.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, e := range log {
		got = append(got, e.EventID)
		if e.Version != i+1 || e.CaseID != s.a.ID || (i > 0 && e.Seq <= log[i-1].Seq) {
			t.Errorf("log entry %d: got %+v, want version %d of %s after the entry before", i, e, i+1, s.a.ID)
		}
	}
	if !slices.Equal(got, s.aEvents) {
		t.Errorf("case log: got %v, want %v (apply order)", got, s.aEvents)
	}
}

func contractCasePage(t *testing.T, open opener) {
	ctx := context.Background()
	s := seedCases(t, open)
	st := s.st
	if _, err := st.SetCaseStatus(ctx, county.StatusChange{Case: s.b.CountyCase, Status: protocol.CountyReviewing, By: "county"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		f     county.CasePageFilter
		want  []county.Case
		total int
	}{
		{"first page", county.CasePageFilter{Limit: 2}, []county.Case{s.c, s.b}, 3},
		{"next page", county.CasePageFilter{Limit: 2, After: s.b.CountyCase}, []county.Case{s.a}, 3},
		{"page before", county.CasePageFilter{Limit: 2, Before: s.a.CountyCase}, []county.Case{s.c, s.b}, 3},
		{"point", county.CasePageFilter{Point: countytest.TestPoint.Code}, []county.Case{s.b, s.a}, 2},
		{"matter", county.CasePageFilter{Matter: otherMatter}, []county.Case{s.b}, 1},
		{"matter shared by two", county.CasePageFilter{Matter: "330000-SS-0001", Limit: 1, After: s.c.CountyCase}, []county.Case{s.b}, 3},
		// A status alone is two queries (kiosk's, county's) merged.
		{"county status", county.CasePageFilter{Status: protocol.CountyReviewing}, []county.Case{s.b}, 1},
		{"kiosk status", county.CasePageFilter{Status: "accepted", Limit: 2}, []county.Case{s.c, s.b}, 3},
		{"open, due order", county.CasePageFilter{Deadline: county.DueOpen, DueBy: "2027-12-31"}, []county.Case{s.a, s.b, s.c}, 3},
	} {
		got, total, err := st.CasePage(ctx, tt.f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		g, w := countyCases(got), countyCases(tt.want)
		if tt.name == "open, due order" {
			// Same due day for all three: the tie is the county number.
			slices.Sort(w)
		}
		if !slices.Equal(g, w) || total != tt.total {
			t.Errorf("%s: got %v of %d, want %v of %d", tt.name, g, total, w, tt.total)
		}
	}
	if _, _, err := st.CasePage(ctx, county.CasePageFilter{After: "330522-2026-999999"}); err == nil {
		t.Error("page after an unknown case: got no error, want one")
	}
	codes, err := st.CaseMatterCodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"330000-SS-0001", "330000-SS-0002", otherMatter}; !slices.Equal(codes, want) {
		t.Errorf("matter codes: got %v, want %v", codes, want)
	}
}

// statusItems are the case.status items of a feed for one case.
func statusItems(t *testing.T, st county.Store, dev county.Device, caseID string) []protocol.FeedItem {
	t.Helper()
	items, _, err := st.Feed(context.Background(), dev, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []protocol.FeedItem
	for i, it := range items {
		if i > 0 && it.Cursor <= items[i-1].Cursor {
			t.Errorf("feed cursors %d then %d, want increasing", items[i-1].Cursor, it.Cursor)
		}
		var cs protocol.CaseStatus
		if it.Kind == protocol.FeedCaseStatus && json.Unmarshal(it.Payload, &cs) == nil && cs.CaseID == caseID {
			out = append(out, it)
		}
	}
	return out
}

// contractDecision: a county decision reaches its point's feed once, with
// its audit row and the citizen's notice; the same request again is the
// same decision.
func contractDecision(t *testing.T, open opener) {
	ctx := context.Background()
	s := seedCases(t, open)
	st := s.st
	w2 := mustDevice(t, st, countytest.TestPoint, "w2")
	far := mustDevice(t, st, otherPoint, "far2")
	ask := county.StatusChange{Case: s.a.Tracking, Status: protocol.CountyCorrection, By: "李科长",
		Supplements: []protocol.Supplement{{Name: "营业执照副本"}}, SupplyBy: "2026-12-31"}
	who := county.AuditEntry{StaffID: 1, StaffLogin: "li", StaffName: "李科长", Action: "case.status", ClientIP: "10.0.0.8"}
	first, err := st.SetCaseStatusAudited(ctx, ask, who)
	if err != nil {
		t.Fatal(err)
	}
	again, err := st.SetCaseStatusAudited(ctx, ask, who)
	if err != nil {
		t.Fatalf("the same request again: %v", err)
	}
	if again.Cursor != first.Cursor {
		t.Errorf("the same request again: got cursor %d, want the first one's %d", again.Cursor, first.Cursor)
	}
	items := statusItems(t, st, w2, s.a.ID)
	if len(items) != 1 || items[0].Cursor != first.Cursor {
		t.Errorf("point feed: got %d status items (%v), want 1 at cursor %d", len(items), cursors(items), first.Cursor)
	}
	if n := len(statusItems(t, st, far, s.a.ID)); n != 0 {
		t.Errorf("other point's feed: got %d status items, want 0", n)
	}
	log, err := st.CaseStatusLog(ctx, s.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Cursor != first.Cursor || log[0].Status.Status != protocol.CountyCorrection || log[0].Status.SupplyBy != "2026-12-31" {
		t.Errorf("status log: got %+v, want the one correction at cursor %d", log, first.Cursor)
	}
	audit, _, err := st.AuditLog(ctx, county.AuditFilter{Case: s.a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) < 1 || audit[0].Subject != s.a.CountyCase || audit[0].CaseID != s.a.ID || audit[0].Action != "case.status" {
		t.Errorf("audit: got %+v, want a case.status row on %s", audit, s.a.CountyCase)
	}
	notices, err := st.Notices(ctx, s.a.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) != 1 {
		t.Errorf("notices: got %d, want 1 (the correction, once)", len(notices))
	}
	done, err := st.SetCaseStatus(ctx, county.StatusChange{Case: s.a.CountyCase, Status: protocol.CountyCompleted, By: "李科长", Pickup: "窗口2领取"})
	if err != nil {
		t.Fatal(err)
	}
	if got := cursors(statusItems(t, st, w2, s.a.ID)); !slices.Equal(got, []int64{first.Cursor, done.Cursor}) {
		t.Errorf("point feed after completion: got cursors %v, want %v", got, []int64{first.Cursor, done.Cursor})
	}
	c, err := st.Case(ctx, s.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.CountyStatus != protocol.CountyCompleted {
		t.Errorf("county status: got %q, want %q", c.CountyStatus, protocol.CountyCompleted)
	}
	if _, err := st.SetCaseStatus(ctx, county.StatusChange{Case: "330522-2026-999999", Status: protocol.CountyReviewing}); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("decision on an unknown case: got %v, want ErrNotFound", err)
	}
}

// contractDecisionRace: the county decides on a case while its hall pushes
// the case's next event. Both stand, the case has both, and the decision
// is in the point's feed once, under the cursor order a kiosk reads.
func contractDecisionRace(t *testing.T, open opener) {
	ctx := context.Background()
	clock := countytest.NewClock(t0)
	st := open(t, clock.Now).(caseStore)
	point := countytest.TestPoint.Code
	w1 := mustDevice(t, st, countytest.TestPoint, "w1")
	w2 := mustDevice(t, st, countytest.TestPoint, "w2")
	for round := 0; round < 8; round++ {
		id, tr := newCase()
		mustApply(t, st, w1, caseEvent(id, tr, point, 1, "case.accepted", "accepted"))
		next := caseEvent(id, tr, point, 2, "case.updated", "accepted")
		// The push moves the applicant's mobile: the completion's notice
		// must go to the number of the case as the decision found it.
		next.Payload = json.RawMessage(strings.Replace(string(next.Payload), "13800000000", "13900000000", 1))
		change := county.StatusChange{Case: id, Status: protocol.CountyReviewing, By: "county",
			Procedure: protocol.Procedures[0], ProcedureReason: "需要现场核查经营场所"}
		if round%2 == 1 {
			change = county.StatusChange{Case: id, Status: protocol.CountyCompleted, By: "county", Pickup: "窗口2领取"}
		}
		var decided protocol.FeedItem
		errs := race(2, func(i int) error {
			if i == 0 {
				rs, err := st.Apply(ctx, w1, []protocol.Event{next})
				if err == nil && rs[0].Status != protocol.Applied {
					t.Errorf("round %d push: got %s, want applied", round, resultCode(rs[0]))
				}
				return err
			}
			var err error
			decided, err = st.SetCaseStatus(ctx, change)
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, %s: %v", round, []string{"push", "decision"}[i], err)
			}
		}
		c, err := st.Case(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Version != 2 || c.CountyStatus != change.Status || (c.PausedSince == "") != (round%2 == 1) {
			t.Errorf("round %d: got version %d, county status %q, paused since %q; want 2, %s, paused only under review",
				round, c.Version, c.CountyStatus, c.PausedSince, change.Status)
		}
		if round%2 == 1 {
			checkNoticeMobile(t, st, w2, id, next.ID, decided.Cursor)
		}
		if items := statusItems(t, st, w2, id); len(items) != 1 || items[0].Cursor != decided.Cursor {
			t.Errorf("round %d: got status items at %v, want one at %d", round, cursors(items), decided.Cursor)
		}
		if log, err := st.CaseStatusLog(ctx, id); err != nil || len(log) != 1 {
			t.Errorf("round %d: status log %d entries (%v), want 1", round, len(log), err)
		}
	}
}

// checkNoticeMobile: the decision's notice went to the mobile of the case
// as it was when the decision was made: the pushed one if the push came
// first in the feed, else the one before.
func checkNoticeMobile(t *testing.T, st caseStore, reader county.Device, caseID, pushID string, decided int64) {
	t.Helper()
	items, _, err := st.Feed(context.Background(), reader, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var pushed int64
	for _, it := range items {
		var ev struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(it.Payload, &ev) == nil && ev.ID == pushID {
			pushed = it.Cursor
		}
	}
	if pushed == 0 {
		t.Fatalf("the push %s is not in the feed", pushID)
	}
	want := "13800000000"
	if pushed < decided {
		want = "13900000000"
	}
	ns, err := st.Notices(context.Background(), caseID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1 || ns[0].Mobile != want {
		var got []string
		for _, n := range ns {
			got = append(got, n.Mobile)
		}
		t.Errorf("notices to %v (push at cursor %d, decision at %d), want one to %s", got, pushed, decided, want)
	}
}

// contractDecisionTwice: the same correction submitted twice at once (a
// double click reaching two instances) is one request: one feed item,
// one status log entry, and neither refused as a second 补正.
func contractDecisionTwice(t *testing.T, open opener) {
	ctx := context.Background()
	s := seedCases(t, open)
	w2 := mustDevice(t, s.st, countytest.TestPoint, "w2")
	ask := county.StatusChange{Case: s.a.CountyCase, Status: protocol.CountyCorrection, By: "李科长",
		Supplements: []protocol.Supplement{{Name: "营业执照副本"}}, SupplyBy: "2026-12-31"}
	items := make([]protocol.FeedItem, 4)
	errs := race(len(items), func(i int) (err error) {
		items[i], err = s.st.SetCaseStatus(ctx, ask)
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
		if items[i].Cursor != items[0].Cursor {
			t.Errorf("submit %d: got cursor %d, want the one request's %d", i, items[i].Cursor, items[0].Cursor)
		}
	}
	if got := statusItems(t, s.st, w2, s.a.ID); len(got) != 1 {
		t.Errorf("point feed: got %d status items, want 1", len(got))
	}
	if log, err := s.st.CaseStatusLog(ctx, s.a.ID); err != nil || len(log) != 1 {
		t.Errorf("status log: got %d entries (%v), want 1", len(log), err)
	}
}

func sealPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 120, 120))
	for i := 0; i < 120; i++ {
		img.Set(i, i, color.NRGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// contractPublishing: retention and masking reach every point's feed, a
// seal and a hall config only their point's; what the kiosk would refuse
// is refused before it enters the feed.
func contractPublishing(t *testing.T, open opener) {
	ctx := context.Background()
	st := open(t, countytest.NewClock(t0).Now).(caseStore)
	here := mustDevice(t, st, countytest.TestPoint, "w1")
	far := mustDevice(t, st, otherPoint, "far")
	hall, err := os.ReadFile("testdata/hall-config.json")
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() (protocol.FeedItem, error){
		func() (protocol.FeedItem, error) { return st.PublishRetention(ctx, protocol.MinRetentionDays) },
		func() (protocol.FeedItem, error) { return st.PublishMasking(ctx, ids.DefaultIDMask) },
		func() (protocol.FeedItem, error) { return st.PublishSeal(ctx, countytest.TestPoint.Code, sealPNG(t)) },
		func() (protocol.FeedItem, error) { return st.PublishHallConfig(ctx, countytest.TestPoint.Code, hall) },
	}
	for i, step := range steps {
		if _, err := step(); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	kinds := func(dev county.Device) []protocol.Kind {
		items, _, err := st.Feed(ctx, dev, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []protocol.Kind
		for _, it := range items {
			if it.Kind != protocol.FeedDeviceRevoked {
				out = append(out, it.Kind)
			}
		}
		return out
	}
	if got, want := kinds(here), []protocol.Kind{protocol.FeedRetention, protocol.FeedMasking, protocol.FeedSeal, protocol.FeedHallConfig}; !slices.Equal(got, want) {
		t.Errorf("this point's feed: got %v, want %v", got, want)
	}
	if got, want := kinds(far), []protocol.Kind{protocol.FeedRetention, protocol.FeedMasking}; !slices.Equal(got, want) {
		t.Errorf("other point's feed: got %v, want %v", got, want)
	}
	before := mustStats(t, st)
	for name, bad := range map[string]func() (protocol.FeedItem, error){
		"retention of a day": func() (protocol.FeedItem, error) { return st.PublishRetention(ctx, 1) },
		"mask showing all":   func() (protocol.FeedItem, error) { return st.PublishMasking(ctx, strings.Repeat("#", 18)) },
		"seal not a PNG": func() (protocol.FeedItem, error) {
			return st.PublishSeal(ctx, countytest.TestPoint.Code, []byte("GIF89a"))
		},
		"hall config of nowhere": func() (protocol.FeedItem, error) {
			return st.PublishHallConfig(ctx, "33052210", hall)
		},
	} {
		if _, err := bad(); err == nil {
			t.Errorf("%s: got no error, want it refused", name)
		}
	}
	if got := mustStats(t, st); got != before {
		t.Errorf("after refusals: got %+v, want %+v", got, before)
	}
}
