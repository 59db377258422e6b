// Package store keeps the kiosk's data in one SQLite file on disk.
//
// It owns everything SQL: opening the file with the right pragmas, checking
// it, migrating it, and the queries behind the domain packages. Writes go
// through a single writer connection, each user action in one BEGIN
// IMMEDIATE transaction together with its outbox event; reads use their own
// pool so the UI never waits behind a write.
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/eventid"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Options configure Open.
type Options struct {
	// Clock stamps rows; nil means the system clock.
	Clock clock.Clock
	// BackupDir is where daily backups live; it is listed when the file
	// turns out to be corrupt. Empty means "backups" beside the database.
	BackupDir string
	// ReadConns caps the read pool; 0 means 4.
	ReadConns int
	// Build is the release opening the file. When it differs from the one
	// the last full check passed under, the next check is a full one
	// (check.go). Empty means "do not compare".
	Build string
	// Check says when Open checks the file; the zero value checks in the
	// background (check.go).
	Check CheckMode
	// Checked, when set, hears of each check of the file as it ends: which
	// one, how long it took and what it found (the kiosk logs it).
	Checked func(kind CheckKind, took time.Duration, err error)
}

// DB is an open kiosk database.
type DB struct {
	path      string
	backupDir string
	// preMigration is the backup taken before this start migrated.
	preMigration string
	clock        clock.Clock
	w            *sql.DB // exactly one connection: SQLite allows one writer
	r            *sql.DB // read-only pool

	catMu sync.RWMutex
	cat   *catalogIndex // the active catalog, loaded lazily
	// older holds earlier catalog versions that cases were accepted under,
	// dropped with the active one whenever a catalog is loaded.
	older map[string]*catalog.Catalog
	// calendar is the working-day calendar (embedded and county-published
	// notices), read on first use and again after the county sends one.
	calendar *workday.Calendar

	// hall is what the store knows of the hall's hub (see SetHallOnline).
	hall hallFlag
	// keys is the data key personal data is sealed with (vault.go).
	keys keyring

	// file is the database file kept open for the backup's WAL fold, and
	// fileMu guards it (databaseFile).
	fileMu sync.Mutex
	file   *os.File

	// check is the file check started by Open (check.go).
	check fileCheck
	// backupPaused, when set, runs between the steps of a backup copy (tests
	// write through it while the copy holds its snapshot).
	backupPaused func()
	// backupFolding, when set, runs between the pieces in which the file
	// is written out after a backup (foldWAL; tests), and backupFoldChunk,
	// when > 0, replaces the piece's size.
	backupFolding   func()
	backupFoldChunk int64
}

// CorruptError says the database file cannot be used. The file is left
// exactly as found; the caller offers the newest backup (RestoreBackup).
type CorruptError struct {
	Path string
	// Reason says in a clerk's words what is wrong; Detail is the technical
	// text for support staff.
	Reason  *msg.Error
	Detail  string
	Backups []Backup // newest first
}

// Reasons a database file cannot be used.
var (
	ReasonNotDatabase = msg.New("这个文件不是一窗的数据库，可能被其他文件覆盖了")
	ReasonLostLog     = msg.New("数据文件是空的，但旁边还有未写入的日志，可能是复制或断电造成的")
	ReasonUnreadable  = msg.New("数据文件无法读取（权限或磁盘问题）")
	ReasonDamaged     = msg.New("数据文件内部已损坏（完整性检查未通过）")
)

func (e *CorruptError) Error() string {
	return fmt.Sprintf("database %s is damaged or unreadable: %s", e.Path, e.Detail)
}

// dsn builds a go-sqlite3 DSN. Pragmas are set in the DSN, not with Exec
// after opening, because database/sql opens new pooled connections at any
// time and each must have them.
//
//   - journal_mode=WAL: readers do not block the writer nor the writer them.
//   - synchronous=FULL: the driver's default NORMAL is durable against a
//     crashed process but, in WAL mode, can roll back the last commits on
//     power loss. A receipt handed to a citizen must never point at a case
//     the kiosk no longer has, and township halls do lose power; FULL syncs
//     the WAL on every commit, a cost we measure and accept.
//   - foreign_keys=on: SQLite leaves them off per connection by default.
//   - busy_timeout: wait for a lock (a backup, a checkpoint) rather than
//     failing the clerk's action at once.
//   - txlock=immediate (writer): BEGIN IMMEDIATE takes the write lock at the
//     start, so a transaction never fails half-way with SQLITE_BUSY when it
//     upgrades from read to write.
//   - query_only (readers): a read connection cannot write by mistake.
//   - secure_delete: a deleted or rewritten row is overwritten with zeros,
//     so a copied file does not keep what was sealed or removed since
//     (docs/security.md).
func dsn(path string, writer bool) string {
	p := "_journal_mode=WAL&_synchronous=FULL&_foreign_keys=on&_busy_timeout=10000&_secure_delete=on"
	if writer {
		p += "&_txlock=immediate"
	} else {
		p += "&_query_only=true"
	}
	return path + "?" + p
}

const sqliteMagic = "SQLite format 3\x00"

// Open opens (or creates) the database at path, checks its integrity and
// applies pending migrations. A damaged or foreign file yields *CorruptError
// and is never modified, let alone replaced by a new empty database.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open database: path %q must not contain ? or #", path)
	}
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.BackupDir == "" {
		opts.BackupDir = filepath.Join(filepath.Dir(path), "backups")
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = 4
	}
	corrupt := func(reason *msg.Error, detail string) error {
		backups, _ := ListBackups(opts.BackupDir)
		return &CorruptError{Path: path, Reason: reason, Detail: detail, Backups: backups}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if reason, detail := sniff(path); reason != nil {
		return nil, corrupt(reason, detail)
	}
	if err := private(path); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}

	// The marker says "open" until Close; one left by a start that never
	// closed is how the next start knows the last one was cut off.
	stale, err := openMarkers(path)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	marker, err := newOpenMarker(path)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	w, err := sql.Open("sqlite3", dsn(path, true))
	if err != nil {
		os.Remove(marker)
		return nil, fmt.Errorf("open database: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		w.Close()
		os.Remove(marker)
		return nil, fmt.Errorf("open read pool: %w", err)
	}
	r.SetMaxOpenConns(opts.ReadConns)
	db := &DB{path: path, backupDir: opts.BackupDir, clock: opts.Clock, w: w, r: r}
	db.check = fileCheck{marker: marker, stale: stale, build: opts.Build, heard: opts.Checked, done: make(chan struct{})}
	fail := func(err error) (*DB, error) {
		db.check.stop = func() {}
		close(db.check.done)
		db.Close()
		if isCorruption(err) {
			return nil, corrupt(ReasonDamaged, err.Error())
		}
		return nil, err
	}
	plan, err := db.planCheck(ctx, opts.Check)
	if err != nil {
		return fail(fmt.Errorf("open database %s: %w", path, err))
	}
	if plan.now {
		// Nothing is migrated, nor is the self-check answered, before the
		// whole file is known to be sound.
		if err := db.runCheck(ctx, plan.kind); err != nil {
			return fail(fmt.Errorf("open database %s: %w", path, err))
		}
	}
	if plan.migrate {
		if err := db.migrate(ctx); err != nil {
			return fail(err)
		}
	}
	if plan.now {
		db.checkPassed(ctx, plan.kind)
		db.check.stop = func() {}
		close(db.check.done)
	} else {
		db.checkInBackground(plan.kind)
	}
	return db, nil
}

// private makes the database and its log files readable by their owner
// only: SQLite creates them with the process's umask (often 0644), and a
// release before 0.8 left them so. The data in them is sealed too; this
// keeps other accounts on a shared PC from copying even that.
func private(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.Chmod(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return nil
}

// sniff looks at the file before SQLite does: a file that is not SQLite at
// all (a half-copied backup, a file overwritten by another program) must not
// be "repaired" by SQLite into an empty database. A zero-length file with no
// WAL beside it is a database whose creation never got to its first write,
// so it holds nothing and may be initialised.
func sniff(path string) (reason *msg.Error, detail string) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ""
	}
	if err != nil {
		return ReasonUnreadable, fmt.Sprintf("cannot read the file: %v", err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	n, _ := f.Read(head)
	if n == 0 {
		if st, err := os.Stat(path + "-wal"); err == nil && st.Size() > 0 {
			return ReasonLostLog, "the file is empty but its write-ahead log is not"
		}
		return nil, ""
	}
	if string(head[:n]) != sqliteMagic {
		return ReasonNotDatabase, "the file is not an SQLite database"
	}
	return nil, ""
}

func integrity(ctx context.Context, db *sql.DB) error { return checkWith(ctx, db, FullCheck) }

// checkWith runs PRAGMA integrity_check or quick_check and turns what it
// finds into a corruptionError.
func checkWith(ctx context.Context, db *sql.DB, kind CheckKind) error {
	rows, err := db.QueryContext(ctx, "PRAGMA "+string(kind))
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], fmt.Sprintf("and %d more", len(problems)-5))
		}
		return corruptionError{strings.Join(problems, "; ")}
	}
	return nil
}

