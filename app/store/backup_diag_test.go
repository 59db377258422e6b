package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/sync/lowpriority"
)

// BenchmarkCommitDuringBackupFile: like BenchmarkCommitDuringBackup, on an
// existing kiosk file (YICHUANG_BENCH_KIOSK_FILE, e.g. a copy of the
// 250,000-case growth kiosk), a commit every 20 ms as the growth
// measurement does, with each backup phase timed to see what a slow commit
// overlapped.
func BenchmarkCommitDuringBackupFile(b *testing.B) {
	path := os.Getenv("YICHUANG_BENCH_KIOSK_FILE")
	if path == "" {
		b.Skip("YICHUANG_BENCH_KIOSK_FILE not set")
	}
	ctx := context.Background()
	// A day of its own for each backup's commits (a day has 46,656 case
	// numbers), later than anything the file holds.
	clk := clock.NewManual(time.Now().AddDate(3, 0, 0))
	db, err := Open(ctx, path, Options{Clock: clk})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Checked(ctx); err != nil {
		b.Fatal(err)
	}
	unlocked(b, db)
	type phase struct {
		name       string
		start, end time.Time
	}
	var mu sync.Mutex
	var phases []phase
	mark := func(name string, f func() error) error {
		s := time.Now()
		err := f()
		mu.Lock()
		phases = append(phases, phase{name, s, time.Now()})
		mu.Unlock()
		return err
	}
	var all []time.Duration
	var longest []float64
	var took []float64
	for i := 0; i < b.N; i++ {
		phases = nil
		clk.Advance(24 * time.Hour)
		tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf("diag-backup-%d.db", i))
		_ = os.Remove(tmp)
		done := make(chan error, 1)
		start := time.Now()
		go func() {
			if d, _ := time.ParseDuration(os.Getenv("YICHUANG_BENCH_NO_BACKUP")); d > 0 {
				time.Sleep(d) // the same commits with no backup, for comparison
				done <- nil
				return
			}
			done <- lowpriority.Run(func() error {
				if err := mark("copy", func() error { return db.copyTo(ctx, tmp) }); err != nil {
					return err
				}
				if err := mark("epoch", func() error { return newHallEpoch(ctx, tmp) }); err != nil {
					return err
				}
				if err := mark("check", func() error { return checkFile(ctx, tmp) }); err != nil {
					return err
				}
				return mark("sync", func() error { return syncFile(tmp) })
			})
		}()
		type commit struct {
			at    time.Time
			d     time.Duration
			dirty int // kB dirty or under writeback just after the commit
		}
		var cs []commit
		var berr error
	loop:
		for {
			select {
			case berr = <-done:
				break loop
			default:
			}
			c := sampleCase()
			t := time.Now()
			if _, err := db.CreateCase(ctx, c, c.Clerk); err != nil {
				b.Fatal(err)
			}
			cs = append(cs, commit{t, time.Since(t), dirtyKB()})
			time.Sleep(20 * time.Millisecond)
		}
		if berr != nil {
			b.Fatal(berr)
		}
		took = append(took, float64(time.Since(start).Milliseconds()))
		os.Remove(tmp)
		var lng time.Duration
		maxDirty := 0
		for _, c := range cs {
			maxDirty = max(maxDirty, c.dirty)
		}
		b.Logf("backup %d: most dirty+writeback seen %d MB", i, maxDirty>>10)
		var sb strings.Builder
		for _, p := range phases {
			fmt.Fprintf(&sb, " %s=%dms", p.name, p.end.Sub(p.start).Milliseconds())
		}
		b.Logf("backup %d: %d commits, phases:%s", i, len(cs), sb.String())
		for _, c := range cs {
			all = append(all, c.d)
			lng = max(lng, c.d)
			if c.d > 50*time.Millisecond {
				in := "after"
				for _, p := range phases {
					if c.at.Add(c.d).After(p.start) && c.at.Before(p.end) {
						in = fmt.Sprintf("%s@%dms", p.name, c.at.Sub(p.start).Milliseconds())
					}
				}
				b.Logf("  slow commit %v at +%dms during %s (dirty %d MB)", c.d.Round(time.Millisecond), c.at.Sub(start).Milliseconds(), in, c.dirty>>10)
			}
		}
		longest = append(longest, float64(lng.Microseconds())/1000)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	b.Logf("longest per backup ms: %v; backup ms: %v", longest, took)
	b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(all[int(0.99*float64(len(all)-1))].Microseconds())/1000, "p99-ms")
	var sum float64
	for _, t := range took {
		sum += t
	}
	b.ReportMetric(sum/float64(len(took)), "backup-ms")
}

// dirtyKB is the machine's Dirty + Writeback memory in kB (0 off Linux).
func dirtyKB() int {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && (f[0] == "Dirty:" || f[0] == "Writeback:") {
			v, _ := strconv.Atoi(f[1])
			n += v
		}
	}
	return n
}
