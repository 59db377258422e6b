package pgtest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
)

// TestPointInTimeRecovery follows docs/county-scale.md "Backups" for
// PostgreSQL: a county database on a server archiving its WAL, a
// pg_basebackup of it, a write after the base backup that only the WAL
// archive holds, the server lost; the base backup recovered with the
// archive into a new server, which then holds that write too, and
// MarkRestored on it tells the kiosks, past every cursor of the lost one.
func TestPointInTimeRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two PostgreSQL servers")
	}
	ctx := context.Background()
	p, err := start()
	if err != nil {
		t.Fatal(err)
	}
	pdata := filepath.Join(p.dir, "data")
	t.Cleanup(func() {
		p.admin.Close()
		p.run("pg_ctl", "-D", pdata, "-m", "immediate", "-w", "stop")
		os.RemoveAll(p.dir)
	})
	archive := filepath.Join(p.dir, "archive")
	if err := os.Mkdir(archive, 0o700); err != nil {
		t.Fatal(err)
	}
	if p.cred != nil {
		os.Chown(archive, int(p.cred.Uid), int(p.cred.Gid))
	}
	appendConf(t, pdata, fmt.Sprintf("wal_level = replica\narchive_mode = on\narchive_command = 'test ! -f %[1]s/%%f && cp %%p %[1]s/%%f'\n", archive))
	if out, err := p.run("pg_ctl", "-D", pdata, "-l", filepath.Join(p.dir, "server.log"), "-w", "-t", "60", "restart"); err != nil {
		t.Fatalf("restart with archiving: %v: %s", err, out)
	}
	p.admin.Close()
	if p.admin, err = sql.Open("pgx", p.dsn("postgres")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.admin.ExecContext(ctx, `CREATE DATABASE county TEMPLATE template0`); err != nil {
		t.Fatal(err)
	}
	keys := t.TempDir()
	open := func(dsn string) *county.Postgres {
		st, err := county.OpenPostgres(ctx, dsn, county.PostgresOptions{SecretsKey: filepath.Join(keys, "secrets.key")})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := open(p.dsn("county"))
	publish := func(st *county.Postgres, version string) protocol.FeedItem {
		t.Helper()
		it, err := st.PublishCatalog(ctx, "", json.RawMessage(`{"version":"`+version+`","matters":[]}`))
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	publish(st, "before-base")

	base := filepath.Join(p.dir, "base")
	if out, err := p.run("pg_basebackup", "-h", p.dir, "-p", port, "-U", "postgres", "-D", base, "-X", "stream", "-c", "fast"); err != nil {
		t.Fatalf("pg_basebackup: %v: %s", err, out)
	}
	last := publish(st, "after-base") // only in the WAL archive
	st.Close()
	// The file the write is in, closed and archived (pg_walfile_name of
	// the switch's end names the file it ended, not the next).
	var seg string
	if err := p.admin.QueryRowContext(ctx, `SELECT pg_walfile_name(pg_switch_wal())`).Scan(&seg); err != nil {
		t.Fatal(err)
	}
	waitArchived(t, p.admin, seg)
	p.admin.Close()
	if out, err := p.run("pg_ctl", "-D", pdata, "-m", "immediate", "-w", "stop"); err != nil { // the disk is gone
		t.Fatalf("stop: %v: %s", err, out)
	}

	appendConf(t, base, fmt.Sprintf("restore_command = 'cp %s/%%f %%p'\nrecovery_target_action = 'promote'\n", archive))
	signal := filepath.Join(base, "recovery.signal")
	if err := os.WriteFile(signal, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if p.cred != nil {
		os.Chown(signal, int(p.cred.Uid), int(p.cred.Gid))
	}
	log := filepath.Join(p.dir, "recovered.log")
	if out, err := p.run("pg_ctl", "-D", base, "-l", log, "-w", "-t", "120", "start"); err != nil {
		b, _ := os.ReadFile(log)
		t.Fatalf("start the recovered server: %v: %s\n%s", err, out, b)
	}
	t.Cleanup(func() { p.run("pg_ctl", "-D", base, "-m", "immediate", "-w", "stop") })
	waitPromoted(t, p.dsn("county"))

	rec := open(p.dsn("county"))
	defer rec.Close()
	if err := rec.MarkRestored(ctx, time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", p.dsn("county"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT cursor, kind, COALESCE(payload::json->>'version', '') FROM feed ORDER BY cursor`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	var restoredAt int64
	for rows.Next() {
		var c int64
		var kind, version string
		if err := rows.Scan(&c, &kind, &version); err != nil {
			t.Fatal(err)
		}
		got = append(got, kind+" "+version)
		if kind == string(protocol.FeedCountyRestored) {
			restoredAt = c
		}
	}
	want := []string{"catalog.published before-base", "catalog.published after-base", "county.restored "}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("recovered feed: got %q, want %q", got, want)
	}
	if restoredAt < last.Cursor+1<<32 {
		t.Errorf("county.restored at cursor %d, want past %d", restoredAt, last.Cursor+1<<32)
	}
}

func appendConf(t *testing.T, data, conf string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\n" + conf); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// waitArchived waits until WAL file seg is archived (names compare as
// text on one timeline).
func waitArchived(t *testing.T, admin *sql.DB, seg string) {
	t.Helper()
	for i := 0; i < 300; i++ {
		var last sql.NullString
		var failed int64
		if err := admin.QueryRow(`SELECT last_archived_wal, failed_count FROM pg_stat_archiver`).Scan(&last, &failed); err != nil {
			t.Fatal(err)
		}
		if failed > 0 {
			t.Fatalf("archive_command failed %d times", failed)
		}
		if last.Valid && last.String >= seg {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("WAL file %s was not archived within 30 s", seg)
}

// waitPromoted waits until the recovered server accepts writes.
func waitPromoted(t *testing.T, dsn string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < 600; i++ {
		var inRecovery bool
		if db.QueryRow(`SELECT pg_is_in_recovery()`).Scan(&inRecovery) == nil && !inRecovery {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the recovered server did not leave recovery within 60 s")
}
