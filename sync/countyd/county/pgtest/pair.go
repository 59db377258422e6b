package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The pair's ports name their socket files; each server has its own
// socket directory too, so they differ only to keep logs readable.
const (
	primaryPort = "5432"
	standbyPort = "5433"
)

// Pair is a primary PostgreSQL and a streaming standby made from it by
// pg_basebackup, with synchronous replication: the primary acknowledges a
// commit only once the standby has flushed its WAL, so what a client saw
// committed survives the primary's death. It is separate from the one
// shared server of Database: a failover test kills its primary.
type Pair struct {
	primary, standby *server
	db               string
}

// StartPair starts a primary with one database named db, and a
// synchronous standby of it, both stopped and removed when t ends.
// Without PostgreSQL installed it fails (skips under -short), as Database.
func StartPair(t testing.TB, db string) *Pair {
	t.Helper()
	p, err := startPair(db)
	if err != nil {
		if testing.Short() {
			t.Skipf("PostgreSQL pair: %v (skipped with -short)", err)
		}
		t.Fatalf("PostgreSQL pair: %v; install it with `sh packaging/deps.sh test` (make test does)", err)
	}
	t.Cleanup(p.stop)
	return p
}

func startPair(db string) (_ *Pair, err error) {
	p := &Pair{db: db}
	defer func() {
		if err != nil {
			p.stop()
		}
	}()
	if p.primary, err = newServer("pgtest-primary-"); err != nil {
		return nil, err
	}
	if err := p.primary.initdb(); err != nil {
		return nil, err
	}
	// fsync off: the test kills processes, not the machine, so the page
	// cache keeps what each server wrote, and what is checked is what
	// reached the standby, not the disk. wal_log_hints: pg_rewind needs it
	// (or data checksums) to bring the old primary back as a standby; it
	// also needs the old primary's WAL back to the last checkpoint the two
	// share, which the crash recovery it runs first would otherwise
	// recycle: wal_keep_size keeps it (a WAL archive would do too).
	// Synchronous replication is turned on once the standby streams
	// (below).
	conf := p.primary.ownConf(primaryPort) + "wal_level = replica\nmax_wal_senders = 4\nwal_log_hints = on\nwal_keep_size = '256MB'\nfsync = off\nmax_connections = 200\n"
	if err := p.primary.appendConf(conf); err != nil {
		return nil, err
	}
	if err := p.primary.pgStart(); err != nil {
		return nil, err
	}
	if p.primary.admin, err = p.primary.connect(p.primary.dsnPort("postgres", primaryPort)); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Before the standby exists, and before replication is synchronous:
	// a synchronous primary with no standby would wait at this commit.
	if _, err := p.primary.admin.ExecContext(ctx, `CREATE DATABASE `+db); err != nil {
		return nil, fmt.Errorf("create database: %w", err)
	}

	if p.standby, err = newServer("pgtest-standby-"); err != nil {
		return nil, err
	}
	// -R writes standby.signal and primary_conninfo; -X stream copies the
	// WAL written during the backup, so the copy is consistent; -c fast:
	// the default spread checkpoint would take minutes.
	if out, err := p.standby.run("pg_basebackup", "-D", p.standby.data(), "-h", p.primary.dir, "-p", primaryPort,
		"-U", "postgres", "-R", "-X", "stream", "-c", "fast", "--no-sync"); err != nil {
		return nil, fmt.Errorf("pg_basebackup: %v: %s", err, out)
	}
	// The copied postgresql.conf names the primary's socket; the later
	// lines win.
	if err := p.standby.appendConf(p.standby.ownConf(standbyPort)); err != nil {
		return nil, err
	}
	if err := p.standby.pgStart(); err != nil {
		return nil, err
	}
	if p.standby.admin, err = p.standby.connect(p.standby.dsnPort("postgres", standbyPort)); err != nil {
		return nil, err
	}
	if err := p.syncTo(ctx, p.primary); err != nil {
		return nil, err
	}
	return p, nil
}

// ownConf is a pair member's own settings, appended after what a copy
// from the other brought. No synchronous standby of its own: once
// promoted it has none, and a primary waiting for one would take no write
// at all (syncTo turns it on where a standby streams).
func (s *server) ownConf(port string) string {
	return fmt.Sprintf("\nlisten_addresses = ''\nunix_socket_directories = '%s'\nport = %s\nsynchronous_standby_names = ''\nhot_standby = on\n", s.dir, port)
}

