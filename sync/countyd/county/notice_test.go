package county_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/countyd/sms"
	"github.com/yichuang/yichuang/sync/protocol"
)

// gateway is a real loopback SMS gateway (docs/sms.md): it fails the
// first tries of every notice with 503, then takes it, and answers a
// repeat of a notice it took with the same message id without sending it
// again, as the interface asks of an adapter.
type gateway struct {
	*httptest.Server
	mu        sync.Mutex
	failFirst int
	tries     map[string]int         // notice id → HTTP tries
	delivered map[string]sms.Request // notice id → the request that was sent on
	order     []string               // notice ids in delivery order
	repeats   int                    // tries for a notice already taken
}

func newGateway(t *testing.T, failFirst int) *gateway {
	g := &gateway{failFirst: failFirst, tries: map[string]int{}, delivered: map[string]sms.Request{}}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req sms.Request
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.NoticeID == "" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		g.tries[req.NoticeID]++
		if _, done := g.delivered[req.NoticeID]; done {
			g.repeats++
		} else if g.tries[req.NoticeID] <= g.failFirst {
			http.Error(w, "provider busy", http.StatusServiceUnavailable)
			return
		} else {
			g.delivered[req.NoticeID] = req
			g.order = append(g.order, req.NoticeID)
		}
		json.NewEncoder(w).Encode(sms.Response{MessageID: "MSG-" + req.NoticeID})
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *gateway) all() []sms.Request {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []sms.Request
	for _, id := range g.order {
		out = append(out, g.delivered[id])
	}
	return out
}

// testSMS configures every template, renaming some parameters as a
// provider's approved template would call them.
var testSMS = county.SMSConfig{Signature: "【长兴县政务服务】", Templates: map[string]county.SMSTemplate{
	protocol.NoticePrereviewAccepted: {Code: "SMS_100000001", Params: map[string]string{"code": county.ValTracking, "date": county.ValDue}},
	protocol.NoticePrereviewReturned: {Code: "SMS_100000002", Params: map[string]string{"code": county.ValTracking, "reason": county.ValReason}},
	protocol.NoticeCaseCompleted:     {Code: "SMS_100000003", Params: map[string]string{"code": county.ValTracking, "way": county.ValPickup}},
	protocol.NoticeCaseCorrection:    {Code: "SMS_100000004", Params: map[string]string{"code": county.ValTracking, "items": county.ValMaterials, "date": county.ValSupplyBy}},
	protocol.NoticeCaseDenied:        {Code: "SMS_100000005", Params: map[string]string{"code": county.ValTracking, "reason": county.ValReason}},
	protocol.NoticeSupplementLapsed:  {Code: "SMS_100000006", Params: map[string]string{"code": county.ValTracking, "items": county.ValMaterials, "date": county.ValSupplyBy}},
}}

var staffAudit = county.AuditEntry{StaffLogin: "admin", StaffName: "管理员", ClientIP: "127.0.0.1"}

func newNoticeEnv(t *testing.T) (*env, *gateway) {
	e := newEnv(t)
	if _, err := e.c.Store.SetSMSConfig(context.Background(), testSMS, staffAudit); err != nil {
		t.Fatal(err)
	}
	return e, newGateway(t, 0)
}

