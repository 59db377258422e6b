package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/sync/growthbench"
)

// Growth measurement of issue 18 for the kiosk, driven by app/internal/benchgrowth
// (make bench-growth); it does nothing unless YICHUANG_GROWTH_KIOSK is set,
// so neither go test nor make bench ever runs it.
//
//	YICHUANG_GROWTH_KIOSK   cases of the kiosk to measure (one size per process)
//	YICHUANG_GROWTH_DIR     cache; the kiosk lives in DIR/kiosk-N/yichuang.db
//	YICHUANG_GROWTH_OUT     JSON lines, one per operation, appended
//
// The kiosk is written once through writeHistory (CreateCase, UpdateCase,
// MarkUploaded, RecordPush: the counter's and the sync's own paths), 300
// cases a day as a busy hall, every fifth by the village agent, the last 1 %
// open, without fsync; a marker file says it is complete, and later runs
// measure it again as it is. Everything is measured with the store's real
// settings, three times.
const growthPerDay = 300

// screenRuns is how often each screen's query is run at a size: enough for
// its p99 to be a run, not an interpolation.
const screenRuns = 200

func BenchmarkGrowthKiosk(b *testing.B) {
	n, dir, out := growthbench.Setup(b, "YICHUANG_GROWTH_KIOSK", "kiosk", 100)
	ctx := context.Background()
	rows, err := measureKiosk(ctx, b, dir, n)
	if err != nil {
		b.Fatal(err)
	}
	if err := growthbench.Append(out, rows...); err != nil {
		b.Fatal(err)
	}
}

