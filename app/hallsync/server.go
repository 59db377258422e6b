// Package hallsync makes the machines of one hall act as one
// (docs/hall-network.md). The Server runs on the hub: it pairs machines,
// takes the events they push, serves the hall's log to follow, keeps and
// hands out their scans, signs clerks in for the whole hall and serves the
// queue — all over TLS to paired machines only. The Replicator runs on
// every other machine: it pushes what the machine did, follows the hub's
// log, and says whether the hub is there.
package hallsync

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/yichuang/yichuang/sync/httplog"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yichuang/yichuang/app/blobs"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/hallnet"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/sync/protocol"
	"github.com/yichuang/yichuang/sync/ratelimit"
)

// HubStore is what the hub's server needs from its database.
type HubStore interface {
	HallAccept(ctx context.Context, machine string, push protocol.HallPush) ([]protocol.HallResult, error)
	HallLog(ctx context.Context, after int64, limit int) ([]protocol.HallItem, bool, error)
	HallEpoch(ctx context.Context) (string, error)
	MachineByToken(ctx context.Context, tokenHash string) (store.HallMachine, error)
	Pair(ctx context.Context, machineID, secretHash string, device int, name, tokenHash string) ([]byte, error)
	MachineUnlockKey(ctx context.Context, machineID string) ([]byte, error)
	TouchMachine(ctx context.Context, id string) error
	ServicePoint(ctx context.Context) (servicepoint.ServicePoint, bool, error)
	MachineID(ctx context.Context) (string, error)
	Authenticate(ctx context.Context, login, secret string) (clerks.Account, error)
	AccountState(ctx context.Context, id int64) (protocol.HallAccountState, error)
	CreateAccount(ctx context.Context, actor clerks.Account, a clerks.Account, secret string) (clerks.Account, error)
	ChangeAccount(ctx context.Context, actor clerks.Account, c clerks.Change) (clerks.Account, error)
}

var _ HubStore = (*store.DB)(nil)

// Server is the hub's side of the hall.
type Server struct {
	Store    HubStore
	Identity hallnet.Identity
	// Queue serves the hall's queue (hall.Handler) to paired machines.
	Queue http.Handler
	// Blobs is where the hub keeps scans (its own, and those machines
	// give it for the others).
	Blobs blobs.Store
	// MaxWait caps a log request's wait for new items [25 s].
	MaxWait time.Duration

	mu   sync.Mutex
	wake chan struct{}
	// seen is when each machine's contact was last written, so a busy
	// machine does not write its last-seen on every request.
	seen map[string]time.Time
	pair *pairLimiter
}

// Notify wakes the machines waiting on the hub's log: it grew (a push, or
// an action on the hub itself). The store calls it after each commit that
// added to the log.
func (s *Server) Notify() {
	s.mu.Lock()
	if s.wake != nil {
		close(s.wake)
	}
	s.wake = make(chan struct{})
	s.mu.Unlock()
}

func (s *Server) waiter() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wake == nil {
		s.wake = make(chan struct{})
	}
	return s.wake
}

// Handler serves the hall: /hall/v1/ (sync) and /api/ (the queue).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	if s.pair == nil {
		s.pair = newPairLimiter()
	}
	mux.HandleFunc("POST /hall/v1/pair", s.handlePair)
	auth := http.NewServeMux()
	auth.HandleFunc("POST /hall/v1/events", s.handlePush)
	auth.HandleFunc("GET /hall/v1/log", s.handleLog)
	auth.HandleFunc("POST /hall/v1/login", s.handleLogin)
	auth.HandleFunc("POST /hall/v1/accounts", s.handleNewAccount)
	auth.HandleFunc("POST /hall/v1/accounts/change", s.handleChangeAccount)
	auth.HandleFunc("PUT /hall/v1/blobs/{sha}", s.handlePutBlob)
	auth.HandleFunc("GET /hall/v1/blobs/{sha}", s.handleGetBlob)
	auth.HandleFunc("GET /hall/v1/unlock", s.handleUnlock)
	if s.Queue != nil {
		auth.Handle("/api/", s.Queue)
	}
	mux.Handle("/", hallnet.Authorize(s.check, auth))
	// Logged and kept alive through a handler's panic as the county's
	// servers are (sync/httplog); paths hold no personal data.
	return httplog.Handler(slog.Default(), "hall", versionCheck(mux), func(w http.ResponseWriter) {
		writeError(w, http.StatusInternalServerError, protocol.HallError{Code: "internal", Message: "internal error on the hub, retry later"})
	})
}

