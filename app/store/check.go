package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Checking the file costs time that grows with the data (integrity_check
// read 250,000 cases in 8.2 s, docs/performance.md), so the first screen
// no longer waits for it. The rule:
//
//   - A start that migrates the schema checks the whole file fully before
//     it migrates, and Open waits for it: a migration must never rewrite a
//     damaged file, and an upgrade is rare and slow anyway (it copies the
//     file first).
//   - Otherwise the check runs in the background while the clerk works. It
//     is the full integrity_check after a start that did not close (power
//     cut, kill -9: the moment torn pages and an index out of step with its
//     table really happen) or the first start of another release (another
//     SQLite, other code writing the file); quick_check otherwise, which
//     still reads every page and each b-tree's structure but not whether
//     every index matches its table, in a fraction of the time.
//   - What the background check finds reaches the clerk as a damaged file
//     found at start does (Checked, the kiosk's recovery screen), and from
//     then on the store takes no more writes.
//
// A start that did not close is told by an open marker beside the file:
// created by Open, removed by a clean Close, left behind by anything else.
// It needs no migration and survives kill -9, unlike any state in memory.

// CheckKind is the SQLite pragma a check runs.
type CheckKind string

const (
	FullCheck  CheckKind = "integrity_check"
	QuickCheck CheckKind = "quick_check"
)

// CheckMode says when Open checks the file.
type CheckMode int

const (
	// CheckInBackground checks after Open returns (the rule above).
	CheckInBackground CheckMode = iota
	// CheckFullNow runs the full check inside Open: the self-check, which
	// has no screen to keep waiting and must answer for the whole file.
	CheckFullNow
)

// settingCheckedBuild is the release the last full check passed under.
const settingCheckedBuild = "store.checked_build"

const markerInfix = ".open-"

// fileCheck is the state of the check Open started.
type fileCheck struct {
	marker string   // this start's open marker
	stale  []string // markers found at Open: starts that never closed
	build  string
	heard  func(CheckKind, time.Duration, error)

	stop    context.CancelFunc
	done    chan struct{}
	err     error // set before done closes
	damaged atomic.Pointer[CorruptError]
}

type checkPlan struct {
	kind    CheckKind
	now     bool // inside Open
	migrate bool
}

// planCheck decides which check this start runs and when, from the open
// markers, the schema version and the release that last checked the file.
func (db *DB) planCheck(ctx context.Context, mode CheckMode) (checkPlan, error) {
	current, err := db.schemaVersionIfAny(ctx)
	if err != nil {
		return checkPlan{}, fmt.Errorf("read schema version: %w", err)
	}
	ms, err := migrations()
	if err != nil {
		return checkPlan{}, fmt.Errorf("load migrations: %w", err)
	}
	p := checkPlan{kind: QuickCheck, migrate: current != len(ms)}
	if p.migrate || mode == CheckFullNow {
		p.kind, p.now = FullCheck, true
		return p, nil
	}
	if len(db.check.stale) > 0 {
		p.kind = FullCheck
	}
	if db.check.build != "" {
		var last string
		err := db.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, settingCheckedBuild).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return checkPlan{}, fmt.Errorf("read checked build: %w", err)
		}
		if last != db.check.build {
			p.kind = FullCheck
		}
	}
	return p, nil
}

// schemaVersionIfAny is the schema version, 0 for a new file.
func (db *DB) schemaVersionIfAny(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil || n == 0 {
		return 0, err
	}
	return db.SchemaVersion(ctx)
}

// runCheck runs one check on the read pool and tells Options.Checked.
func (db *DB) runCheck(ctx context.Context, kind CheckKind) error {
	start := time.Now()
	err := checkWith(ctx, db.r, kind)
	if db.check.heard != nil {
		db.check.heard(kind, time.Since(start), err)
	}
	return err
}

// checkPassed records a passed full check: the starts that never closed
// have been answered for, and this release has seen the file whole.
func (db *DB) checkPassed(ctx context.Context, kind CheckKind) {
	if kind != FullCheck {
		return
	}
	for _, m := range db.check.stale {
		os.Remove(m)
	}
	if db.check.build != "" {
		_ = db.update(ctx, func(t *tx) error { return setSetting(ctx, t, settingCheckedBuild, db.check.build) })
	}
}

func (db *DB) checkInBackground(kind CheckKind) {
	ctx, cancel := context.WithCancel(context.Background())
	db.check.stop = cancel
	go func() {
		defer close(db.check.done)
		err := db.runCheck(ctx, kind)
		switch {
		case err == nil:
			db.checkPassed(ctx, kind)
		case isCorruption(err):
			backups, _ := ListBackups(db.backupDir)
			c := &CorruptError{Path: db.path, Reason: ReasonDamaged, Detail: err.Error(), Backups: backups}
			db.check.damaged.Store(c)
			err = c
		default:
			err = fmt.Errorf("check database: %w", err)
		}
		db.check.err = err
	}()
}

// Checked waits for the check Open started and returns what it found: nil,
// a *CorruptError (the store then refuses writes), or why it could not run.
func (db *DB) Checked(ctx context.Context) error {
	select {
	case <-db.check.done:
		return db.check.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// openMarkers lists the open markers beside path.
func openMarkers(path string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	prefix := filepath.Base(path) + markerInfix
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			out = append(out, filepath.Join(filepath.Dir(path), e.Name()))
		}
	}
	return out, nil
}

// newOpenMarker creates this start's marker, one per start so that a
// second process (a self-check beside the running kiosk) removes only its own.
func newOpenMarker(path string) (string, error) {
	m := path + markerInfix + uuid.NewString()
	f, err := os.OpenFile(m, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", fmt.Errorf("open marker: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("open marker: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("open marker: %w", err)
	}
	return m, syncDir(filepath.Dir(path))
}
