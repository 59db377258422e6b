package office_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/countyd/office"
	"github.com/yichuang/yichuang/sync/protocol"
)

func TestUnknownLoginAndSessionExpiry(t *testing.T) {
	e := newEnv(t)
	b := e.client(t)
	if got, want := b.login("nobody", password), http.StatusUnauthorized; got != want {
		t.Fatalf("unknown login: got %d, want %d", got, want)
	}
	b.mustLogin("lishen")
	if status, _ := b.get("/office/cases"); status != http.StatusOK {
		t.Fatalf("cases after login: got %d, want 200", status)
	}
	e.clock.Add(31 * time.Minute)
	status, _ := b.get("/office/cases")
	if status != http.StatusSeeOther {
		t.Fatalf("cases after 31 idle minutes: got %d, want a redirect to the login page", status)
	}
}

// TestSessionEndsTwelveHoursAfterSignIn: a session used every few minutes
// never goes idle, but ends 12 hours after sign-in all the same.
func TestSessionEndsTwelveHoursAfterSignIn(t *testing.T) {
	e := newEnv(t)
	b := e.client(t)
	b.mustLogin("lishen")
	for elapsed := time.Duration(0); elapsed < 12*time.Hour; elapsed += 20 * time.Minute {
		if status, _ := b.get("/office/cases"); status != http.StatusOK {
			t.Fatalf("%v after sign-in, in use every 20 minutes: got %d, want 200", elapsed, status)
		}
		e.clock.Add(20 * time.Minute)
	}
	e.clock.Add(time.Second)
	if status, _ := b.get("/office/cases"); status != http.StatusSeeOther {
		t.Fatalf("12 hours after sign-in: got %d, want a redirect to the login page", status)
	}
	// Ended, not only refused: signing in again starts a new 12 hours.
	b.mustLogin("lishen")
	if status, _ := b.get("/office/cases"); status != http.StatusOK {
		t.Fatalf("after signing in again: got %d, want 200", status)
	}
}

func TestRolesLimitPages(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		login string
		path  string
		want  int
	}{
		{"lishen", "/office/cases", http.StatusOK},
		{"lishen", "/office/fleet", http.StatusForbidden},
		{"lishen", "/office/audit", http.StatusForbidden},
		{"lishen", "/office/catalog", http.StatusForbidden},
		{"mulu", "/office/catalog", http.StatusOK},
		{"mulu", "/office/cases", http.StatusForbidden},
		{"admin", "/office/fleet", http.StatusOK},
		{"admin", "/office/audit", http.StatusOK},
		{"admin", "/office/staff", http.StatusOK},
		{"admin", "/office/catalog", http.StatusOK},
		{"admin", "/office/cases", http.StatusOK},
	}
	for _, tt := range tests {
		b := e.client(t)
		b.mustLogin(tt.login)
		if got, _ := b.get(tt.path); got != tt.want {
			t.Errorf("%s GET %s: got %d, want %d", tt.login, tt.path, got, tt.want)
		}
	}
}

// TestPostsNeedSessionAndToken: a decision posted without the CSRF token,
// with a wrong one, or without the session cookie is refused with 403 and
// changes nothing.
func TestPostsNeedSessionAndToken(t *testing.T) {
	e := newEnv(t)
	cc := e.push(t, newSeed("林小明", t0.AddDate(0, 0, 7)))
	b := e.client(t)
	b.mustLogin("lishen")
	token := b.csrf("/office/cases/" + cc)
	before := e.stats(t)
	auditBefore := len(e.audit(t, county.AuditFilter{}))
	form := url.Values{"status": {"denied"}, "reason": {"材料不符合法定形式"}}
	anon := e.client(t)
	for _, tt := range []struct {
		name string
		b    *browser
		csrf string
	}{
		{"no token", b, ""},
		{"wrong token", b, strings.Repeat("A", len(token))},
		{"no cookie", anon, token},
	} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		if tt.csrf != "" {
			f.Set("csrf", tt.csrf)
		}
		if got, _ := tt.b.post("/office/cases/"+cc+"/status", f); got != http.StatusForbidden {
			t.Errorf("%s: got %d, want 403", tt.name, got)
		}
	}
	// The logout form without a token does not log out either.
	if got, _ := b.post("/office/logout", url.Values{}); got != http.StatusForbidden {
		t.Errorf("logout without token: got %d, want 403", got)
	}
	if got, want := e.stats(t), before; got != want {
		t.Errorf("store after refused posts: got %+v, want %+v", got, want)
	}
	if got, want := len(e.audit(t, county.AuditFilter{})), auditBefore; got != want {
		t.Errorf("audit rows after refused posts: got %d, want %d", got, want)
	}
	c, err := e.st.Case(context.Background(), cc)
	if err != nil {
		t.Fatal(err)
	}
	if c.CountyStatus != "" {
		t.Errorf("county status after refused posts: got %q, want none", c.CountyStatus)
	}
	// With the token it goes through.
	form.Set("csrf", token)
	if got, _ := b.post("/office/cases/"+cc+"/status", form); got != http.StatusSeeOther {
		t.Fatalf("with token: got %d, want 303", got)
	}
	if got := e.stats(t).Feed; got != before.Feed+1 {
		t.Errorf("feed items: got %d, want %d", got, before.Feed+1)
	}
}

