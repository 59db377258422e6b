package county

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3" // registers "sqlite3"
	"github.com/yichuang/yichuang/app/workday"
)

// writerCheckpoint is the writer's wal_autocheckpoint, in pages (256 MB
// of 4 KB pages; SQLite's default is 1,000): only a backstop. The WAL is
// folded into the database by the checkpointer, on a connection of its
// own, every checkpointEvery; a checkpoint run by the writer runs inside
// a push's commit, which then waited for it (a copy of every page the WAL
// holds, and an fsync of the database). The writer checkpoints only if
// the checkpointer fell this far behind (a stalled disk); a long read,
// such as a backup's snapshot, holds both back alike.
//
// Before the checkpointer, this was the writer's one checkpoint, at 64
// MB: at SQLite's default nearly every push's commit ran a checkpoint of
// its own pages, and 64 MB made one serve a dozen pushes (interleaved at
// 100,000 cases, 865 → 1,593 and 732 → 1,196 events/s,
// docs/performance.md).
const writerCheckpoint = 65536

// checkpointEvery is how often the checkpointer folds the WAL into the
// database: often enough that each checkpoint and its fsync are small.
const checkpointEvery = 250 * time.Millisecond

// The writer's driver: "sqlite3" with the writer's own settings that the
// DSN cannot carry, on every connection it opens.
func init() {
	sql.Register("sqlite3_county_writer", &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", writerCheckpoint), nil)
			return err
		},
	})
}

// SQLite is the Store on one SQLite file, with attachment bytes in files
// under blobs/ beside it.
type SQLite struct {
	path    string
	blobDir string
	now     func() time.Time
	w       *sql.DB // exactly one connection: SQLite has one writer
	r       *sql.DB // read-only pool

	// blobLocks serialises writers of the same attachment within this
	// process (only the server writes blobs; admin commands never do).
	blobLocks [64]sync.Mutex

	pruneMu   sync.Mutex
	lastPrune time.Time

	secretsKey string
	box        *secretBox

	// cals is the working-day calendar the deadline columns are worked
	// out on (deadline.go).
	cals calendarCache

	// stopCheckpoints ends the checkpointer and waits for it (Close).
	stopCheckpoints func()
}

var _ Store = (*SQLite)(nil)

// SQLiteOption configures OpenSQLite.
type SQLiteOption func(*SQLite)

// WithClock sets the clock that stamps rows and judges expiry.
func WithClock(now func() time.Time) SQLiteOption {
	return func(s *SQLite) { s.now = now }
}

// dsn builds a go-sqlite3 DSN; pragmas go in the DSN so that every pooled
// connection gets them, whenever database/sql opens it.
//
//   - journal_mode=WAL: readers (the feed, admin commands run while the
//     server is up) do not block the writer, nor it them.
//   - synchronous=FULL: the driver's default NORMAL can lose the last
//     commits on power loss in WAL mode; an event the county answered
//     "applied" is deleted from the kiosk's outbox, so losing it would lose
//     it for good.
//   - busy_timeout: another process (an admin command) may hold the write
//     lock for a moment; wait rather than fail.
//   - txlock=immediate (writer): BEGIN IMMEDIATE takes the write lock at the
//     start, so a transaction never fails half-way upgrading to a writer.
//   - query_only (readers): a read connection cannot write by mistake.
//   - cache_size (writer): a push inserts into unique indexes of random
//     UUIDs (applied_events, case_log, cases) that at 5M events are
//     hundreds of MB; with SQLite's default 2 MB cache almost every insert
//     read its index pages again from the OS (issue 18). 64 MB keeps their
//     upper levels and the recent pages in memory, on the one connection
//     that writes.
func dsn(path string, writer bool) string {
	p := dsnCommon
	if writer {
		p += "&_txlock=immediate&_cache_size=-65536"
	} else {
		p += "&_query_only=true"
	}
	return path + "?" + p
}

// dsnCommon is what every connection to the county database sets; the
// checkpointer's connection sets only this: it neither writes rows nor
// reads them, it only folds the WAL into the file.
const dsnCommon = "_journal_mode=WAL&_synchronous=FULL&_foreign_keys=on&_busy_timeout=10000"

// OpenSQLite opens (or creates) the county database at path and applies
// pending migrations.
func OpenSQLite(ctx context.Context, path string, opts ...SQLiteOption) (*SQLite, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open county database: path %q must not contain ? or #", path)
	}
	s := &SQLite{path: path, blobDir: filepath.Join(filepath.Dir(path), "blobs"), now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open county database: %w", err)
	}
	// Create the file ourselves so it is private from the start: it holds
	// the device secrets.
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open county database: %w", err)
	}
	f.Close()
	if s.w, err = sql.Open("sqlite3_county_writer", dsn(path, true)); err != nil {
		return nil, fmt.Errorf("open county database: %w", err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	if s.r, err = sql.Open("sqlite3", dsn(path, false)); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("open county read pool: %w", err)
	}
	s.r.SetMaxOpenConns(4)
	if s.secretsKey == "" {
		s.secretsKey = filepath.Join(filepath.Dir(path), "secrets.key")
	}
	if s.box, err = loadSecretBox(s.secretsKey); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.sealClearSecrets(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.startCheckpointer(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// startCheckpointer opens the checkpointer's connection and starts it.
func (s *SQLite) startCheckpointer() error {
	c, err := sql.Open("sqlite3", s.path+"?"+dsnCommon)
	if err != nil {
		return fmt.Errorf("open checkpointer: %w", err)
	}
	c.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		checkpoints(ctx, c, checkpointEvery)
	}()
	s.stopCheckpoints = func() {
		cancel()
		<-done
		c.Close()
	}
	return nil
}

// checkpoints folds the WAL into the database every period until ctx
// ends. PASSIVE never waits for the writer or a reader: it copies the
// frames no reader still needs, and the writer starts the WAL over once
// all of them are in. A failure is tried again at the next tick (a busy
// checkpointer lock: an admin command's own checkpoint).
func checkpoints(ctx context.Context, c *sql.DB, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := c.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil && ctx.Err() == nil {
			slog.Warn("county database checkpoint", "err", err)
		}
	}
}

// Close closes both pools.
func (s *SQLite) Close() error {
	if s.stopCheckpoints != nil {
		s.stopCheckpoints()
		s.stopCheckpoints = nil
	}
	return errors.Join(s.r.Close(), s.w.Close())
}

// Path is the database file.
func (s *SQLite) Path() string { return s.path }

// update runs fn in one write transaction (BEGIN IMMEDIATE through the DSN)
// and commits when fn returns nil.
func (s *SQLite) update(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// tsLayout is fixed-width UTC, so comparing the text compares the times.
const tsLayout = "2006-01-02T15:04:05.000000Z"

func ts(t time.Time) string { return t.UTC().Format(tsLayout) }

func parseTS(s sql.NullString) time.Time {
	if !s.Valid {
		return time.Time{}
	}
	t, err := time.Parse(tsLayout, s.String)
	if err != nil {
		return time.Time{}
	}
	// Shown in Beijing time, as the halls and officers read it.
	return t.In(workday.China)
}

func nullTS(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: ts(t), Valid: true}
}

// Stats counts the rows of each table.
func (s *SQLite) Stats(ctx context.Context) (Stats, error) { return countRows(ctx, s.r) }
