package county_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
)

// The store contract: what every Store does, whichever database holds it.
// runContract runs it on one store; each test opens a fresh, empty store
// on the clock it is given. Later aggregates (events, feed, cases, blobs,
// staff, audit) add their behaviours here, so a store passes or fails them
// all the same way (docs/county-scale.md).

// opener opens a fresh empty store on a clock, closed when t ends.
type opener func(t *testing.T, now func() time.Time) county.Store

func TestContractSQLite(t *testing.T) {
	runContract(t, func(t *testing.T, now func() time.Time) county.Store {
		st, err := county.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "county.db"), county.WithClock(now))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

func TestContractPostgres(t *testing.T) {
	runContract(t, openPostgres)
}

func openPostgres(t *testing.T, now func() time.Time) county.Store {
	dsn := pgtest.Database(t)
	st, err := county.OpenPostgres(context.Background(), dsn, county.PostgresOptions{Now: now, SecretsKey: filepath.Join(t.TempDir(), "secrets.key")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func runContract(t *testing.T, open opener) {
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, open opener)
	}{
		{"EnrollOnce", contractEnrollOnce},
		{"EnrollRefused", contractEnrollRefused},
		{"EnrollCodeValidates", contractEnrollCodeValidates},
		{"EnrollRace", contractEnrollRace},
		{"DeviceKeys", contractDeviceKeys},
		{"NonceWindow", contractNonceWindow},
		{"NonceRace", contractNonceRace},
		{"Revoke", contractRevoke},
		{"DeviceList", contractDeviceList},
		{"Admin", contractAdmin},                                     // contract_admin_test.go
		{"Blobs", contractBlobs},                                     // contract_blobs_test.go
		{"FollowUps", contractFollowUps},                             // contract_ratings_test.go
		{"Cases", contractCases}, {"CaseCounts", contractCaseCounts}, // contract_cases_test.go
		{"ApplyOnce", contractApplyOnce}, {"ApplyRace", contractApplyRace}, {"ApplyIDAcrossPoints", contractApplyIDAcrossPoints}, {"CaseOrder", contractCaseOrder}, {"FeedCursors", contractFeedCursors}, {"DeviceStatus", contractDeviceStatus}, {"ApplyStops", contractApplyStops}, {"CaseRace", contractCaseRace}, // contract_apply_test.go
		{"ApplyTwiceInOnePush", contractApplyTwiceInOnePush}, // contract_apply_test.go
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open) })
	}
}

