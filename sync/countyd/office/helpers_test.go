package office_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/client"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/countyd/office"
	"github.com/yichuang/yichuang/sync/protocol"
)

// t0 is the county's clock: Thursday 26 November 2026, a working morning.
var t0 = time.Date(2026, 11, 26, 10, 30, 0, 0, workday.China)

const password = "Qingshan-2026!"

// env is a county center with the API and the back office on one
// loopback server (the handler countyd serves), one enrolled kiosk and
// staff accounts of each role.
type env struct {
	url    string
	st     *county.SQLite
	clock  *countytest.Clock
	dev    string
	secret string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	clock := countytest.NewClock(t0)
	st, err := county.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "county.db"), county.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	h := office.Mount(county.NewServer(st, county.Options{Now: clock.Now, Log: log}),
		office.New(st, office.Options{Now: clock.Now, Log: log}))
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	code, err := st.CreateEnrollCode(context.Background(), countytest.TestPoint)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := st.Enroll(context.Background(), code.Code, "hall-pc-1", "0.6.0")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{url: srv.URL, st: st, clock: clock, dev: dev.ID, secret: dev.Secret}
	for _, s := range []struct{ login, name, role string }{
		{"admin", "张管理", county.RoleAdmin},
		{"lishen", "李审", county.RoleReviewer},
		{"mulu", "王目录", county.RoleCatalogEditor},
	} {
		e.addStaff(t, s.login, s.name, s.role)
	}
	return e
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func (e *env) addStaff(t testing.TB, login, name, role string) {
	t.Helper()
	hash, err := clerks.Hash(password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.CreateStaff(context.Background(), county.Staff{Login: login, Name: name, Role: role}, hash); err != nil {
		t.Fatal(err)
	}
}

// signed sends a request as the kiosk, signed at the county's clock.
func (e *env) signed(t testing.TB, method, pathAndQuery string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+pathAndQuery, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	countytest.Sign(req, e.dev, e.secret, body, e.clock.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// seedCase is a case as the kiosk pushes it.
type seedCase struct {
	id, tracking string
	matters      []string
	materials    [][3]string // matter, material, state
	applicant    string
	idNumber     string
	mobile       string
	accepted     time.Time
	due          time.Time
	attachments  []map[string]any
}

func newSeed(applicant string, due time.Time) seedCase {
	id, tracking := countytest.NewCase(countytest.TestPoint.Code)
	return seedCase{
		id: id, tracking: tracking,
		matters: []string{"330000-SS-0001", "330000-SS-0012"},
		materials: [][3]string{
			{"330000-SS-0001", "id_card", "shared"}, {"330000-SS-0001", "application_form", "original"},
			{"330000-SS-0001", "premises_proof", "copy"}, {"330000-SS-0012", "business_license", "original"},
			{"330000-SS-0012", "layout", "commitment"}, {"330000-SS-0012", "safety_rules", "deferred"},
			{"330000-SS-0012", "health_certs", "original"},
		},
		applicant: applicant, idNumber: "330522199003070024", mobile: "13812341234",
		accepted: due.AddDate(0, 0, -7), due: due,
	}
}

func (s seedCase) doc() json.RawMessage {
	var mats []map[string]string
	for _, m := range s.materials {
		mats = append(mats, map[string]string{"matter": m[0], "material": m[1], "state": m[2]})
	}
	atts := s.attachments
	if atts == nil {
		atts = []map[string]any{}
	}
	doc := map[string]any{
		"id": s.id, "tracking": s.tracking, "service_point": countytest.TestPoint.Code, "status": "accepted",
		"bundle": "330000-YJS-001", "matters": s.matters,
		"applicant": map[string]any{"kind": "person", "name": s.applicant, "id_number": s.idNumber, "mobile": s.mobile},
		"fields": map[string]string{"business_scope": "早餐、面点的现场制售", "premises_address": "长兴县洪桥镇中心街18号",
			"applicant_id": s.idNumber, "mobile": s.mobile},
		"materials": mats, "attachments": atts, "decision": "accept",
		"accepted": s.accepted.Format(time.RFC3339), "due": s.due.Format(time.RFC3339),
		"clerk": map[string]any{"id": 3, "name": "王丽", "window": 2}, "catalog_version": "2026.11-demo",
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return b
}

// push sends the case as a signed case.accepted event through the API and
// returns its county case number.
func (e *env) push(t testing.TB, s seedCase) string {
	t.Helper()
	var cd protocol.CaseDoc
	if err := json.Unmarshal(s.doc(), &cd); err != nil {
		t.Fatal(err)
	}
	p, err := json.Marshal(protocol.CaseEvent{CaseID: s.id, Tracking: s.tracking, Version: 1, At: s.accepted,
		Actor: protocol.Actor{ID: 3, Name: "王丽", Window: 2}, Case: cd})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(protocol.PushRequest{Events: []protocol.Event{{ID: uuid.NewString(), Kind: "case.accepted", Created: s.accepted, Payload: p}}})
	status, b := e.signed(t, "POST", "/api/v1/events", body)
	if status != http.StatusOK {
		t.Fatalf("push: %d %s", status, b)
	}
	var resp protocol.PushResponse
	if err := json.Unmarshal(b, &resp); err != nil || len(resp.Results) != 1 || resp.Results[0].Status != protocol.Applied {
		t.Fatalf("push: %s", b)
	}
	return resp.Results[0].CountyCase
}

// feed returns the kiosk's feed as the kiosk pulls it.
// feed pulls the device's feed with the kiosk's own sync client, as a
// kiosk's round does.
func (e *env) feed(t testing.TB) []protocol.FeedItem {
	t.Helper()
	c, err := client.New(e.url, client.Credentials{DeviceID: e.dev, Secret: e.secret}, client.Options{Now: e.clock.Now, RetryMax: 1})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Feed(context.Background(), 0, protocol.MaxFeed)
	if err != nil {
		t.Fatalf("kiosk feed: %v", err)
	}
	return resp.Items
}

func (e *env) stats(t testing.TB) county.Stats {
	t.Helper()
	s, err := e.st.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *env) audit(t testing.TB, f county.AuditFilter) []county.AuditEntry {
	t.Helper()
	rows, _, err := e.st.AuditLog(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// browser is a plain HTTP client with cookies, for tests that need no
// rendering.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
}

func (e *env) client(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: e.url, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// csrf reads the form token of a page.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	status, body := b.get(path)
	m := csrfRE.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		b.t.Fatalf("GET %s: status %d, no csrf token in %.300s", path, status, body)
	}
	return m[1]
}

// login logs in and wants the redirect of a successful login.
func (b *browser) login(login, pw string) int {
	b.t.Helper()
	token := b.csrf("/office/login")
	status, _ := b.post("/office/login", url.Values{"csrf": {token}, "login": {login}, "password": {pw}})
	return status
}

func (b *browser) mustLogin(login string) {
	b.t.Helper()
	if status := b.login(login, password); status != http.StatusSeeOther {
		b.t.Fatalf("login %s: status %d, want %d", login, status, http.StatusSeeOther)
	}
}

func mustContain(t testing.TB, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page does not contain %q", w)
		}
	}
}

func mustNotContain(t testing.TB, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("page contains %q", b)
		}
	}
}

var _ = fmt.Sprintf
