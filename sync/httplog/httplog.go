// Package httplog is how every HTTP server of the product (the county's API
// and back office, a hall's hub) logs its requests and survives a panic in
// a handler: one line per request with its request id, the method, the
// path, the status and the duration — paths carry no personal data by
// design, so none is logged — plus what the caller adds (the device, the
// staff login), and a 500 in the server's own format instead of a dropped
// connection.
//
// The request id comes from the caller's X-Request-Id when it is a short
// token (a proxy in front sets one), else it is made here; it is echoed in
// the answer's X-Request-Id and, through the request's context, in every
// line a handler logs with a logger from NewJSON. An Observer put in the
// context by Track is told each request's route, status and duration
// (countyd's metrics), so one middleware both logs and counts.
package httplog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// HeaderRequestID carries the request id both ways.
const HeaderRequestID = "X-Request-Id"

// Writer remembers the status a handler answered with.
type Writer struct {
	http.ResponseWriter
	Status int // 0 until the handler wrote something
}

// WriteHeader records the first status.
func (w *Writer) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (w *Writer) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes a streaming answer's flush on (the hall's event stream).
func (w *Writer) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Observer is told of every request once it is answered. route is the
// pattern that served it ("POST /api/v1/events"), never the path, so a
// counter by route stays a few dozen series whatever callers send.
type Observer interface {
	ObserveRequest(route string, status int, d time.Duration)
}

// state is one request's id and, when Track runs outside, its observer.
type state struct {
	id       string
	obs      Observer
	observed bool // an inner Serve has told obs
}

type stateKey struct{}

func stateOf(ctx context.Context) *state {
	s, _ := ctx.Value(stateKey{}).(*state)
	return s
}

// RequestID is the id of the request ctx belongs to ("" outside one).
func RequestID(ctx context.Context) string {
	if s := stateOf(ctx); s != nil {
		return s.id
	}
	return ""
}

// requestID is the caller's id when it is a short token of safe
// characters (it goes into log lines and a header), else a new one.
func requestID(r *http.Request) string {
	if id := r.Header.Get(HeaderRequestID); id != "" && len(id) <= 64 && safeToken(id) {
		return id
	}
	b := make([]byte, 12)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b)
}

func safeToken(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// begin gives r its request state: the one an outer Track made, or a new
// one; the id is echoed in the answer.
func begin(w http.ResponseWriter, r *http.Request) (*state, *http.Request) {
	s := stateOf(r.Context())
	if s == nil {
		s = &state{id: requestID(r)}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, s))
	}
	w.Header().Set(HeaderRequestID, s.id)
	return s, r
}

// route is the pattern that matched r, after a ServeMux served it.
func route(r *http.Request) string {
	if r.Pattern == "" {
		return "unmatched"
	}
	return r.Pattern
}

// Serve runs next for r and logs it as msg with the caller's attrs, read
// after the handler ran (it may have learnt who the caller is). A panic is
// logged and answered by fail, unless the handler had already begun its
// answer; http.ErrAbortHandler goes on up as net/http expects.
func Serve(log *slog.Logger, msg string, w http.ResponseWriter, r *http.Request, next http.Handler,
	fail func(http.ResponseWriter), attrs func() []any) {
	start := time.Now()
	st, r := begin(w, r)
	sw := &Writer{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			log.Error("panic serving "+msg, "request_id", st.id, "method", r.Method, "path", r.URL.Path, "panic", p)
			if sw.Status == 0 {
				fail(sw)
			}
		}
		status := sw.Status
		if status == 0 {
			status = http.StatusOK
		}
		d := time.Since(start)
		if st.obs != nil && !st.observed {
			st.observed = true
			st.obs.ObserveRequest(route(r), status, d)
		}
		// The id is written here, not by NewJSON's handler: this line is
		// logged without the request's context (ctx-free Info), so a
		// logger of any kind gets it once.
		args := []any{"request_id", st.id, "method", r.Method, "path", r.URL.Path, "status", status}
		if attrs != nil {
			args = append(args, attrs()...)
		}
		log.Info(msg, append(args, "duration", d.Round(time.Microsecond))...)
	}()
	// r is the request the mux in next sets Pattern on (the same pointer).
	next.ServeHTTP(sw, r)
}

// Handler is Serve as middleware, for servers with nothing to add.
func Handler(log *slog.Logger, msg string, next http.Handler, fail func(http.ResponseWriter)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Serve(log, msg, w, r, next, fail, nil)
	})
}

// Track is the outermost layer of a server whose requests are counted:
// it gives each request its id and obs, which the Serve inside tells (it
// knows the inner route); a request no Serve handled (a probe, /metrics)
// is told here with next's own pattern.
func Track(next http.Handler, obs Observer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := &state{id: requestID(r), obs: obs}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		w.Header().Set(HeaderRequestID, st.id)
		sw := &Writer{ResponseWriter: w}
		defer func() {
			if st.observed {
				return
			}
			st.observed = true
			status := sw.Status
			if status == 0 {
				status = http.StatusOK
			}
			obs.ObserveRequest(route(r), status, time.Since(start))
		}()
		next.ServeHTTP(sw, r)
	})
}

// NewJSON is the servers' logger: one JSON object a line, and every line
// logged with a request's context (log.ErrorContext(r.Context(), …))
// carries that request's id.
func NewJSON(w io.Writer, opts *slog.HandlerOptions) *slog.Logger {
	return slog.New(idHandler{slog.NewJSONHandler(w, opts)})
}

// idHandler adds request_id from the record's context.
type idHandler struct{ slog.Handler }

func (h idHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h idHandler) WithAttrs(as []slog.Attr) slog.Handler { return idHandler{h.Handler.WithAttrs(as)} }
func (h idHandler) WithGroup(name string) slog.Handler    { return idHandler{h.Handler.WithGroup(name)} }
