package store

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkOpen opens a cleanly closed database of YICHUANG_BENCH_CASES
// cases (2,000 unless set): the time until the kiosk can show its first
// screen (docs/performance.md).
func BenchmarkOpen(b *testing.B) {
	n := 2000
	if s := os.Getenv("YICHUANG_BENCH_CASES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	dir := b.TempDir()
	db := casesDB(b, dir, n)
	path := db.Path()
	db.Close()
	var took time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		db, err := Open(ctx, path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		took += time.Since(start)
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n), "cases")
	b.ReportMetric(float64(took.Microseconds())/1000/float64(b.N), "open-ms")
}
