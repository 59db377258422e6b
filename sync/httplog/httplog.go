// Package httplog is how every HTTP server of the product (the county's API
// and back office, a hall's hub) logs its requests and survives a panic in
// a handler: one line per request with the method, the path, the status and
// the duration — paths carry no personal data by design, so none is logged
// — plus what the caller adds (the device, the staff login), and a 500 in
// the server's own format instead of a dropped connection.
package httplog

import (
	"log/slog"
	"net/http"
	"time"
)

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

// Serve runs next for r and logs it as msg with the caller's attrs, read
// after the handler ran (it may have learnt who the caller is). A panic is
// logged and answered by fail, unless the handler had already begun its
// answer; http.ErrAbortHandler goes on up as net/http expects.
func Serve(log *slog.Logger, msg string, w http.ResponseWriter, r *http.Request, next http.Handler,
	fail func(http.ResponseWriter), attrs func() []any) {
	start := time.Now()
	sw := &Writer{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			log.Error("panic serving "+msg, "method", r.Method, "path", r.URL.Path, "panic", p)
			if sw.Status == 0 {
				fail(sw)
			}
		}
		status := sw.Status
		if status == 0 {
			status = http.StatusOK
		}
		args := []any{"method", r.Method, "path", r.URL.Path, "status", status}
		if attrs != nil {
			args = append(args, attrs()...)
		}
		log.Info(msg, append(args, "duration", time.Since(start).Round(time.Microsecond))...)
	}()
	next.ServeHTTP(sw, r)
}

// Handler is Serve as middleware, for servers with nothing to add.
func Handler(log *slog.Logger, msg string, next http.Handler, fail func(http.ResponseWriter)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Serve(log, msg, w, r, next, fail, nil)
	})
}
