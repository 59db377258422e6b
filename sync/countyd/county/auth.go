package county

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/yichuang/yichuang/sync/protocol"
	"github.com/yichuang/yichuang/sync/ratelimit"
)

func unauthorized(msg string) *apiError {
	return &apiError{status: 401, code: protocol.CodeUnauthorized, msg: msg}
}

// notSigned is the one answer for a request that is not signed by an
// enrolled device: an unknown device and a wrong signature look the same,
// so a caller without a credential cannot learn which device ids exist.
var notSigned = unauthorized("the request is not signed by an enrolled device")

// tooMany answers 429 with how long to wait.
func tooMany(retry time.Duration, what string) *apiError {
	return &apiError{status: http.StatusTooManyRequests, code: protocol.CodeRateLimited, msg: what,
		retryAfter: max(retry, time.Second)}
}

// Limits bound what callers may cost the county. Zero fields take the
// defaults in brackets; docs/security.md says why each is what it is.
type Limits struct {
	// DeviceEvery and DeviceBurst limit each device's signed requests
	// [one per 20 ms, 300 at once]: a kiosk's sync round is a few
	// requests, an upload one per MiB.
	DeviceEvery time.Duration
	DeviceBurst int
	// FailuresEvery and FailuresBurst limit requests from one address
	// whose signature fails [one per second, 60 at once]: past them a
	// failure is answered 429 rather than 401.
	FailuresEvery time.Duration
	FailuresBurst int
	// EnrollEvery and EnrollBurst limit enrollments per address [one per
	// 6 s, 10 at once].
	EnrollEvery time.Duration
	EnrollBurst int
	// SignedBodies bounds the bytes of signed bodies being read at once
	// [96 MiB]; a request waits up to BodyWait [10 s] for room, then gets
	// 429. Bodies are read only after their signature is checked.
	SignedBodies int64
	BodyWait     time.Duration
	// LegacyBodies bounds the bytes read at once from requests of kiosks
	// before 0.8, which sign without X-Yc-Content-SHA256 and so must be
	// read before they can be checked [16 MiB]; no wait.
	LegacyBodies int64
	// LegacyReadTime bounds reading such a body [30 s].
	LegacyReadTime time.Duration
}

func (l Limits) withDefaults() Limits {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	defInt := func(n *int, v int) {
		if *n == 0 {
			*n = v
		}
	}
	def(&l.DeviceEvery, 20*time.Millisecond)
	defInt(&l.DeviceBurst, 300)
	def(&l.FailuresEvery, time.Second)
	defInt(&l.FailuresBurst, 60)
	def(&l.EnrollEvery, 6*time.Second)
	defInt(&l.EnrollBurst, 10)
	def(&l.BodyWait, 10*time.Second)
	def(&l.LegacyReadTime, 30*time.Second)
	if l.SignedBodies == 0 {
		l.SignedBodies = 96 << 20
	}
	if l.LegacyBodies == 0 {
		l.LegacyBodies = 16 << 20
	}
	return l
}

// signedReadTime bounds reading a signed body: 8 MiB over a slow township
// link, where the kiosk gives each attempt 30 s.
const signedReadTime = 2 * time.Minute

// Limiters count real time, not the county's clock (which tests stop):
// they are about load, not business days.

// guards are the server's limiters and gates, made from Limits. The
// limits that guard secrets (forged signatures) and enrollment codes keep
// their buckets in shared (the database, when several instances serve
// it), so each instance added behind a load balancer does not add a
// budget of guesses; the device's request rate and the gates protect this
// process's CPU and memory, so they stay in it.
type guards struct {
	lim               Limits
	device            *ratelimit.Limiter
	failures, enrolls *ratelimit.Shared
	signed, legacy    *ratelimit.Gate
}

func newGuards(l Limits, shared ratelimit.Store) *guards {
	l = l.withDefaults()
	return &guards{lim: l,
		device:   &ratelimit.Limiter{Every: l.DeviceEvery, Burst: l.DeviceBurst},
		failures: &ratelimit.Shared{Every: l.FailuresEvery, Burst: l.FailuresBurst, Prefix: "county.failures:", Store: shared},
		enrolls:  &ratelimit.Shared{Every: l.EnrollEvery, Burst: l.EnrollBurst, Prefix: "county.enroll:", Store: shared},
		signed:   ratelimit.NewGate(l.SignedBodies),
		legacy:   ratelimit.NewGate(l.LegacyBodies),
	}
}

