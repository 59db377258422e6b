package county_test

import (
	"context"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/workday"
)

// BenchmarkDashboard is the dashboard's two reads of the rollup (issue 20:
// p95 ≤ 300 ms at 1M cases) over the bench county of benchCounty — the
// last whole month, quarter and year, and a rolling 30 days: the figures
// per point and matter, and the county's trend per day.
// worst-ms is the slowest of the b.N runs, cpu-ms/op the process's CPU
// time per page's reads (on a shared machine the wall time is mostly the
// other loads').
// A county generated before 0014 is back-filled when it is opened, so the
// first run at a size also times the migration (logged).
//
//	YICHUANG_BENCH_CASES=1000000 YICHUANG_BENCH_DIR=/tmp/county1m \
//	  go test -tags sqlite_fts5,no_emoji -run '^$' -bench Dashboard -benchtime 50x ./sync/countyd/county/
func BenchmarkDashboard(b *testing.B) {
	st, _, clock := benchCounty(b)
	ctx := context.Background()
	// The periods a county asks for: the last whole month, quarter and
	// year before the bench county's last day (the form's default is a
	// whole month), and a rolling 30 days, which reads days at both ends.
	last := clock.Now().In(workday.China).AddDate(0, 0, -2)
	monthEnd := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, workday.China).AddDate(0, 0, -1)
	monthStart := func(back int) time.Time {
		return time.Date(monthEnd.Year(), monthEnd.Month(), 1, 0, 0, 0, 0, workday.China).AddDate(0, -back, 0)
	}
	for _, p := range []struct {
		name     string
		from, to time.Time
	}{
		{"month", monthStart(0), monthEnd},
		{"quarter", monthStart(2), monthEnd},
		{"year", monthStart(11), monthEnd},
		{"30days", last.AddDate(0, 0, -29), last},
	} {
		from, to := p.from.Format(time.DateOnly), p.to.Format(time.DateOnly)
		b.Run(p.name, func(b *testing.B) {
			var worst, cpu time.Duration
			for range b.N {
				began, c0 := time.Now(), cpuTime()
				gs, err := st.FigureGroups(ctx, from, to)
				if err != nil {
					b.Fatal(err)
				}
				ds, err := st.FigureTrend(ctx, from, to)
				if err != nil {
					b.Fatal(err)
				}
				if len(gs) == 0 || len(ds) == 0 {
					b.Fatalf("no figures from %s to %s", from, to)
				}
				worst = max(worst, time.Since(began))
				cpu += cpuTime() - c0
			}
			b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
			// CPU time follows the work, not the other loads of a shared
			// machine (as BenchmarkIngest reports it).
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
