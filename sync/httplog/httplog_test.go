package httplog

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestServeLogsAndRecovers(t *testing.T) {
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		wantStatus int
		wantLog    []string
		notLog     []string
	}{
		{"an answer", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) },
			http.StatusTeapot, []string{"msg=test", "request_id=", "method=GET", "path=/x", "status=418", "who=dev1", "duration="}, []string{"panic"}},
		{"an implicit 200", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) },
			http.StatusOK, []string{"status=200"}, nil},
		{"a panic before answering", func(w http.ResponseWriter, r *http.Request) { panic("boom") },
			http.StatusServiceUnavailable, []string{"panic serving test", "panic=boom", "status=503"}, nil},
		{"a panic after answering keeps the answer", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			panic("late")
		}, http.StatusAccepted, []string{"panic=late", "status=202"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			rec := httptest.NewRecorder()
			Serve(log, "test", rec, httptest.NewRequest("GET", "/x?id=330522199003150024", nil), tt.handler,
				func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) },
				func() []any { return []any{"who", "dev1"} })
			if rec.Code != tt.wantStatus {
				t.Errorf("status: got %d, want %d", rec.Code, tt.wantStatus)
			}
			got := logs.String()
			for _, w := range tt.wantLog {
				if !strings.Contains(got, w) {
					t.Errorf("log lacks %q:\n%s", w, got)
				}
			}
			for _, w := range append(tt.notLog, "330522199003150024") { // never the query
				if strings.Contains(got, w) {
					t.Errorf("log has %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestAbortHandlerGoesOnUp(t *testing.T) {
	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler to pass through", p)
		}
	}()
	Serve(slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), "test", httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil),
		http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }), func(http.ResponseWriter) {}, nil)
}

// The hall's event stream flushes through the writer.
func TestWriterFlushes(t *testing.T) {
	rec := httptest.NewRecorder()
	w := &Writer{ResponseWriter: rec}
	w.Write([]byte("data: x\n\n"))
	w.Flush()
	if !rec.Flushed {
		t.Error("Flush did not reach the underlying writer")
	}
	if http.NewResponseController(w).Flush() != nil {
		t.Error("a ResponseController cannot flush through the writer")
	}
}
