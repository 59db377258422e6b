package county_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
	"github.com/yichuang/yichuang/sync/protocol"
	"github.com/yichuang/yichuang/sync/ratelimit"
	"github.com/yichuang/yichuang/sync/ratelimit/ratelimittest"
)

// openPG opens the county store on dsn as one more countyd instance would.
func openPG(t *testing.T, dsn, dir string) *county.Postgres {
	t.Helper()
	st, err := county.OpenPostgres(context.Background(), dsn, county.PostgresOptions{SecretsKey: filepath.Join(dir, "secrets.key")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// The database's buckets count as the limiter in memory does, step for
// step (the same script, the same answers).
func TestPostgresRateLimitsConform(t *testing.T) {
	st := openPG(t, pgtest.Database(t), t.TempDir())
	ratelimittest.Conforms(t, county.SharedRateLimits(st), "conform:")
}

// Goroutines on two instances racing for one key's burst: never more than
// the burst passes, however the statements interleave.
func TestSharedLimitRaceAcrossInstances(t *testing.T) {
	dsn, dir := pgtest.Database(t), t.TempDir()
	a, b := openPG(t, dsn, dir), openPG(t, dsn, dir)
	const burst = 5
	lims := []*ratelimit.Shared{
		{Every: time.Hour, Burst: burst, Prefix: "race:", Store: county.SharedRateLimits(a)},
		{Every: time.Hour, Burst: burst, Prefix: "race:", Store: county.SharedRateLimits(b)},
	}
	now := time.Now()
	for round := range 5 {
		key := string(rune('a' + round))
		var passed atomic.Int32
		var wg sync.WaitGroup
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, _, err := lims[i%2].Allow(context.Background(), key, now)
				if err != nil {
					t.Error(err)
				}
				if ok {
					passed.Add(1)
				}
			}()
		}
		wg.Wait()
		if got := passed.Load(); got != burst {
			t.Errorf("round %d: got %d tries through, want %d (the burst)", round, got, burst)
		}
	}
}

// A bucket full again before now carries nothing, so its row goes; one
// still filling stays.
func TestSharedLimitRowsArePruned(t *testing.T) {
	dsn := pgtest.Database(t)
	st := county.SharedRateLimits(openPG(t, dsn, t.TempDir()))
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	step := ratelimit.Step{Cost: time.Minute, Room: time.Hour, Keep: true}
	for _, k := range []string{"old", "live"} {
		if _, _, err := st.Take(ctx, k, step, t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := st.Take(ctx, "live", ratelimit.Step{Cost: 5 * time.Hour, Room: 1 << 62, Keep: true}, t0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Take(ctx, "new", step, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for key, want := range map[string]int{"old": 0, "live": 1, "new": 1} {
		var got int
		if err := db.QueryRow(`SELECT count(*) FROM rate_limits WHERE key = $1`, key).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("rows of %q after a prune: got %d, want %d", key, got, want)
		}
	}
}

// Forged signatures and wrong enrollment codes sent in turn to two
// instances on one PostgreSQL are refused after the same number of tries
// as one instance refuses them (TestRateLimits): an attacker behind a load
// balancer does not get a budget per instance.
func TestLimitsHoldAcrossInstances(t *testing.T) {
	dsn, dir := pgtest.Database(t), t.TempDir()
	lim := county.Limits{FailuresEvery: time.Hour, FailuresBurst: 5, EnrollEvery: time.Hour, EnrollBurst: 3}
	a := countytest.Start(t, countytest.Options{Dir: dir, DatabaseURL: dsn, Limits: lim})
	b := countytest.Start(t, countytest.Options{Dir: dir, DatabaseURL: dsn, Limits: lim})
	instances := []*countytest.County{a, b}
	dev, _ := a.Enroll(t, countytest.TestPoint)
	forge := func(c *countytest.County) int {
		req, _ := http.NewRequest("GET", c.URL+"/api/v1/feed", nil)
		countytest.Sign(req, dev, "forged", nil, time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range lim.FailuresBurst {
		if got := forge(instances[i%2]); got != http.StatusUnauthorized {
			t.Fatalf("forgery %d: got %d, want 401", i+1, got)
		}
	}
	for i, c := range instances {
		if got := forge(c); got != http.StatusTooManyRequests {
			t.Errorf("instance %d after %d forgeries on both: got %d, want 429", i, lim.FailuresBurst, got)
		}
	}

	guess, _ := json.Marshal(protocol.EnrollRequest{Code: "ABCD-EFGH-JKLM"})
	enroll := func(c *countytest.County) int {
		resp, err := http.Post(c.URL+"/api/v1/enroll", "application/json", bytes.NewReader(guess))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range lim.EnrollBurst {
		if got := enroll(instances[i%2]); got != http.StatusForbidden {
			t.Fatalf("wrong code %d: got %d, want 403", i+1, got)
		}
	}
	for i, c := range instances {
		if got := enroll(c); got != http.StatusTooManyRequests {
			t.Errorf("instance %d after %d wrong codes on both: got %d, want 429", i, lim.EnrollBurst, got)
		}
	}
}
