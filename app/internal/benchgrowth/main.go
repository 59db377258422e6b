// Command benchgrowth measures the kiosk and the county as their data grows
// (issue 18) and prints the tables of docs/performance.md.
//
//	go run ./app/internal/benchgrowth -sizes small     kiosk 1k, 10k; county 2k, 20k cases (~2 min once generated)
//	go run ./app/internal/benchgrowth -sizes full      kiosk 1k…250k; county 10k…1M cases
//	go run ./app/internal/benchgrowth -sizes k1000,c20000
//
// Run it from the module root (make bench-growth does). It builds the two
// test binaries and the kiosk, then runs, one process per size,
// BenchmarkGrowthKiosk (app/store) and BenchmarkGrowthCounty
// (sync/countyd/county): they generate the data through the product's own
// write paths into -dir the first time (reused afterwards: 250k kiosk cases
// take a while) and measure each operation three times with the real
// settings. For the kiosk it also times `yichuang -self-check -data` on the
// same file. The medians go to stdout as markdown; progress to stderr.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/yichuang/yichuang/sync/growthbench"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

const tags = "sqlite_fts5,no_emoji"

func main() {
	sizes := flag.String("sizes", envOr("SIZES", "full"), "small, full, or a list such as k1000,k10000,c20000 (k kiosk cases, c county cases)")
	dir := flag.String("dir", envOr("YICHUANG_GROWTH_DIR", growthbench.DefaultDir), "cache of the generated data, reused when present")
	flag.Parse()
	plan, err := parseSizes(*sizes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchgrowth:", err)
		os.Exit(2)
	}
	if err := run(context.Background(), plan, *dir, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "benchgrowth:", err)
		os.Exit(1)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// plan is the sizes to measure, in cases.
type plan struct{ kiosk, county []int }

var presets = map[string]plan{
	"small": {kiosk: []int{1000, 10000}, county: []int{2000, 20000}},
	"full":  {kiosk: []int{1000, 10000, 100000, 250000}, county: []int{10000, 100000, 1000000}},
}

// parseSizes reads a preset name or a comma-separated list of k<cases>
// and c<cases>.
func parseSizes(s string) (plan, error) {
	if p, ok := presets[s]; ok {
		return p, nil
	}
	var p plan
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if len(f) < 2 {
			return plan{}, fmt.Errorf("size %q: want k<cases> or c<cases>", f)
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(f[1:], "k"), "K"))
		if err != nil || n <= 0 {
			return plan{}, fmt.Errorf("size %q: want k<cases> or c<cases>", f)
		}
		if strings.HasSuffix(strings.ToLower(f), "k") {
			n *= 1000
		}
		switch f[0] {
		case 'k':
			p.kiosk = append(p.kiosk, n)
		case 'c':
			p.county = append(p.county, n)
		default:
			return plan{}, fmt.Errorf("size %q: want k<cases> or c<cases>", f)
		}
	}
	sort.Ints(p.kiosk)
	sort.Ints(p.county)
	return p, nil
}

