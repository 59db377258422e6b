package store

import (
	"context"
	"embed"
	"fmt"
	"github.com/yichuang/yichuang/app/workday"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []migration
	for i, n := range names {
		base := strings.TrimPrefix(n, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want number %04d", base, i+1)
		}
		b, err := migrationFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, sql: string(b)})
	}
	return out, nil
}

// migrate applies every pending migration in one transaction and records
// each in schema_migrations (and the last in user_version, which SQLite tools
// show), so a crash mid-way leaves the schema exactly as it was. A database
// written by a newer release is refused rather than used half-understood.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	// An upgrade keeps a copy of the database as it was before the new
	// schema touched it: a migration that goes wrong on a hall's data can
	// be undone from it (a first start has nothing to keep).
	var current int
	if err := db.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err == nil &&
		current > 0 && current < len(ms) {
		dir := db.backupDir
		if dir == "" {
			dir = filepath.Join(filepath.Dir(db.path), "backups")
		}
		path := filepath.Join(dir, fmt.Sprintf("before-schema-%d-%s.db", len(ms), db.clock.Now().In(workday.China).Format("20060102T150405")))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("backup dir: %w", err)
		}
		if err := db.BackupTo(ctx, path); err != nil {
			return fmt.Errorf("back up before migrating from schema %d: %w", current, err)
		}
		db.preMigration = path
	}
	return db.update(ctx, func(t *tx) error {
		if _, err := t.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var current int
		if err := t.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if current > len(ms) {
			return fmt.Errorf("database schema version %d is newer than this kiosk knows (%d): install the newer Yichuang release", current, len(ms))
		}
		for _, m := range ms[current:] {
			if _, err := t.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("apply migration %s: %w", m.name, err)
			}
			if _, err := t.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, stamp(t.now)); err != nil {
				return fmt.Errorf("record migration %s: %w", m.name, err)
			}
		}
		if _, err := t.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(ms))); err != nil {
			return fmt.Errorf("set user_version: %w", err)
		}
		return nil
	})
}

// PreMigrationBackup is the copy taken before this start migrated the
// schema ("" when nothing was migrated).
func (db *DB) PreMigrationBackup() string { return db.preMigration }

// SchemaVersion returns the number of the last applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}
