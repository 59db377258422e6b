package pgtest

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Durable starts a server of its own with PostgreSQL's default durability
// (fsync, synchronous_commit and full_page_writes on), with one database
// named db, stopped and removed when t ends, and returns its DSN. The
// shared server of Database runs without fsync, which is right for
// behaviour but not for a speed figure set beside SQLite's
// synchronous=FULL: a load test measures on this one.
func Durable(t testing.TB, db string) string {
	t.Helper()
	s, err := startDurable(db)
	if err != nil {
		if testing.Short() {
			t.Skipf("PostgreSQL: %v (skipped with -short)", err)
		}
		t.Fatalf("PostgreSQL: %v; install it with `sh packaging/deps.sh test` (make test does)", err)
	}
	t.Cleanup(s.stop)
	return s.dsn(db)
}

func startDurable(db string) (_ *server, err error) {
	s, err := newServer("pgtest-durable-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.stop()
		}
	}()
	if err := s.initdb(); err != nil {
		return nil, err
	}
	// Only the socket and the connection count differ from a packaged
	// server's defaults: two countyd instances hold up to 16 each.
	if err := s.appendConf(fmt.Sprintf("\nlisten_addresses = ''\nunix_socket_directories = '%s'\nport = %s\nmax_connections = 100\n", s.dir, port)); err != nil {
		return nil, err
	}
	if err := s.pgStart(); err != nil {
		return nil, err
	}
	if s.admin, err = s.connect(s.dsn("postgres")); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := s.admin.ExecContext(ctx, `CREATE DATABASE `+db); err != nil {
		return nil, fmt.Errorf("create database: %w", err)
	}
	return s, nil
}