type corruptionError struct{ detail string }

func (e corruptionError) Error() string { return "integrity check: " + e.detail }

func isCorruption(err error) bool {
	var ce corruptionError
	if errors.As(err, &ce) {
		return true
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB
	}
	return false
}

// Close stops the background check, closes both pools (the WAL is
// checkpointed by SQLite on the last close) and then says this start ended
// cleanly by removing its open marker.
func (db *DB) Close() error {
	db.check.stop()
	<-db.check.done
	err := errors.Join(db.r.Close(), db.w.Close())
	// Only now, with no connection left to lose its locks (databaseFile).
	db.fileMu.Lock()
	if db.file != nil {
		err = errors.Join(err, db.file.Close())
		db.file = nil
	}
	db.fileMu.Unlock()
	if err == nil {
		if rmErr := os.Remove(db.check.marker); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			err = fmt.Errorf("remove open marker: %w", rmErr)
		}
	}
	return err
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Check runs PRAGMA integrity_check on the open database.
// Options.Checked hears of it like of the check Open started.
func (db *DB) Check(ctx context.Context) error { return db.runCheck(ctx, FullCheck) }

// tx is one write transaction: a user action's domain rows and its outbox
// event commit or roll back together.
type tx struct {
	*sql.Tx
	db  *DB
	now time.Time
	// logged: the transaction added to the hall's log (the hub then wakes
	// the machines following it, once it is committed).
	logged bool
}

// update runs fn in a BEGIN IMMEDIATE transaction on the writer connection
// and commits it; any error rolls everything back.
func (db *DB) update(ctx context.Context, fn func(*tx) error) error {
	// A file found damaged takes no more writes: what a clerk saved into it
	// could be lost with it, and a restore must start from what was there.
	if c := db.check.damaged.Load(); c != nil {
		return c
	}
	t, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tr := &tx{Tx: t, db: db, now: db.clock.Now()}
	if err := fn(tr); err != nil {
		return errors.Join(err, rollback(t))
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if tr.logged {
		if f := db.hall.onLog.Load(); f != nil {
			(*f)()
		}
	}
	return nil
}

func rollback(t *sql.Tx) error {
	if err := t.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}

// emit writes one outbox event in the transaction and returns its id.
func (t *tx) emit(ctx context.Context, kind protocol.Kind, payload any) (string, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("encode %s event: %w", kind, err)
	}
	id := eventid.New()
	var caseID any // a case's events must reach the county in order
	ref := ""
	switch p := payload.(type) {
	case protocol.CaseEvent:
		caseID, ref = p.CaseID, p.CaseID
	case protocol.RatingPayload:
		ref = p.Kind + ":" + p.Ref
	}
	// The hall shares case events and ratings with its other machines.
	var hallState any
	if hallKind(kind) {
		ev := protocol.Event{ID: id, Kind: kind, Created: t.now, Payload: b}
		if hallState, err = t.hallEmit(ctx, ev, ref); err != nil {
			return "", err
		}
	}
	stored := string(b)
	if sealedKind(string(kind)) {
		if stored, err = t.seal(b, colOutbox); err != nil {
			return "", err
		}
	}
	if _, err := t.ExecContext(ctx,
		`INSERT INTO outbox (event_id, kind, payload, created_at, case_id, hall_state) VALUES (?, ?, ?, ?, ?, ?)`,
		id, string(kind), stored, stamp(t.now), caseID, hallState); err != nil {
		return "", fmt.Errorf("insert outbox row: %w", err)
	}
	return id, nil
}

// stamp formats a time for storage: UTC, fixed width, so text order is time order.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func unstamp(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

// dateOrNull stores a due date as its Beijing calendar day, or NULL.
func dateOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.In(workday.China).Format("2006-01-02")
}
