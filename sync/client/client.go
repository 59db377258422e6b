// Package client talks to the county center (sync/countyd) for a kiosk:
// enrollment, signed pushes of outbox events, the feed of county decisions,
// and resumable attachment uploads. Retries go through go-retryablehttp;
// every attempt is signed afresh (timestamp and nonce) while the body, and
// so every event id in it, stays the same. docs/protocol.md is the contract.
package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/yichuang/yichuang/sync/protocol"
)

// Credentials identify an enrolled kiosk: its Ed25519 key (from 0.8), or
// the HMAC secret a kiosk enrolled before holds until it moves to a key
// (Rekey).
type Credentials struct {
	DeviceID, Secret string
	Key              ed25519.PrivateKey
}

// Options tune the client; zero values take the defaults in brackets.
type Options struct {
	// AttemptTimeout bounds each single attempt [30 s].
	AttemptTimeout time.Duration
	// RetryMax is how many times a request is retried [4]; the sync loop
	// tries again later after that.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the jittered backoff [1 s, 5 min].
	RetryWaitMin, RetryWaitMax time.Duration
	// Gzip compresses pushed batches.
	Gzip bool
	// Now is the clock the signatures use [time.Now].
	Now func() time.Time
	// Log receives retry and failure lines, with URLs reduced to their path:
	// never secrets, signatures or bodies. Nil logs nothing.
	Log func(level, msg string, keysAndValues ...any)
	// Transport replaces the HTTP transport (tests, custom TLS roots).
	Transport http.RoundTripper
}

// Client is a kiosk's connection to one county center.
type Client struct {
	base  *url.URL
	opts  Options
	retry *retryablehttp.Client

	mu   sync.Mutex
	cred Credentials
}

// SetCredentials changes how the client signs from the next request on
// (after the device moved to a key pair).
func (c *Client) SetCredentials(cred Credentials) {
	c.mu.Lock()
	c.cred = cred
	c.mu.Unlock()
}

func (c *Client) credentials() Credentials {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cred
}

// New returns a client for the county center at baseURL (for example
// https://county.example/ — the /api/v1 prefix is added here).
func New(baseURL string, cred Credentials, opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("county address %q is not an http(s) URL", baseURL)
	}
	if opts.AttemptTimeout == 0 {
		opts.AttemptTimeout = 30 * time.Second
	}
	if opts.RetryMax == 0 {
		opts.RetryMax = 4
	}
	if opts.RetryWaitMin == 0 {
		opts.RetryWaitMin = time.Second
	}
	if opts.RetryWaitMax == 0 {
		opts.RetryWaitMax = 5 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Client{base: u, cred: cred, opts: opts}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &http.Client{Timeout: opts.AttemptTimeout}
	if opts.Transport != nil {
		rc.HTTPClient.Transport = opts.Transport
	}
	rc.RetryMax = opts.RetryMax
	rc.RetryWaitMin, rc.RetryWaitMax = opts.RetryWaitMin, opts.RetryWaitMax
	rc.CheckRetry = retryablehttp.ErrorPropagatedRetryPolicy
	rc.Backoff = jitteredBackoff
	rc.Logger = redactingLogger{opts.Log}
	rc.PrepareRetry = c.resign
	rc.ErrorHandler = keepLastResponse
	c.retry = rc
	return c, nil
}

// StatusError is a non-2xx answer, with the county's error code.
type StatusError struct {
	Status     int
	Code       string
	Message    string
	ServerTime *time.Time
	// RetryAfter is the county's Retry-After, if it gave one.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("county answered %d %s: %s", e.Status, e.Code, e.Message)
}

// ClockOffset is how far the kiosk's clock is from the county's, when the
// county refused a request for it (zero otherwise).
func (e *StatusError) ClockOffset(now time.Time) time.Duration {
	if e.ServerTime == nil {
		return 0
	}
	return now.Sub(*e.ServerTime)
}

// Code returns the county's error code of err, or "" when err is not an
// answer from the county (a transport failure).
func Code(err error) string {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}

type bodyHashKey struct{}

