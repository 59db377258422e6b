// Package growthbench is the report format of the growth benchmarks of
// issue 18 (make bench-growth): the row each measured operation writes,
// how a benchmark learns its size, cache and output file, and the writing
// of rows. The kiosk's benchmark (app/store), the county's
// (sync/countyd/county) and the orchestrator (app/internal/benchgrowth)
// share it, so they cannot drift apart. Standard library only.
package growthbench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// DefaultDir is the cache of generated data: under /var/tmp, which
// survives a reboot where /tmp may not (the county of 1M cases takes hours
// to generate).
const DefaultDir = "/var/tmp/yichuang-growth"

// Row is one measured operation: the raw runs, in milliseconds unless Unit
// says otherwise; the orchestrator takes their median.
type Row struct {
	Side string    `json:"side"`
	Size int       `json:"size"`
	Op   string    `json:"op"`
	Runs []float64 `json:"runs"`
	Unit string    `json:"unit,omitempty"`
	Note string    `json:"note,omitempty"`
	// Pct, when set, is the percentile a goal is stated in (95, 99): the
	// table shows it beside the median, from runs enough to hold it.
	Pct int `json:"pct,omitempty"`
}

// Setup reads what the orchestrator hands a benchmark: its size from
// sizeVar (at least least), the JSON-lines file to append to
// (YICHUANG_GROWTH_OUT) and its cache directory, prefix-size under
// YICHUANG_GROWTH_DIR (default DefaultDir). It skips
// the benchmark when sizeVar is unset: outside make bench-growth.
func Setup(b testing.TB, sizeVar, prefix string, least int) (n int, dir, out string) {
	b.Helper()
	sz := os.Getenv(sizeVar)
	if sz == "" {
		b.Skip(sizeVar + " not set: run through make bench-growth")
	}
	n, err := strconv.Atoi(sz)
	if err != nil || n < least {
		b.Fatalf("%s=%q: want a number of cases ≥ %d", sizeVar, sz, least)
	}
	out = os.Getenv("YICHUANG_GROWTH_OUT")
	if out == "" {
		b.Fatal("YICHUANG_GROWTH_OUT not set")
	}
	root := os.Getenv("YICHUANG_GROWTH_DIR")
	if root == "" {
		root = DefaultDir
	}
	return n, filepath.Join(root, fmt.Sprintf("%s-%d", prefix, n)), out
}

// Append adds rows, their runs in order, to the JSON-lines file at path.
func Append(path string, rows ...Row) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("growth results: %w", err)
	}
	enc := json.NewEncoder(f)
	for _, r := range rows {
		sort.Float64s(r.Runs)
		if err := enc.Encode(r); err != nil {
			f.Close()
			return fmt.Errorf("growth results: %w", err)
		}
	}
	return f.Close()
}

// MsSince is the milliseconds since t, to the microsecond.
func MsSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }
