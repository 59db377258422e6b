package county_test

import (
	"context"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/workday"
)

// BenchmarkDashboard is the dashboard's two reads of the rollup (issue 20:
// p95 ≤ 300 ms at 1M cases) over the bench county of benchCounty — the
// last 30 days, 91 days and 365 days: the figures per point and matter,
// and the trend per day (per month for the year).
// A county generated before 0014 is back-filled when it is opened, so the
// first run at a size also times the migration (logged).
//
//	YICHUANG_BENCH_CASES=1000000 YICHUANG_BENCH_DIR=/tmp/county1m \
//	  go test -tags sqlite_fts5,no_emoji -run '^$' -bench Dashboard -benchtime 50x ./sync/countyd/county/
func BenchmarkDashboard(b *testing.B) {
	st, _, clock := benchCounty(b)
	ctx := context.Background()
	end := clock.Now().In(workday.China)
	for _, p := range []struct {
		name string
		days int
	}{{"month", 30}, {"quarter", 91}, {"year", 365}} {
		from := end.AddDate(0, 0, -p.days).Format(time.DateOnly)
		to := end.Format(time.DateOnly)
		b.Run(p.name, func(b *testing.B) {
			var worst time.Duration
			for range b.N {
				began := time.Now()
				gs, err := st.FigureGroups(ctx, from, to)
				if err != nil {
					b.Fatal(err)
				}
				ds, err := st.FigureTrend(ctx, from, to, p.days > 92)
				if err != nil {
					b.Fatal(err)
				}
				if len(gs) == 0 || len(ds) == 0 {
					b.Fatalf("no figures from %s to %s", from, to)
				}
				worst = max(worst, time.Since(began))
			}
			b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
		})
	}
}
