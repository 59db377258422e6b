package county_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/sms"
	"github.com/yichuang/yichuang/sync/protocol"
)

// kioskCase is a case event whose document edit changes, with the
// applicant's mobile on record.
func kioskCase(id, tr string, version int, status string, edit func(doc map[string]any)) protocol.Event {
	ev := caseEvent(id, tr, "330522101000", version, "case.supplemented", status)
	var p map[string]any
	json.Unmarshal(ev.Payload, &p)
	doc := p["case"].(map[string]any)
	doc["applicant"].(map[string]any)["mobile"] = "13857201234"
	if edit != nil {
		edit(doc)
	}
	ev.Payload, _ = json.Marshal(p)
	return ev
}

// A notice reaches the gateway exactly once, however many tries it takes
// (the gateway fails the first four), every try is on record, and a
// restarted sender sends nothing already delivered.
func TestSenderDeliversOnceThroughRetries(t *testing.T) {
	e, _ := newNoticeEnv(t)
	g := newGateway(t, 4)
	ctx := context.Background()
	var ids []string
	for range 3 {
		id, tr := newCase()
		e.push(t, kioskCase(id, tr, 1, "accepted", nil))
		if _, err := e.c.Store.SetCaseStatus(ctx, county.StatusChange{Case: id, Status: protocol.CountyCompleted, Pickup: "到洪桥镇便民服务中心3号窗口领取"}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	s := e.sender(g) // one try and two retries a round

	if n, err := s.SendDue(ctx); err != nil || n != 0 {
		t.Fatalf("first round: got %d sent, %v; want 0 (the gateway fails 4 tries)", n, err)
	}
	for _, n := range e.notices(t) {
		if n.State != county.NoticeQueued || n.Tries != 3 || n.NextAttemptAt.IsZero() || !strings.Contains(n.LastError, "503") {
			t.Errorf("after a failed round: got %+v, want queued after 3 tries with the 503 and a next try", n)
		}
	}
	// The next round waits for its backoff.
	if n, _ := s.SendDue(ctx); n != 0 || len(g.tries) != 3 {
		t.Errorf("a round before the backoff: got %d sent, %d notices tried, want nothing tried again", n, len(g.tries))
	}
	e.clock.Add(10 * time.Minute)
	if n, err := s.SendDue(ctx); err != nil || n != 3 {
		t.Fatalf("second round: got %d sent, %v; want 3", n, err)
	}
	if got := len(g.all()); got != 3 {
		t.Errorf("deliveries: got %d, want 3", got)
	}
	for _, n := range e.notices(t) {
		if n.State != county.NoticeSent || n.Tries != 5 || n.SentAt.IsZero() || n.ProviderID != "MSG-"+n.EventID ||
			n.LastError != "" || n.SentCode != "SMS_100000003" {
			t.Errorf("delivered: got %+v, want sent after 5 tries with the provider's id", n)
		}
		tries, err := e.c.Store.NoticeAttempts(ctx, n.EventID)
		if err != nil {
			t.Fatal(err)
		}
		var codes []int
		for _, tr := range tries {
			codes = append(codes, tr.HTTP)
		}
		if got, want := codes, []int{503, 503, 503, 503, 200}; !slicesEqual(got, want) {
			t.Errorf("tries of %s: got %v, want %v", n.EventID, got, want)
		}
	}

	// A restart: a new sender over the same store sends nothing again.
	e.clock.Add(24 * time.Hour)
	before := g.tryCount()
	if n, err := e.sender(g).SendDue(ctx); err != nil || n != 0 || g.tryCount() != before {
		t.Errorf("after a restart: got %d sent, %d tries (was %d), %v; want nothing", n, g.tryCount(), before, err)
	}
	if g.repeats != 0 {
		t.Errorf("the gateway saw %d repeats of delivered notices, want 0", g.repeats)
	}
}

func (g *gateway) tryCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, c := range g.tries {
		n += c
	}
	return n
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Without a gateway, and for a template the county has not configured,
// notices stay queued where staff see them; a configuration set later is
// used at the next round, without a restart.
func TestNoticesWaitForGatewayAndTemplate(t *testing.T) {
	e, g := newNoticeEnv(t)
	ctx := context.Background()
	id, tr := newCase()
	e.push(t, kioskCase(id, tr, 1, "accepted", nil))
	if _, err := e.c.Store.SetCaseStatus(ctx, county.StatusChange{Case: id, Status: protocol.CountyDenied, Reason: "不符合条件"}); err != nil {
		t.Fatal(err)
	}
	none := sms.New(e.c.Store, sms.Options{Now: e.clock.Now, Log: slog.New(slog.DiscardHandler)})
	if n, err := none.SendDue(ctx); n != 0 || err != nil {
		t.Errorf("without a gateway: got %d sent, %v", n, err)
	}
	if ns := e.notices(t); len(ns) != 1 || ns[0].State != county.NoticeQueued || ns[0].Tries != 0 {
		t.Fatalf("without a gateway: got %+v, want one queued, untried", ns)
	}

	partial := testSMS
	partial.Templates = map[string]county.SMSTemplate{protocol.NoticeCaseCompleted: testSMS.Templates[protocol.NoticeCaseCompleted]}
	if _, err := e.c.Store.SetSMSConfig(ctx, partial, staffAudit); err != nil {
		t.Fatal(err)
	}
	s := e.sender(g)
	s.SendDue(ctx)
	if ns := e.notices(t); ns[0].State != county.NoticeQueued || ns[0].LastError != county.NoSMSTemplate || g.tryCount() != 0 {
		t.Fatalf("unconfigured template: got %+v and %d tries, want queued with %q", ns[0], g.tryCount(), county.NoSMSTemplate)
	}
	if _, err := e.c.Store.SetSMSConfig(ctx, testSMS, staffAudit); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(6 * time.Minute)
	if n, err := s.SendDue(ctx); n != 1 || err != nil {
		t.Errorf("once configured: got %d sent, %v; want 1", n, err)
	}
	if sent := g.all(); len(sent) != 1 || sent[0].TemplateCode != "SMS_100000005" || sent[0].Params["reason"] != "不符合条件" {
		t.Errorf("sent: %+v", sent)
	}
}

// Each county decision the papers promise an SMS for queues one notice
// in the decision's transaction; the same decision again queues nothing
// more, and back under review is not news.
func TestCountyDecisionsQueueOneNotice(t *testing.T) {
	tests := []struct {
		change    county.StatusChange
		template  string
		wantWords []string
	}{
		{county.StatusChange{Status: protocol.CountyCompleted, Pickup: "到洪桥镇便民服务中心3号窗口领取"},
			protocol.NoticeCaseCompleted, []string{"已办结", "3号窗口"}},
		{county.StatusChange{Status: protocol.CountyCorrection, SupplyBy: "2026-12-04",
			Supplements: []protocol.Supplement{{Name: "经营场所使用证明"}, {Name: "平面图"}}},
			protocol.NoticeCaseCorrection, []string{"补正", "经营场所使用证明、平面图", "2026-12-04"}},
		{county.StatusChange{Status: protocol.CountyDenied, Reason: "选址不符合规划"},
			protocol.NoticeCaseDenied, []string{"不予许可", "选址不符合规划", "复议"}},
		{county.StatusChange{Status: protocol.CountyReviewing}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.change.Status, func(t *testing.T) {
			e, _ := newNoticeEnv(t)
			ctx := context.Background()
			id, tr := newCase()
			e.push(t, kioskCase(id, tr, 1, "accepted", nil))
			c := tt.change
			c.Case = id
			if _, err := e.c.Store.SetCaseStatus(ctx, c); err != nil {
				t.Fatal(err)
			}
			audit := staffAudit
			audit.Action = "case.status"
			if _, err := e.c.Store.SetCaseStatusAudited(ctx, c, audit); err != nil { // a double submit
				t.Fatal(err)
			}
			ns := e.notices(t)
			if tt.template == "" {
				if len(ns) != 0 {
					t.Errorf("got %+v, want no notice", ns)
				}
				return
			}
			if len(ns) != 1 {
				t.Fatalf("got %d notices, want 1: %+v", len(ns), ns)
			}
			n := ns[0]
			if n.Template != tt.template || n.Origin != "county" || n.Mobile != "13857201234" || n.Held {
				t.Errorf("got %+v, want a county %s notice to the mobile on record", n, tt.template)
			}
			for _, w := range append(tt.wantWords, "【长兴县政务服务】", tr[:4]+" ") {
				if !strings.Contains(n.Text, w) {
					t.Errorf("text %q: want %q in it", n.Text, w)
				}
			}
			// A later version of the case (the citizen brought the
			// materials) and the same decision: told again.
			e.push(t, kioskCase(id, tr, 2, "accepted", nil))
			if c.Status == protocol.CountyCorrection {
				c.AgainReason = "补正的租赁合同未盖章" // 一次性告知: another request says why
			}
			if _, err := e.c.Store.SetCaseStatus(ctx, c); err != nil {
				t.Fatal(err)
			}
			if got := len(e.notices(t)); got != 2 {
				t.Errorf("after a new case version: got %d notices, want 2", got)
			}
		})
	}
}

// A kiosk's 容缺 lapse notice is taken once when the deadline's day has
// come and the case did not end another way, whatever the kiosk calls
// the state the lapse left it in.
func TestLapseNotice(t *testing.T) {
	past, future := "2026-11-20T00:00:00+08:00", "2026-12-20T00:00:00+08:00"
	tests := []struct {
		name, status, by string
		want             string
	}{
		{"lapsed, the kiosk's name", "lapsed", past, protocol.Applied},
		{"terminated, another name", "terminated", past, protocol.Applied},
		{"still deferred, deadline passed", "deferred", past, protocol.Applied},
		{"deadline today", "lapsed", "2026-11-26T00:00:00+08:00", protocol.Applied},
		{"deadline not reached", "lapsed", future, protocol.Rejected},
		{"materials came", "accepted", past, protocol.Rejected},
		{"completed", "completed", past, protocol.Rejected},
		{"no 容缺 deadline", "lapsed", "", protocol.Rejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newNoticeEnv(t)
			id, tr := newCase()
			ev := kioskCase(id, tr, 1, tt.status, func(doc map[string]any) {
				if tt.by != "" {
					doc["supplement_by"] = tt.by
				}
			})
			req := protocol.NoticePayload{CaseID: id, Tracking: tr, Template: protocol.NoticeSupplementLapsed}
			res := e.push(t, ev, noticeEvent(req), noticeEvent(req))
			if res[1].Status != tt.want {
				t.Fatalf("got %+v, want %s", res[1], tt.want)
			}
			ns := e.notices(t)
			if tt.want == protocol.Rejected {
				if len(ns) != 0 {
					t.Errorf("got %+v, want no notice", ns)
				}
				return
			}
			if len(ns) != 1 {
				t.Fatalf("got %d notices, want 1", len(ns))
			}
			if got := ns[0]; got.Params[county.ValMaterials] != "floor_plan" || !strings.Contains(got.Text, "结束办理") ||
				strings.Contains(got.Text, tt.status) {
				t.Errorf("got %+v, want the deferred material and words that do not name the kiosk's status", got)
			}
		})
	}
}

// Nothing a notice carries holds an ID or mobile number in full, however
// the clerk typed it into a reason; county case numbers and dates stay.
func TestNoticeParamsNeverHoldAnIDNumber(t *testing.T) {
	e, g := newNoticeEnv(t)
	ctx := context.Background()
	id, tr := newCase()
	e.push(t, kioskCase(id, tr, 1, "accepted", nil))
	reason := "证件330522199001011234、330522 19900101 123X，电话138-5720-1234、１３８５７２０１２３４，见330522-2026-000001，2026-11-20"
	if _, err := e.c.Store.SetCaseStatus(ctx, county.StatusChange{Case: id, Status: protocol.CountyDenied, Reason: reason}); err != nil {
		t.Fatal(err)
	}
	e.sendAll(t, e.sender(g))
	sent := g.all()
	if len(sent) != 1 {
		t.Fatalf("got %d sent, want 1", len(sent))
	}
	ns := e.notices(t)
	digits := regexp.MustCompile(`[0-9０-９]`)
	for _, text := range []string{sent[0].Params["reason"], ns[0].Params[county.ValReason], ns[0].Text} {
		compact := strings.NewReplacer(" ", "", "-", "").Replace(text)
		for _, secret := range []string{"330522199001011234", "33052219900101123", "13857201234", "１３８５７２０１２３４", "1234、", "123X"} {
			if strings.Contains(compact, secret) {
				t.Errorf("%q holds %q", text, secret)
			}
		}
		if !strings.Contains(text, "330522-2026-000001") || !strings.Contains(text, "2026-11-20") || len(digits.FindAllString(text, -1)) == 0 {
			t.Errorf("%q: want the county case number and the date kept", text)
		}
	}
}

// The county's SMS configuration is checked before it is stored.
func TestSMSConfigIsChecked(t *testing.T) {
	good := county.SMSTemplate{Code: "SMS_123456789", Params: map[string]string{"code": county.ValTracking}}
	tests := []struct {
		name string
		cfg  county.SMSConfig
		ok   bool
	}{
		{"good, brackets trimmed", county.SMSConfig{Signature: "【长兴县政务服务】", Templates: map[string]county.SMSTemplate{protocol.NoticeCaseCompleted: good}}, true},
		{"no signature", county.SMSConfig{Templates: map[string]county.SMSTemplate{protocol.NoticeCaseCompleted: good}}, false},
		{"one-character signature", county.SMSConfig{Signature: "县"}, false},
		{"bracket inside", county.SMSConfig{Signature: "长兴】县"}, false},
		{"unknown template", county.SMSConfig{Signature: "长兴县政务服务", Templates: map[string]county.SMSTemplate{"free.text": good}}, false},
		{"empty code", county.SMSConfig{Signature: "长兴县政务服务", Templates: map[string]county.SMSTemplate{protocol.NoticeCaseCompleted: {Params: good.Params}}}, false},
		{"code with a space", county.SMSConfig{Signature: "长兴县政务服务", Templates: map[string]county.SMSTemplate{protocol.NoticeCaseCompleted: {Code: "SMS 1", Params: good.Params}}}, false},
		{"a value the template lacks", county.SMSConfig{Signature: "长兴县政务服务", Templates: map[string]county.SMSTemplate{
			protocol.NoticeCaseCompleted: {Code: "SMS_1", Params: map[string]string{"reason": county.ValReason}}}}, false},
		{"a bad parameter name", county.SMSConfig{Signature: "长兴县政务服务", Templates: map[string]county.SMSTemplate{
			protocol.NoticeCaseCompleted: {Code: "SMS_1", Params: map[string]string{"1code": county.ValTracking}}}}, false},
	}
	e := newEnv(t)
	for _, tt := range tests {
		got, err := e.c.Store.SetSMSConfig(context.Background(), tt.cfg, staffAudit)
		if (err == nil) != tt.ok {
			t.Errorf("%s: got %v, want ok %v", tt.name, err, tt.ok)
		}
		if tt.ok && got.Signature != "长兴县政务服务" {
			t.Errorf("%s: got signature %q, want it without brackets", tt.name, got.Signature)
		}
	}
	stored, err := e.c.Store.SMSConfig(context.Background())
	if err != nil || stored.Signature != "长兴县政务服务" || len(stored.Templates) != 1 {
		t.Errorf("stored: got %+v, %v; want only the good configuration", stored, err)
	}
}
