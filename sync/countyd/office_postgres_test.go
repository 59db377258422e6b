package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// On PostgreSQL countyd serves the back office too, and a staff member
// signed in on one instance is signed in on every instance of the same
// database: sessions, their CSRF tokens and the audit trail are rows, not
// process memory.
func TestOfficeOnPostgres(t *testing.T) {
	dbURL := pgtest.Database(t)
	data := t.TempDir()
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("a-long-enough-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	countyd(t, "staff-add", "-data", data, "-database-url", dbURL, "-login", "admin", "-name", "张管理", "-role", "admin", "-password-file", pw)
	a := start(t, data, "-database-url", dbURL)
	b := start(t, data, "-database-url", dbURL)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(base, path string) (int, string) {
		t.Helper()
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	post := func(base, path string, form url.Values) (int, string) {
		t.Helper()
		resp, err := c.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	_, page := get(a.url, "/office/login")
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form on the login page:\n%s", page)
	}
	if status, body := post(a.url, "/office/login", url.Values{"csrf": {m[1]}, "login": {"admin"}, "password": {"a-long-enough-password"}}); status != http.StatusSeeOther {
		t.Fatalf("login on instance a: got %d, want 303\n%s", status, body)
	}
	// The next page comes from the other instance.
	status, page := get(b.url, "/office/fleet")
	if status != http.StatusOK {
		t.Fatalf("fleet on instance b: got %d, want 200\n%s", status, page)
	}
	m = csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form on the fleet page:\n%s", page)
	}
	if status, body := post(b.url, "/office/fleet/codes", url.Values{"csrf": {m[1]}, "point": {"330522101000"}, "name": {"洪桥镇便民服务中心"},
		"level": {"township"}}); status >= 400 {
		t.Fatalf("enrollment code on instance b: got %d\n%s", status, body)
	}
	if status, page := get(a.url, "/office/fleet"); status != http.StatusOK || !strings.Contains(page, "330522101000") {
		t.Errorf("fleet on instance a: got %d, want 200 listing the new code's point\n%s", status, page)
	}
	if status, page := get(a.url, "/office/audit"); status != http.StatusOK || !strings.Contains(page, "enroll.create") {
		t.Errorf("audit on instance a: got %d, want the code's row from instance b\n%s", status, page)
	}

	// A kiosk pushes a case to instance a; b lists it and shows it, a
	// decision made on b reaches the kiosk's feed once, and the cases
	// command reads it from the same database.
	code := strings.TrimSpace(countyd(t, "enroll-code", "-data", data, "-database-url", dbURL,
		"-point", "330522101000", "-name", "洪桥镇便民服务中心", "-level", "township"))
	k := enrollWith(t, a.url, code)
	id, tr := countytest.NewCase(countytest.TestPoint.Code)
	rs, err := k.push([]protocol.Event{caseEvent(id, tr, 1)})
	if err != nil || rs[0].Status != protocol.Applied {
		t.Fatalf("push: got %+v %v, want applied", rs, err)
	}
	cc := rs[0].CountyCase
	for _, q := range []string{"", "?point=330522101000", "?status=accepted", "?deadline=open", "?matter=no-such-matter"} {
		status, page := get(b.url, "/office/cases"+q)
		if listed := strings.Contains(page, cc); status != http.StatusOK || listed != (q != "?matter=no-such-matter") {
			t.Errorf("case list%s on instance b: got %d, listing %s %v\n%s", q, status, cc, listed, page)
		}
	}
	status, page = get(b.url, "/office/cases/"+cc)
	if status != http.StatusOK || !strings.Contains(page, cc) {
		t.Fatalf("case page on instance b: got %d, want 200 showing %s\n%s", status, cc, page)
	}
	m = csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form on the case page:\n%s", page)
	}
	if status, body := post(b.url, "/office/cases/"+cc+"/status", url.Values{"csrf": {m[1]}, "status": {"reviewing"}}); status != http.StatusSeeOther {
		t.Fatalf("decision on instance b: got %d, want 303\n%s", status, body)
	}
	_, body, err := k.do("GET", "/api/v1/feed?after=0", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var feed protocol.FeedResponse
	if err := json.Unmarshal(body, &feed); err != nil || len(feed.Items) != 1 || feed.Items[0].Kind != protocol.FeedCaseStatus {
		t.Errorf("kiosk feed after the decision: got %s (%v), want one case.status", body, err)
	}
	if list := countyd(t, "cases", "-data", data, "-database-url", dbURL, "-status", "reviewing"); !strings.Contains(list, cc) {
		t.Errorf("cases command on PostgreSQL lacks %s:\n%s", cc, list)
	}
}

// set-sms and notices take -database-url like serve.
func TestSMSCommandsOnPostgres(t *testing.T) {
	dbURL := pgtest.Database(t)
	data := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "sms.json")
	if err := os.WriteFile(cfg, []byte(`{"signature": "长兴县政务服务", "templates": {"case.denied": {"code": "SMS_100000005", "params": {"code": "tracking"}}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := countyd(t, "set-sms", "-data", data, "-database-url", dbURL, "-file", cfg); !strings.Contains(out, "signature 【长兴县政务服务】, 1 templates") {
		t.Errorf("set-sms: got %q", out)
	}
	if out := countyd(t, "notices", "-data", data, "-database-url", dbURL); !strings.HasPrefix(out, "CREATED") {
		t.Errorf("notices: got %q, want the table's header", out)
	}
}