// growthKiosk makes (or finds) the kiosk of n cases in dir and returns the
// path of its file and the time its history ends at.
func growthKiosk(b *testing.B, dir string, n int) (string, time.Time) {
	b.Helper()
	step := 24 * time.Hour / growthPerDay
	end := t0.Add(time.Duration(n) * step)
	path := filepath.Join(dir, "yichuang.db")
	marker := filepath.Join(dir, "generated")
	if _, err := os.Stat(marker); err == nil {
		return path, end
	}
	// A half-written kiosk from an interrupted run is made again whole.
	if err := os.RemoveAll(dir); err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	began := time.Now()
	h := writeHistory(b, dir, n, growthPerDay, max(n/100, 1))
	// A kiosk holds its catalog (else the first self-check would load it
	// and change the file between runs).
	if _, err := h.db.LoadCatalog(context.Background(), assets.DemoCatalog()); err != nil {
		b.Fatal(err)
	}
	if err := h.db.Close(); err != nil {
		b.Fatal(err)
	}
	// The kiosk's own name, so that yichuang -self-check -data dir finds it.
	if err := os.Rename(filepath.Join(dir, "kiosk.db"), path); err != nil {
		b.Fatal(err)
	}
	took := time.Since(began)
	b.Logf("kiosk of %d cases written in %v", n, took)
	if err := os.WriteFile(marker, []byte(took.String()+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	return path, end
}

func measureKiosk(ctx context.Context, b *testing.B, dir string, n int) ([]growthbench.Row, error) {
	path, end := growthKiosk(b, dir, n)
	row := func(op string) growthbench.Row { return growthbench.Row{Side: "kiosk", Size: n, Op: op} }
	var rows []growthbench.Row

	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	size := row("file_mb")
	size.Unit = "MB"
	size.Runs = []float64{float64(fi.Size()) / (1 << 20)}
	rows = append(rows, size)

	// store.Open as the kiosk opens it before its first screen.
	open := row("open")
	for range 3 {
		start := time.Now()
		db, err := Open(ctx, path, Options{Clock: clock.NewManual(end)})
		if err != nil {
			return nil, fmt.Errorf("open: %w", err)
		}
		open.Runs = append(open.Runs, growthbench.MsSince(start))
		if err := db.Close(); err != nil {
			return nil, fmt.Errorf("close: %w", err)
		}
	}
	rows = append(rows, open)

	clk := clock.NewManual(end)
	db, err := Open(ctx, path, Options{Clock: clk})
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer db.Close()
	// Open starts quick_check behind the first screen; it reads the whole
	// file, so the queries below wait for it rather than share the disk
	// with it, and its length is reported too.
	start := time.Now()
	if err := db.Checked(ctx); err != nil {
		return nil, fmt.Errorf("check behind the first screen: %w", err)
	}
	checked := row("background_check")
	checked.Runs = []float64{growthbench.MsSince(start)}
	rows = append(rows, checked)
	unlocked(b, db)
	// The facts of the cases written before migration 0014, as the
	// kiosk's hourly maintenance fills them: every case of a kiosk made
	// by an older release the first time, none afterwards (the screens
	// below are measured as they are once it has run).
	start = time.Now()
	if _, err := db.FillCaseFacts(ctx); err != nil {
		return nil, fmt.Errorf("fill case facts: %w", err)
	}
	fill := row("fill_facts")
	fill.Runs = []float64{growthbench.MsSince(start)}
	rows = append(rows, fill)
	// What earlier runs' commits (those during and after the backups
	// below) left waiting is sent, as a kiosk online does: kept
	// waiting, thousands of them, they made the sync status and the
	// upload list count a month offline rather than a working day.
	if n := ackPending(b, db); n > 0 {
		b.Logf("%d events of earlier runs acknowledged", n)
	}
	if err := db.MarkUploaded(ctx, sampleCase().Attachments[0].SHA256); err != nil {
		return nil, fmt.Errorf("upload earlier runs' scan: %w", err)
	}

	// The screens' queries, each screenRuns times on cases drawn from the
	// whole file, reported as their p99 (the goal's): the counter's
	// 查询办件 by code and its history, the recent-case search, the
	// pre-review list, the 村代办 work list, the sync status, the day's
	// queue and the statistics screen's two reads. The progress query is
	// not among them: it is a write (it counts failed PINs) and checks
	// the PIN's hash, slow on purpose.
	var picks []struct{ id, tracking string }
	prow, err := db.r.QueryContext(ctx, `SELECT id, tracking FROM cases ORDER BY random() LIMIT ?`, screenRuns)
	if err != nil {
		return nil, fmt.Errorf("draw cases: %w", err)
	}
	for prow.Next() {
		var p struct{ id, tracking string }
		if err := prow.Scan(&p.id, &p.tracking); err != nil {
			prow.Close()
			return nil, err
		}
		picks = append(picks, p)
	}
	if err := errors.Join(prow.Err(), prow.Close()); err != nil || len(picks) == 0 {
		return nil, fmt.Errorf("draw cases: %d drawn, %v", len(picks), err)
	}
	since := cases.WorkListSince(end)
	day := end.In(workday.China)
	monthStart := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, workday.China)
	screens := []struct {
		op string
		f  func(i int) (string, error)
	}{
		{"case_by_tracking", func(i int) (string, error) {
			_, err := db.CaseByTracking(ctx, picks[i%len(picks)].tracking)
			return "", err
		}},
		{"case_history", func(i int) (string, error) {
			_, err := db.CaseEvents(ctx, picks[i%len(picks)].id)
			return "", err
		}},
		{"recent_cases", func(int) (string, error) {
			// What a search reads: the candidates' summaries, then the
			// documents of the (at most 50 + 1) it shows.
			list, err := db.CaseBriefsOpenOrSince(ctx, end.AddDate(0, 0, -90), 5000)
			if err != nil {
				return "", err
			}
			shown := make([]string, 0, 51)
			for _, b := range list[:min(len(list), 51)] {
				shown = append(shown, b.ID)
			}
			_, err = db.CasesByIDs(ctx, shown)
			return fmt.Sprintf("%d cases read", len(list)), err
		}},
		{"prereview", func(int) (string, error) {
			_, err := db.CasesInStatus(ctx, cases.StatusPrereview)
			return "", err
		}},
		{"agent_cases", func(int) (string, error) {
			list, err := db.AgentCases(ctx, 7, since, cases.WorkListClosed)
			return fmt.Sprintf("%d cases listed", len(list)), err
		}},
		{"sync_status", func(int) (string, error) {
			if _, err := db.SyncStatus(ctx); err != nil {
				return "", err
			}
			_, err := db.PendingUploads(ctx)
			return "", err
		}},
		{"tickets_today", func(int) (string, error) {
			_, err := db.TicketsOn(ctx, day.Format(time.DateOnly))
			return "", err
		}},
		{"statistics", func(int) (string, error) {
			if _, _, err := db.RatingTallies(ctx, end.AddDate(0, 0, -30)); err != nil {
				return "", err
			}
			_, err := db.CaseFigures(ctx, monthStart, day)
			return "", err
		}},
	}
	for _, sc := range screens {
		r := row(sc.op)
		r.Pct = 99
		for i := range screenRuns {
			start := time.Now()
			note, err := sc.f(i)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", sc.op, err)
			}
			r.Runs = append(r.Runs, growthbench.MsSince(start))
			if note != "" {
				r.Note = note
			}
		}
		rows = append(rows, r)
	}

	// The daily backup (backupBeside is what DailyBackup runs) while a clerk
	// accepts a case every 20 ms: faster than any counter, so that the
	// longest wait a commit sees is sampled often. Then the same commits
	// for as long again without a backup: on a shared machine the other
	// loads make slow commits too, and only what the backup adds is its
	// wait. Those cases stay in the cached kiosk (a few hundred a run,
	// under 1 % at every size).
	// The commits go on a day of their own after every earlier run's: a
	// device numbers at most 46,656 cases a day, and runs on the history's
	// last day ran out of numbers after a few dozen.
	var lastDay sql.NullString
	if err := db.r.QueryRowContext(ctx, `SELECT MAX(day) FROM tracking_seq`).Scan(&lastDay); err != nil {
		return nil, fmt.Errorf("last numbered day: %w", err)
	}
	if d, err := time.ParseInLocation(time.DateOnly, lastDay.String, workday.China); err == nil && !d.Before(civilStart(clk.Now())) {
		clk.Set(d.AddDate(0, 0, 1).Add(9 * time.Hour))
	}
	backup, commit, alone := row("backup"), row("commit_during_backup"), row("commit_without_backup")
	commits := 0
	commitFor := func(done func() bool) (time.Duration, error) {
		var longest time.Duration
		for !done() {
			c := sampleCase()
			t := time.Now()
			if _, err := db.CreateCase(ctx, c, c.Clerk); err != nil {
				return 0, err
			}
			longest = max(longest, time.Since(t))
			commits++
			time.Sleep(20 * time.Millisecond)
		}
		return longest, nil
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	for i := range 3 {
		target := filepath.Join(dir, fmt.Sprintf("growth-backup-%d.db", i))
		_ = os.Remove(target)
		var done atomic.Bool
		errc := make(chan error, 1)
		start := time.Now()
		go func() {
			err := db.backupBeside(ctx, target)
			backup.Runs = append(backup.Runs, growthbench.MsSince(start))
			done.Store(true)
			errc <- err
		}()
		longest, err := commitFor(done.Load)
		if err != nil {
			return nil, fmt.Errorf("case during backup: %w", err)
		}
		if err := <-errc; err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		took := time.Since(start)
		commit.Runs = append(commit.Runs, ms(longest))
		if err := os.Remove(target); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		start = time.Now()
		longest, err = commitFor(func() bool { return time.Since(start) >= took })
		if err != nil {
			return nil, fmt.Errorf("case without backup: %w", err)
		}
		alone.Runs = append(alone.Runs, ms(longest))
	}
	commit.Note = fmt.Sprintf("%d commits in 3 backups and as long without", commits)
	rows = append(rows, backup, commit, alone)
	return rows, nil
}
