package county

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/yichuang/yichuang/sync/httplog"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
	"github.com/yichuang/yichuang/sync/ratelimit"
)

// Options configure a Server.
type Options struct {
	// Now is the county's clock (signature windows, server_time); nil
	// means time.Now.
	Now func() time.Time
	// Log receives one line per request (method, path, status, device,
	// duration) and internal errors; nil means slog.Default(). Bodies,
	// secrets and signatures are never logged.
	Log *slog.Logger
	// Limits bound what callers may cost the county (zero: defaults).
	Limits Limits
	// SharedLimits keeps the buckets of the limits on forged signatures
	// and enrollment tries where every instance counts them
	// (SharedRateLimits); nil keeps them in this process.
	SharedLimits ratelimit.Store
}

// Server is the county's HTTP API under /api/v1 (docs/protocol.md).
type Server struct {
	store  API
	now    func() time.Time
	log    *slog.Logger
	mux    *http.ServeMux
	guards *guards
}

// NewServer returns the API over store. Tests of other packages start it
// with httptest.NewServer(county.NewServer(store, county.Options{})).
func NewServer(store API, opts Options) *Server {
	s := &Server{store: store, now: opts.Now, log: opts.Log, mux: http.NewServeMux(), guards: newGuards(opts.Limits, opts.SharedLimits)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.mux.HandleFunc("POST /api/v1/enroll", s.enroll)
	s.mux.HandleFunc("POST /api/v1/events", s.signed(protocol.MaxBody, s.push))
	s.mux.HandleFunc("GET /api/v1/feed", s.signed(protocol.MaxBody, s.feed))
	s.mux.HandleFunc("POST /api/v1/status", s.signed(MaxStatusBody, s.status))
	s.mux.HandleFunc("POST /api/v1/device/key", s.signed(protocol.MaxEnrollBody, s.rekey))
	s.mux.HandleFunc("HEAD /api/v1/blobs/{sha256}", s.signed(protocol.MaxChunk, s.headBlob))
	s.mux.HandleFunc("PUT /api/v1/blobs/{sha256}", s.signed(protocol.MaxChunk, s.putBlob))
	s.mux.HandleFunc("GET /api/v1/releases/{sha256}", s.signed(protocol.MaxChunk, s.getRelease))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, &apiError{status: 404, code: protocol.CodeNotFound, msg: "no such resource"})
	})
	return s
}

// reqInfo carries what the log line needs from inside a handler.
type reqInfo struct{ device string }

type infoKey struct{}

func info(ctx context.Context) *reqInfo {
	if i, ok := ctx.Value(infoKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

// ServeHTTP serves the API and logs each request. Only the method, the path
// (which holds no personal data by design), the status, the device and the
// duration are logged.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ri := &reqInfo{}
	httplog.Serve(s.log, "request", w, r.WithContext(context.WithValue(r.Context(), infoKey{}, ri)), s.mux,
		func(w http.ResponseWriter) {
			s.writeError(w, &apiError{status: 500, code: protocol.CodeInternal, msg: "internal error, retry later"})
		},
		func() []any { return []any{"device", ri.device} })
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) writeError(w http.ResponseWriter, e *apiError) {
	body := protocol.ErrorBody{Error: protocol.Error{Code: e.code, Message: e.msg}}
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.retryAfter+time.Second-1)/time.Second)))
	}
	if e.code == protocol.CodeClockSkew {
		now := s.now().In(workday.China)
		body.Error.ServerTime = &now
	}
	writeJSON(w, e.status, body)
}

// internal logs err (never a body) and answers 500, which the client
// retries.
func (s *Server) internal(ctx context.Context, what string, err error) *apiError {
	s.log.ErrorContext(ctx, what, "device", info(ctx).device, "err", err)
	return &apiError{status: 500, code: protocol.CodeInternal, msg: "internal error, retry later"}
}

