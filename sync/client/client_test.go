package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/protocol"
)

const secret = "s3cr3t-device-key"

// attempt is what the scripted county saw of one request.
type attempt struct {
	nonce, ts  string
	signedOK   bool
	ids        []string
	gzip       bool
	path       string
	retryAfter string
}

// scripted answers each attempt with the next status in its script and
// checks every signature the way countyd does.
type scripted struct {
	mu       sync.Mutex
	statuses []int
	seen     []attempt
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	a := attempt{nonce: r.Header.Get(protocol.HeaderNonce), ts: r.Header.Get(protocol.HeaderTimestamp), path: r.URL.RequestURI()}
	a.signedOK = r.Header.Get(protocol.HeaderDevice) == "d_1" && protocol.Verify(secret,
		protocol.Canonical(r.Method, r.URL.RequestURI(), a.ts, a.nonce, protocol.BodyHash(body)), r.Header.Get(protocol.HeaderSignature))
	plain := body
	if r.Header.Get("Content-Encoding") == "gzip" {
		a.gzip = true
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			plain, _ = io.ReadAll(zr)
		}
	}
	var req protocol.PushRequest
	json.Unmarshal(plain, &req)
	for _, e := range req.Events {
		a.ids = append(a.ids, e.ID)
	}
	s.mu.Lock()
	status := http.StatusOK
	if n := len(s.seen); n < len(s.statuses) {
		status = s.statuses[n]
	}
	s.seen = append(s.seen, a)
	s.mu.Unlock()
	if status != http.StatusOK {
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(protocol.ErrorBody{Error: protocol.Error{Code: fmt.Sprintf("code_%d", status), Message: "县中心维护中"}})
		return
	}
	res := protocol.PushResponse{ServerTime: time.Now()}
	for _, id := range a.ids {
		res.Results = append(res.Results, protocol.Result{ID: id, Status: protocol.Applied})
	}
	json.NewEncoder(w).Encode(res)
}

func newTestClient(t *testing.T, url string, opts Options) *Client {
	t.Helper()
	opts.RetryWaitMin, opts.RetryWaitMax = time.Millisecond, 5*time.Millisecond
	c, err := New(url, Credentials{DeviceID: "d_1", Secret: secret}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func events(n int) []protocol.Event {
	out := make([]protocol.Event, n)
	for i := range out {
		out[i] = protocol.Event{ID: fmt.Sprintf("ev-%d", i), Kind: "ticket.issued", Created: time.Now(), Payload: json.RawMessage(`{"doc":{}}`)}
	}
	return out
}

// A 503, a 429 and a 500 are retried; every attempt is signed afresh (new
// nonce) and carries the same event ids; the body is gzip when asked.
func TestPushRetriesReSignedWithTheSameEvents(t *testing.T) {
	srv := &scripted{statuses: []int{503, 429, 500}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := newTestClient(t, ts.URL, Options{Gzip: true})
	res, err := c.Push(context.Background(), events(3))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || res[2].ID != "ev-2" {
		t.Fatalf("results %+v", res)
	}
	if len(srv.seen) != 4 {
		t.Fatalf("%d attempts, want 4", len(srv.seen))
	}
	nonces := map[string]bool{}
	for i, a := range srv.seen {
		if !a.signedOK || !a.gzip || strings.Join(a.ids, ",") != "ev-0,ev-1,ev-2" {
			t.Errorf("attempt %d: signed %v gzip %v ids %v", i, a.signedOK, a.gzip, a.ids)
		}
		if nonces[a.nonce] {
			t.Errorf("attempt %d reused nonce %s", i, a.nonce)
		}
		nonces[a.nonce] = true
	}
}

// After the last retry the county's status, code and message survive.
func TestExhaustedRetriesKeepTheCountysAnswer(t *testing.T) {
	srv := &scripted{statuses: []int{502, 502, 502}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := newTestClient(t, ts.URL, Options{RetryMax: 2})
	_, err := c.Push(context.Background(), events(1))
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 502 || se.Code != "code_502" || se.Message != "县中心维护中" {
		t.Fatalf("error %v (%#v), want the county's 502 answer", err, se)
	}
	if len(srv.seen) != 3 {
		t.Errorf("%d attempts, want 3 (1 + 2 retries)", len(srv.seen))
	}
}

// A 4xx is not retried: it is the county's final word.
func TestClientErrorsAreNotRetried(t *testing.T) {
	srv := &scripted{statuses: []int{401}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := newTestClient(t, ts.URL, Options{})
	_, err := c.Push(context.Background(), events(1))
	if Code(err) != "code_401" || len(srv.seen) != 1 {
		t.Fatalf("err %v after %d attempts", err, len(srv.seen))
	}
}

// Retry log lines never carry a query string, a secret or a signature.
func TestRetryLogIsRedacted(t *testing.T) {
	srv := &scripted{statuses: []int{500}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	var lines []string
	c := newTestClient(t, ts.URL, Options{Log: func(level, m string, kv ...any) {
		lines = append(lines, fmt.Sprint(level, m, kv))
	}})
	// The scripted county fails the first attempt; only the log matters here.
	c.Feed(context.Background(), 41, 100)
	all := strings.Join(lines, "\n")
	for _, bad := range []string{"after=41", secret, "X-Yc-Signature"} {
		if strings.Contains(all, bad) {
			t.Errorf("log contains %q:\n%s", bad, all)
		}
	}
	if len(lines) == 0 {
		t.Error("a failed attempt was not logged at all")
	}
}

func TestJitteredBackoffHonoursRetryAfter(t *testing.T) {
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"7"}}}
	if got := jitteredBackoff(time.Second, time.Minute, 0, resp); got != 7*time.Second {
		t.Errorf("Retry-After 7: waited %v", got)
	}
	for attempt := 0; attempt < 10; attempt++ {
		got := jitteredBackoff(time.Second, time.Minute, attempt, nil)
		ceil := min(time.Second<<attempt, time.Minute)
		if got < ceil/2 || got > ceil {
			t.Errorf("attempt %d: %v outside [%v, %v]", attempt, got, ceil/2, ceil)
		}
	}
}