// versionCheck refuses a machine that speaks a newer hall protocol: its
// hub must be upgraded first (a hub reads what older machines send).
func versionCheck(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v, err := strconv.Atoi(r.Header.Get(protocol.HeaderHallVersion)); err == nil && v > protocol.HallVersion {
			writeError(w, http.StatusUpgradeRequired, protocol.HallError{Code: hallnet.CodeUpgrade,
				Message: fmt.Sprintf("hall protocol %d: this hub speaks %d; upgrade the hub first", v, protocol.HallVersion)})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// check finds the machine a token belongs to.
func (s *Server) check(ctx context.Context, token string) (string, string) {
	m, err := s.Store.MachineByToken(ctx, hallnet.HashSecret(token))
	switch {
	case errors.Is(err, store.ErrMachineGone):
		return "", hallnet.CodeRemoved
	case err != nil:
		return "", hallnet.CodeUnauthorized
	}
	s.mu.Lock()
	if s.seen == nil {
		s.seen = map[string]time.Time{}
	}
	stale := time.Since(s.seen[m.ID]) > 30*time.Second
	if stale {
		s.seen[m.ID] = time.Now()
	}
	s.mu.Unlock()
	if stale {
		if err := s.Store.TouchMachine(ctx, m.ID); err != nil {
			log.Printf("hall: record contact: %v", err)
		}
	}
	return m.ID, ""
}

const maxPush = 8 << 20

func (s *Server) handlePush(w http.ResponseWriter, r *http.Request) {
	var push protocol.HallPush
	if err := decode(r, maxPush, &push); err != nil {
		writeError(w, http.StatusBadRequest, protocol.HallError{Code: protocol.CodeMalformed, Message: err.Error()})
		return
	}
	if len(push.Events) > protocol.MaxBatch {
		writeError(w, http.StatusBadRequest, protocol.HallError{Code: protocol.CodeMalformed, Message: "too many events"})
		return
	}
	results, err := s.Store.HallAccept(r.Context(), hallnet.Machine(r.Context()), push)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	epoch, err := s.Store.HallEpoch(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.Notify()
	writeJSON(w, protocol.HallPushResponse{Results: results, Epoch: epoch, ServerTime: time.Now()})
}

// handleLog serves the log after a cursor; with nothing new it waits (up to
// wait seconds) for the log to grow, so a case accepted at one window shows
// at the others at once, and the request doubles as the machine's sign of
// the hub being there.
func (s *Server) handleLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	wait, _ := strconv.Atoi(q.Get("wait"))
	maxWait := s.MaxWait
	if maxWait == 0 {
		maxWait = 25 * time.Second
	}
	ctx := r.Context()
	epoch, err := s.Store.HallEpoch(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if q.Get("epoch") != epoch || after < 0 {
		after = 0 // another epoch: the machine reads this one from its start
	}
	deadline := time.NewTimer(min(time.Duration(wait)*time.Second, maxWait))
	defer deadline.Stop()
	for {
		woken := s.waiter() // before reading, so a commit in between is not missed
		items, more, err := s.Store.HallLog(ctx, after, limit)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if len(items) > 0 || wait <= 0 {
			next := after
			if len(items) > 0 {
				next = items[len(items)-1].Seq
			}
			writeJSON(w, protocol.HallLog{Epoch: epoch, Items: orEmpty(items), Next: next, More: more})
			return
		}
		select {
		case <-woken:
		case <-deadline.C:
			wait = 0
		case <-ctx.Done():
			return
		}
	}
}

func orEmpty(items []protocol.HallItem) []protocol.HallItem {
	if items == nil {
		return []protocol.HallItem{}
	}
	return items
}

// handleLogin signs a clerk in for the whole hall: wrong tries count at the
// hub, so a lock holds at every machine.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req protocol.HallLoginRequest
	if err := decode(r, 4<<10, &req); err != nil {
		writeError(w, http.StatusBadRequest, protocol.HallError{Code: protocol.CodeMalformed, Message: err.Error()})
		return
	}
	a, err := s.Store.Authenticate(r.Context(), req.Login, req.Secret)
	s.answerAccount(w, r, a, err)
}

// answerAccount answers with an account as the hub now holds it, or with
// the refusal in words for the person at the machine.
func (s *Server) answerAccount(w http.ResponseWriter, r *http.Request, a clerks.Account, err error) {
	if err != nil {
		if m, ok := msg.As(err); ok {
			writeError(w, http.StatusForbidden, protocol.HallError{Code: "refused", Key: m.Key, Data: m.Data})
			return
		}
		s.internal(w, r, err)
		return
	}
	st, err := s.Store.AccountState(r.Context(), a.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.Notify()
	writeJSON(w, protocol.HallLoginResponse{Account: st})
}

// handleNewAccount adds an account for the hall, on behalf of a supervisor
// signed in at a paired machine.
func (s *Server) handleNewAccount(w http.ResponseWriter, r *http.Request) {
	var req protocol.HallAccountRequest
	if err := decode(r, 8<<10, &req); err != nil {
		writeError(w, http.StatusBadRequest, protocol.HallError{Code: protocol.CodeMalformed, Message: err.Error()})
		return
	}
	a, err := s.Store.CreateAccount(r.Context(), clerks.Account{ID: req.Actor},
		clerks.Account{Login: req.Login, Name: req.Name, Role: clerks.Role(req.Role), Sectors: req.Sectors, Window: req.Window,
			IDNumber: req.IDNumber}, req.Secret)
	s.answerAccount(w, r, a, err)
}

// handleChangeAccount changes an account for the hall, on behalf of a
// supervisor (or the account's own person) signed in at a paired machine.
func (s *Server) handleChangeAccount(w http.ResponseWriter, r *http.Request) {
	var req protocol.HallAccountChange
	if err := decode(r, 8<<10, &req); err != nil {
		writeError(w, http.StatusBadRequest, protocol.HallError{Code: protocol.CodeMalformed, Message: err.Error()})
		return
	}
	a, err := s.Store.ChangeAccount(r.Context(), clerks.Account{ID: req.Actor}, clerks.Change{Kind: clerks.ChangeKind(req.Kind),
		Account: clerks.Account{ID: req.ID, Name: req.Name, Role: clerks.Role(req.Role), Sectors: req.Sectors, Window: req.Window, IDNumber: req.IDNumber},
		Secret:  req.Secret, OldSecret: req.OldSecret})
	s.answerAccount(w, r, a, err)
}

func (s *Server) handlePutBlob(w http.ResponseWriter, r *http.Request) {
	sha := r.PathValue("sha")
	if !isSHA256(sha) {
		writeError(w, http.StatusBadRequest, protocol.HallError{Code: protocol.CodeMalformed, Message: "name a file by its sha256"})
		return
	}
	if s.Blobs.Has(sha) {
		io.Copy(io.Discard, io.LimitReader(r.Body, blobs.MaxSize+1))
		writeJSON(w, map[string]bool{"stored": true})
		return
	}
	_, err := s.Blobs.PutAs(http.MaxBytesReader(w, r.Body, blobs.MaxSize+1), sha)
	if errors.Is(err, blobs.ErrHashMismatch) {
		writeError(w, http.StatusUnprocessableEntity, protocol.HallError{Code: protocol.CodeHashMismatch, Message: "the file is not its name"})
		return
	}
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, protocol.HallError{Code: protocol.CodeBadPayload, Message: err.Error()})
		return
	}
	writeJSON(w, map[string]bool{"stored": true})
}

func (s *Server) handleGetBlob(w http.ResponseWriter, r *http.Request) {
	sha := r.PathValue("sha")
	if !isSHA256(sha) {
		writeError(w, http.StatusBadRequest, protocol.HallError{Code: protocol.CodeMalformed, Message: "name a file by its sha256"})
		return
	}
	b, err := s.Blobs.Open(sha)
	if err != nil {
		writeError(w, http.StatusNotFound, protocol.HallError{Code: protocol.CodeNotFound, Message: "the hub does not hold this file (yet)"})
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(b)
}

// Pairing: a machine proves it has the code's secret. Tries are limited per
// address and overall, so the secret cannot be guessed in the minutes a
// code lives.
func (s *Server) handlePair(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	if ok, retry := s.pair.allow(host, time.Now()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
		writeError(w, http.StatusTooManyRequests, protocol.HallError{Code: protocol.CodeRateLimited, Key: ErrPairTooFast.Key})
		return
	}
	var req protocol.HallPairRequest
	if err := decode(r, 4<<10, &req); err != nil {
		writeError(w, http.StatusBadRequest, protocol.HallError{Code: protocol.CodeMalformed, Message: err.Error()})
		return
	}
	ctx := r.Context()
	sp, _, err := s.Store.ServicePoint(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if req.Point != sp.Code {
		m := msg.New(ErrOtherPoint.Key, "Name", sp.Name, "Code", sp.Code)
		writeError(w, http.StatusConflict, protocol.HallError{Code: "wrong_point", Key: m.Key, Data: m.Data})
		return
	}
	if req.Machine == "" || len(req.Machine) > 64 || len(req.Name) > 100 {
		writeError(w, http.StatusBadRequest, protocol.HallError{Code: protocol.CodeMalformed, Message: "machine id and name"})
		return
	}
	token, err := hallnet.NewToken()
	if err != nil {
		s.internal(w, r, err)
		return
	}
	unlock, err := s.Store.Pair(ctx, req.Machine, hallnet.HashSecret(req.Secret), req.Device, req.Name, hallnet.HashSecret(token))
	if err != nil {
		if m, ok := msg.As(err); ok {
			writeError(w, http.StatusForbidden, protocol.HallError{Code: "refused", Key: m.Key, Data: m.Data})
			return
		}
		s.internal(w, r, err)
		return
	}
	hub, err := s.Store.MachineID(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	fp, _ := s.Identity.Fingerprint()
	writeJSON(w, protocol.HallPairResponse{Machine: req.Machine, Token: token, Hub: hub, Fingerprint: fp,
		ServicePoint: protocol.ServicePointPayload{Code: sp.Code, Name: sp.Name, Level: string(sp.Level)},
		UnlockKey:    base64.StdEncoding.EncodeToString(unlock)})
}

// handleUnlock gives a paired machine the key that opens its data, so a
// window or terminal that restarts (a power cut at night) opens without a
// clerk while the hub is up. A removed machine's token no longer works.
func (s *Server) handleUnlock(w http.ResponseWriter, r *http.Request) {
	key, err := s.Store.MachineUnlockKey(r.Context(), hallnet.Machine(r.Context()))
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, protocol.HallUnlockResponse{Key: base64.StdEncoding.EncodeToString(key)})
}

// Pairing messages.
var (
	ErrPairTooFast = msg.New("配对尝试太频繁，请一分钟后再试")
	ErrOtherPoint  = msg.New("大厅主机属于“{{.Name}}”（{{.Code}}），与本机设置的服务点不同，请先在设置中改为同一服务点")
)

// pairLimiter allows 5 pairing tries a minute per address and 20 overall.
type pairLimiter struct{ host, all ratelimit.Limiter }

func newPairLimiter() *pairLimiter {
	return &pairLimiter{host: ratelimit.Limiter{Every: 12 * time.Second, Burst: 5, MaxKeys: 1000},
		all: ratelimit.Limiter{Every: 3 * time.Second, Burst: 20}}
}

func (l *pairLimiter) allow(host string, now time.Time) (bool, time.Duration) {
	if ok, retry := l.all.Allow("", now); !ok {
		return false, retry
	}
	return l.host.Allow(host, now)
}

// Serve serves the hall over TLS on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	cfg, err := hallnet.ServerConfig(s.Identity)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, TLSConfig: cfg,
		// A log request waits up to MaxWait; the queue's event stream
		// stays open all day, so no write timeout.
		IdleTimeout: 2 * time.Minute}
	go func() {
		<-ctx.Done()
		c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(c)
	}()
	err = srv.Serve(tls.NewListener(ln, cfg))
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	log.Printf("hall %s: %v", r.URL.Path, err) // the path only: bodies hold ID numbers
	writeError(w, http.StatusInternalServerError, protocol.HallError{Code: protocol.CodeInternal, Message: "the hub could not do it; it is logged"})
}

func decode(r *http.Request, max int64, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, max+1))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad request body: %w", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, e protocol.HallError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(e)
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	return strings.Trim(s, "0123456789abcdef") == ""
}
