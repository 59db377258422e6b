package hallnet

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func hubServer(t *testing.T) (*httptest.Server, Identity, string) {
	t.Helper()
	id, err := NewIdentity("洪桥镇", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	fp, err := id.Fingerprint()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ServerConfig(id)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hub") }))
	srv.TLS = cfg
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, id, fp
}

func get(t *testing.T, url string, cfg *tls.Config) (string, error) {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: cfg}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), nil
}

func TestPinnedConfigTrustsOnlyThePairedHub(t *testing.T) {
	srv, _, fp := hubServer(t)
	if body, err := get(t, srv.URL, PinnedConfig(fp)); err != nil || body != "hub" {
		t.Fatalf("pinned to the hub: %q, %v", body, err)
	}
	other, _, otherFP := hubServer(t)
	if _, err := get(t, other.URL, PinnedConfig(fp)); err == nil || !errors.Is(err, ErrPin) && !strings.Contains(err.Error(), ErrPin.Error()) {
		t.Errorf("another machine posing as the hub: %v, want the pin to refuse it", err)
	}
	if fp == otherFP {
		t.Fatal("two hubs got the same certificate")
	}
}

func TestPairingCodeFindsTheHubAndCarriesTheSecret(t *testing.T) {
	srv, _, fp := hubServer(t)
	code, c, err := NewCode(fp)
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 24 || strings.Count(code, "-") != 4 {
		t.Fatalf("code %q: want five groups of four", code)
	}
	typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
	got, err := ParseCode(typed)
	if err != nil || got != c {
		t.Fatalf("ParseCode(%q) = %+v, %v; want %+v", typed, got, err, c)
	}
	var seen string
	if body, err := get(t, srv.URL, PairingConfig(got, &seen)); err != nil || body != "hub" || seen != fp {
		t.Fatalf("pairing connection: %q, %v, saw %s want %s", body, err, seen, fp)
	}
	other, _, _ := hubServer(t)
	seen = ""
	if _, err := get(t, other.URL, PairingConfig(got, &seen)); err == nil || seen != "" {
		t.Errorf("a machine that is not the code's hub was accepted (saw %q, %v)", seen, err)
	}
}

func TestParseCodeCatchesTypos(t *testing.T) {
	code, _, err := NewCode(strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	raw := strings.ReplaceAll(code, "-", "")
	mistakes := 0
	for i := 0; i < len(raw); i++ {
		for _, r := range alphabet {
			if byte(r) == raw[i] || (raw[i] == '0' && r == 'Z') || (raw[i] == 'Z' && r == '0') {
				continue
			}
			bad := raw[:i] + string(r) + raw[i+1:]
			if _, err := ParseCode(bad); !errors.Is(err, ErrCode) {
				t.Errorf("%s (symbol %d changed) read as a good code", bad, i)
			}
			mistakes++
		}
	}
	if mistakes < 500 {
		t.Fatalf("tried only %d mistakes", mistakes)
	}
	for _, bad := range []string{"", "ABCD", raw + "0", "ÄBCD-" + raw[4:]} {
		if _, err := ParseCode(bad); !errors.Is(err, ErrCode) {
			t.Errorf("ParseCode(%q) = %v, want ErrCode", bad, err)
		}
	}
	// O for 0 and I or L for 1 are what people type.
	lenient := strings.NewReplacer("0", "o", "1", "l").Replace(raw)
	if _, err := ParseCode(lenient); err != nil {
		t.Errorf("ParseCode(%q) = %v", lenient, err)
	}
}

func TestTokensAndBearer(t *testing.T) {
	a, _ := NewToken()
	b, _ := NewToken()
	if a == b || len(a) < 40 {
		t.Fatalf("tokens %q %q", a, b)
	}
	if HashSecret(a) == HashSecret(b) || len(HashSecret(a)) != 64 {
		t.Error("hashes collide or are not SHA-256 hex")
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+a)
	if Bearer(r) != a {
		t.Errorf("Bearer = %q", Bearer(r))
	}
	r.Header.Set("Authorization", "Basic xyz")
	if Bearer(r) != "" {
		t.Error("a Basic header read as a bearer token")
	}
}