func run(ctx context.Context, p plan, dir string, out, log io.Writer) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// Binaries and results of this run only, so that two runs (a small one
	// while the largest sizes generate) never replace each other's.
	bin, err := os.MkdirTemp(dir, "run-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	results := filepath.Join(bin, "results.jsonl")
	build := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
		}
		return nil
	}
	fmt.Fprintln(log, "== building the test binaries and the kiosk")
	if len(p.kiosk) > 0 {
		if err := build("test", "-c", "-tags", tags, "-o", filepath.Join(bin, "store.test"), "./app/store"); err != nil {
			return err
		}
		if err := build("build", "-tags", tags, "-o", filepath.Join(bin, "yichuang"), "./app"); err != nil {
			return err
		}
	}
	if len(p.county) > 0 {
		if err := build("test", "-c", "-tags", tags, "-o", filepath.Join(bin, "county.test"), "./sync/countyd/county"); err != nil {
			return err
		}
	}
	bench := func(test, pkgDir, name, sizeVar string, n int) error {
		cmd := exec.CommandContext(ctx, filepath.Join(bin, test), "-test.run", "^$", "-test.bench", "^"+name+"$",
			"-test.benchtime", "1x", "-test.timeout", "0")
		cmd.Dir = pkgDir // the tests read their testdata from there
		cmd.Env = append(os.Environ(), sizeVar+"="+strconv.Itoa(n), "YICHUANG_GROWTH_DIR="+dir, "YICHUANG_GROWTH_OUT="+results)
		cmd.Stdout, cmd.Stderr = log, log
		began := time.Now()
		err := cmd.Run()
		fmt.Fprintf(log, "== %s %d: %v\n", name, n, time.Since(began).Round(time.Second))
		if err != nil {
			return fmt.Errorf("%s at %d: %w", name, n, err)
		}
		return nil
	}
	// A size that fails leaves its cells empty and the others are still
	// measured and printed: a full run takes long, and its results live
	// only in this run's directory.
	var failed []error
	for _, n := range p.kiosk {
		if err := bench("store.test", "app/store", "BenchmarkGrowthKiosk", "YICHUANG_GROWTH_KIOSK", n); err != nil {
			failed = append(failed, err)
			continue
		}
		r, err := selfCheck(ctx, filepath.Join(bin, "yichuang"), filepath.Join(dir, fmt.Sprintf("kiosk-%d", n)), n, log)
		if err == nil {
			err = growthbench.Append(results, r)
		}
		if err != nil {
			failed = append(failed, err)
		}
	}
	for _, n := range p.county {
		if err := bench("county.test", "sync/countyd/county", "BenchmarkGrowthCounty", "YICHUANG_GROWTH_COUNTY", n); err != nil {
			failed = append(failed, err)
		}
	}
	rows, err := readRows(results)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return errors.Join(append(failed, err)...)
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = ", load average " + strings.Join(strings.Fields(string(b))[:3], " ")
	}
	fmt.Fprintf(out, "Measured %s on %d cores (%s/%s%s); the median of a cell's runs (3, or 50–200 where a percentile is shown beside it), ms unless marked.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, load)
	writeTable(out, rows, "kiosk", p.kiosk, kioskOps)
	if len(p.kiosk) > 0 && len(p.county) > 0 {
		fmt.Fprintln(out)
	}
	writeTable(out, rows, "county", p.county, countyOps)
	return errors.Join(failed...)
}

// selfCheck times the built kiosk's -self-check on the generated file. The
// first run may load the demo catalog into it (a write, once), so it is not
// counted.
func selfCheck(ctx context.Context, bin, dataDir string, n int, log io.Writer) (row, error) {
	r := row{Side: "kiosk", Size: n, Op: "self_check"}
	for i := range 4 {
		cmd := exec.CommandContext(ctx, bin, "-self-check", "-data", dataDir)
		var outb strings.Builder
		cmd.Stdout, cmd.Stderr = &outb, &outb
		began := time.Now()
		err := cmd.Run()
		took := float64(time.Since(began).Microseconds()) / 1000
		if err != nil {
			fmt.Fprint(log, outb.String())
			return r, fmt.Errorf("self-check at %d: %w", n, err)
		}
		if i > 0 {
			r.Runs = append(r.Runs, took)
		}
	}
	sort.Float64s(r.Runs)
	return r, nil
}

// row is one measured operation as the benchmarks write it.
type row = growthbench.Row

func readRows(path string) ([]row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	defer f.Close()
	var rows []row
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("results %q: %w", sc.Text(), err)
		}
		rows = append(rows, r)
	}
	return rows, sc.Err()
}

// op is one line of a table: the benchmark's name for it and its label.
type op struct{ key, label string }