// do sends a signed request with retries and decodes a 2xx JSON answer
// into out (when not nil). Non-2xx answers become *StatusError.
func (c *Client) do(ctx context.Context, method, pathAndQuery string, body []byte, header http.Header, signed bool, out any) (*http.Response, error) {
	hash := protocol.BodyHash(body)
	ctx = context.WithValue(ctx, bodyHashKey{}, hash)
	var raw any
	if body != nil {
		raw = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, c.base.String()+pathAndQuery, raw)
	if err != nil {
		return nil, fmt.Errorf("build %s request: %w", pathAndQuery, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if signed {
		if err := c.resign(req.Request); err != nil {
			return nil, err
		}
	}
	resp, err := c.retry.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() {
		// Read to the end so the connection goes back to the pool: a new
		// connection costs round trips a slow link cannot spare.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}()
	if err := statusError(resp); err != nil {
		return resp, err
	}
	if w, ok := out.(io.Writer); ok {
		// A download: the bytes go to the caller's writer as they come.
		if _, err := io.Copy(w, resp.Body); err != nil {
			return resp, fmt.Errorf("read county answer to %s: %w", req.URL.Path, err)
		}
		return resp, nil
	}
	if out != nil && method != http.MethodHead && resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(io.LimitReader(resp.Body, protocol.MaxBody)).Decode(out); err != nil {
			return resp, fmt.Errorf("decode county answer to %s: %w", req.URL.Path, err)
		}
	}
	return resp, nil
}

// resign signs (or re-signs, before a retry) a request with a fresh
// timestamp and nonce: a retry with the old nonce would be a replay.
func (c *Client) resign(r *http.Request) error {
	hash, _ := r.Context().Value(bodyHashKey{}).(string)
	if hash == "" {
		return nil // an unsigned request (enrollment)
	}
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("nonce: %w", err)
	}
	ts := strconv.FormatInt(c.opts.Now().Unix(), 10)
	n := hex.EncodeToString(nonce)
	cred := c.credentials()
	canonical := protocol.Canonical(r.Method, r.URL.RequestURI(), ts, n, hash)
	sig := protocol.Sign(cred.Secret, canonical)
	if cred.Key != nil {
		sig = protocol.SignEd25519(cred.Key, canonical)
	}
	r.Header.Set(protocol.HeaderDevice, cred.DeviceID)
	r.Header.Set(protocol.HeaderTimestamp, ts)
	r.Header.Set(protocol.HeaderNonce, n)
	r.Header.Set(protocol.HeaderContentHash, hash)
	r.Header.Set(protocol.HeaderSignature, sig)
	return nil
}

// statusError turns a non-2xx answer into *StatusError, keeping the
// county's code, message and Retry-After.
func statusError(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	se := &StatusError{Status: resp.StatusCode}
	var body protocol.ErrorBody
	if b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10)); json.Unmarshal(b, &body) == nil && body.Error.Code != "" {
		se.Code, se.Message, se.ServerTime = body.Error.Code, body.Error.Message, body.Error.ServerTime
	} else {
		se.Code = fmt.Sprintf("http_%d", resp.StatusCode)
		se.Message = strings.TrimSpace(string(b))
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		se.RetryAfter = time.Duration(s) * time.Second
	}
	return se
}

// keepLastResponse is the ErrorHandler used once retries are exhausted: it
// keeps the county's last status and body rather than a bare "giving up".
func keepLastResponse(resp *http.Response, err error, tries int) (*http.Response, error) {
	if resp != nil {
		defer resp.Body.Close()
		if se := statusError(resp); se != nil {
			return nil, fmt.Errorf("after %d attempts: %w", tries, se)
		}
	}
	return nil, fmt.Errorf("after %d attempts: %w", tries, err)
}

// jitteredBackoff doubles the wait per attempt with full jitter (so a hall's
// kiosks coming back together do not knock in step) and honours the
// county's Retry-After on 429 and 503.
func jitteredBackoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			return min(time.Duration(s)*time.Second, hi)
		}
	}
	d := retryablehttp.DefaultBackoff(lo, hi, attempt, nil)
	return d/2 + mrand.N(d/2+1)
}

// urlQuery matches a URL's query (and fragment), to cut it from log lines.
var urlQuery = regexp.MustCompile(`(https?://[^\s?#]+)[?#]\S*`)

// redactingLogger passes retryablehttp's lines on with every URL cut to
// its path: no query, no user info. Headers (where the signature is) and
// bodies (where personal data is) are never logged by retryablehttp.
type redactingLogger struct {
	log func(level, msg string, keysAndValues ...any)
}

func (l redactingLogger) emit(level, msg string, kv []any) {
	if l.log == nil {
		return
	}
	out := make([]any, len(kv))
	for i, v := range kv {
		switch x := v.(type) {
		case *url.URL:
			out[i] = x.Path
		case string:
			out[i] = urlQuery.ReplaceAllString(x, "$1")
		default:
			out[i] = v
		}
	}
	l.log(level, msg, out...)
}

