package county_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

func send(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestRefusedRequestsStoreNothing(t *testing.T) {
	e := newEnv(t)
	revokedDev, revokedSecret := e.c.Enroll(t, countytest.TestPoint)
	if err := e.c.Store.RevokeDevice(context.Background(), revokedDev); err != nil {
		t.Fatal(err)
	}
	id, tr := newCase()
	body := pushBody(t, []protocol.Event{caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted")})
	events := func(n int) []byte {
		evs := make([]protocol.Event, n)
		for i := range evs {
			cid, ctr := newCase()
			evs[i] = caseEvent(cid, ctr, countytest.TestPoint.Code, 1, "case.accepted", "accepted")
		}
		return pushBody(t, evs)
	}
	// A gzip body that inflates past the limit, small on the wire.
	bomb := gzipped(t, append([]byte(`{"events":[],"pad":"`), bytes.Repeat([]byte("x"), protocol.MaxBody)...))

	type build func() *http.Request
	signedAt := func(dev, secret, method, target string, b []byte, at time.Time) *http.Request {
		req, _ := http.NewRequest(method, e.c.URL+target, bytes.NewReader(b))
		countytest.Sign(req, dev, secret, b, at)
		return req
	}
	push := func(b []byte) *http.Request { return signedAt(e.dev, e.secret, "POST", "/api/v1/events", b, t0) }
	replayed := push(body)
	replayBytes := body
	if status, b := send(t, replayed); status != 200 {
		t.Fatalf("original of the replay: %d %s", status, b)
	}

	tests := []struct {
		name   string
		req    build
		status int
		code   string
		// verified requests keep their nonce (and nothing else).
		verified bool
	}{
		{"unsigned", func() *http.Request {
			req, _ := http.NewRequest("POST", e.c.URL+"/api/v1/events", bytes.NewReader(body))
			return req
		}, 401, protocol.CodeUnauthorized, false},
		{"unknown device", func() *http.Request {
			return signedAt("d_00000000000000000000000000000000", e.secret, "POST", "/api/v1/events", body, t0)
		}, 401, protocol.CodeUnauthorized, false},
		{"wrong secret", func() *http.Request {
			return signedAt(e.dev, strings.Repeat("A", 43), "POST", "/api/v1/events", body, t0)
		}, 401, protocol.CodeUnauthorized, false},
		{"body tampered after signing", func() *http.Request {
			req := push(body)
			tampered := bytes.Replace(body, []byte(`"version":1`), []byte(`"version":9`), 1)
			req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(tampered)), int64(len(tampered))
			return req
		}, 401, protocol.CodeUnauthorized, false},
		{"query tampered after signing", func() *http.Request {
			req := signedAt(e.dev, e.secret, "GET", "/api/v1/feed?after=0", nil, t0)
			req.URL.RawQuery = "after=5"
			return req
		}, 401, protocol.CodeUnauthorized, false},
		{"short nonce", func() *http.Request {
			req := push(body)
			req.Header.Set(protocol.HeaderNonce, "abcd")
			return req
		}, 401, protocol.CodeUnauthorized, false},
		{"6 minutes slow", func() *http.Request {
			return signedAt(e.dev, e.secret, "POST", "/api/v1/events", body, t0.Add(-6*time.Minute))
		}, 401, protocol.CodeClockSkew, false},
		{"6 minutes fast", func() *http.Request {
			return signedAt(e.dev, e.secret, "POST", "/api/v1/events", body, t0.Add(6*time.Minute))
		}, 401, protocol.CodeClockSkew, false},
		{"replayed nonce", func() *http.Request {
			req, _ := http.NewRequest("POST", e.c.URL+"/api/v1/events", bytes.NewReader(replayBytes))
			req.Header = replayed.Header.Clone()
			return req
		}, 401, protocol.CodeReplayed, false},
		{"revoked device", func() *http.Request {
			return signedAt(revokedDev, revokedSecret, "POST", "/api/v1/events", body, t0)
		}, 401, protocol.CodeRevoked, false},
		{"over 8 MiB", func() *http.Request {
			big := append(body[:len(body)-2:len(body)-2], bytes.Repeat([]byte(" "), protocol.MaxBody)...)
			return push(append(big, "]}"...))
		}, 413, protocol.CodeTooLarge, false},
		{"gzip over 8 MiB inflated", func() *http.Request {
			req := push(bomb)
			req.Header.Set("Content-Encoding", "gzip")
			return req
		}, 413, protocol.CodeTooLarge, true},
		{"not gzip", func() *http.Request {
			req := push(body)
			req.Header.Set("Content-Encoding", "gzip")
			return req
		}, 400, protocol.CodeMalformed, true},
		{"malformed JSON", func() *http.Request { return push([]byte(`{"events": [`)) }, 400, protocol.CodeMalformed, true},
		{"events not a list", func() *http.Request { return push([]byte(`{"events": {}}`)) }, 400, protocol.CodeMalformed, true},
		{"event without id", func() *http.Request {
			return push([]byte(`{"events": [{"kind":"case.accepted","payload":{}}]}`))
		}, 400, protocol.CodeMalformed, true},
		{"501 events", func() *http.Request { return push(events(501)) }, 400, protocol.CodeMalformed, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.stats(t)
			status, b := send(t, tt.req())
			got := errorCode(t, b)
			if status != tt.status || got.Code != tt.code {
				t.Errorf("got %d %s (%s), want %d %s", status, got.Code, got.Message, tt.status, tt.code)
			}
			if tt.code == protocol.CodeClockSkew {
				if got.ServerTime == nil || !got.ServerTime.Equal(t0) {
					t.Errorf("server_time = %v, want %v", got.ServerTime, t0)
				}
			} else if got.ServerTime != nil {
				t.Errorf("server_time = %v on %s, want none", got.ServerTime, got.Code)
			}
			after := e.stats(t)
			if tt.verified {
				before.Nonces++
			}
			if after != before {
				t.Errorf("store changed: got %+v, want %+v", after, before)
			}
		})
	}
	// 500 events is the limit, not over it.
	if status, _, b := e.c.Do(t, e.dev, e.secret, "POST", "/api/v1/events", events(500), nil); status != 200 {
		t.Errorf("500 events: %d %s, want 200", status, b)
	}
}

func TestNonceWindow(t *testing.T) {
	e := newEnv(t)
	// A nonce is remembered for 10 minutes; its request's timestamp stops
	// being accepted after 5, so no replay window opens in between.
	req, _ := http.NewRequest("GET", e.c.URL+"/api/v1/feed", nil)
	countytest.Sign(req, e.dev, e.secret, nil, t0)
	if status, b := send(t, req); status != 200 {
		t.Fatalf("first: %d %s", status, b)
	}
	for _, step := range []struct {
		after time.Duration
		code  string
	}{{4 * time.Minute, protocol.CodeReplayed}, {6 * time.Minute, protocol.CodeClockSkew}, {11 * time.Minute, protocol.CodeClockSkew}} {
		e.clock.Set(t0.Add(step.after))
		// A signed request from the device moves nonce pruning along.
		e.c.Do(t, e.dev, e.secret, "GET", "/api/v1/feed", nil, nil)
		again, _ := http.NewRequest("GET", e.c.URL+"/api/v1/feed", nil)
		again.Header = req.Header.Clone()
		status, b := send(t, again)
		if got := errorCode(t, b).Code; status != 401 || got != step.code {
			t.Errorf("replay after %v: got %d %s, want 401 %s", step.after, status, got, step.code)
		}
	}
	// Those of +4, +6 and +11 minutes are kept; the first one is gone.
	if st := e.stats(t); st.Nonces != 3 {
		t.Errorf("nonces = %d after 11 minutes, want 3", st.Nonces)
	}
}

func TestUnknownPath(t *testing.T) {
	e := newEnv(t)
	status, _, b := e.c.Do(t, e.dev, e.secret, "GET", "/api/v1/cases", nil, nil)
	if got := errorCode(t, b).Code; status != 404 || got != protocol.CodeNotFound {
		t.Errorf("got %d %s, want 404 not_found", status, got)
	}
}