// enroll is POST /api/v1/enroll; the code is the credential. Tries are
// limited per address, and the body is a few short fields.
func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	ok, retry, err := s.guards.enrolls.Allow(r.Context(), clientAddr(r), time.Now())
	if err != nil {
		// Without its count an enrollment code could be guessed faster.
		s.writeError(w, s.internal(r.Context(), "count an enrollment try", err))
		return
	}
	if !ok {
		s.writeError(w, tooMany(retry, "too many enrollment tries from this address"))
		return
	}
	body, e := readBody(r, protocol.MaxEnrollBody)
	var req protocol.EnrollRequest
	if e == nil {
		req, e = decodeEnroll(body)
	}
	var pub ed25519.PublicKey
	if e == nil && req.PublicKey != "" {
		var err error
		if pub, err = protocol.DecodePublicKey(req.PublicKey); err != nil {
			e = malformed("%v", err)
		}
	}
	if e != nil {
		s.writeError(w, e)
		return
	}
	var dev Device
	if pub != nil {
		dev, err = s.store.EnrollKey(r.Context(), req.Code, req.Hostname, req.AppVersion, pub)
	} else {
		dev, err = s.store.Enroll(r.Context(), req.Code, req.Hostname, req.AppVersion)
	}
	if errors.Is(err, ErrBadEnrollment) {
		s.writeError(w, &apiError{status: 403, code: protocol.CodeBadEnrollment, msg: "the enrollment code is unknown, used or expired"})
		return
	}
	if err != nil {
		s.writeError(w, s.internal(r.Context(), "enroll", err))
		return
	}
	info(r.Context()).device = dev.ID
	writeJSON(w, http.StatusOK, protocol.EnrollResponse{
		DeviceID: dev.ID, Secret: dev.Secret, ServerTime: s.now().In(workday.China),
		ServicePoint: protocol.ServicePointPayload{Code: dev.Point.Code, Name: dev.Point.Name, Level: dev.Point.Level},
	})
}

