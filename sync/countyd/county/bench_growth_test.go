package county_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// The county at size (issue 18): a database of YICHUANG_BENCH_CASES cases
// (default 20,000) from 20 points, generated through Apply as kiosks push
// them — a year of cases, 88 % completed, 6 % open, 3 % 容缺 deferred, 3 %
// rejected; two of 300 matters each; a fifth of the cases with a second
// event — and kept in YICHUANG_BENCH_DIR (default a temporary directory)
// so that the measurements run again without generating again.
//
//	YICHUANG_BENCH_CASES=200000 YICHUANG_BENCH_DIR=/tmp/county200k \
//	  go test -tags sqlite_fts5,no_emoji -run '^$' -bench 'OfficePages|IngestAtSize' -benchtime 20x ./sync/countyd/county/
func benchCounty(b *testing.B) (*county.SQLite, []county.Device, *countytest.Clock) {
	b.Helper()
	ctx := context.Background()
	n := 20000
	if v := os.Getenv("YICHUANG_BENCH_CASES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	dir := os.Getenv("YICHUANG_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	marker := filepath.Join(dir, fmt.Sprintf("generated-%d", n))
	_, err := os.Stat(marker)
	generated := err == nil
	start := time.Date(2025, 11, 1, 9, 0, 0, 0, time.UTC)
	perDay := max(n/365, 1)
	end := start.Add(time.Duration(n/perDay+1) * 24 * time.Hour)
	clock := countytest.NewClock(start)
	if generated {
		clock.Set(end)
	}
	opened := time.Now()
	st, err := county.OpenSQLite(ctx, filepath.Join(dir, "county.db"), county.WithClock(clock.Now))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if generated {
		b.Logf("opened %d cases in %v (migrations included)", n, time.Since(opened))
		// Tracking codes come from one sequence per process: pass the
		// ones the generation and earlier ingest runs used (one per case
		// held), so new cases do not take them again.
		stats, err := st.Stats(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for range stats.Cases {
			countytest.NewCase(countytest.TestPoint.Code)
		}
		ds, err := st.Devices(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for i := range ds {
			if ds[i], err = st.Device(ctx, ds[i].ID); err != nil {
				b.Fatal(err)
			}
		}
		return st, ds, clock
	}
	var devs []county.Device
	for p := range 20 {
		pt := county.ServicePoint{Code: fmt.Sprintf("3305221%02d000", p+1), Name: fmt.Sprintf("第%d便民服务中心", p+1), Level: county.LevelTownship}
		code, err := st.CreateEnrollCode(ctx, pt)
		if err != nil {
			b.Fatal(err)
		}
		d, err := st.Enroll(ctx, code.Code, "bench", "bench")
		if err != nil {
			b.Fatal(err)
		}
		devs = append(devs, d)
	}
	type held struct{ id, tracking, status string }
	recent := make([][]held, len(devs))
	began := time.Now()
	events := 0
	for made, push := 0, 0; made < n; push++ {
		// A push a day per point, each day of the year in turn.
		clock.Set(start.Add(time.Duration(made/perDay) * 24 * time.Hour))
		p := push % len(devs)
		dev := devs[p]
		var evs []protocol.Event
		// A fifth of the last push's cases of this point get a second event.
		for i, h := range recent[p] {
			if i%5 == 0 {
				evs = append(evs, benchCase(h.id, h.tracking, dev.Point.Code, 2, h.status, made+i, clock.Now()))
			}
		}
		recent[p] = recent[p][:0]
		for len(evs) < protocol.MaxBatch && made < n {
			id, tr := countytest.NewCase(dev.Point.Code)
			status := "completed"
			switch made % 100 {
			case 0, 1, 2, 3, 4, 5:
				status = "accepted"
			case 6, 7, 8:
				status = "deferred"
			case 9, 10, 11:
				status = "rejected"
			}
			evs = append(evs, benchCase(id, tr, dev.Point.Code, 1, status, made, clock.Now()))
			recent[p] = append(recent[p], held{id, tr, status})
			made++
		}
		if err := applyAll(ctx, st, dev, evs); err != nil {
			b.Fatal(err)
		}
		events += len(evs)
	}
	b.Logf("generated %d cases, %d events in %v", n, events, time.Since(began))
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		b.Fatal(err)
	}
	clock.Set(end)
	return st, devs, clock
}

// benchCase is a case event of the bench county: matters and due date by
// its number k.
func benchCase(id, tracking, point string, version int, status string, k int, now time.Time) protocol.Event {
	ev := shapedCase(id, tracking, version, status, func(d map[string]any) {
		d["service_point"] = point
		d["matters"] = []string{fmt.Sprintf("330000-SS-%04d", k%300), fmt.Sprintf("330000-XK-%04d", (k/7)%300)}
		d["accepted"] = now.Format(time.RFC3339)
		d["due"] = now.AddDate(0, 0, 20).Format(time.RFC3339)
		if status == "deferred" {
			d["supplement_by"] = now.AddDate(0, 0, 10).Format(time.RFC3339)
		}
	})
	if version > 1 {
		ev.Kind = "case.supplemented"
	}
	return ev
}

// pageFilter is one of the office case list's filters, first page.
type pageFilter struct {
	name string
	f    county.CasePageFilter
}

// officePageFilters are the case list's filters as the office offers them,
// on the day now: what BenchmarkOfficePages and the growth table time.
func officePageFilters(now time.Time) []pageFilter {
	today := now.Format(time.DateOnly)
	soon := now.AddDate(0, 0, 3).Format(time.DateOnly)
	fs := []pageFilter{
		{"all", county.CasePageFilter{}},
		{"point", county.CasePageFilter{Point: "330522105000"}},
		{"matter", county.CasePageFilter{Matter: "330000-SS-0042"}},
		{"status_completed", county.CasePageFilter{Status: "completed"}},
		{"status_accepted", county.CasePageFilter{Status: "accepted"}},
		{"open", county.CasePageFilter{Deadline: county.DueOpen}},
		{"overdue", county.CasePageFilter{Deadline: county.DueOverdue, Today: today}},
		{"soon", county.CasePageFilter{Deadline: county.DueSoon, Today: today, SoonDay: soon}},
		{"paused", county.CasePageFilter{Deadline: county.DuePaused}},
		{"lapsed", county.CasePageFilter{Deadline: county.DueLapsed, Today: today}},
	}
	for i := range fs {
		fs[i].f.Limit = 50
	}
	return fs
}

// ingestPush is BenchmarkIngest's push at size: protocol.MaxBatch events,
// every other one a new case of dev's point, the rest version round+2 of
// one of the cases earlier pushes made (ids, trs: they grow).
func ingestPush(dev county.Device, now time.Time, round int, ids, trs *[]string) []protocol.Event {
	evs := make([]protocol.Event, 0, protocol.MaxBatch)
	for len(evs) < protocol.MaxBatch {
		if len(*ids) > 0 && len(evs)%2 == 1 {
			j := len(evs) % len(*ids)
			// k as when it was made (j+1): a later event keeps the case's
			// matters, as a kiosk's does.
			evs = append(evs, benchCase((*ids)[j], (*trs)[j], dev.Point.Code, 2+round, "accepted", j+1, now))
			continue
		}
		id, tr := countytest.NewCase(dev.Point.Code)
		*ids, *trs = append(*ids, id), append(*trs, tr)
		evs = append(evs, benchCase(id, tr, dev.Point.Code, 1, "accepted", len(*ids), now))
	}
	return evs
}

// BenchmarkOfficePages measures the first page of each case list filter,
// the matter list and the fleet page's devices at size.
func BenchmarkOfficePages(b *testing.B) {
	st, _, clock := benchCounty(b)
	ctx := context.Background()
	for _, tc := range officePageFilters(clock.Now()) {
		b.Run("cases_"+tc.name, func(b *testing.B) {
			for range b.N {
				if _, _, err := st.CasePage(ctx, tc.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("matters", func(b *testing.B) {
		for range b.N {
			if _, err := st.CaseMatterCodes(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fleet", func(b *testing.B) {
		for range b.N {
			if _, err := st.Devices(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkIngestAtSize is BenchmarkIngest's push (500 events, half new
// cases) into the county at size, through Apply.
func BenchmarkIngestAtSize(b *testing.B) {
	st, devs, clock := benchCounty(b)
	ctx := context.Background()
	dev := devs[0]
	var ids, trs []string
	var cpu time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		evs := ingestPush(dev, clock.Now(), i, &ids, &trs)
		b.StartTimer()
		c0 := cpuTime()
		if err := applyAll(ctx, st, dev, evs); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*protocol.MaxBatch)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*protocol.MaxBatch), "cpu-µs/event")
}

// applyAll applies a push and wants every event applied.
func applyAll(ctx context.Context, st *county.SQLite, dev county.Device, evs []protocol.Event) error {
	rs, err := st.Apply(ctx, dev, evs)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.Status != protocol.Applied {
			return fmt.Errorf("event %s: %s %v", r.ID, r.Status, r.Error)
		}
	}
	return nil
}