func TestCasePageMasksAndRevealIsAudited(t *testing.T) {
	e := newEnv(t)
	s := newSeed("林小明", t0.AddDate(0, 0, 7))
	cc := e.push(t, s)
	b := e.client(t)
	b.mustLogin("lishen")
	status, body := b.get("/office/cases/" + cc)
	if status != http.StatusOK {
		t.Fatalf("case page: %d", status)
	}
	mustContain(t, body, "330522********0024", "138****1234", "林小明", "容缺待补", "食品经营许可（新办）", "安全")
	mustNotContain(t, body, s.idNumber, s.mobile)
	if got := e.audit(t, county.AuditFilter{Action: "case.view"}); len(got) != 1 || got[0].Subject != cc || got[0].StaffLogin != "lishen" {
		t.Errorf("case.view audit: got %+v, want one row for %s by lishen", got, cc)
	}
	token := csrfRE.FindStringSubmatch(body)[1]

	status, body = b.post("/office/cases/"+cc+"/reveal", url.Values{"csrf": {token}, "field": {"applicant.id_number"}, "reason": {""}})
	if status != http.StatusBadRequest {
		t.Errorf("reveal without reason: got %d, want 400", status)
	}
	mustNotContain(t, body, s.idNumber)
	if got := e.audit(t, county.AuditFilter{Action: "case.reveal"}); len(got) != 0 {
		t.Errorf("reveal without reason wrote %d audit rows", len(got))
	}

	status, body = b.post("/office/cases/"+cc+"/reveal", url.Values{"csrf": {token}, "field": {"applicant.id_number"},
		"reason": {"核对申请人身份，电话回访"}})
	if status != http.StatusOK {
		t.Fatalf("reveal: got %d", status)
	}
	mustContain(t, body, s.idNumber, "138****1234")
	got := e.audit(t, county.AuditFilter{Action: "case.reveal"})
	if len(got) != 1 || got[0].Reason != "核对申请人身份，电话回访" || got[0].Detail != "applicant.id_number" || got[0].ClientIP == "" {
		t.Errorf("reveal audit: got %+v", got)
	}
	// The next view is masked again.
	_, body = b.get("/office/cases/" + cc)
	mustNotContain(t, body, s.idNumber)
}

func TestCaseListFiltersAndHighlights(t *testing.T) {
	e := newEnv(t)
	overdue := e.push(t, newSeed("过期人", time.Date(2026, 11, 20, 0, 0, 0, 0, t0.Location())))
	soon := e.push(t, newSeed("临期人", time.Date(2026, 11, 27, 0, 0, 0, 0, t0.Location())))
	onTime := newSeed("正常人", time.Date(2026, 12, 10, 0, 0, 0, 0, t0.Location()))
	onTime.matters = []string{"330000-SS-0001"}
	ok := e.push(t, onTime)
	b := e.client(t)
	b.mustLogin("lishen")
	tests := []struct {
		query      string
		want, miss []string
	}{
		{"", []string{overdue, soon, ok, `class="overdue"`, `class="soon"`}, nil},
		{"?deadline=overdue", []string{overdue}, []string{soon, ok}},
		{"?deadline=soon", []string{soon}, []string{overdue, ok}},
		{"?matter=330000-SS-0012", []string{overdue, soon}, []string{ok}},
		{"?due_by=2026-11-30", []string{overdue, soon}, []string{ok}},
		{"?point=330522999000", []string{"没有符合条件的案件"}, []string{overdue}},
	}
	for _, tt := range tests {
		status, body := b.get("/office/cases" + tt.query)
		if status != http.StatusOK {
			t.Errorf("%s: status %d", tt.query, status)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("cases%s: missing %q", tt.query, w)
			}
		}
		for _, m := range tt.miss {
			if strings.Contains(body, m) {
				t.Errorf("cases%s: has %q", tt.query, m)
			}
		}
	}
}

