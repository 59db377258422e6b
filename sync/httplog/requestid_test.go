package httplog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type seen struct {
	route  string
	status int
}

type recorder struct{ got []seen }

func (r *recorder) ObserveRequest(route string, status int, _ time.Duration) {
	r.got = append(r.got, seen{route, status})
}

// jsonLines decodes a NewJSON log.
func jsonLines(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(b)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestRequestIDEchoedAndLogged(t *testing.T) {
	long := strings.Repeat("a", 65)
	tests := []struct {
		name     string
		incoming string
		wantSame bool // the caller's id is kept
	}{
		{"the caller's id", "lb-7f3a.01_x", true},
		{"none given", "", false},
		{"too long", long, false},
		{"unsafe characters", "a b\"c", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := NewJSON(&logs, nil)
			mux := http.NewServeMux()
			mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
				// A handler's own line, logged with the request's context.
				log.ErrorContext(r.Context(), "store failed", "err", "boom")
				w.WriteHeader(http.StatusTeapot)
			})
			req := httptest.NewRequest("GET", "/items/42", nil)
			if tt.incoming != "" {
				req.Header.Set(HeaderRequestID, tt.incoming)
			}
			rec := httptest.NewRecorder()
			obs := &recorder{}
			Track(Handler(log, "request", mux, func(http.ResponseWriter) {}), obs).ServeHTTP(rec, req)

			id := rec.Header().Get(HeaderRequestID)
			if id == "" {
				t.Fatal("no X-Request-Id in the answer")
			}
			if got := id == tt.incoming; got != tt.wantSame {
				t.Errorf("kept the caller's id: got %v, want %v (id %q)", got, tt.wantSame, id)
			}
			lines := jsonLines(t, &logs)
			if len(lines) != 2 {
				t.Fatalf("got %d log lines, want 2 (the handler's and the request's):\n%s", len(lines), logs.String())
			}
			for _, l := range lines {
				if got := l["request_id"]; got != id {
					t.Errorf("line %q: request_id got %v, want %q", l["msg"], got, id)
				}
			}
			if got, want := obs.got, []seen{{"GET /items/{id}", http.StatusTeapot}}; len(got) != 1 || got[0] != want[0] {
				t.Errorf("observed: got %v, want %v (once, by the inner Serve, with the route not the path)", got, want)
			}
		})
	}
}

// A request no Serve handles (a probe on the outer mux) is counted by
// Track with the outer pattern.
func TestTrackObservesUnloggedRoutes(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
	obs := &recorder{}
	h := Track(mux, obs)
	for _, p := range []string{"/healthz", "/nothing"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	want := []seen{{"GET /healthz", 200}, {"unmatched", 404}}
	if len(obs.got) != len(want) || obs.got[0] != want[0] || obs.got[1] != want[1] {
		t.Errorf("observed: got %v, want %v", obs.got, want)
	}
}
