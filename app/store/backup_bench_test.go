package store

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// casesDB opens a database in dir holding n cases accepted through
// CreateCase, the counter's own path. Generation runs without fsync (the
// writer connection is the pool's only one); measuring runs with FULL again.
func casesDB(tb testing.TB, dir string, n int) *DB {
	tb.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(dir, "kiosk.db"), Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	unlocked(tb, db)
	if err := db.SetDeviceNumber(ctx, 2); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `PRAGMA synchronous=OFF`); err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < n; i++ {
		c := sampleCase()
		if _, err := db.CreateCase(ctx, c, c.Clerk); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := db.w.ExecContext(ctx, `PRAGMA synchronous=FULL`); err != nil {
		tb.Fatal(err)
	}
	return db
}

// BenchmarkCommitDuringBackup takes a backup of a database of
// YICHUANG_BENCH_CASES cases (2,000 unless set) as DailyBackup does
// (backupBeside: below the counter's priority) while a clerk keeps
// accepting cases, and reports the longest and the 99th-percentile commit
// during the backup and how long the backup took (docs/performance.md).
func BenchmarkCommitDuringBackup(b *testing.B) {
	n := 2000
	if s := os.Getenv("YICHUANG_BENCH_CASES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	dir := b.TempDir()
	db := casesDB(b, dir, n)
	var lat []time.Duration
	var took time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var done atomic.Bool
		errc := make(chan error, 1)
		start := time.Now()
		go func() {
			errc <- db.backupBeside(ctx, filepath.Join(dir, "backup-"+strconv.Itoa(i)+".db"))
			took += time.Since(start)
			done.Store(true)
		}()
		for !done.Load() {
			c := sampleCase()
			t := time.Now()
			if _, err := db.CreateCase(ctx, c, c.Clerk); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t))
		}
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(float64(n), "cases")
	b.ReportMetric(float64(len(lat))/float64(b.N), "commits/backup")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(ms(lat[int(0.99*float64(len(lat)-1))]), "p99-ms")
	b.ReportMetric(ms(took)/float64(b.N), "backup-ms")
}
