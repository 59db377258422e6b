package office_test

import (
	"net/http"
	"net/url"
	"testing"
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
