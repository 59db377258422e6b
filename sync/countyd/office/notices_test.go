package office_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county"
)

// A decision made in the back office queues the applicant's SMS notice
// with it, and the notices page shows that it waits, why, and to whom,
// with the mobile masked.
func TestDecisionQueuesAMaskedNotice(t *testing.T) {
	e := newEnv(t)
	s := newSeed("林小明", t0.AddDate(0, 0, 7))
	cc := e.push(t, s)
	b := e.client(t)
	b.mustLogin("lishen")
	token := b.csrf("/office/cases/" + cc)
	for range 2 { // a double submit tells the citizen once
		status, _ := b.post("/office/cases/"+cc+"/status", url.Values{"csrf": {token}, "status": {"denied"},
			"reason": {"经营场所不符合食品安全要求"}})
		if status != http.StatusSeeOther {
			t.Fatalf("denial: got %d, want 303", status)
		}
	}
	status, body := b.get("/office/notices")
	if status != http.StatusOK {
		t.Fatalf("notices page: %d", status)
	}
	mustContain(t, body, cc, "case.denied", "138****1234", "经营场所不符合食品安全要求", "排队",
		"未配置短信网关", "未设置短信签名和模板")
	mustNotContain(t, body, s.mobile, s.idNumber)
	ns, err := e.st.Notices(t.Context(), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1 || ns[0].Template != "case.denied" || ns[0].Mobile != s.mobile {
		t.Errorf("stored notices: got %+v, want one denial notice to the applicant", ns)
	}
}

// Staff send a failed notice back to the queue once the gateway or the
// template is fixed: a reviewer may, with the session's CSRF token, and
// the act is audited; a catalog editor may not; a sent notice is never
// sent again, nor one still queued put back twice.
func TestStaffRequeueAFailedNoticeButNeverASentOne(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	var ids []string
	var cases []string
	for _, name := range []string{"林小明", "王大伟"} {
		s := newSeed(name, t0.AddDate(0, 0, 7))
		cc := e.push(t, s)
		if _, err := e.st.SetCaseStatus(ctx, county.StatusChange{Case: cc, Status: "denied", Reason: "经营场所不符合食品安全要求", By: "李审"}); err != nil {
			t.Fatal(err)
		}
		ns, err := e.st.Notices(ctx, s.id, 1)
		if err != nil || len(ns) != 1 {
			t.Fatalf("notice of %s: %v %v", cc, ns, err)
		}
		ids, cases = append(ids, ns[0].EventID), append(cases, cc)
	}
	failed, sent := ids[0], ids[1]
	var tries []county.NoticeTry
	for range county.MaxNoticeTries {
		tries = append(tries, county.NoticeTry{At: t0, HTTP: 502, Err: "gateway: 502 Bad Gateway"})
	}
	if err := e.st.RecordNoticeTries(ctx, county.Outgoing{EventID: failed}, county.NoticeOutcome{Tries: tries}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordNoticeTries(ctx, county.Outgoing{EventID: sent}, county.NoticeOutcome{Tries: tries[:1], Sent: true, ProviderID: "msg-1"}); err != nil {
		t.Fatal(err)
	}
	state := func(id string) county.NoticeRecord {
		t.Helper()
		ns, err := e.st.Notices(ctx, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.EventID == id {
				return n
			}
		}
		t.Fatalf("notice %s not found", id)
		return county.NoticeRecord{}
	}

	editor := e.client(t)
	editor.mustLogin("mulu")
	if status, _ := editor.post("/office/notices/requeue", url.Values{"csrf": {editor.csrf("/office/catalog")}, "id": {failed}}); status != http.StatusForbidden {
		t.Errorf("a catalog editor re-queues: got %d, want 403", status)
	}

	b := e.client(t)
	b.mustLogin("lishen")
	status, body := b.get("/office/notices")
	if status != http.StatusOK {
		t.Fatalf("notices page: %d", status)
	}
	mustContain(t, body, `action="/office/notices/requeue"`, `value="`+failed+`"`, "重新排队")
	mustNotContain(t, body, `value="`+sent+`"`)
	token := csrfRE.FindStringSubmatch(body)[1]
	if status, _ := b.post("/office/notices/requeue", url.Values{"id": {failed}}); status != http.StatusForbidden {
		t.Errorf("without the CSRF token: got %d, want 403", status)
	}
	if n := state(failed); n.State != county.NoticeFailed {
		t.Fatalf("after a refused re-queue: got state %s, want failed", n.State)
	}

	steps := []struct {
		name   string
		id     string
		status int
		text   string
	}{
		{"the failed notice", failed, http.StatusSeeOther, ""},
		{"the same again, now queued", failed, http.StatusConflict, "只有发送失败的通知可以重新排队"},
		{"the sent notice", sent, http.StatusConflict, "该通知已发送，不能重发"},
		{"no such notice", "county-status:999", http.StatusNotFound, "没有这条通知"},
	}
	for _, s := range steps {
		status, body := b.post("/office/notices/requeue", url.Values{"csrf": {token}, "id": {s.id}})
		if status != s.status {
			t.Errorf("%s: got %d, want %d", s.name, status, s.status)
		}
		mustContain(t, body, s.text)
	}
	if n := state(failed); n.State != county.NoticeQueued || n.Tries != 0 || n.Requeues != 1 || !n.NextAttemptAt.IsZero() {
		t.Errorf("re-queued notice: got state %s, %d tries, %d requeues, next %v; want queued, 0, 1, now", n.State, n.Tries, n.Requeues, n.NextAttemptAt)
	}
	if n := state(sent); n.State != county.NoticeSent || n.Requeues != 0 {
		t.Errorf("sent notice: got state %s, %d requeues; want sent, 0", n.State, n.Requeues)
	}
	rows := e.audit(t, county.AuditFilter{Action: "notice.requeue"})
	if len(rows) != 1 || rows[0].StaffLogin != "lishen" || rows[0].Subject != cases[0] || !strings.HasPrefix(rows[0].Detail, failed) {
		t.Errorf("audit rows: got %+v, want one by lishen on %s", rows, cases[0])
	}
	_, body = b.get("/office/notices?done=requeue")
	mustContain(t, body, "已重新排队 1 次", "已重新排队，发送程序将在下一轮发送")
}
