// Package countytest runs a real county center (SQLite store, or
// PostgreSQL when asked; HTTP API on a loopback port) inside a test, and signs requests to it, so the kiosk's
// sync tests talk to the real thing rather than a fake.
package countytest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/eventid"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Clock is a settable clock for the county; the zero value stands still
// at the zero time, so set it first.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock showing t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// County is a running county center.
type County struct {
	// URL is the server's base, e.g. http://127.0.0.1:41234 (the API is
	// under URL + "/api/v1").
	URL string
	// Store is the SQLite store, with the back office's methods; nil on
	// PostgreSQL.
	Store *county.SQLite
	// DB is the store the server runs on, SQLite or PostgreSQL.
	DB county.Store
	// Dir holds the database and the blobs.
	Dir string
	// Now is the clock both the store and the server use.
	Now func() time.Time
}

// Options configure Start.
type Options struct {
	// Now is the county's clock; nil means time.Now.
	Now func() time.Time
	// Dir is the data directory; "" means a new tb.TempDir().
	Dir string
	// Log gets the request log; nil sends it to tb.Log (shown for failed
	// tests and with -v), or discards it when tb is a *testing.F.
	Log *slog.Logger
	// Limits bound callers (zero: the county's defaults).
	Limits county.Limits
	// DatabaseURL, when set, runs the county on that PostgreSQL database
	// (pgtest.Database gives one) instead of an SQLite file in Dir; the
	// device secrets key is still a file in Dir.
	DatabaseURL string
}

// Start runs a county center until the test ends.
func Start(tb testing.TB, opts Options) *County {
	tb.Helper()
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Dir == "" {
		opts.Dir = tb.TempDir()
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(tbWriter{tb}, nil))
		if _, fuzzing := tb.(*testing.F); fuzzing {
			// F.Log may not be called while the fuzz target runs.
			opts.Log = slog.New(slog.DiscardHandler)
		}
	}
	c := &County{Dir: opts.Dir, Now: opts.Now}
	if opts.DatabaseURL != "" {
		st, err := county.OpenPostgres(context.Background(), opts.DatabaseURL,
			county.PostgresOptions{Now: opts.Now, SecretsKey: filepath.Join(opts.Dir, "secrets.key")})
		if err != nil {
			tb.Fatalf("open county store: %v", err)
		}
		c.DB = st
	} else {
		st, err := county.OpenSQLite(context.Background(), filepath.Join(opts.Dir, "county.db"), county.WithClock(opts.Now))
		if err != nil {
			tb.Fatalf("open county store: %v", err)
		}
		c.Store, c.DB = st, st
	}
	srv := httptest.NewServer(county.NewServer(c.DB, county.Options{Now: opts.Now, Log: opts.Log, Limits: opts.Limits,
		// As countyd: shared by every instance on PostgreSQL.
		SharedLimits: county.SharedRateLimits(c.DB)}))
	tb.Cleanup(func() {
		srv.Close()
		c.DB.Close()
	})
	c.URL = srv.URL
	return c
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// TestPoint is a township service point for tests.
var TestPoint = county.ServicePoint{Code: "330522101000", Name: "洪桥镇便民服务中心", Level: county.LevelTownship}

// EnrollCode creates an enrollment code for p.
func (c *County) EnrollCode(tb testing.TB, p county.ServicePoint) string {
	tb.Helper()
	code, err := c.DB.CreateEnrollCode(context.Background(), p)
	if err != nil {
		tb.Fatalf("create enrollment code: %v", err)
	}
	return code.Code
}

// Enroll creates a device for p directly in the store (no HTTP) and
// returns its id and secret.
func (c *County) Enroll(tb testing.TB, p county.ServicePoint) (deviceID, secret string) {
	tb.Helper()
	d, err := c.DB.Enroll(context.Background(), c.EnrollCode(tb, p), "test-host", "test")
	if err != nil {
		tb.Fatalf("enroll: %v", err)
	}
	return d.ID, d.Secret
}

// NewNonce returns 16 random bytes in hex.
func NewNonce() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Sign sets the signing headers of req for body (the bytes as sent),
// timestamped at, with a fresh nonce, as a kiosk from 0.8 does: with the
// body's hash declared, so the county checks the signature first.
func Sign(req *http.Request, deviceID, secret string, body []byte, at time.Time) {
	SignLegacy(req, deviceID, secret, body, at)
	req.Header.Set(protocol.HeaderContentHash, protocol.BodyHash(body))
}

// SignLegacy signs as a kiosk before 0.8: the four headers, no declared
// body hash.
func SignLegacy(req *http.Request, deviceID, secret string, body []byte, at time.Time) {
	stamp := strconv.FormatInt(at.Unix(), 10)
	nonce := NewNonce()
	canonical := protocol.Canonical(req.Method, req.URL.RequestURI(), stamp, nonce, protocol.BodyHash(body))
	req.Header.Set(protocol.HeaderDevice, deviceID)
	req.Header.Set(protocol.HeaderTimestamp, stamp)
	req.Header.Set(protocol.HeaderNonce, nonce)
	req.Header.Set(protocol.HeaderSignature, protocol.Sign(secret, canonical))
}

// SignKey signs with a device's Ed25519 key, the body's hash declared.
func SignKey(req *http.Request, deviceID string, key ed25519.PrivateKey, body []byte, at time.Time) {
	stamp := strconv.FormatInt(at.Unix(), 10)
	nonce := NewNonce()
	canonical := protocol.Canonical(req.Method, req.URL.RequestURI(), stamp, nonce, protocol.BodyHash(body))
	req.Header.Set(protocol.HeaderDevice, deviceID)
	req.Header.Set(protocol.HeaderTimestamp, stamp)
	req.Header.Set(protocol.HeaderNonce, nonce)
	req.Header.Set(protocol.HeaderContentHash, protocol.BodyHash(body))
	req.Header.Set(protocol.HeaderSignature, protocol.SignEd25519(key, canonical))
}

// Do sends a request signed at the county's clock and returns the status,
// headers and body.
func (c *County) Do(tb testing.TB, deviceID, secret, method, pathAndQuery string, body []byte, header http.Header) (int, http.Header, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, c.URL+pathAndQuery, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	Sign(req, deviceID, secret, body, c.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// caseSeq numbers the cases NewCase makes, so their tracking codes never
// collide within a test binary.
var caseSeq atomic.Int64

// NewCase is a new case id and a tracking code of point, as a kiosk makes
// them (device 35 of the hall, from 2026-11-26 on).
func NewCase(point string) (caseID, tracking string) {
	day := time.Date(2026, 11, 26, 12, 0, 0, 0, workday.China)
	for {
		n := int(caseSeq.Add(1))
		code, err := protocol.EncodeTracking(protocol.TrackingParts{ServicePoint: point, Device: 35,
			Day: day.AddDate(0, 0, n/46656), Seq: n % 46656})
		if errors.Is(err, protocol.ErrTrackingUnusable) {
			continue
		}
		if err != nil {
			panic(err)
		}
		return eventid.New(), code
	}
}
