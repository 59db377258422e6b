package county_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
)

// BenchmarkDashboard is the dashboard's two reads of the rollup (issue 20:
// p95 ≤ 300 ms at 1M cases) on both stores, over the rollup of the density
// a million cases a year make (county.MillionCases, rollupgen_test.go) —
// the last whole month, quarter and year, and a rolling 30 days: the
// figures per point and matter, and the county's trend per day.
// p95-ms is the run 95 % of the b.N runs were no slower than, worst-ms the
// slowest, cpu-ms/op the CPU time per page's reads: this process's and, on PostgreSQL, the server's too (its
// postmaster's and their children's, parallel workers included) — on a
// shared machine the wall time is mostly the other loads'.
// PostgreSQL is a server of its own with the default settings
// (pgtest.Durable, as the load tests use). The SQLite rollup is kept in
// YICHUANG_BENCH_DIR when set; the PostgreSQL one is written each run
// (about a minute). YICHUANG_BENCH_ROUNDS runs the stores' sub-benchmarks
// that many times, interleaved (sqlite, postgres, sqlite, …);
// YICHUANG_BENCH_PG_WORK_MEM (e.g. 32MB) sets PostgreSQL's work_mem for
// the reads' connections (FigureGroups sets its own for its transaction,
// so this reaches the trend read only).
//
//	YICHUANG_BENCH_ROUNDS=2 YICHUANG_BENCH_DIR=/tmp/rollup1m \
//	  go test -tags sqlite_fts5,no_emoji -run '^$' -bench Dashboard -benchtime 50x -timeout 30m ./sync/countyd/county/
func BenchmarkDashboard(b *testing.B) {
	ctx := context.Background()
	spec := county.MillionCases
	type store struct {
		name string
		st   county.Figures
		cpu  func() time.Duration
	}
	stores := []store{
		{"sqlite", rollupSQLite(b, spec), cpuTime},
	}
	pg, postmaster := rollupPostgres(b, spec)
	stores = append(stores, store{"postgres", pg, func() time.Duration { return cpuTime() + pgServerCPU(postmaster) }})

	// The periods a county asks for: the last whole month, quarter and
	// year before the rollup's last day (the form's default is a whole
	// month), and a rolling 30 days, which reads days at both ends.
	last, err := time.ParseInLocation(time.DateOnly, spec.To, workday.China)
	if err != nil {
		b.Fatal(err)
	}
	monthEnd := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, workday.China).AddDate(0, 0, -1)
	monthStart := func(back int) time.Time {
		return time.Date(monthEnd.Year(), monthEnd.Month(), 1, 0, 0, 0, 0, workday.China).AddDate(0, -back, 0)
	}
	periods := []struct {
		name     string
		from, to time.Time
	}{
		{"month", monthStart(0), monthEnd},
		{"quarter", monthStart(2), monthEnd},
		{"year", monthStart(11), monthEnd},
		{"30days", last.AddDate(0, 0, -29), last},
	}
	for _, p := range periods {
		logPGPlans(b, pg, p.name, p.from.Format(time.DateOnly), p.to.Format(time.DateOnly))
	}
	rounds := 1
	if v := os.Getenv("YICHUANG_BENCH_ROUNDS"); v != "" {
		if rounds, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	for range rounds {
		for _, s := range stores {
			for _, p := range periods {
				from, to := p.from.Format(time.DateOnly), p.to.Format(time.DateOnly)
				b.Run(s.name+"/"+p.name, func(b *testing.B) {
					var cpu time.Duration
					took := make([]time.Duration, 0, b.N)
					for range b.N {
						began, c0 := time.Now(), s.cpu()
						gs, err := s.st.FigureGroups(ctx, from, to)
						if err != nil {
							b.Fatal(err)
						}
						ds, err := s.st.FigureTrend(ctx, from, to)
						if err != nil {
							b.Fatal(err)
						}
						if len(gs) == 0 || len(ds) == 0 {
							b.Fatalf("no figures from %s to %s", from, to)
						}
						took = append(took, time.Since(began))
						cpu += s.cpu() - c0
					}
					slices.Sort(took)
					// p95 is the goal's measure (issue 20): the run that 95 %
					// of the runs were no slower than.
					p95 := took[max(0, (len(took)*95+99)/100-1)]
					b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
					b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "worst-ms")
					// CPU time follows the work, not the other loads of a
					// shared machine (as BenchmarkIngest reports it).
					b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
				})
			}
		}
	}
}

// rollupSQLite is a county holding only spec's rollup, kept in
// YICHUANG_BENCH_DIR (when set) for the next run.
func rollupSQLite(b *testing.B, spec county.RollupSpec) *county.SQLite {
	b.Helper()
	ctx := context.Background()
	dir := os.Getenv("YICHUANG_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	marker := filepath.Join(dir, "rollup-generated-"+spec.From+"-"+spec.To)
	_, err := os.Stat(marker)
	generated := err == nil
	st, err := county.OpenSQLite(ctx, filepath.Join(dir, "rollup.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if generated {
		return st
	}
	began := time.Now()
	n, err := county.GenerateRollupSQLite(ctx, st, spec)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("sqlite: wrote %d day rows, %d month rows, %d county days (%d cases accepted) in %v",
		n.Daily, n.Monthly, n.Days, n.Accepted, time.Since(began).Round(time.Second))
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return st
}

// rollupPostgres is a county on a server of its own holding only spec's
// rollup, and the server's postmaster (for its CPU time).
func rollupPostgres(b *testing.B, spec county.RollupSpec) (*county.Postgres, int) {
	b.Helper()
	ctx := context.Background()
	dsn := pgtest.Durable(b, "dashboard")
	if v := os.Getenv("YICHUANG_BENCH_PG_WORK_MEM"); v != "" {
		// The server's default is 4MB, with which a year's grouping
		// sorts on disk; a county server may be given more.
		dsn += "&work_mem=" + v
	}
	st, err := county.OpenPostgres(ctx, dsn, county.PostgresOptions{SecretsKey: filepath.Join(b.TempDir(), "secrets.key")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	began := time.Now()
	n, err := county.GenerateRollupPostgres(ctx, st, spec)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("postgres: wrote %d day rows, %d month rows, %d county days (%d cases accepted) in %v",
		n.Daily, n.Monthly, n.Days, n.Accepted, time.Since(began).Round(time.Second))
	var backend int
	if err := st.DB().QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		b.Fatal(err)
	}
	return st, parentPID(backend)
}

// logPGPlans logs how PostgreSQL runs the dashboard's queries over the
// generated rollup, with its statistics and default settings.
func logPGPlans(b *testing.B, st *county.Postgres, period, from, to string) {
	ctx := context.Background()
	reads, err := county.FigureReads(from, to)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range reads {
		rows, err := st.DB().QueryContext(ctx, "EXPLAIN (ANALYZE, COSTS OFF) "+r.Query, r.From, r.To)
		if err != nil {
			b.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				b.Fatal(err)
			}
			plan = append(plan, strings.TrimSpace(l))
		}
		rows.Close()
		b.Logf("postgres %s: %s %s..%s: %s", period, r.Name, r.From, r.To, strings.Join(plan, " | "))
	}
}
