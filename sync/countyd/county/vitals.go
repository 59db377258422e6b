package county

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Errors of Ready: monitoring says which without quoting the driver's
// text, which may name hosts and users.
var (
	ErrUnreachable  = errors.New("database unreachable")
	ErrSchemaBehind = errors.New("database schema behind this countyd")
	ErrReadOnly     = errors.New("database is read-only (a standby?)")
)

// ready pings db and checks every migration of d is recorded in it.
func ready(ctx context.Context, db *sql.DB, d dialect) error {
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	_, nums, err := migrations(d)
	if err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("%w: read applied migrations: %w", ErrUnreachable, err)
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("scan applied migration: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read applied migrations: %w", err)
	}
	for _, n := range nums {
		if !applied[n] {
			return fmt.Errorf("%w: migration %04d not applied", ErrSchemaBehind, n)
		}
	}
	return nil
}

func blobBytes(ctx context.Context, db *sql.DB) (int64, error) {
	var n int64
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(SUM(stored), 0) FROM blobs`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sum blob bytes: %w", err)
	}
	return n, nil
}

// Ready checks through the writer's connection: a database whose one
// writer is gone cannot take a push, even if the readers still answer.
func (s *SQLite) Ready(ctx context.Context) error { return ready(ctx, s.w, sqliteDialect) }

// DBStats has the one-connection writer and the read pool.
func (s *SQLite) DBStats() map[string]sql.DBStats {
	return map[string]sql.DBStats{"write": s.w.Stats(), "read": s.r.Stats()}
}

// BlobBytes sums the stored lengths the database records for the files
// under blobs/.
func (s *SQLite) BlobBytes(ctx context.Context) (int64, error) { return blobBytes(ctx, s.r) }

// Ready pings the pool, checks the schema, and that the server takes
// writes: after a failover an instance still pointed at the old primary,
// now a standby, answers reads but cannot apply a push, and the load
// balancer must stop sending kiosks there.
func (s *Postgres) Ready(ctx context.Context) error {
	if err := ready(ctx, s.db, postgresDialect); err != nil {
		return err
	}
	var ro string
	if err := s.db.QueryRowContext(ctx, `SHOW transaction_read_only`).Scan(&ro); err != nil {
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	if ro != "off" {
		return ErrReadOnly
	}
	return nil
}

// DBStats has the one pool.
func (s *Postgres) DBStats() map[string]sql.DBStats {
	return map[string]sql.DBStats{"main": s.db.Stats()}
}

// BlobBytes sums the stored lengths.
func (s *Postgres) BlobBytes(ctx context.Context) (int64, error) { return blobBytes(ctx, s.db) }