// clientAddr is the caller's address without the port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// readBody reads at most limit bytes of the body as sent; the signature
// covers exactly these bytes, compressed or not. A declared length is
// read into a buffer of that size, so a body costs its size once.
func readBody(r *http.Request, limit int64) ([]byte, *apiError) {
	tooLarge := &apiError{status: 413, code: protocol.CodeTooLarge, msg: fmt.Sprintf("the body is over %d bytes", limit)}
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	if r.ContentLength >= 0 {
		b := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return nil, malformed("the body cannot be read: %v", err)
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, malformed("the body cannot be read: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, tooLarge
	}
	return b, nil
}

// requestTarget is the path and query exactly as the client sent them,
// which is what it signed.
func requestTarget(r *http.Request) string {
	if len(r.RequestURI) > 0 && r.RequestURI[0] == '/' {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// isNonce says whether s is 16 bytes in hex, as the protocol says; a
// shorter nonce would make a collision of honest requests likely.
func isNonce(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// checkHeaders says what is missing or malformed in a request's signing
// headers, from the headers alone.
func checkHeaders(r *http.Request) *apiError {
	id, stamp := r.Header.Get(protocol.HeaderDevice), r.Header.Get(protocol.HeaderTimestamp)
	nonce, sig := r.Header.Get(protocol.HeaderNonce), r.Header.Get(protocol.HeaderSignature)
	if id == "" || stamp == "" || nonce == "" || sig == "" {
		return unauthorized("the request is not signed")
	}
	if !isNonce(nonce) {
		return unauthorized("the nonce must be 16 random bytes in hex")
	}
	if _, err := strconv.ParseInt(stamp, 10, 64); err != nil {
		return unauthorized("the timestamp must be Unix seconds")
	}
	if h := r.Header.Get(protocol.HeaderContentHash); h != "" && !isSHA256(h) {
		return unauthorized("the content hash must be 64 lower-case hex digits")
	}
	return nil
}

// decoy stands in for an unknown device, so checking a signature costs
// the same whether the device exists or not.
var decoy = Device{PublicKey: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)}

// verifySignature checks a signature with the device's credential: its
// public key, or the HMAC secret of a device enrolled before 0.8.
func verifySignature(dev Device, canonical, sig string) bool {
	if dev.PublicKey != nil {
		return protocol.VerifyEd25519(dev.PublicKey, canonical, sig)
	}
	return dev.Secret != "" && protocol.Verify(dev.Secret, canonical, sig)
}

// authenticate checks a signed request (docs/protocol.md, "Signing") over
// the body hash it covers; useNonce then records its nonce. The signature is checked
// before anything else about the device is said, so an unsigned caller
// learns nothing, not even whether a device exists or was revoked; the
// nonce is recorded only for a verified request, so a forger cannot fill
// the nonce table.
func (s *Server) authenticate(ctx context.Context, r *http.Request, bodyHash string) (Device, *apiError) {
	if e := checkHeaders(r); e != nil {
		return Device{}, e
	}
	id, stamp := r.Header.Get(protocol.HeaderDevice), r.Header.Get(protocol.HeaderTimestamp)
	nonce, sig := r.Header.Get(protocol.HeaderNonce), r.Header.Get(protocol.HeaderSignature)
	unix, _ := strconv.ParseInt(stamp, 10, 64)
	dev, err := s.store.Device(ctx, id)
	known := err == nil
	if errors.Is(err, ErrNotFound) || !protocol.ValidID(id) {
		dev, known = decoy, false
	} else if err != nil {
		return Device{}, s.internal(ctx, "read device", err)
	}
	canonical := protocol.Canonical(r.Method, requestTarget(r), stamp, nonce, bodyHash)
	if !verifySignature(dev, canonical, sig) || !known {
		return Device{}, notSigned
	}
	info(ctx).device = dev.ID
	if !dev.Revoked.IsZero() {
		return Device{}, &apiError{status: 401, code: protocol.CodeRevoked, msg: "the county revoked this device"}
	}
	now := s.now()
	if skew := now.Sub(time.Unix(unix, 0)); skew > protocol.MaxSkew || skew < -protocol.MaxSkew {
		way := "behind"
		if skew < 0 {
			way, skew = "ahead of", -skew
		}
		return Device{}, &apiError{status: 401, code: protocol.CodeClockSkew,
			msg: fmt.Sprintf("the device clock is %s %s the county's", skew.Round(time.Second), way)}
	}
	return dev, nil
}

// useNonce records a verified request's nonce, once its body is known to
// be the signed one: a refused request stores nothing.
func (s *Server) useNonce(ctx context.Context, r *http.Request, dev Device) *apiError {
	if err := s.store.UseNonce(ctx, dev.ID, r.Header.Get(protocol.HeaderNonce)); errors.Is(err, ErrReplayed) {
		return &apiError{status: 401, code: protocol.CodeReplayed, msg: "this nonce was already used"}
	} else if err != nil {
		return s.internal(ctx, "record nonce", err)
	}
	return nil
}

// signed wraps a handler of signed requests: it authenticates, reads the
// body (at most limit bytes) and writes the handler's error if any.
func (s *Server) signed(limit int64, h func(w http.ResponseWriter, r *http.Request, dev Device, body []byte) *apiError) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if e := s.serveSigned(w, r, limit, h); e != nil {
			s.writeError(w, e)
		}
	}
}

// serveSigned checks the signature before the body is read when the
// request declares the body's hash (kiosks from 0.8): an unsigned caller
// costs a header parse and a device look-up, never a body. A kiosk before
// 0.8 declares none; its body is read first, within a small shared budget
// and a short deadline, so such callers cannot hold much memory either.
func (s *Server) serveSigned(w http.ResponseWriter, r *http.Request, limit int64,
	h func(w http.ResponseWriter, r *http.Request, dev Device, body []byte) *apiError) *apiError {
	ctx := r.Context()
	addr := clientAddr(r)
	if e := checkHeaders(r); e != nil {
		return s.failed(r.Context(), addr, e) // not even signed: nothing is read
	}
	if r.ContentLength > limit {
		_, e := readBody(r, limit) // 413 before anything is read
		return e
	}
	reserve := limit
	if r.ContentLength >= 0 {
		reserve = r.ContentLength
	}
	declared := r.Header.Get(protocol.HeaderContentHash)
	var body []byte
	var dev Device
	var e *apiError
	if declared != "" {
		if dev, e = s.authenticate(ctx, r, declared); e != nil {
			return s.failed(r.Context(), addr, e)
		}
		if ok, retry := s.guards.device.Allow(dev.ID, time.Now()); !ok {
			return tooMany(retry, "this device sends too many requests")
		}
		if !s.guards.signed.Enter(reserve, s.guards.lim.BodyWait) {
			return tooMany(time.Second, "the county is busy reading other requests")
		}
		defer s.guards.signed.Leave(reserve)
		http.NewResponseController(w).SetReadDeadline(time.Now().Add(signedReadTime))
		if body, e = readBody(r, limit); e != nil {
			return e
		}
		if protocol.BodyHash(body) != declared {
			return unauthorized("the body does not match its signed hash")
		}
	} else {
		if !s.guards.legacy.Enter(reserve, 0) {
			return tooMany(2*time.Second, "the county is busy reading other requests")
		}
		defer s.guards.legacy.Leave(reserve)
		http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.guards.lim.LegacyReadTime))
		if body, e = readBody(r, limit); e != nil {
			return e
		}
		if dev, e = s.authenticate(ctx, r, protocol.BodyHash(body)); e != nil {
			return s.failed(r.Context(), addr, e)
		}
		if ok, retry := s.guards.device.Allow(dev.ID, time.Now()); !ok {
			return tooMany(retry, "this device sends too many requests")
		}
	}
	if e := s.useNonce(ctx, r, dev); e != nil {
		return e
	}
	return h(w, r, dev, body)
}

// failed counts a failed signature against the caller's address; past
// the address's allowance the answer is 429 with Retry-After, which tells
// a client that keeps trying to slow down. A good signature from the same
// address still passes: kiosks behind a township's shared address must
// not be locked out by someone else's forgeries there, and refusing a
// forgery costs a header parse and one look-up either way.
func (s *Server) failed(ctx context.Context, addr string, e *apiError) *apiError {
	if e.status != http.StatusUnauthorized || e.code == protocol.CodeClockSkew {
		return e
	}
	now := time.Now()
	ok, retry, err := s.guards.failures.Check(ctx, addr, now)
	if err == nil && !ok {
		return tooMany(retry, "too many unsigned requests from this address")
	}
	if err == nil {
		err = s.guards.failures.Penalty(ctx, addr, s.guards.lim.FailuresEvery, now)
	}
	if err != nil {
		// The request is refused either way; an uncounted forgery grants
		// nothing, and the database it would need is down.
		s.log.ErrorContext(ctx, "count a failed signature", "err", err)
	}
	return e
}
