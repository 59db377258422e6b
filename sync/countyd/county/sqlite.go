package county

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers "sqlite3"
	"github.com/yichuang/yichuang/app/workday"
)

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
	p := "_journal_mode=WAL&_synchronous=FULL&_foreign_keys=on&_busy_timeout=10000"
	if writer {
		p += "&_txlock=immediate&_cache_size=-65536"
	} else {
		p += "&_query_only=true"
	}
	return path + "?" + p
}

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
	if s.w, err = sql.Open("sqlite3", dsn(path, true)); err != nil {
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
	return s, nil
}

// Close closes both pools.
func (s *SQLite) Close() error { return errors.Join(s.r.Close(), s.w.Close()) }

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

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrate applies every pending migration in one transaction, recording
// each, so a crash mid-way leaves the schema as it was. A database written
// by a newer release is refused rather than used half-understood.
func (s *SQLite) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	return s.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		applied, err := appliedMigrations(ctx, tx)
		if err != nil {
			return err
		}
		// Numbers rise; a gap is allowed, because parallel branches reserve
		// their numbers before they are merged (issue 16: 0007–0010).
		nums := make([]int, len(names))
		for i, n := range names {
			base := strings.TrimPrefix(n, "migrations/")
			num, _, _ := strings.Cut(base, "_")
			v, err := strconv.Atoi(num)
			if err != nil || v < 1 || i > 0 && v <= nums[i-1] {
				return fmt.Errorf("migration %s: want a number above the previous file's", base)
			}
			nums[i] = v
		}
		if len(nums) > 0 && current > nums[len(nums)-1] {
			return fmt.Errorf("county database schema %d is newer than this countyd knows (%d)", current, nums[len(nums)-1])
		}
		for i, n := range names {
			base := strings.TrimPrefix(n, "migrations/")
			// By the record, not by the highest number: a number reserved
			// below one already applied (0007 merged after 0010) is still
			// applied once on a database that has 0010.
			if applied[nums[i]] {
				continue
			}
			b, err := migrationFS.ReadFile(n)
			if err != nil {
				return fmt.Errorf("read migration %s: %w", base, err)
			}
			if _, err := tx.ExecContext(ctx, string(b)); err != nil {
				return fmt.Errorf("apply migration %s: %w", base, err)
			}
			if hook := afterMigration[nums[i]]; hook != nil {
				if err := hook(ctx, tx, s.now()); err != nil {
					return fmt.Errorf("migration %s: %w", base, err)
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				nums[i], base, ts(s.now())); err != nil {
				return fmt.Errorf("record migration %s: %w", base, err)
			}
		}
		return nil
	})
}

// appliedMigrations is the set of migration numbers a database has.
func appliedMigrations(ctx context.Context, tx *sql.Tx) (map[int]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("scan applied migration: %w", err)
		}
		out[v] = true
	}
	return out, rows.Err()
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
func (s *SQLite) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.r.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM enroll_codes), (SELECT COUNT(*) FROM devices), (SELECT COUNT(*) FROM nonces),
		(SELECT COUNT(*) FROM applied_events), (SELECT COUNT(*) FROM rejected_events), (SELECT COUNT(*) FROM inbox),
		(SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM case_log), (SELECT COUNT(*) FROM feed),
		(SELECT COUNT(*) FROM blobs), (SELECT COUNT(*) FROM blobs WHERE completed_at IS NOT NULL),
		(SELECT COUNT(*) FROM case_attachments)`).Scan(
		&st.EnrollCodes, &st.Devices, &st.Nonces, &st.Applied, &st.Rejected, &st.Inbox,
		&st.Cases, &st.CaseLog, &st.Feed, &st.Blobs, &st.CompleteBlobs, &st.CaseAttachments)
	if err != nil {
		return st, fmt.Errorf("count rows: %w", err)
	}
	return st, nil
}