func TestCorrectionReachesTheFeed(t *testing.T) {
	e := newEnv(t)
	cc := e.push(t, newSeed("林小明", t0.AddDate(0, 0, 7)))
	b := e.client(t)
	b.mustLogin("lishen")
	token := b.csrf("/office/cases/" + cc)
	status, body := b.post("/office/cases/"+cc+"/status", url.Values{"csrf": {token}, "status": {"correction"},
		"material": {"330000-SS-0012|safety_rules"}, "extra": {"租赁合同原件\n"}, "supply_by": {"2026-11-25"}})
	if status != http.StatusBadRequest {
		t.Fatalf("past supply-by: got %d, want 400", status)
	}
	mustContain(t, body, "补正期限不能早于今天")
	status, _ = b.post("/office/cases/"+cc+"/status", url.Values{"csrf": {token}, "status": {"correction"},
		"material": {"330000-SS-0012|safety_rules"}, "extra": {"租赁合同原件\n"}, "supply_by": {"2026-12-03"}})
	if status != http.StatusSeeOther {
		t.Fatalf("correction: got %d, want 303", status)
	}
	var got protocol.CaseStatus
	for _, it := range e.feed(t) {
		if it.Kind == protocol.FeedCaseStatus {
			json.Unmarshal(it.Payload, &got)
		}
	}
	want := []protocol.Supplement{{Matter: "330000-SS-0012", Material: "safety_rules", Name: "食品安全管理制度文本"}, {Name: "租赁合同原件"}}
	if got.Status != "correction" || got.SupplyBy != "2026-12-03" || got.By != "李审" || len(got.Supplements) != 2 ||
		got.Supplements[1] != want[1] || got.Supplements[0].Material != want[0].Material {
		t.Errorf("feed case.status: got %+v, want correction by 李审 supply 2026-12-03 with %+v", got, want)
	}
	rows := e.audit(t, county.AuditFilter{Action: "case.status"})
	if len(rows) != 1 || rows[0].Subject != cc || rows[0].StaffLogin != "lishen" {
		t.Errorf("case.status audit: got %+v", rows)
	}
	_, body = b.get("/office/cases/" + cc + "?done=status")
	mustContain(t, body, "已记录决定并发送到乡镇窗口", "2026-12-03", "租赁合同原件")
}

// The case list pages by key (issue 18): 下一页 continues after the last
// row shown and 上一页 goes back before the first, with the filter kept,
// so no page reads the rows before it.
func TestCaseListPagesByKey(t *testing.T) {
	e := newEnv(t)
	var cs []string // oldest first; the list is newest first
	for i := range office.PageSize + 2 {
		cs = append(cs, e.push(t, newSeed(fmt.Sprintf("申请人%d", i), time.Date(2026, 12, 10, 0, 0, 0, 0, t0.Location()))))
	}
	b := e.client(t)
	b.mustLogin("lishen")
	href := regexp.MustCompile(`<a href="([^"]+)">‹?\s*([^<]+?)\s*›?</a>`)
	links := func(body string) map[string]string {
		out := map[string]string{}
		for _, m := range href.FindAllStringSubmatch(body, -1) {
			out[m[2]] = html.UnescapeString(m[1])
		}
		return out
	}
	_, first := b.get("/office/cases?point=" + url.QueryEscape(countytest.TestPoint.Code))
	mustContain(t, first, cs[len(cs)-1], cs[2], "第 1 / 2 页")
	mustNotContain(t, first, cs[1]+"<", "上一页")
	next := links(first)["下一页"]
	if want := "after=" + cs[2]; !strings.Contains(next, want) || !strings.Contains(next, "point=") {
		t.Fatalf("next page link: got %q, want one with %q and the point filter", next, want)
	}
	_, second := b.get(next)
	mustContain(t, second, cs[1], cs[0], "第 2 / 2 页")
	mustNotContain(t, second, cs[2]+"<", "下一页")
	prev := links(second)["上一页"]
	if want := "before=" + cs[1]; !strings.Contains(prev, want) {
		t.Fatalf("previous page link: got %q, want one with %q", prev, want)
	}
	_, back := b.get(prev)
	mustContain(t, back, cs[len(cs)-1], cs[2], "第 1 / 2 页")
	mustNotContain(t, back, cs[1]+"<")
}
