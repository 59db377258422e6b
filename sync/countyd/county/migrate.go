package county

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Both stores' migrations live here, one directory per dialect with the
// same numbered files (schema_test.go checks they end with the same
// tables, columns and indexes), and one runner applies either.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// dialect is what the runner needs to know of a database.
type dialect struct {
	// dir holds the dialect's numbered .sql files in migrationFS.
	dir string
	// lock is run first in the migration transaction ("" for none): two
	// countyd instances starting at once on one PostgreSQL must not both
	// apply a migration.
	lock string
	// hooks are Go steps run after a migration, in its transaction.
	hooks map[int]func(ctx context.Context, tx *sql.Tx, now time.Time) error
	// bind turns the runner's ?-placeholders into the dialect's.
	bind func(string) string
}

var sqliteDialect = dialect{dir: "migrations/sqlite", hooks: afterMigration, bind: func(q string) string { return q }}

// postgresDialect's hooks are only those a PostgreSQL county needs: the
// backfills of migrations before PostgreSQL was supported had nothing to
// fill there.
var postgresDialect = dialect{
	dir:   "migrations/postgres",
	hooks: afterPostgresMigration,
	// Any fixed number: the lock is the county schema's, held to commit.
	lock: `SELECT pg_advisory_xact_lock(7317001)`,
	bind: rebind,
}

// migrations lists a dialect's files in number order with their numbers.
// Numbers rise; a gap is allowed, because parallel branches reserve their
// numbers before they are merged (issue 16: 0007–0010).
func migrations(d dialect) (names []string, nums []int, err error) {
	names, err = fs.Glob(migrationFS, d.dir+"/*.sql")
	if err != nil {
		return nil, nil, fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	nums = make([]int, len(names))
	for i, n := range names {
		base := strings.TrimPrefix(n, d.dir+"/")
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v < 1 || i > 0 && v <= nums[i-1] {
			return nil, nil, fmt.Errorf("migration %s: want a number above the previous file's", base)
		}
		nums[i] = v
	}
	return names, nums, nil
}

// migrate applies every pending migration of d in one transaction (update
// runs fn in one), recording each, so a crash mid-way leaves the schema as
// it was. A database written by a newer release is refused rather than
// used half-understood.
func migrate(ctx context.Context, update func(context.Context, func(*sql.Tx) error) error, d dialect, now time.Time) error {
	names, nums, err := migrations(d)
	if err != nil {
		return err
	}
	return update(ctx, func(tx *sql.Tx) error {
		if d.lock != "" {
			if _, err := tx.ExecContext(ctx, d.lock); err != nil {
				return fmt.Errorf("lock schema: %w", err)
			}
		}
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
		if len(nums) > 0 && current > nums[len(nums)-1] {
			return fmt.Errorf("county database schema %d is newer than this countyd knows (%d)", current, nums[len(nums)-1])
		}
		for i, n := range names {
			base := strings.TrimPrefix(n, d.dir+"/")
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
			if hook := d.hooks[nums[i]]; hook != nil {
				if err := hook(ctx, tx, now); err != nil {
					return fmt.Errorf("migration %s: %w", base, err)
				}
			}
			if _, err := tx.ExecContext(ctx, d.bind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
				nums[i], base, ts(now)); err != nil {
				return fmt.Errorf("record migration %s: %w", base, err)
			}
		}
		return nil
	})
}

// migrate applies the SQLite store's pending migrations.
func (s *SQLite) migrate(ctx context.Context) error {
	return migrate(ctx, s.update, sqliteDialect, s.now())
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
