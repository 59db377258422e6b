package office_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/office"
)

// TestSecurityHeaders: every kind of office answer (a page, the login
// form, a redirect, the stylesheet, an error) carries the headers that
// keep it out of caches, frames, other sites' windows and content
// sniffing.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	b := e.client(t)
	b.mustLogin("admin")
	want := map[string]string{
		"Cache-Control":                "no-store",
		"X-Content-Type-Options":       "nosniff",
		"X-Frame-Options":              "DENY",
		"Referrer-Policy":              "same-origin",
		"Content-Security-Policy":      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
		"Permissions-Policy":           "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
	}
	for _, path := range []string{"/office/cases", "/office/audit", "/office/login", "/office/", "/office/no-such-page", "/office/static/office.css"} {
		resp, err := b.c.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for k, v := range want {
			if k == "Cache-Control" && path == "/office/static/office.css" {
				v = "public, max-age=3600" // nothing personal in it
			}
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s %s: got %q, want %q", path, k, got, v)
			}
		}
		// Plain HTTP on loopback: no HSTS (browsers would ignore it, and
		// it would say something untrue).
		if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s over plain HTTP: Strict-Transport-Security %q", path, got)
		}
	}
}

// TestHSTS: over TLS, or behind a TLS proxy countyd was told about, every
// answer carries Strict-Transport-Security, the API's and the redirect
// from / too; a client's X-Forwarded-Proto is not believed.
func TestHSTS(t *testing.T) {
	st, err := county.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "county.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	handler := func(secure bool) http.Handler {
		return office.Mount(county.NewServer(st, county.Options{Log: log}), office.New(st, office.Options{Log: log, SecureCookies: secure}))
	}
	tlsSrv := httptest.NewTLSServer(handler(false))
	defer tlsSrv.Close()
	proxied := httptest.NewServer(handler(true))
	defer proxied.Close()
	plain := httptest.NewServer(handler(false))
	defer plain.Close()
	tests := []struct {
		name string
		c    *http.Client
		url  string
		want string
	}{
		{"TLS, login", tlsSrv.Client(), tlsSrv.URL + "/office/login", office.HSTSValue},
		{"TLS, root redirect", tlsSrv.Client(), tlsSrv.URL + "/", office.HSTSValue},
		{"TLS, API", tlsSrv.Client(), tlsSrv.URL + "/api/v1/feed", office.HSTSValue},
		{"behind a TLS proxy", proxied.Client(), proxied.URL + "/office/login", office.HSTSValue},
		{"plain HTTP", plain.Client(), plain.URL + "/office/login", ""},
		{"plain HTTP, X-Forwarded-Proto", plain.Client(), plain.URL + "/office/login", ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", tt.url, nil)
		req.Header.Set("X-Forwarded-Proto", "https")
		tt.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := tt.c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Strict-Transport-Security"); got != tt.want {
			t.Errorf("%s: Strict-Transport-Security %q, want %q", tt.name, got, tt.want)
		}
	}
}