func mustStats(t *testing.T, st county.Store) county.Stats {
	t.Helper()
	s, err := st.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustCode(t *testing.T, st county.Store, p county.ServicePoint) string {
	t.Helper()
	c, err := st.CreateEnrollCode(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return c.Code
}

func contractEnrollOnce(t *testing.T, open opener) {
	ctx := context.Background()
	clock := countytest.NewClock(t0)
	st := open(t, clock.Now)
	c, err := st.CreateEnrollCode(ctx, countytest.TestPoint)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Code) != 14 || c.Code[4] != '-' || c.Code[9] != '-' {
		t.Errorf("code = %q, want XXXX-XXXX-XXXX", c.Code)
	}
	if !c.Expires.Equal(t0.Add(county.EnrollTTL)) {
		t.Errorf("expires = %v, want %v", c.Expires, t0.Add(county.EnrollTTL))
	}
	// Typed in lower case with a space instead of a dash: still found.
	typed := strings.ToLower(strings.Replace(c.Code, "-", " ", 1))
	d, err := st.Enroll(ctx, typed, "hall-pc-1", "0.6.0")
	if err != nil {
		t.Fatalf("enroll: %v", err)
	}
	if !strings.HasPrefix(d.ID, "d_") || len(d.Secret) != 43 || d.PublicKey != nil {
		t.Errorf("device %q secret length %d key %x, want d_…, 43 and none", d.ID, len(d.Secret), d.PublicKey)
	}
	got, err := st.Device(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := county.Device{ID: d.ID, Secret: d.Secret, Point: countytest.TestPoint, Hostname: "hall-pc-1", AppVersion: "0.6.0"}
	if got.ID != want.ID || got.Secret != want.Secret || got.Point != want.Point || got.Hostname != want.Hostname ||
		got.AppVersion != want.AppVersion || !got.Created.Equal(t0) || !got.Revoked.IsZero() || !got.LastSeen.IsZero() {
		t.Errorf("device = %+v, want %+v created %v", got, want, t0)
	}
	if _, err := st.Enroll(ctx, c.Code, "h", "v"); !errors.Is(err, county.ErrBadEnrollment) {
		t.Errorf("second use: got %v, want ErrBadEnrollment", err)
	}
	if s := mustStats(t, st); s.Devices != 1 || s.EnrollCodes != 1 {
		t.Errorf("devices %d codes %d after a refused enrollment, want 1 and 1", s.Devices, s.EnrollCodes)
	}
	if _, err := st.Device(ctx, "d_unknown"); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("unknown device: got %v, want ErrNotFound", err)
	}
}

func contractEnrollRefused(t *testing.T, open opener) {
	ctx := context.Background()
	clock := countytest.NewClock(t0)
	st := open(t, clock.Now)
	expired := mustCode(t, st, countytest.TestPoint)
	clock.Add(county.EnrollTTL + time.Second)
	fresh := mustCode(t, st, countytest.TestPoint)
	used := mustCode(t, st, countytest.TestPoint)
	if _, err := st.Enroll(ctx, used, "h", "v"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, code string }{
		{"expired", expired}, {"used", used}, {"unknown", "K7QX-2M9D-PLTA"}, {"empty", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := mustStats(t, st)
			if _, err := st.Enroll(ctx, tt.code, "h", "v"); !errors.Is(err, county.ErrBadEnrollment) {
				t.Errorf("got %v, want ErrBadEnrollment", err)
			}
			if after := mustStats(t, st); after != before {
				t.Errorf("stats changed: got %+v, want %+v", after, before)
			}
		})
	}
	// The fresh code was never consumed by the refused attempts.
	if _, err := st.Enroll(ctx, fresh, "h", "v"); err != nil {
		t.Errorf("fresh code after refusals: got %v, want nil", err)
	}
}

func contractEnrollCodeValidates(t *testing.T, open opener) {
	st := open(t, countytest.NewClock(t0).Now)
	for _, p := range []county.ServicePoint{
		{Code: "33052210100", Name: "x", Level: "township"},
		{Code: "33052210100x", Name: "x", Level: "township"},
		{Code: "330522101000", Name: " ", Level: "township"},
		{Code: "330522101000", Name: "x", Level: "county"},
		{Code: "330522101000", Name: "x", Level: "village"},
	} {
		var inv *county.InvalidError
		if _, err := st.CreateEnrollCode(context.Background(), p); !errors.As(err, &inv) {
			t.Errorf("CreateEnrollCode(%+v): got %v, want an InvalidError", p, err)
		}
	}
	if s := mustStats(t, st); s.EnrollCodes != 0 {
		t.Errorf("codes = %d after refusals, want 0", s.EnrollCodes)
	}
}

// Kiosks typing the same code at once (or one kiosk's retry crossing its
// first try): one device, the others refused.
func contractEnrollRace(t *testing.T, open opener) {
	ctx := context.Background()
	st := open(t, countytest.NewClock(t0).Now)
	for round := 0; round < 10; round++ {
		code := mustCode(t, st, countytest.TestPoint)
		errs := race(4, func(int) error { _, err := st.Enroll(ctx, code, "h", "v"); return err })
		if n := wins(t, errs, county.ErrBadEnrollment); n != 1 {
			t.Fatalf("round %d: %d enrollments with one code, want 1 (%v)", round, n, errs)
		}
	}
	if s := mustStats(t, st); s.Devices != 10 {
		t.Errorf("devices = %d, want 10", s.Devices)
	}
}

