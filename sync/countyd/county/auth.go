package county

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/yichuang/yichuang/sync/protocol"
)

func unauthorized(msg string) *apiError {
	return &apiError{status: 401, code: protocol.CodeUnauthorized, msg: msg}
}

// readBody reads at most limit bytes of the body as sent; the signature
// covers exactly these bytes, compressed or not.
func readBody(r *http.Request, limit int64) ([]byte, *apiError) {
	tooLarge := &apiError{status: 413, code: protocol.CodeTooLarge, msg: fmt.Sprintf("the body is over %d bytes", limit)}
	if r.ContentLength > limit {
		return nil, tooLarge
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

// authenticate checks a signed request (docs/protocol.md, "Signing") and
// records its nonce. The signature is checked before anything else about
// the device is said, so an unsigned caller learns nothing, not even
// whether a device was revoked; the nonce is recorded only for a verified
// request, so a forger cannot fill the nonce table.
func (s *Server) authenticate(ctx context.Context, r *http.Request, body []byte) (Device, *apiError) {
	id, stamp := r.Header.Get(protocol.HeaderDevice), r.Header.Get(protocol.HeaderTimestamp)
	nonce, sig := r.Header.Get(protocol.HeaderNonce), r.Header.Get(protocol.HeaderSignature)
	if id == "" || stamp == "" || nonce == "" || sig == "" {
		return Device{}, unauthorized("the request is not signed")
	}
	if !isNonce(nonce) {
		return Device{}, unauthorized("the nonce must be 16 random bytes in hex")
	}
	unix, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return Device{}, unauthorized("the timestamp must be Unix seconds")
	}
	dev, err := s.store.Device(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Device{}, unauthorized("unknown device")
	}
	if err != nil {
		return Device{}, s.internal(ctx, "read device", err)
	}
	canonical := protocol.Canonical(r.Method, requestTarget(r), stamp, nonce, protocol.BodyHash(body))
	if !protocol.Verify(dev.Secret, canonical, sig) {
		return Device{}, unauthorized("the signature does not match")
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
	if err := s.store.UseNonce(ctx, dev.ID, nonce); errors.Is(err, ErrReplayed) {
		return Device{}, &apiError{status: 401, code: protocol.CodeReplayed, msg: "this nonce was already used"}
	} else if err != nil {
		return Device{}, s.internal(ctx, "record nonce", err)
	}
	return dev, nil
}

// signed wraps a handler of signed requests: it reads the body (at most
// limit bytes), authenticates, and writes the handler's error if any.
func (s *Server) signed(limit int64, h func(w http.ResponseWriter, r *http.Request, dev Device, body []byte) *apiError) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, e := readBody(r, limit)
		if e == nil {
			var dev Device
			if dev, e = s.authenticate(r.Context(), r, body); e == nil {
				e = h(w, r, dev, body)
			}
		}
		if e != nil {
			s.writeError(w, e)
		}
	}
}
