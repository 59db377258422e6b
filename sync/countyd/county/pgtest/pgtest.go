// Package pgtest runs one real PostgreSQL server per test binary, in a
// temporary directory, listening only on a unix socket there, and hands
// each test a fresh empty database on it. The county store's contract
// tests run on it (docs/county-scale.md).
//
// A package using it calls Cleanup from TestMain, after m.Run:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		pgtest.Cleanup()
//		os.Exit(code)
//	}
//
// The server is started by the first Database call, so a test binary none
// of whose tests needs it (go test -run TestOther) never starts one.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
)

// port names the socket file (.s.PGSQL.<port>) in the server's own
// directory; nothing listens on TCP, so it cannot clash with another
// server.
const port = "5432"

var (
	once    sync.Once
	srv     *server
	srvErr  error
	counter atomic.Int64
)

// server is the running PostgreSQL.
type server struct {
	dir   string // socket directory; the data directory is dir/data
	bin   string
	cred  *syscall.Credential
	admin *sql.DB
}

// Database returns the DSN of a new empty database for t, dropped when t
// ends. Without PostgreSQL installed the test fails, saying how to install
// it (make test does, through packaging/deps.sh), except under -short,
// where it is skipped.
func Database(t testing.TB) string {
	t.Helper()
	once.Do(func() { srv, srvErr = start() })
	if srvErr != nil {
		if testing.Short() {
			t.Skipf("PostgreSQL: %v (skipped with -short)", srvErr)
		}
		t.Fatalf("PostgreSQL: %v; install it with `sh packaging/deps.sh test` (make test does)", srvErr)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), counter.Add(1))
	ctx := context.Background()
	// A database per test: CREATE DATABASE copies template1 and takes a
	// few milliseconds, and no test sees another's rows.
	if _, err := srv.admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		// FORCE: a connection a failed test left open must not keep it.
		if _, err := srv.admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return srv.dsn(name)
}

// Cleanup stops the server and removes its directory; call it from
// TestMain after m.Run. It does nothing when no test started one.
func Cleanup() {
	if srv == nil {
		return
	}
	srv.stop()
	srv = nil
}

// dsn is a URL for a database on the server's socket, as the postgres
// superuser that initdb made (trust: only this machine's users who can
// reach the socket directory connect).
func (s *server) dsn(db string) string {
	return s.dsnPort(db, port)
}

func (s *server) dsnPort(db, port string) string {
	return "postgres:///" + db + "?host=" + s.dir + "&port=" + port + "&user=postgres&sslmode=disable"
}

// binDir finds PostgreSQL's server programs: $PGTEST_BINDIR when set (a
// build in an odd place), else pg_config's bindir, then Debian's versioned
// directories (newest first), then PATH.
func binDir() (string, error) {
	if d := os.Getenv("PGTEST_BINDIR"); d != "" {
		if hasInitdb(d) {
			return d, nil
		}
		return "", fmt.Errorf("PGTEST_BINDIR=%s has no initdb and pg_ctl", d)
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); hasInitdb(d) {
			return d, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if hasInitdb(dirs[i]) {
			return dirs[i], nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	return "", errors.New("initdb and pg_ctl not found (pg_config --bindir, /usr/lib/postgresql/*/bin, PATH)")
}

func hasInitdb(dir string) bool {
	_, err1 := os.Stat(filepath.Join(dir, "initdb"))
	_, err2 := os.Stat(filepath.Join(dir, "pg_ctl"))
	return err1 == nil && err2 == nil
}

// start makes a cluster in a new temporary directory and starts it.
func start() (*server, error) {
	s, err := newServer("pgtest-")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			s.stop()
		}
	}()
	if err := s.initdb(); err != nil {
		return nil, err
	}
	// Socket only, in our directory; fsync off: a test database is thrown
	// away, so a crash losing it costs nothing.
	if err := s.appendConf(fmt.Sprintf("\nlisten_addresses = ''\nunix_socket_directories = '%s'\nport = %s\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n", s.dir, port)); err != nil {
		return nil, err
	}
	if err := s.pgStart(); err != nil {
		return nil, err
	}
	if s.admin, err = s.connect(s.dsn("postgres")); err != nil {
		return nil, err
	}
	ok = true
	return s, nil
}

// newServer makes the temporary directory of a server not yet
// initialised, and finds the programs and the user to run them as.
func newServer(prefix string) (*server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, bin: bin}
	// initdb refuses to run as root: as root, the server runs as the
	// postgres system user (the package makes it), owning the directory.
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and no postgres user to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	return s, nil
}

// data is the server's data directory.
func (s *server) data() string { return filepath.Join(s.dir, "data") }

// initdb makes the cluster. C locale: text compares byte by byte as in
// SQLite, so the stored times (fixed-width text) and codes sort the same
// on both stores.
func (s *server) initdb() error {
	if out, err := s.run("initdb", "-D", s.data(), "-U", "postgres", "--auth=trust", "--locale=C", "--encoding=UTF8", "--no-sync"); err != nil {
		return fmt.Errorf("initdb: %v: %s", err, out)
	}
	return nil
}

// appendConf adds settings to postgresql.conf; later lines win.
func (s *server) appendConf(conf string) error {
	f, err := os.OpenFile(filepath.Join(s.data(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(conf)
	return errors.Join(werr, f.Close())
}

// pgStart starts the server and waits until it takes connections.
func (s *server) pgStart() error {
	if out, err := s.run("pg_ctl", "-D", s.data(), "-l", filepath.Join(s.dir, "server.log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
		return fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
	}
	return nil
}

// connect opens a pool on dsn and checks it answers.
func (s *server) connect(dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to the test server: %w", err)
	}
	return db, nil
}

// stop stops the server at once, if it runs, and removes its directory.
// immediate: the data is thrown away, there is nothing to flush.
func (s *server) stop() {
	if s.admin != nil {
		s.admin.Close()
	}
	s.run("pg_ctl", "-D", s.data(), "-m", "immediate", "-w", "stop")
	os.RemoveAll(s.dir)
}

// run runs one of the server's programs as the server's user.
func (s *server) run(prog string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(s.bin, prog), args...)
	cmd.Dir = s.dir
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	// Not the caller's PG* settings: they would point the tools elsewhere.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	return cmd.CombinedOutput()
}