// syncTo makes primary's commits wait for its standby, and waits until
// the standby streams as the synchronous one.
func (p *Pair) syncTo(ctx context.Context, primary *server) error {
	// synchronous_standby_names '*': whichever standby is connected is the
	// synchronous one. synchronous_commit on (not remote_write): a commit
	// returns once the standby has flushed the WAL to its disk, so an
	// acknowledged push survives the primary's death even if the standby's
	// machine then loses power too; remote_write waits only for the
	// standby's write(2), which a power cut of both can lose. ALTER SYSTEM
	// on the primary alone: the standby's copy of the settings has none.
	for _, q := range []string{`ALTER SYSTEM SET synchronous_standby_names = '*'`,
		`ALTER SYSTEM SET synchronous_commit = 'on'`, `SELECT pg_reload_conf()`} {
		if _, err := primary.admin.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("turn on synchronous replication: %w", err)
		}
	}
	// Until the standby streams as the synchronous one, a commit is not
	// yet sure to be on both.
	for {
		var state string
		err := primary.admin.QueryRowContext(ctx, `SELECT sync_state FROM pg_stat_replication LIMIT 1`).Scan(&state)
		if err == nil && state == "sync" {
			return nil
		}
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("read replication state: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("standby not synchronous after a minute (state %q)", state)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// DSN is the URL countyd is given: both servers, and
// target_session_attrs=read-write, so the driver connects to whichever
// takes writes (the primary; after a promotion, the standby).
func (p *Pair) DSN() string {
	return "postgres:///" + p.db + "?host=" + p.primary.dir + "," + p.standby.dir +
		"&port=" + primaryPort + "," + standbyPort + "&user=postgres&sslmode=disable&target_session_attrs=read-write"
}

// StandbyDSN is the standby alone, as the superuser (after a promotion,
// the new primary).
func (p *Pair) StandbyDSN() string { return p.standby.dsnPort(p.db, standbyPort) }

// KillPrimary kills the primary as a crash would: SIGKILL to the
// postmaster, then to every process it had started (a postmaster killed
// alone leaves its backends to notice; a child killed first would make it
// restart them). It returns once the postmaster is gone.
func (p *Pair) KillPrimary(t testing.TB) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(p.primary.data(), "postmaster.pid"))
	if err != nil {
		t.Fatalf("read the primary's pid: %v", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("primary's pid %q: %v", line, err)
	}
	children := childrenOf(pid)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 the primary: %v", err)
	}
	for _, c := range children {
		syscall.Kill(c, syscall.SIGKILL) // one may have exited already
	}
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) || anyAlive(children) {
		if time.Now().After(deadline) {
			t.Fatalf("primary (pid %d) still running 10 s after kill -9", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Promote makes the standby the primary (pg_ctl promote) and waits until
// it takes writes.
func (p *Pair) Promote(t testing.TB) {
	t.Helper()
	if out, err := p.standby.run("pg_ctl", "-D", p.standby.data(), "-w", "-t", "60", "promote"); err != nil {
		t.Fatalf("pg_ctl promote: %v: %s", err, out)
	}
}

// RejoinOldPrimary brings the killed primary back as a synchronous
// standby of the promoted one, as the runbook does (docs/county-scale.md,
// "Failover"): pg_rewind winds back what it wrote that never reached the
// standby (it runs the crash recovery first) and copies what the new
// primary wrote since; -R makes it a standby of the new primary.
func (p *Pair) RejoinOldPrimary(t testing.TB) {
	t.Helper()
	old, cur := p.primary, p.standby
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A promotion's end-of-recovery checkpoint runs after pg_ctl promote
	// returns; until one is done the new primary's control file still
	// shows the old timeline, and pg_rewind finds "no rewind required"
	// and leaves the old primary's extra WAL in place (it then refuses to
	// follow the new timeline). The pg_rewind manual says the same.
	if _, err := cur.admin.ExecContext(ctx, `CHECKPOINT`); err != nil {
		t.Fatalf("checkpoint the new primary: %v", err)
	}
	source := fmt.Sprintf("host=%s port=%s user=postgres dbname=postgres", cur.dir, standbyPort)
	out, err := old.run("pg_rewind", "--target-pgdata", old.data(), "--source-server", source, "-R", "--no-sync")
	if err != nil {
		t.Fatalf("pg_rewind: %v: %s", err, out)
	}
	t.Logf("pg_rewind: %s", out)
	// pg_rewind copied the new primary's settings: its socket, its port.
	if err := old.appendConf(old.ownConf(primaryPort)); err != nil {
		t.Fatal(err)
	}
	if err := old.pgStart(); err != nil {
		t.Fatal(err)
	}
	if err := p.syncTo(ctx, cur); err != nil {
		log, _ := os.ReadFile(filepath.Join(old.dir, "server.log"))
		t.Fatalf("%v; the old primary's log:\n%s", err, log)
	}
}

// OldPrimaryDSN is the first primary alone, as the superuser (after
// RejoinOldPrimary, a standby).
func (p *Pair) OldPrimaryDSN() string { return p.primary.dsnPort(p.db, primaryPort) }

// stop stops both servers and removes their directories.
func (p *Pair) stop() {
	for _, s := range []*server{p.primary, p.standby} {
		if s != nil {
			s.stop()
		}
	}
}

// childrenOf lists the processes whose parent is pid, from /proc.
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _ := procStat(n); ppid == pid {
			kids = append(kids, n)
		}
	}
	return kids
}

// procStat reads a process's parent and state from /proc/<pid>/stat.
func procStat(pid int) (ppid int, state string) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, ""
	}
	return parseStat(string(b))
}

// parseStat reads "pid (comm) state ppid …"; comm may hold spaces and
// parentheses (a backend's title does), so the fields start after the
// last ')'.
func parseStat(stat string) (ppid int, state string) {
	rest := stat[strings.LastIndexByte(stat, ')')+1:]
	f := strings.Fields(rest)
	if len(f) < 2 {
		return 0, ""
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, f[0]
}

// alive: the process exists and is not a zombie waiting to be reaped.
func alive(pid int) bool {
	_, state := procStat(pid)
	return state != "" && state != "Z"
}

func anyAlive(pids []int) bool {
	for _, p := range pids {
		if alive(p) {
			return true
		}
	}
	return false
}