func (l redactingLogger) Error(msg string, kv ...any) { l.emit("error", msg, kv) }
func (l redactingLogger) Info(msg string, kv ...any)  { l.emit("info", msg, kv) }
func (l redactingLogger) Debug(msg string, kv ...any) {
	if strings.HasPrefix(msg, "retrying") { // not "performing request", every time
		l.emit("retry", msg, kv)
	}
}
func (l redactingLogger) Warn(msg string, kv ...any) { l.emit("warn", msg, kv) }

// Enroll exchanges an enrollment code for the device's identity. It is the
// only unsigned request. The device's key pair is made here; the county
// gets the public key and the caller keeps the private one (Credentials).
func Enroll(ctx context.Context, baseURL, code, hostname, version string, opts Options) (protocol.EnrollResponse, ed25519.PrivateKey, error) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return protocol.EnrollResponse{}, nil, fmt.Errorf("make device key: %w", err)
	}
	c, err := New(baseURL, Credentials{}, opts)
	if err != nil {
		return protocol.EnrollResponse{}, nil, err
	}
	body, _ := json.Marshal(protocol.EnrollRequest{Code: strings.ToUpper(strings.TrimSpace(code)), Hostname: hostname, AppVersion: version,
		PublicKey: protocol.EncodePublicKey(pub)})
	var out protocol.EnrollResponse
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, c.base.String()+"/api/v1/enroll", body)
	if err != nil {
		return out, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.retry.Do(req)
	if err != nil {
		return out, nil, err
	}
	defer resp.Body.Close()
	if err := statusError(resp); err != nil {
		return out, nil, err
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, protocol.MaxEnrollBody)).Decode(&out); err != nil {
		return out, nil, fmt.Errorf("decode enrollment: %w", err)
	}
	if out.DeviceID == "" {
		return out, nil, errors.New("county enrollment answer has no device id")
	}
	if out.Secret != "" {
		// A county before 0.8 ignores the key and gives a secret: use
		// that, and move to the key when the county knows how.
		return out, nil, nil
	}
	return out, key, nil
}

// Rekey moves the device to the key pair of key. The request is signed
// with the client's current credential; the county forgets the secret.
func (c *Client) Rekey(ctx context.Context, key ed25519.PrivateKey) error {
	body, _ := json.Marshal(protocol.RekeyRequest{PublicKey: protocol.EncodePublicKey(key.Public().(ed25519.PublicKey))})
	_, err := c.do(ctx, http.MethodPost, "/api/v1/device/key", body, http.Header{"Content-Type": {"application/json"}}, true, nil)
	return err
}

// Push sends events (at most protocol.MaxBatch) and returns the county's
// result for each, in order.
func (c *Client) Push(ctx context.Context, events []protocol.Event) ([]protocol.Result, error) {
	body, err := json.Marshal(protocol.PushRequest{Events: events})
	if err != nil {
		return nil, fmt.Errorf("encode push: %w", err)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if c.opts.Gzip {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(body)
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("compress push: %w", err)
		}
		body = buf.Bytes()
		h.Set("Content-Encoding", "gzip")
	}
	var out protocol.PushResponse
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/events", body, h, true, &out); err != nil {
		return nil, err
	}
	if len(out.Results) != len(events) {
		return nil, fmt.Errorf("county answered %d results for %d events", len(out.Results), len(events))
	}
	for i, r := range out.Results {
		if r.ID != events[i].ID {
			return nil, fmt.Errorf("county result %d is for %s, not %s", i, r.ID, events[i].ID)
		}
	}
	return out.Results, nil
}

// Feed returns the service point's feed items after a cursor.
func (c *Client) Feed(ctx context.Context, after int64, limit int) (protocol.FeedResponse, error) {
	var out protocol.FeedResponse
	_, err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/feed?after=%d&limit=%d", after, limit), nil, nil, true, &out)
	return out, err
}

// ReportStatus tells the county this kiosk's own state, for its fleet
// view, and returns what the county answers (a release on offer); a 204
// is the empty answer.
func (c *Client) ReportStatus(ctx context.Context, st protocol.DeviceStatus) (protocol.StatusAnswer, error) {
	var answer protocol.StatusAnswer
	body, err := json.Marshal(st)
	if err != nil {
		return answer, fmt.Errorf("encode status: %w", err)
	}
	_, err = c.do(ctx, http.MethodPost, "/api/v1/status", body, http.Header{"Content-Type": {"application/json"}}, true, &answer)
	return answer, err
}