func contractDeviceKeys(t *testing.T, open opener) {
	ctx := context.Background()
	st := open(t, countytest.NewClock(t0).Now)
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	var inv *county.InvalidError
	code := mustCode(t, st, countytest.TestPoint)
	if _, err := st.EnrollKey(ctx, code, "h", "0.8.0", pub[:31]); !errors.As(err, &inv) {
		t.Errorf("enroll with a short key: got %v, want an InvalidError", err)
	}
	d, err := st.EnrollKey(ctx, code, "h", "0.8.0", pub)
	if err != nil {
		t.Fatalf("enroll with a key after a refused one: %v", err)
	}
	got, err := st.Device(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != "" || !got.PublicKey.Equal(pub) {
		t.Errorf("key device: got secret %q key %x, want none and %x", got.Secret, got.PublicKey, pub)
	}

	// A legacy device moves to a key pair: its secret is forgotten.
	legacy, err := st.Enroll(ctx, mustCode(t, st, countytest.TestPoint), "h", "0.7.0")
	if err != nil {
		t.Fatal(err)
	}
	pub2, _, _ := ed25519.GenerateKey(rand.Reader)
	if err := st.SetDeviceKey(ctx, legacy.ID, pub2[:10]); !errors.As(err, &inv) {
		t.Errorf("set a short key: got %v, want an InvalidError", err)
	}
	if err := st.SetDeviceKey(ctx, legacy.ID, pub2); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Device(ctx, legacy.ID); got.Secret != "" || !got.PublicKey.Equal(pub2) {
		t.Errorf("moved device: got secret %q key %x, want none and %x", got.Secret, got.PublicKey, pub2)
	}
	if err := st.SetDeviceKey(ctx, "d_unknown", pub2); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("unknown device: got %v, want ErrNotFound", err)
	}
}

// A nonce is remembered for 10 minutes (twice the clock window): replayed
// within them it is refused; after them it is forgotten.
func contractNonceWindow(t *testing.T, open opener) {
	ctx := context.Background()
	clock := countytest.NewClock(t0)
	st := open(t, clock.Now)
	a, err := st.Enroll(ctx, mustCode(t, st, countytest.TestPoint), "a", "v")
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.Enroll(ctx, mustCode(t, st, countytest.TestPoint), "b", "v")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UseNonce(ctx, a.ID, "n1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Device(ctx, a.ID); !got.LastSeen.Equal(t0) {
		t.Errorf("last seen = %v, want %v", got.LastSeen, t0)
	}
	// Another device's nonce is its own.
	if err := st.UseNonce(ctx, b.ID, "n1"); err != nil {
		t.Errorf("same nonce, other device: got %v, want nil", err)
	}
	before := mustStats(t, st)
	clock.Add(4 * time.Minute)
	if err := st.UseNonce(ctx, a.ID, "n1"); !errors.Is(err, county.ErrReplayed) {
		t.Errorf("replay after 4 minutes: got %v, want ErrReplayed", err)
	}
	if after := mustStats(t, st); after != before {
		t.Errorf("a replay wrote: got %+v, want %+v", after, before)
	}
	if got, _ := st.Device(ctx, a.ID); !got.LastSeen.Equal(t0) {
		t.Errorf("last seen after a replay = %v, want %v", got.LastSeen, t0)
	}
	if err := st.UseNonce(ctx, a.ID, "n2"); err != nil {
		t.Fatal(err)
	}
	clock.Add(7 * time.Minute)
	// The request of +11 minutes prunes what is older than +1.
	if err := st.UseNonce(ctx, a.ID, "n3"); err != nil {
		t.Fatal(err)
	}
	if s := mustStats(t, st); s.Nonces != 2 {
		t.Errorf("nonces = %d after 11 minutes, want 2 (n2, n3)", s.Nonces)
	}
	if err := st.UseNonce(ctx, a.ID, "n1"); err != nil {
		t.Errorf("n1 after 11 minutes: got %v, want nil (its timestamp is refused by then)", err)
	}
	if got, _ := st.Device(ctx, a.ID); !got.LastSeen.Equal(clock.Now()) {
		t.Errorf("last seen = %v, want %v", got.LastSeen, clock.Now())
	}
}

