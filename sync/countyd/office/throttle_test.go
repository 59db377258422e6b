package office

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
)

// TestHashGateKeepsRoomForStaff: anonymous tries get at most anonHashes of
// the loginHashes password checks at once; a browser with a device cookie
// still finds one.
func TestHashGateKeepsRoomForStaff(t *testing.T) {
	g := newLoginGuard(nil)
	g.wait, g.trustedWait = 10*time.Millisecond, 10*time.Millisecond
	var leaves []func()
	for i := range anonHashes {
		leave, ok := g.enterHash(false)
		if !ok {
			t.Fatalf("anonymous check %d of %d refused", i+1, anonHashes)
		}
		leaves = append(leaves, leave)
	}
	if _, ok := g.enterHash(false); ok {
		t.Fatalf("anonymous check %d let in", anonHashes+1)
	}
	leave, ok := g.enterHash(true)
	if !ok {
		t.Fatal("a browser with a device cookie found no room beside a full anonymous gate")
	}
	leaves = append(leaves, leave)
	if _, ok := g.enterHash(true); ok {
		t.Fatalf("check %d let in: more than %d argon2id at once", loginHashes+1, loginHashes)
	}
	for _, leave := range leaves {
		leave()
	}
	if g.all.InUse() != 0 || g.anon.InUse() != 0 {
		t.Errorf("after leaving: %d and %d in use", g.all.InUse(), g.anon.InUse())
	}
}

// TestLoginWhenHashGateIsFull: with the anonymous checks all taken, a try
// is answered 503 with Retry-After before any account is looked up or
// audited, and a browser that signed in before still signs in.
func TestLoginWhenHashGateIsFull(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 10, 30, 0, 0, workday.China)
	st, err := county.OpenSQLite(ctx, filepath.Join(t.TempDir(), "county.db"), county.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hash, _ := clerks.Hash("Qingshan-2026!")
	if _, err := st.CreateStaff(ctx, county.Staff{Login: "lishen", Name: "李审", Role: county.RoleReviewer}, hash); err != nil {
		t.Fatal(err)
	}
	o := New(st, Options{Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	o.guard.wait = 10 * time.Millisecond
	srv := httptest.NewServer(o)
	defer srv.Close()
	for range anonHashes {
		o.guard.anon.Enter(1, 0)
	}

	try := func(c *http.Client) *http.Response {
		t.Helper()
		resp, err := c.Get(srv.URL + "/office/login")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)[1]
		resp, err = c.PostForm(srv.URL+"/office/login", url.Values{"csrf": {string(token)}, "login": {"lishen"}, "password": {"Qingshan-2026!"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	newClient := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if resp := try(newClient()); resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("anonymous try at a full gate: got %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if rows, _, _ := st.AuditLog(ctx, county.AuditFilter{}); len(rows) != 0 {
		t.Errorf("a try refused at the gate wrote %d audit rows", len(rows))
	}
	desk := newClient()
	u, _ := url.Parse(srv.URL + "/office/")
	desk.Jar.SetCookies(u, []*http.Cookie{{Name: o.guard.deviceCookieName("lishen"), Value: o.guard.newDeviceCookie("lishen", now), Path: "/office/"}})
	if resp := try(desk); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a browser that signed in before, at a full anonymous gate: got %d, want 303", resp.StatusCode)
	}
}

// TestDeviceCookie: a device cookie vouches for one login, as issued by
// this server, for DeviceCookieLife.
func TestDeviceCookie(t *testing.T) {
	g := newLoginGuard([]byte("county key"))
	now := time.Date(2026, 11, 26, 10, 30, 0, 0, workday.China)
	value := g.newDeviceCookie("lishen", now)
	tests := []struct {
		name, login, cookie, value string
		at                         time.Time
		want                       bool
	}{
		{"as issued", "lishen", g.deviceCookieName("lishen"), value, now, true},
		{"near the end of its life", "lishen", g.deviceCookieName("lishen"), value, now.Add(DeviceCookieLife), true},
		{"past its life", "lishen", g.deviceCookieName("lishen"), value, now.Add(DeviceCookieLife + time.Second), false},
		{"for another login", "admin", g.deviceCookieName("admin"), value, now, false},
		{"another server's", "lishen", g.deviceCookieName("lishen"), newLoginGuard([]byte("other key")).newDeviceCookie("lishen", now), now, false},
		{"younger than it is", "lishen", g.deviceCookieName("lishen"), "v1.9999999999" + value[len("v1.1795661000"):], now, false},
		{"garbage", "lishen", g.deviceCookieName("lishen"), "v1.x.y.z", now, false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/office/login", nil)
		r.AddCookie(&http.Cookie{Name: tt.cookie, Value: tt.value})
		if got := g.deviceID(r, tt.login, tt.at) != ""; got != tt.want {
			t.Errorf("%s: trusted %v, want %v", tt.name, got, tt.want)
		}
	}
	if g.deviceCookieName("lishen") == g.deviceCookieName("admin") {
		t.Error("two accounts share a device cookie name")
	}
}