var kioskOps = []op{
	{"file_mb", "kiosk file (MB)"},
	{"open", "`store.Open` (before the first screen)"},
	{"background_check", "`quick_check` behind the first screen (one run)"},
	{"self_check", "`yichuang -self-check` (the whole run)"},
	{"backup", "daily backup (`BackupTo`)"},
	{"commit_during_backup", "longest case commit while that backup runs"},
	{"commit_without_backup", "… the same commits for as long after it, no backup"},
	{"case_by_tracking", "查询办件 by code (`CaseByTracking`)"},
	{"case_history", "a case's 办件记录 (`CaseEvents`)"},
	{"fill_facts", "facts of the cases from before 0014 (`FillCaseFacts`, one run: all of them once after the upgrade)"},
	{"recent_cases", "查询办件: the last 90 days, open or not (`CaseBriefsOpenOrSince` ≤ 5,000 summaries + `CasesByIDs` of 51)"},
	{"prereview", "预审 list (`CasesInStatus`)"},
	{"agent_cases", "村代办 work list (`AgentCases`)"},
	{"sync_status", "`SyncStatus` + `PendingUploads`"},
	{"tickets_today", "the day's queue (`TicketsOn`)"},
	{"statistics", "统计 screen (`RatingTallies` + month's `CaseFigures`)"},
}

var countyOps = []op{
	{"held_cases", "cases held"},
	{"held_events", "events applied"},
	{"file_mb", "county file (MB)"},
	{"cases_all", "office case list, first page: all"},
	{"cases_point", "… by service point"},
	{"cases_matter", "… by matter"},
	{"cases_status_completed", "… status 办结"},
	{"cases_status_accepted", "… status 受理"},
	{"cases_open", "… open"},
	{"cases_overdue", "… overdue"},
	{"cases_soon", "… due soon"},
	{"cases_paused", "… paused (补正)"},
	{"cases_lapsed", "… lapsed"},
	{"matters", "matter list (`CaseMatterCodes`)"},
	{"fleet", "fleet (`Devices`)"},
	{"ingest", "ingest, events/s a push (20 pushes of 500 at this size)"},
	{"ingest_cpu", "ingest, CPU µs per event (the same pushes)"},
	{"ingest_sustained", "ingest, events/s over the 20 pushes back to back"},
}

// writeTable prints one markdown table: an operation a line, a size a
// column, the median of each cell's runs and, for a row that names one,
// the percentile its goal is stated in.
func writeTable(w io.Writer, rows []row, side string, sizes []int, ops []op) {
	if len(sizes) == 0 {
		return
	}
	cell := map[string]row{}
	for _, r := range rows {
		if r.Side == side {
			cell[fmt.Sprintf("%s/%d", r.Op, r.Size)] = r
		}
	}
	head := "| " + side + ", cases |"
	sep := "|---|"
	for _, n := range sizes {
		head += " " + group(n) + " |"
		sep += "---|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, sep)
	for _, o := range ops {
		line := "| " + o.label + " |"
		for _, n := range sizes {
			r, ok := cell[fmt.Sprintf("%s/%d", o.key, n)]
			switch {
			case !ok || len(r.Runs) == 0:
				line += " – |"
			case r.Pct > 0:
				line += fmt.Sprintf(" %s (p%d %s) |", number(median(r.Runs)), r.Pct, number(percentile(r.Runs, r.Pct)))
			default:
				line += " " + number(median(r.Runs)) + " |"
			}
		}
		fmt.Fprintln(w, line)
	}
}

// median of runs; an even count takes the mean of the middle two.
func median(runs []float64) float64 {
	s := append([]float64(nil), runs...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 0 {
		return (s[m-1] + s[m]) / 2
	}
	return s[m]
}

// percentile is the nearest-rank p-th percentile of runs: the run that p %
// of the runs are no slower than.
func percentile(runs []float64, p int) float64 {
	s := append([]float64(nil), runs...)
	sort.Float64s(s)
	k := (p*len(s) + 99) / 100 // ⌈p·n/100⌉
	return s[max(k, 1)-1]
}

// number writes a measurement as the tables of docs/performance.md do:
// two decimals below 1, one below 10, whole numbers with thousands
// separators above.
func number(v float64) string {
	switch {
	case v < 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return group(int(v + 0.5))
}

// group writes n with thousands separators.
func group(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
