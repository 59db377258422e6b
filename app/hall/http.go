package hall

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/yichuang/yichuang/app/msg"
)

// RequestHeader carries a terminal's id for one logical request. The hub
// answers a repeat of it (a retry after a lost answer) with the first
// answer instead of acting twice.
const RequestHeader = "X-Request-ID"

// wireError is an error as it travels: a message template and its data, so
// the terminal shows it in its own language.
type wireError struct {
	Key     string         `json:"key,omitempty"`
	Data    map[string]any `json:"data,omitempty"`
	Message string         `json:"message"`
}

// Handler serves a Service on the hall's LAN. It checks nobody: the hub
// serves it behind hallnet.Authorize, over TLS, to paired machines only, so
// a laptop plugged into the hall's switch cannot call numbers or read who
// is waiting.
func Handler(svc Service) http.Handler {
	h := &handler{svc: svc, seen: map[string]*answer{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/tickets", h.once(func(r *http.Request) (any, error) {
		var req TicketRequest
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return svc.IssueTicket(r.Context(), req)
	}))
	mux.HandleFunc("POST /api/checkin", h.once(func(r *http.Request) (any, error) {
		var req struct {
			RequestID string `json:"request_id"`
			Code      string `json:"code"`
		}
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return svc.CheckIn(r.Context(), req.RequestID, req.Code)
	}))
	mux.HandleFunc("POST /api/bookings", h.once(func(r *http.Request) (any, error) {
		var req BookRequest
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return svc.Book(r.Context(), req)
	}))
	mux.HandleFunc("POST /api/bookings/find", h.answer(func(r *http.Request) (any, error) {
		var req struct {
			Code       string `json:"code"`
			ResidentID string `json:"resident_id"`
		}
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return svc.FindBooking(r.Context(), req.Code, req.ResidentID)
	}))
	mux.HandleFunc("POST /api/bookings/cancel", h.once(func(r *http.Request) (any, error) {
		var req struct {
			Code       string `json:"code"`
			ResidentID string `json:"resident_id"`
		}
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return svc.CancelBooking(r.Context(), req.Code, req.ResidentID)
	}))
	mux.HandleFunc("GET /api/slots", h.answer(func(r *http.Request) (any, error) {
		return svc.FreeSlots(r.Context(), r.URL.Query().Get("sector"))
	}))
	mux.HandleFunc("POST /api/counters/open", h.once(func(r *http.Request) (any, error) {
		var c Counter
		if err := decode(r, &c); err != nil {
			return nil, err
		}
		return struct{}{}, svc.OpenCounter(r.Context(), c)
	}))
	mux.HandleFunc("POST /api/counters/close", h.once(func(r *http.Request) (any, error) {
		var c Counter
		if err := decode(r, &c); err != nil {
			return nil, err
		}
		return struct{}{}, svc.CloseCounter(r.Context(), c.Window)
	}))
	mux.HandleFunc("POST /api/counters/call", h.once(func(r *http.Request) (any, error) {
		var c Counter
		if err := decode(r, &c); err != nil {
			return nil, err
		}
		return svc.CallNext(r.Context(), r.Header.Get(RequestHeader), c.Window)
	}))
	mux.HandleFunc("POST /api/counters/act", h.once(func(r *http.Request) (any, error) {
		var req ActRequest
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return svc.Act(r.Context(), req)
	}))
	// A read only: older counters never call it, and it refuses nothing
	// they send.
	mux.HandleFunc("GET /api/counters/{window}", h.answer(func(r *http.Request) (any, error) {
		window, err := strconv.Atoi(r.PathValue("window"))
		if err != nil || window <= 0 {
			return nil, fmt.Errorf("bad window %q", r.PathValue("window"))
		}
		return svc.CounterState(r.Context(), window)
	}))
	mux.HandleFunc("GET /api/board", h.answer(func(r *http.Request) (any, error) { return svc.Board(r.Context()) }))
	mux.HandleFunc("GET /api/stats", h.answer(func(r *http.Request) (any, error) { return svc.Stats(r.Context()) }))
	mux.HandleFunc("GET /api/events", h.events)
	return mux
}

type handler struct {
	svc  Service
	mu   sync.Mutex
	seen map[string]*answer
}

// answer is a finished (or in-flight) request's response, kept for repeats.
type answer struct {
	done   chan struct{}
	status int
	body   []byte
	at     time.Time
}

func (h *handler) answer(fn func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		status, body := run(fn, r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}
}

// once runs a state-changing request at most once per request id.
func (h *handler) once(fn func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestHeader)
		if id == "" {
			writeJSON(w, http.StatusBadRequest, wireError{Message: "missing " + RequestHeader})
			return
		}
		h.mu.Lock()
		a, repeat := h.seen[id]
		if !repeat {
			a = &answer{done: make(chan struct{}), at: time.Now()}
			h.seen[id] = a
			for k, old := range h.seen { // forget answers older than ten minutes
				if time.Since(old.at) > 10*time.Minute {
					delete(h.seen, k)
				}
			}
		}
		h.mu.Unlock()
		if !repeat {
			a.status, a.body = run(fn, r)
			close(a.done)
		} else {
			select {
			case <-a.done:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		w.Write(a.body)
	}
}

func run(fn func(*http.Request) (any, error), r *http.Request) (int, []byte) {
	v, err := fn(r)
	if err != nil {
		we := wireError{Message: err.Error()}
		status := http.StatusInternalServerError
		if m, ok := msg.As(err); ok {
			we.Key, we.Data, status = m.Key, m.Data, http.StatusUnprocessableEntity
		} else {
			log.Printf("hall api %s: %v", r.URL.Path, err) // no request body: it may hold ID numbers
		}
		b, _ := json.Marshal(we)
		return status, b
	}
	b, err := json.Marshal(v)
	if err != nil {
		return http.StatusInternalServerError, []byte(`{"message":"encode"}`)
	}
	return http.StatusOK, b
}

func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad request body: %w", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// KeepAlive is how often the event stream says it is alive when nothing
// happens: machines count the hub gone after three silent beats.
const KeepAlive = 4 * time.Second

// events streams board changes as server-sent events.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeJSON(w, http.StatusInternalServerError, wireError{Message: "streaming unsupported"})
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ch, err := h.svc.Subscribe(ctx)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, wireError{Message: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK) // Subscribe starts with the current board
	fl.Flush()
	beat := time.NewTicker(KeepAlive)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-ch:
			if !ok {
				return
			}
			writeEvent(w, ev)
			fl.Flush()
		case <-beat.C:
			fmt.Fprint(w, ": keep-alive\n\n") // keeps NAT and proxies from closing the stream
			fl.Flush()
		}
	}
}

func writeEvent(w http.ResponseWriter, ev Event) {
	b, _ := json.Marshal(ev)
	fmt.Fprintf(w, "data: %s\n\n", b)
}
