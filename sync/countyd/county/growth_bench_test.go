package county_test

import (
	"context"
	"fmt"
	"github.com/yichuang/yichuang/sync/growthbench"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Growth measurement of issue 18 for the county, driven by app/internal/benchgrowth
// (make bench-growth); it does nothing unless YICHUANG_GROWTH_COUNTY is set.
//
//	YICHUANG_GROWTH_COUNTY  cases of the county to measure (one size per process:
//	                        tracking codes come from one sequence per process)
//	YICHUANG_GROWTH_DIR     cache; the county lives in DIR/county-N/county.db
//	YICHUANG_GROWTH_OUT     JSON lines, one per operation, appended
//
// The county is growthCounty's (generated through Apply as 20 kiosks push
// a year of cases' lives, about 4.9 events a case, kept with a marker and
// reused; the cache directory names the generator's version); each page is
// measured pageRuns times, ingest by ingestPushes pushes of 500. The ingest
// pushes stay in the cached county (5,000 cases a run).

func BenchmarkGrowthCounty(b *testing.B) {
	n, dir, out := growthbench.Setup(b, "YICHUANG_GROWTH_COUNTY", fmt.Sprintf("county-g%d", growthGen), 1000)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	began := time.Now()
	st, devs, clock := growthCounty(b, n, dir)
	b.Logf("county of %d cases ready in %v", n, time.Since(began))
	// Tracking codes come from one sequence per process, which skips
	// unusable codes: the last code a run drew (the generation's, then each
	// measurement's) is kept beside the county, and this run draws past it
	// first, or a new case would take an earlier run's code
	// (tracking_taken).
	seqFile := filepath.Join(dir, "growth-last-code")
	if err := passDrawnCodes(ctx, st, seqFile); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_, code := countytest.NewCase(devs[0].Point.Code)
		if err := os.WriteFile(seqFile, []byte(code), 0o600); err != nil {
			b.Error(err)
		}
	}()
	rows, err := measureCounty(ctx, st, devs[0], clock, n, filepath.Join(dir, "county.db"))
	if err != nil {
		b.Fatal(err)
	}
	if err := growthbench.Append(out, rows...); err != nil {
		b.Fatal(err)
	}
}

// ingestPushes is how many pushes of 500 the ingest is measured over.
const ingestPushes = 20

// pageRuns is how often each office page's query runs at a size: enough
// for its p95 to be a run of its own.
const pageRuns = 50

func measureCounty(ctx context.Context, st *county.SQLite, dev county.Device, clock *countytest.Clock, n int, path string) ([]growthbench.Row, error) {
	row := func(op string) growthbench.Row { return growthbench.Row{Side: "county", Size: n, Op: op} }
	var rows []growthbench.Row
	stats, err := st.Stats(ctx)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	cs, evs := row("held_cases"), row("held_events")
	cs.Unit, evs.Unit = "count", "count"
	cs.Runs, evs.Runs = []float64{float64(stats.Cases)}, []float64{float64(stats.Applied)}
	rows = append(rows, cs, evs)
	if fi, err := os.Stat(path); err == nil {
		size := row("file_mb")
		size.Unit = "MB"
		size.Runs = []float64{float64(fi.Size()) / (1 << 20)}
		rows = append(rows, size)
	}

	timeN := func(op string, runs, pct int, f func() error) error {
		r := row(op)
		r.Pct = pct
		for range runs {
			start := time.Now()
			if err := f(); err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			r.Runs = append(r.Runs, float64(time.Since(start).Microseconds())/1000)
		}
		rows = append(rows, r)
		return nil
	}
	// The office's case list, first page, each filter it offers (the same
	// list as BenchmarkOfficePages), pageRuns times for the goal's p95.
	for _, tc := range officePageFilters(clock.Now()) {
		if err := timeN("cases_"+tc.name, pageRuns, 95, func() error {
			_, _, err := st.CasePage(ctx, tc.f)
			return err
		}); err != nil {
			return nil, err
		}
	}
	if err := timeN("matters", pageRuns, 95, func() error {
		_, err := st.CaseMatterCodes(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	if err := timeN("fleet", pageRuns, 95, func() error {
		_, err := st.Devices(ctx)
		return err
	}); err != nil {
		return nil, err
	}

	// Ingest: BenchmarkIngestAtSize's push (500 events, half new cases,
	// half a second version of one of them), ingestPushes times back to
	// back, as events/s a push and over them all (the checkpointer folds
	// the WAL beside them, so a short run would leave its work out). The
	// CPU time per event beside it: on a shared machine wall time follows
	// the other loads.
	ingest, cpu, sustained := row("ingest"), row("ingest_cpu"), row("ingest_sustained")
	ingest.Unit, cpu.Unit, sustained.Unit = "events/s", "cpu-µs/event", "events/s"
	var ids, trs []string
	pushes := make([][]protocol.Event, ingestPushes)
	for i := range pushes {
		pushes[i] = ingestPush(dev, clock.Now(), i, &ids, &trs)
	}
	began, events := time.Now(), 0
	for _, evs := range pushes {
		start, c0 := time.Now(), cpuTime()
		if err := applyAll(ctx, st, dev, evs); err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
		ingest.Runs = append(ingest.Runs, float64(len(evs))/time.Since(start).Seconds())
		cpu.Runs = append(cpu.Runs, float64((cpuTime()-c0).Microseconds())/float64(len(evs)))
		events += len(evs)
	}
	sustained.Runs = []float64{float64(events) / time.Since(began).Seconds()}
	rows = append(rows, sustained)
	rows = append(rows, ingest, cpu)
	return rows, nil
}

// passDrawnCodes draws tracking codes until past the one in seqFile. A
// county generated before that file existed had one run only, which drew
// fewer codes than twice the cases it holds.
func passDrawnCodes(ctx context.Context, st *county.SQLite, seqFile string) error {
	last, err := os.ReadFile(seqFile)
	if os.IsNotExist(err) {
		stats, err := st.Stats(ctx)
		if err != nil {
			return err
		}
		for range stats.Cases {
			countytest.NewCase(countytest.TestPoint.Code)
		}
		return nil
	}
	if err != nil {
		return err
	}
	past, err := protocol.ParseTracking(string(last))
	if err != nil {
		return fmt.Errorf("%s: %w", seqFile, err)
	}
	for {
		_, code := countytest.NewCase(countytest.TestPoint.Code)
		p, err := protocol.ParseTracking(code)
		if err != nil {
			return err
		}
		if p.Day.After(past.Day) || (p.Day.Equal(past.Day) && p.Seq > past.Seq) {
			return nil
		}
	}
}
