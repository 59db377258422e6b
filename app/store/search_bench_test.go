package store

import (
	"context"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/catalog/catalogtest"
)

func replicatedDemo(tb testing.TB, n int) []byte {
	tb.Helper()
	b, err := catalogtest.Replicated(n)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// benchQueries are what clerks and citizens type: 1–2 characters (LIKE),
// longer Chinese (trigram), full pinyin, initials, aliases, misses.
var benchQueries = []string{
	"证", "登记", "社保", "不动产", "个体工商户", "公积金离职提取", "身份证", "婚姻登记预约",
	"bdc", "gtgsh", "sbcx", "budongchan", "gongjijin", "shebao", "hunyin", "ktv",
	"开餐馆", "新生儿", "退休", "养老保险", "医保", "低保", "户口", "宅基地", "zjd", "不存在的事项名称",
}

func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	res, err := db.LoadCatalog(ctx, replicatedDemo(b, 1200))
	if err != nil {
		b.Fatal(err)
	}
	if res.Matters < 1200 {
		b.Fatalf("only %d matters", res.Matters)
	}
	// Warm the in-memory index and SQLite's page cache, as a running kiosk has.
	for _, q := range benchQueries {
		if _, err := db.Search(ctx, q, SearchOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, q := range benchQueries {
			t := time.Now()
			if _, err := db.Search(ctx, q, SearchOptions{}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t))
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(res.Matters), "matters")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