// rekey is POST /api/v1/device/key: the device moves to a key pair; the
// request is signed with its current credential.
func (s *Server) rekey(w http.ResponseWriter, r *http.Request, dev Device, body []byte) *apiError {
	var req protocol.RekeyRequest
	if err := decodeJSON(body, &req); err != nil {
		return malformed("the key body cannot be read: %v", err)
	}
	pub, err := protocol.DecodePublicKey(req.PublicKey)
	if err != nil {
		return malformed("%v", err)
	}
	if err := s.store.SetDeviceKey(r.Context(), dev.ID, pub); err != nil {
		return s.internal(r.Context(), "set device key", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// push is POST /api/v1/events.
func (s *Server) push(w http.ResponseWriter, r *http.Request, dev Device, body []byte) *apiError {
	req, e := decodePush(r.Header.Get("Content-Encoding"), body)
	if e != nil {
		return e
	}
	results, err := s.store.Apply(r.Context(), dev, req.Events)
	if err != nil {
		return s.internal(r.Context(), "apply events", err)
	}
	writeJSON(w, http.StatusOK, protocol.PushResponse{Results: results, ServerTime: s.now().In(workday.China)})
	return nil
}

// feed is GET /api/v1/feed?after=N&limit=M.
func (s *Server) feed(w http.ResponseWriter, r *http.Request, dev Device, _ []byte) *apiError {
	after, limit, e := parseFeedQuery(r.URL.Query())
	if e != nil {
		return e
	}
	items, more, err := s.store.Feed(r.Context(), dev, after, limit)
	if err != nil {
		return s.internal(r.Context(), "read feed", err)
	}
	next := after
	if len(items) > 0 {
		next = items[len(items)-1].Cursor
	}
	writeJSON(w, http.StatusOK, protocol.FeedResponse{Items: items, Next: next, More: more, ServerTime: s.now().In(workday.China)})
	return nil
}

// MaxStatusBody is the largest device status report: a few counters and
// two short texts fit many times over.
const MaxStatusBody = 64 << 10

// status is POST /api/v1/status: the kiosk's own state for the fleet view.
func (s *Server) status(w http.ResponseWriter, r *http.Request, dev Device, body []byte) *apiError {
	st, e := decodeStatus(body)
	if e != nil {
		return e
	}
	if err := s.store.SetDeviceStatus(r.Context(), dev.ID, st); err != nil {
		return s.internal(r.Context(), "store device status", err)
	}
	// The answer offers the newest release published to the device's
	// channel for its platform, unless it runs that one. An older one is
	// offered too (staff published it to undo a bad release): the kiosk
	// refuses it and says so on the fleet page, which is how staff learn
	// that a fix must carry a higher version. The kiosk checks the
	// signature and everything else itself.
	if st.OS != "" && st.Arch != "" {
		rel, err := s.store.ReleaseFor(r.Context(), dev, st.OS, st.Arch)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return s.internal(r.Context(), "find release", err)
		case rel.Version != st.AppVersion:
			writeJSON(w, http.StatusOK, protocol.StatusAnswer{Update: &protocol.UpdateOffer{
				Version: rel.Version, Manifest: rel.Signed, SHA256: rel.SHA256, Size: rel.Size}})
			return nil
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// MaxReleaseSpan is the most of a release one GET answers: a download is
// many short requests, each resumable where the last one stopped, rather
// than one that a slow link and the server's write timeout cut off.
const MaxReleaseSpan = 8 << 20

// getRelease is GET /api/v1/releases/{sha256} with "Range: bytes=N-": a
// published release's bytes from N, at most MaxReleaseSpan of them (206,
// Content-Range says which).
func (s *Server) getRelease(w http.ResponseWriter, r *http.Request, dev Device, _ []byte) *apiError {
	sha := r.PathValue("sha256")
	if !isSHA256(sha) {
		return malformed("release name must be 64 lowercase hex digits")
	}
	from, e := parseRangeStart(r.Header.Get("Range"))
	if e != nil {
		return e
	}
	rel, err := s.store.PublishedRelease(r.Context(), sha)
	if errors.Is(err, ErrNotFound) {
		return &apiError{status: 404, code: protocol.CodeNotFound, msg: "no such published release"}
	}
	if err != nil {
		return s.internal(r.Context(), "read release", err)
	}
	if from >= rel.Size {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", rel.Size))
		return &apiError{status: http.StatusRequestedRangeNotSatisfiable, code: protocol.CodeOffset, msg: "range starts past the end"}
	}
	end := min(from+MaxReleaseSpan, rel.Size) // exclusive
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(end-from, 10))
	w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, end-1, rel.Size))
	w.WriteHeader(http.StatusPartialContent)
	err = s.store.ReleaseBytes(r.Context(), sha, from, func(pos int64, data []byte) bool {
		lo, hi := max(from-pos, 0), min(int64(len(data)), end-pos)
		if lo < hi {
			if _, err := w.Write(data[lo:hi]); err != nil {
				return false
			}
		}
		return pos+int64(len(data)) < end
	})
	if err != nil {
		// The status is sent: the short body tells the kiosk, which
		// resumes from what it got.
		s.log.ErrorContext(r.Context(), "send release", "device", dev.ID, "err", err)
	}
	return nil
}

// parseRangeStart reads the one Range form kiosks send, "bytes=N-"; no
// header is N = 0.
func parseRangeStart(h string) (int64, *apiError) {
	if h == "" {
		return 0, nil
	}
	v, ok := strings.CutPrefix(h, "bytes=")
	v, open := strings.CutSuffix(v, "-")
	n, err := strconv.ParseInt(v, 10, 64)
	if !ok || !open || err != nil || n < 0 {
		return 0, malformed("Range %q: want bytes=N-", h)
	}
	return n, nil
}

func setBlobHeaders(w http.ResponseWriter, b BlobState) {
	w.Header().Set(protocol.HeaderStoredLength, strconv.FormatInt(b.Stored, 10))
	w.Header().Set(protocol.HeaderComplete, strconv.FormatBool(b.Complete))
}

// headBlob is HEAD /api/v1/blobs/{sha256}.
func (s *Server) headBlob(w http.ResponseWriter, r *http.Request, dev Device, _ []byte) *apiError {
	sha := r.PathValue("sha256")
	if !isSHA256(sha) {
		return malformed("attachment name must be 64 lowercase hex digits")
	}
	b, err := s.store.DeviceBlob(r.Context(), dev, sha)
	if errors.Is(err, ErrNotFound) {
		return &apiError{status: 404, code: protocol.CodeNotFound, msg: "nothing stored"}
	}
	if err != nil {
		return s.internal(r.Context(), "read blob", err)
	}
	setBlobHeaders(w, b)
	w.WriteHeader(http.StatusOK)
	return nil
}

// putBlob is PUT /api/v1/blobs/{sha256}?offset=n.
func (s *Server) putBlob(w http.ResponseWriter, r *http.Request, dev Device, body []byte) *apiError {
	p, e := parseBlobPut(r.PathValue("sha256"), r.URL.Query().Get("offset"), r.Header.Get(protocol.HeaderTotalLength), len(body))
	if e != nil {
		return e
	}
	b, err := s.store.PutBlob(r.Context(), dev, p.sha, p.offset, p.total, body)
	var oe *OffsetError
	var ie *InvalidError
	switch {
	case errors.As(err, &oe):
		w.Header().Set(protocol.HeaderStoredLength, strconv.FormatInt(oe.Stored, 10))
		return &apiError{status: 409, code: protocol.CodeOffset, msg: oe.Error()}
	case errors.Is(err, ErrHashMismatch):
		return &apiError{status: 422, code: protocol.CodeHashMismatch, msg: "the file does not match its sha256; the data was discarded"}
	case errors.Is(err, ErrTooLarge):
		return &apiError{status: 413, code: protocol.CodeTooLarge, msg: err.Error()}
	case errors.Is(err, ErrTooManyUploads):
		return tooMany(time.Minute, err.Error())
	case errors.As(err, &ie):
		return malformed("%s", ie.Msg)
	case err != nil:
		return s.internal(r.Context(), "store blob", err)
	}
	setBlobHeaders(w, b)
	w.WriteHeader(http.StatusOK)
	return nil
}
