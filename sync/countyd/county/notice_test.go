package county_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// gateway records what the county hands its SMS gateway.
type gateway struct {
	mu   sync.Mutex
	sent []protocol.NoticePayload
}

func (g *gateway) notify(_ context.Context, n protocol.NoticePayload) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sent = append(g.sent, n)
	return nil
}

func (g *gateway) all() []protocol.NoticePayload {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]protocol.NoticePayload(nil), g.sent...)
}

func newNoticeEnv(t *testing.T) (*env, *gateway) {
	g := &gateway{}
	clock := countytest.NewClock(t0)
	c := countytest.Start(t, countytest.Options{Now: clock.Now, Notify: g.notify})
	dev, secret := c.Enroll(t, countytest.TestPoint)
	return &env{c: c, clock: clock, dev: dev, secret: secret}, g
}

// returnedCase is a self-filed case returned at pre-review, with the
// applicant's mobile on record.
func returnedCase(id, tr string, version int) protocol.Event {
	ev := caseEvent(id, tr, countytest.TestPoint.Code, version, "case.returned", "returned")
	var p map[string]any
	json.Unmarshal(ev.Payload, &p)
	doc := p["case"].(map[string]any)
	doc["reason"] = "身份证照片不清楚"
	doc["applicant"].(map[string]any)["mobile"] = "13857201234"
	ev.Payload, _ = json.Marshal(p)
	return ev
}

func noticeEvent(n protocol.NoticePayload) protocol.Event {
	n.At = t0
	p, _ := json.Marshal(n)
	return protocol.Event{ID: uuid.NewString(), Kind: protocol.NoticeRequested, Created: t0, Payload: p}
}

// A notice is the county's own words about a case it holds for the
// device's point, sent to the mobile on record, once: a device cannot make
// the county text any number with any words (issue 15, SMS relay).
func TestNoticesAreTheCountysOwn(t *testing.T) {
	e, g := newNoticeEnv(t)
	id, tr := newCase()
	forged := protocol.NoticePayload{CaseID: id, Tracking: tr, Template: protocol.NoticePrereviewReturned,
		Mobile: "13900000000", Text: "您的账户异常，请点击 http://evil.example 处理"}
	first := noticeEvent(forged)
	res := e.push(t, returnedCase(id, tr, 1), first)
	if res[1].Status != protocol.Applied {
		t.Fatalf("the notice of a returned case: %+v", res[1])
	}
	e.push(t, first) // a repeat after a lost answer
	e.push(t, noticeEvent(forged))
	sent := g.all()
	if len(sent) != 1 {
		t.Fatalf("gateway got %d notices, want 1: %+v", len(sent), sent)
	}
	if got := sent[0]; got.Mobile != "13857201234" || !strings.Contains(got.Text, "身份证照片不清楚") ||
		!strings.Contains(got.Text, tr[:4]+" ") || strings.Contains(got.Text, "evil") {
		t.Errorf("gateway got %+v, want the county's text about the case to the mobile on record", got)
	}

	// Not this point's case, no such case, and a template the case is not
	// in the state for: refused alike, and nothing sent.
	dev2, secret2 := e.c.Enroll(t, otherPoint)
	unknown, unknownTr := newCase()
	for name, tc := range map[string]struct {
		dev, secret string
		n           protocol.NoticePayload
	}{
		"another point's case": {dev2, secret2, protocol.NoticePayload{CaseID: id, Tracking: tr, Template: protocol.NoticePrereviewReturned}},
		"no such case":         {e.dev, e.secret, protocol.NoticePayload{CaseID: unknown, Tracking: unknownTr, Template: protocol.NoticePrereviewReturned}},
		"not a case id":        {e.dev, e.secret, protocol.NoticePayload{CaseID: "330522-2026-000001", Tracking: tr}},
		"wrong state":          {e.dev, e.secret, protocol.NoticePayload{CaseID: id, Tracking: tr, Template: protocol.NoticePrereviewAccepted}},
		"unknown template":     {e.dev, e.secret, protocol.NoticePayload{CaseID: id, Tracking: tr, Template: "free.text"}},
	} {
		status, _, body := e.c.Do(t, tc.dev, tc.secret, "POST", "/api/v1/events", pushBody(t, []protocol.Event{noticeEvent(tc.n)}), nil)
		var pr protocol.PushResponse
		json.Unmarshal(body, &pr)
		if status != 200 || len(pr.Results) != 1 || pr.Results[0].Status != protocol.Rejected {
			t.Errorf("%s: %d %s, want the notice rejected", name, status, body)
		}
	}
	if n := len(g.all()); n != 1 {
		t.Errorf("after refused notices the gateway got %d in all, want still 1", n)
	}

	// A kiosk before 0.8 names no template: the case's state says which,
	// and its mobile and text are not used.
	e.push(t, returnedCase(id, tr, 2), noticeEvent(protocol.NoticePayload{CaseID: id, Tracking: tr, Mobile: "13900000000", Text: "x"}))
	sent = g.all()
	if len(sent) != 2 || sent[1].Mobile != "13857201234" || !strings.Contains(sent[1].Text, "预审退回") {
		t.Errorf("legacy notice: %+v", sent)
	}
}

// Over a point's daily allowance notices are kept but not sent.
func TestNoticesHaveADailyAllowance(t *testing.T) {
	e, g := newNoticeEnv(t)
	var evs []protocol.Event
	for range county.MaxNoticesPerDay + 2 {
		id, tr := newCase()
		evs = append(evs, returnedCase(id, tr, 1), noticeEvent(protocol.NoticePayload{CaseID: id, Tracking: tr, Template: protocol.NoticePrereviewReturned}))
		if len(evs) >= 400 {
			e.push(t, evs...)
			evs = nil
		}
	}
	e.push(t, evs...)
	if got := len(g.all()); got != county.MaxNoticesPerDay {
		t.Errorf("sent %d notices in a day, want %d", got, county.MaxNoticesPerDay)
	}
	e.clock.Add(25 * time.Hour)
	id, tr := newCase()
	e.push(t, returnedCase(id, tr, 1), noticeEvent(protocol.NoticePayload{CaseID: id, Tracking: tr, Template: protocol.NoticePrereviewReturned}))
	if got := len(g.all()); got != county.MaxNoticesPerDay+1 {
		t.Errorf("the next day: %d sent in all, want %d", got, county.MaxNoticesPerDay+1)
	}
}

// The county's retention period goes to every point, within bounds.
func TestPublishRetention(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, days := range []int{0, protocol.MinRetentionDays - 1, protocol.MaxRetentionDays + 1} {
		if _, err := e.c.Store.PublishRetention(ctx, days); err == nil {
			t.Errorf("retention of %d days accepted", days)
		}
	}
	if _, err := e.c.Store.PublishRetention(ctx, 180); err != nil {
		t.Fatal(err)
	}
	status, _, body := e.c.Do(t, e.dev, e.secret, "GET", "/api/v1/feed?after=0", nil, nil)
	var fr protocol.FeedResponse
	json.Unmarshal(body, &fr)
	if status != 200 || len(fr.Items) != 1 || fr.Items[0].Kind != protocol.FeedRetention || !strings.Contains(string(fr.Items[0].Payload), "180") {
		t.Errorf("feed: %d %s", status, body)
	}
}
