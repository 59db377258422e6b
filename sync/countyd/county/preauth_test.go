package county_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// slowBody is a request body that sends head and then nothing until
// released: a client that announces 8 MiB and trickles it.
type slowBody struct {
	head    []byte
	release chan struct{}
}

func (b *slowBody) Read(p []byte) (int, error) {
	if len(b.head) > 0 {
		n := copy(p, b.head)
		b.head = b.head[n:]
		return n, nil
	}
	<-b.release
	return 0, io.EOF
}

// An unsigned request that declares its body's hash is refused from its
// headers: the county answers while the body is still on its way, so
// unsigned callers cannot make it hold their bodies (issue 15, item 3).
func TestUnsignedBodiesAreNotRead(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	defer close(release)
	body := &slowBody{head: bytes.Repeat([]byte("x"), 1024), release: release}
	req, _ := http.NewRequest("POST", e.c.URL+"/api/v1/events", body)
	req.ContentLength = protocol.MaxBody
	countytest.Sign(req, e.dev, "not-the-secret", bytes.Repeat([]byte("x"), 16), t0)
	done := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- -1
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	select {
	case status := <-done:
		if status != http.StatusUnauthorized {
			t.Errorf("a forged request: %d, want 401", status)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the county waited for the body of a request it could refuse from its headers")
	}
}

// A kiosk before 0.8 declares no hash, so its body is read first: only a
// bounded amount at once, the rest answered 429 with Retry-After at once.
func TestLegacyBodiesShareABoundedBudget(t *testing.T) {
	clock := countytest.NewClock(t0)
	c := countytest.Start(t, countytest.Options{Now: clock.Now, Limits: county.Limits{LegacyBodies: 1 << 20}})
	dev, secret := c.Enroll(t, countytest.TestPoint)
	release := make(chan struct{})
	first := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", c.URL+"/api/v1/events", &slowBody{head: []byte("{"), release: release})
		req.ContentLength = 1 << 20
		countytest.SignLegacy(req, dev, secret, nil, t0)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- -1
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	time.Sleep(300 * time.Millisecond) // the county is reading the first body
	select {
	case st := <-first:
		t.Fatalf("a trickled legacy body was answered %d before it was sent", st)
	default:
	}
	req, _ := http.NewRequest("POST", c.URL+"/api/v1/events", strings.NewReader(`{"events":[]}`))
	countytest.SignLegacy(req, dev, secret, []byte(`{"events":[]}`), t0)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a second legacy body while the budget is taken: %d, Retry-After %q; want 429 with it",
			resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	close(release)
	<-first
	// With the budget free again, a legacy kiosk is served.
	req, _ = http.NewRequest("POST", c.URL+"/api/v1/events", strings.NewReader(`{"events":[]}`))
	countytest.SignLegacy(req, dev, secret, []byte(`{"events":[]}`), t0)
	if status, b := send(t, req); status != http.StatusOK {
		t.Errorf("a legacy push afterwards: %d %s", status, b)
	}
}

// An unknown device and a known one with a wrong signature get the same
// answer: the caller learns nothing of which device ids exist.
func TestUnknownDeviceLooksLikeABadSignature(t *testing.T) {
	e := newEnv(t)
	answer := func(dev string) (int, string) {
		req, _ := http.NewRequest("GET", e.c.URL+"/api/v1/feed", nil)
		countytest.Sign(req, dev, "wrong", nil, t0)
		status, b := send(t, req)
		return status, string(b)
	}
	s1, b1 := answer(e.dev)
	s2, b2 := answer("d_" + strings.Repeat("0", 32))
	if s1 != s2 || b1 != b2 {
		t.Errorf("known device, bad signature: %d %s; unknown device: %d %s; want the same", s1, b1, s2, b2)
	}
}

// Failed signatures from one address, enrollment tries and one device's
// requests are each limited, with 429 and Retry-After.
func TestRateLimits(t *testing.T) {
	clock := countytest.NewClock(t0)
	c := countytest.Start(t, countytest.Options{Now: clock.Now, Limits: county.Limits{
		DeviceEvery: time.Hour, DeviceBurst: 5, FailuresEvery: time.Hour, FailuresBurst: 5, EnrollEvery: time.Hour, EnrollBurst: 3}})
	dev, secret := c.Enroll(t, countytest.TestPoint)
	get := func(dev, secret string) *http.Response {
		req, _ := http.NewRequest("GET", c.URL+"/api/v1/feed", nil)
		countytest.Sign(req, dev, secret, nil, t0)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i := range 5 {
		if r := get(dev, secret); r.StatusCode != 200 {
			t.Fatalf("request %d of the device's burst: %d", i+1, r.StatusCode)
		}
	}
	if r := get(dev, secret); r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Errorf("over the device's rate: %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	dev2, secret2 := c.Enroll(t, countytest.TestPoint)
	for i := range 5 {
		if r := get(dev2, "forged"); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("forgery %d: %d", i+1, r.StatusCode)
		}
	}
	if r := get(dev2, "forged"); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the address after 5 forgeries: %d, want 429", r.StatusCode)
	}
	if r := get(dev2, secret2); r.StatusCode != http.StatusOK {
		t.Errorf("a good request from the same address: %d, want 200 (forgeries there lock no kiosk out)", r.StatusCode)
	}

	enroll := func(body []byte) int {
		resp, err := http.Post(c.URL+"/api/v1/enroll", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	big, _ := json.Marshal(protocol.EnrollRequest{Code: "ABCD-EFGH-JKLM", Hostname: strings.Repeat("h", protocol.MaxEnrollBody)})
	if got := enroll(big); got != http.StatusRequestEntityTooLarge {
		t.Errorf("a %d-byte enrollment: %d, want 413", len(big), got)
	}
	guess, _ := json.Marshal(protocol.EnrollRequest{Code: "ABCD-EFGH-JKLM"})
	for range 2 {
		if got := enroll(guess); got != http.StatusForbidden {
			t.Fatalf("a wrong code: %d, want 403", got)
		}
	}
	if got := enroll(guess); got != http.StatusTooManyRequests {
		t.Errorf("the fourth enrollment try: %d, want 429", got)
	}
}

// A device enrolled with a key pair signs with it; the county holds only
// its public key. A device enrolled before 0.8 moves to a key pair with its
// secret, after which the secret no longer signs and is gone from the
// county's database. Secrets still held are sealed in the database file.
func TestDeviceKeys(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	body, _ := json.Marshal(protocol.EnrollRequest{Code: e.c.EnrollCode(t, countytest.TestPoint), Hostname: "h", PublicKey: protocol.EncodePublicKey(pub)})
	resp, err := http.Post(e.c.URL+"/api/v1/enroll", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var er protocol.EnrollResponse
	json.NewDecoder(resp.Body).Decode(&er)
	resp.Body.Close()
	if resp.StatusCode != 200 || er.Secret != "" || er.DeviceID == "" {
		t.Fatalf("enrollment with a key: %d %+v", resp.StatusCode, er)
	}
	feed := func(sign func(*http.Request)) int {
		req, _ := http.NewRequest("GET", e.c.URL+"/api/v1/feed", nil)
		sign(req)
		status, _ := send(t, req)
		return status
	}
	if got := feed(func(r *http.Request) { countytest.SignKey(r, er.DeviceID, key, nil, t0) }); got != 200 {
		t.Errorf("signed with the device's key: %d", got)
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	if got := feed(func(r *http.Request) { countytest.SignKey(r, er.DeviceID, other, nil, t0) }); got != 401 {
		t.Errorf("signed with another key: %d", got)
	}

	// The legacy device (e.dev) moves to a key.
	pub2, key2, _ := ed25519.GenerateKey(rand.Reader)
	rekey, _ := json.Marshal(protocol.RekeyRequest{PublicKey: protocol.EncodePublicKey(pub2)})
	if status, _, b := e.c.Do(t, e.dev, e.secret, "POST", "/api/v1/device/key", rekey, nil); status != http.StatusNoContent {
		t.Fatalf("rekey: %d %s", status, b)
	}
	if got := feed(func(r *http.Request) { countytest.Sign(r, e.dev, e.secret, nil, t0) }); got != 401 {
		t.Errorf("the old secret after the move: %d, want 401", got)
	}
	if got := feed(func(r *http.Request) { countytest.SignKey(r, e.dev, key2, nil, t0) }); got != 200 {
		t.Errorf("the new key: %d", got)
	}
	// A lost answer: the same request again, signed with the new key.
	req, _ := http.NewRequest("POST", e.c.URL+"/api/v1/device/key", bytes.NewReader(rekey))
	countytest.SignKey(req, e.dev, key2, rekey, t0)
	if status, b := send(t, req); status != http.StatusNoContent {
		t.Errorf("the move confirmed again: %d %s", status, b)
	}

	// The database file holds no usable credential: the moved device's
	// secret is gone, and a legacy device's secret is sealed.
	dev3, secret3 := e.c.Enroll(t, countytest.TestPoint)
	if _, err := e.c.Store.Device(ctx, dev3); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(e.c.Dir, "county.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored, gone string
	db.QueryRow(`SELECT secret FROM devices WHERE id = ?`, dev3).Scan(&stored)
	db.QueryRow(`SELECT secret FROM devices WHERE id = ?`, e.dev).Scan(&gone)
	if !strings.HasPrefix(stored, "v1:") || strings.Contains(stored, secret3) || gone != "" {
		t.Errorf("stored secrets: legacy %q (secret %q), moved %q", stored, secret3, gone)
	}
	e.c.Store.Close()
	for _, name := range []string{"county.db", "county.db-wal"} {
		raw, _ := os.ReadFile(filepath.Join(e.c.Dir, name))
		if bytes.Contains(raw, []byte(secret3)) || bytes.Contains(raw, []byte(e.secret)) {
			t.Errorf("%s holds a device secret in clear", name)
		}
	}
}