// The same request twice at once (a retry crossing the original): it is
// served once, whichever countyd instance or connection each reaches.
func contractNonceRace(t *testing.T, open opener) {
	ctx := context.Background()
	st := open(t, countytest.NewClock(t0).Now)
	d, err := st.Enroll(ctx, mustCode(t, st, countytest.TestPoint), "h", "v")
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 20; round++ {
		nonce := "race-" + string(rune('a'+round))
		errs := race(2, func(int) error { return st.UseNonce(ctx, d.ID, nonce) })
		if n := wins(t, errs, county.ErrReplayed); n != 1 {
			t.Fatalf("round %d: nonce used %d times, want 1 (%v)", round, n, errs)
		}
	}
	if s := mustStats(t, st); s.Nonces != 20 {
		t.Errorf("nonces = %d, want 20", s.Nonces)
	}
}

func contractRevoke(t *testing.T, open opener) {
	ctx := context.Background()
	clock := countytest.NewClock(t0)
	st := open(t, clock.Now)
	d, err := st.Enroll(ctx, mustCode(t, st, countytest.TestPoint), "h", "v")
	if err != nil {
		t.Fatal(err)
	}
	before := mustStats(t, st)
	if err := st.RevokeDevice(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	// The hall hears of it through its feed, in the same transaction.
	if got := mustStats(t, st).Feed; got != before.Feed+1 {
		t.Errorf("feed items = %d after a revocation, want %d", got, before.Feed+1)
	}
	clock.Add(time.Hour)
	if err := st.RevokeDevice(ctx, d.ID); err != nil {
		t.Errorf("revoke again: got %v, want nil", err)
	}
	got, err := st.Device(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Revoked.Equal(t0) {
		t.Errorf("revoked = %v after revoking twice, want the first time %v", got.Revoked, t0)
	}
	before = mustStats(t, st)
	if err := st.RevokeDevice(ctx, "d_unknown"); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("unknown device: got %v, want ErrNotFound", err)
	}
	if after := mustStats(t, st); after != before {
		t.Errorf("revoking an unknown device wrote: got %+v, want %+v", after, before)
	}
}

func contractDeviceList(t *testing.T, open opener) {
	ctx := context.Background()
	clock := countytest.NewClock(t0)
	st := open(t, clock.Now)
	enroll := func(p county.ServicePoint, host string) county.Device {
		clock.Add(time.Minute)
		d, err := st.Enroll(ctx, mustCode(t, st, p), host, "v")
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	// otherPoint's code sorts after TestPoint's: listed by point first,
	// then by enrollment.
	enroll(otherPoint, "o1")
	t1 := enroll(countytest.TestPoint, "t1")
	enroll(countytest.TestPoint, "t2")
	if err := st.RevokeDevice(ctx, t1.ID); err != nil {
		t.Fatal(err)
	}
	list, err := st.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range list {
		got = append(got, d.Hostname)
		if d.Secret != "" {
			t.Errorf("device %s listed with its secret", d.Hostname)
		}
		if d.Events != 0 {
			t.Errorf("device %s: %d events, want 0", d.Hostname, d.Events)
		}
		if revoked := !d.Revoked.IsZero(); revoked != (d.ID == t1.ID) {
			t.Errorf("device %s revoked %v", d.Hostname, revoked)
		}
	}
	if want := []string{"t1", "t2", "o1"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("devices = %v, want %v", got, want)
	}
}

// race runs fn n times at once (released together) and returns the errors.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

// wins counts the nil errors; every other must be lost.
func wins(t *testing.T, errs []error, lost error) int {
	t.Helper()
	n := 0
	for _, err := range errs {
		switch {
		case err == nil:
			n++
		case !errors.Is(err, lost):
			t.Errorf("got %v, want nil or %v", err, lost)
		}
	}
	return n
}
