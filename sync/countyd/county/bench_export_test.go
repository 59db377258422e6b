package county_test

import (
	"context"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county"
)

// BenchmarkExportAtSize reads a whole filtered case list the way the back
// office's export does (every row, 200 at a time in the list's keyset
// order), and a month's CaseCounts for the monthly report, in the county at
// size (benchCounty: YICHUANG_BENCH_CASES, YICHUANG_BENCH_DIR). At 20,000
// cases on a shared 2-core machine: every case 0.33–0.67 s, the 17,600
// completed ones 0.35–0.71 s, a point's 1,220 in 17–36 ms; a month's counts
// (1,580 cases) in 1.6–8.7 ms. Skipping the per-page count (≤ CaseCountCap
// index entries) changed nothing measurable, so exports keep CasePage as is.
func BenchmarkExportAtSize(b *testing.B) {
	st, _, clock := benchCounty(b)
	ctx := context.Background()
	for _, tc := range officePageFilters(clock.Now()) {
		if tc.name != "all" && tc.name != "point" && tc.name != "status_completed" && tc.name != "open" {
			continue
		}
		b.Run("cases_"+tc.name, func(b *testing.B) {
			rows := 0
			for range b.N {
				f := tc.f
				f.Limit = 200
				rows = 0
				for {
					list, _, err := st.CasePage(ctx, f)
					if err != nil {
						b.Fatal(err)
					}
					rows += len(list)
					if len(list) < f.Limit {
						break
					}
					f.After = list[len(list)-1].CountyCase
				}
			}
			b.ReportMetric(float64(rows), "rows")
		})
	}
	b.Run("month_counts", func(b *testing.B) {
		to := clock.Now()
		from := to.AddDate(0, -1, 0)
		var counts []county.CaseCount
		for range b.N {
			var err error
			if counts, err = st.CaseCounts(ctx, from, to); err != nil {
				b.Fatal(err)
			}
		}
		n := 0
		for _, c := range counts {
			n += c.Cases
		}
		b.ReportMetric(float64(n), "cases")
	})
}