// sender is the county's sender with short waits, on the test clock.
func (e *env) sender(g *gateway) *sms.Sender {
	return sms.New(e.c.Store, sms.Options{Gateway: g.URL, Now: e.clock.Now, RetryMax: 2, Log: slog.New(slog.DiscardHandler),
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
}

// sendAll runs the sender's rounds, moving the clock past each backoff,
// until nothing is queued that could still go.
func (e *env) sendAll(t *testing.T, s *sms.Sender) {
	t.Helper()
	for range 20 {
		if _, err := s.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		counts, err := e.c.Store.NoticeCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if counts[county.NoticeQueued] == 0 {
			return
		}
		e.clock.Add(2 * time.Hour)
	}
}

func (e *env) notices(t *testing.T) []county.NoticeRecord {
	t.Helper()
	ns, err := e.c.Store.Notices(context.Background(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return ns
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
	s := e.sender(g)
	e.sendAll(t, s)
	sent := g.all()
	if len(sent) != 1 {
		t.Fatalf("gateway got %d notices, want 1: %+v", len(sent), sent)
	}
	if got := sent[0]; got.Mobile != "13857201234" || got.TemplateCode != "SMS_100000002" || got.Signature != "长兴县政务服务" ||
		got.Params["reason"] != "身份证照片不清楚" || !strings.HasPrefix(got.Params["code"], tr[:4]+" ") {
		t.Errorf("gateway got %+v, want the county's template about the case to the mobile on record", got)
	}
	if ns := e.notices(t); len(ns) != 1 || !strings.HasPrefix(ns[0].Text, "【长兴县政务服务】") ||
		!strings.Contains(ns[0].Text, "身份证照片不清楚") || strings.Contains(ns[0].Text, "evil") {
		t.Errorf("stored notices: %+v, want the county's own text", ns)
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
	e.sendAll(t, s)
	if n := len(g.all()); n != 1 {
		t.Errorf("after refused notices the gateway got %d in all, want still 1", n)
	}

	// A kiosk before 0.8 names no template: the case's state says which,
	// and its mobile and text are not used.
	e.push(t, returnedCase(id, tr, 2), noticeEvent(protocol.NoticePayload{CaseID: id, Tracking: tr, Mobile: "13900000000", Text: "x"}))
	e.sendAll(t, s)
	sent = g.all()
	if len(sent) != 2 || sent[1].Mobile != "13857201234" || sent[1].TemplateCode != "SMS_100000002" {
		t.Errorf("legacy notice: %+v", sent)
	}
}

// Over a point's daily allowance notices are kept but not sent.
func TestNoticesHaveADailyAllowance(t *testing.T) {
	e, g := newNoticeEnv(t)
	counts := func() map[string]int {
		c, err := e.c.Store.NoticeCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// County decisions are not a device's to spend: they are never held,
	// nor counted against the point's allowance.
	id, tr := newCase()
	e.push(t, returnedCase(id, tr, 1))
	if _, err := e.c.Store.SetCaseStatus(context.Background(), county.StatusChange{Case: id, Status: protocol.CountyDenied, Reason: "不符合条件"}); err != nil {
		t.Fatal(err)
	}
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
	if got := counts(); got[county.NoticeQueued] != county.MaxNoticesPerDay+1 || got["held"] != 2 {
		t.Errorf("notices of a day: %v, want %d queued (one the county's) and 2 held", got, county.MaxNoticesPerDay+1)
	}
	e.clock.Add(25 * time.Hour)
	id, tr = newCase()
	e.push(t, returnedCase(id, tr, 1), noticeEvent(protocol.NoticePayload{CaseID: id, Tracking: tr, Template: protocol.NoticePrereviewReturned}))
	if got := counts(); got[county.NoticeQueued] != county.MaxNoticesPerDay+2 {
		t.Errorf("the next day: %v, want %d queued", got, county.MaxNoticesPerDay+2)
	}
	e.sendAll(t, e.sender(g))
	if got := len(g.all()); got != county.MaxNoticesPerDay+2 {
		t.Errorf("the gateway got %d, want every unheld one (%d)", got, county.MaxNoticesPerDay+2)
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

// A seal image goes to its own point only, and only as a PNG of sensible
// size: the county's staff cannot put a photo or a huge file on every paper.
func TestPublishSeal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pngOf := func(w, h int) []byte {
		var b bytes.Buffer
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		img.Set(w/2, h/2, color.RGBA{200, 0, 0, 255})
		png.Encode(&b, img)
		return b.Bytes()
	}
	point := countytest.TestPoint.Code
	bad := []struct {
		name  string
		point string
		img   []byte
	}{
		{"not a PNG", point, []byte("GIF89a not a png at all")},
		{"too small", point, pngOf(20, 20)},
		{"too large a side", point, pngOf(1200, 300)},
		{"too many bytes", point, append(pngOf(100, 100), make([]byte, protocol.MaxSealPNG)...)},
		{"no such point", "330522000000", pngOf(300, 300)},
	}
	for _, tt := range bad {
		if _, err := e.c.Store.PublishSeal(ctx, tt.point, tt.img); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if _, err := e.c.Store.PublishSeal(ctx, "330522102000", pngOf(300, 300)); err != nil {
		t.Fatal(err)
	}
	good := pngOf(300, 300)
	if _, err := e.c.Store.PublishSeal(ctx, point, good); err != nil {
		t.Fatal(err)
	}
	status, _, body := e.c.Do(t, e.dev, e.secret, "GET", "/api/v1/feed?after=0", nil, nil)
	var fr protocol.FeedResponse
	json.Unmarshal(body, &fr)
	var seals []protocol.Seal
	for _, it := range fr.Items {
		if it.Kind == protocol.FeedSeal {
			var s protocol.Seal
			json.Unmarshal(it.Payload, &s)
			seals = append(seals, s)
		}
	}
	if status != 200 || len(seals) != 1 || !bytes.Equal(seals[0].PNG, good) {
		t.Errorf("feed: status %d, %d seal items (want 1, this point's own)", status, len(seals))
	}
}
