package county

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/yichuang/yichuang/sync/lowpriority"
	"github.com/yichuang/yichuang/sync/writeback"
)

// A backup of the SQLite store is a directory <to>/county-<UTC time>/ with
// the database (county.db, one file, journal_mode=DELETE), the key that
// seals device secrets (secrets.key, when it lives in the data directory)
// and the attachment files the database names, under blobs/ as in the data
// directory. It is built under a .tmp name and renamed when whole and
// checked, so a directory without .tmp is a backup that passed CheckBackup.
const (
	backupPrefix = "county-"
	backupLayout = "20060102T150405Z"
	dbFile       = "county.db"
	keyFile      = "secrets.key"
	// replacedPrefix names the directory a forced restore moves the old
	// data into.
	replacedPrefix = "replaced-"
)

// BackupInfo is one backup directory.
type BackupInfo struct {
	Path  string
	Taken time.Time
}

// ListBackups returns the backups in dir, newest first; a missing dir has
// none.
func ListBackups(dir string) ([]BackupInfo, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	var out []BackupInfo
	for _, e := range entries {
		stamp, ok := strings.CutPrefix(e.Name(), backupPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		t, err := time.Parse(backupLayout, stamp)
		if err != nil {
			continue // a .tmp left by an interrupted backup, or not ours
		}
		out = append(out, BackupInfo{Path: filepath.Join(dir, e.Name()), Taken: t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Taken.After(out[j].Taken) })
	return out, nil
}

// BackupSQLite makes a checked backup of the data directory data into a new
// directory under to and removes the backups taken more than keepDays
// before now. It returns the new backup's path.
//
// It runs beside a serving countyd: the database is copied with SQLite's
// online backup API in one read transaction, a snapshot in WAL mode that
// never holds up the server's writer, in paced steps (onlineCopy), and the
// attachments copied are those
// the copy names. The server renames an attachment's file into place
// before it commits its row (blobs.go) and never deletes one, so every
// file the snapshot names is there, whole: database and files agree.
//
// The copy and its check run at a lower CPU and I/O priority than the
// server (lowpriority.Run: niceness 10, idle I/O, what the nightly timer's
// unit sets too), so that a backup run by hand does not take the CPU or
// the disk from the pushes either (issue 18).
func BackupSQLite(ctx context.Context, data, to string, now time.Time, keepDays int) (string, error) {
	var path string
	err := lowpriority.Run(func() (err error) {
		path, err = backupSQLite(ctx, data, to, now, keepDays)
		return err
	})
	return path, err
}

func backupSQLite(ctx context.Context, data, to string, now time.Time, keepDays int) (string, error) {
	if keepDays <= 0 {
		keepDays = 7
	}
	src := filepath.Join(data, dbFile)
	if _, err := os.Stat(src); err != nil {
		return "", fmt.Errorf("backup: no county database: %w", err)
	}
	if err := os.MkdirAll(to, 0o700); err != nil {
		return "", fmt.Errorf("backup dir: %w", err)
	}
	final := filepath.Join(to, backupPrefix+now.UTC().Format(backupLayout))
	if _, err := os.Stat(final); err == nil {
		return "", fmt.Errorf("backup %s exists already", final)
	}
	tmp := final + ".tmp"
	if err := os.RemoveAll(tmp); err != nil { // a leftover of an interrupted backup
		return "", fmt.Errorf("remove old partial backup: %w", err)
	}
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return "", fmt.Errorf("backup dir: %w", err)
	}
	fail := func(err error) (string, error) {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := onlineCopy(ctx, src, filepath.Join(tmp, dbFile)); err != nil {
		return fail(fmt.Errorf("copy database: %w", err))
	}
	if err := dropPartialUploads(ctx, filepath.Join(tmp, dbFile)); err != nil {
		return fail(err)
	}
	shas, err := backupBlobs(ctx, filepath.Join(tmp, dbFile))
	if err != nil {
		return fail(err)
	}
	for _, sha := range shas {
		if err := copyFile(blobFile(data, sha), blobFile(tmp, sha)); err != nil {
			return fail(fmt.Errorf("copy attachment: %w", err))
		}
	}
	if err := copyFile(filepath.Join(data, keyFile), filepath.Join(tmp, keyFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fail(fmt.Errorf("copy secrets key: %w", err))
	}
	if err := CheckBackup(ctx, tmp); err != nil {
		return fail(fmt.Errorf("check new backup: %w", err))
	}
	if err := os.Rename(tmp, final); err != nil {
		return fail(fmt.Errorf("install backup: %w", err))
	}
	syncDir(to)
	list, err := ListBackups(to)
	if err != nil {
		return final, err
	}
	cut := now.Add(-time.Duration(keepDays) * 24 * time.Hour)
	for _, b := range list {
		if b.Taken.Before(cut) { // never the one just made: it was taken now
			if err := os.RemoveAll(b.Path); err != nil {
				return final, fmt.Errorf("remove old backup: %w", err)
			}
		}
	}
	return final, nil
}

// The copy goes backupPages pages at a time with backupPause between
// steps, and every backupWritebackSteps steps its written pages are sent
// on to the disk (writeback.Start): a push's commit waits for its own
// fsync, and a copy made in one step and synced at its end put the whole
// database's pages in that fsync's way (issue 18; the kiosk's backup does
// the same, app/store/backup.go).
const (
	backupPages          = 256 // 1 MiB of 4 KiB pages
	backupPause          = 2 * time.Millisecond
	backupWritebackSteps = 8
)

// backupStepped, when set, runs between the steps of a copy (tests).
var backupStepped func()

// onlineCopy copies the database at src into a new file dst with the
// online backup API, in steps inside one read transaction of its own
// connection: in WAL mode that snapshot never holds up the server's
// writer, and since every step reads the same snapshot, the pushes
// committed meanwhile neither tear the copy nor make it start over.
func onlineCopy(ctx context.Context, src, dst string) error {
	in, err := sql.Open("sqlite3", dsn(src, false))
	if err != nil {
		return err
	}
	defer in.Close()
	sc, err := in.Conn(ctx)
	if err != nil {
		return err
	}
	defer sc.Close()
	if _, err := sc.ExecContext(ctx, `BEGIN`); err != nil {
		return fmt.Errorf("begin snapshot: %w", err)
	}
	snapshot := true
	defer func() {
		if snapshot {
			sc.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		}
	}()
	var n int // the first read fixes the snapshot
	if err := sc.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master`).Scan(&n); err != nil {
		return fmt.Errorf("begin snapshot: %w", err)
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600) // it holds sealed device secrets
	if err != nil {
		return err
	}
	// Kept open only to start the copy's writeback as it grows; SQLite
	// writes through its own handle.
	defer f.Close()
	out, err := sql.Open("sqlite3", "file:"+dst+"?_journal_mode=OFF&_synchronous=OFF")
	if err != nil {
		return err
	}
	defer out.Close()
	dc, err := out.Conn(ctx)
	if err != nil {
		return err
	}
	defer dc.Close()
	err = dc.Raw(func(d any) error {
		return sc.Raw(func(s any) error {
			bk, err := d.(*sqlite3.SQLiteConn).Backup("main", s.(*sqlite3.SQLiteConn), "main")
			if err != nil {
				return err
			}
			for step := 1; ; step++ {
				done, err := bk.Step(backupPages)
				if err != nil || done {
					return errors.Join(err, bk.Finish())
				}
				if step%backupWritebackSteps == 0 {
					writeback.Start(f)
				}
				if backupStepped != nil {
					backupStepped()
				}
				select {
				case <-ctx.Done():
					return errors.Join(ctx.Err(), bk.Finish())
				case <-time.After(backupPause):
				}
			}
		})
	})
	if err != nil {
		return err
	}
	snapshot = false
	if _, err := sc.ExecContext(ctx, `ROLLBACK`); err != nil {
		return fmt.Errorf("end snapshot: %w", err)
	}
	// While the snapshot was held the WAL could not be folded back into
	// the database, so the pushes made meanwhile piled up in it; left to
	// the server, its next commit past the checkpoint threshold would fold
	// them all in and wait for it. Done here, beside the server's writer
	// rather than in its way (a passive checkpoint takes no write lock).
	if _, err := sc.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
		return fmt.Errorf("checkpoint after the copy: %w", err)
	}
	// The copy says WAL like its source; a backup is one file on its own.
	if _, err := dc.ExecContext(ctx, `PRAGMA journal_mode=DELETE`); err != nil {
		return fmt.Errorf("backup journal mode: %w", err)
	}
	dc.Close()
	if err := out.Close(); err != nil {
		return err
	}
	return syncFile(dst)
}

// dropPartialUploads forgets, in the copy, the uploads under way: their
// bytes are files under blobs/partial/ that a backup does not take, and a
// restored county that claimed to hold some of a file it has none of would
// have the kiosk resume at an offset into a hole, fail the file's hash and
// start again. Without the row the kiosk starts from the first byte.
func dropPartialUploads(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=OFF&_synchronous=OFF")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `DELETE FROM blob_uploads`); err != nil {
		return fmt.Errorf("drop partial uploads from the backup: %w", err)
	}
	return db.Close()
}

// backupBlobs lists the complete attachments a backup's database names.
func backupBlobs(ctx context.Context, path string) ([]string, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_query_only=true")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT sha256 FROM blobs WHERE completed_at IS NOT NULL ORDER BY sha256`)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var sha string
		if err := rows.Scan(&sha); err != nil {
			return nil, fmt.Errorf("list attachments: %w", err)
		}
		if len(sha) != 64 || strings.ContainsAny(sha, `/\.`) {
			return nil, fmt.Errorf("attachment name %q is not a SHA-256", sha)
		}
		out = append(out, sha)
	}
	return out, rows.Err()
}

func blobFile(dir, sha string) string { return filepath.Join(dir, "blobs", sha[:2], sha[2:4], sha) }

// CheckBackup checks a backup directory before it is trusted: the
// database passes integrity_check and every attachment it names is there
// with the length it records.
func CheckBackup(ctx context.Context, dir string) error {
	path := filepath.Join(dir, dbFile)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no database in the backup: %w", err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_query_only=true")
	if err != nil {
		return err
	}
	defer db.Close()
	var problems []string
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return fmt.Errorf("integrity check: %w", err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("database damaged: %s", strings.Join(problems[:min(5, len(problems))], "; "))
	}
	rows, err = db.QueryContext(ctx, `SELECT sha256, total FROM blobs WHERE completed_at IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("list attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sha string
		var total int64
		if err := rows.Scan(&sha, &total); err != nil {
			return fmt.Errorf("list attachments: %w", err)
		}
		if len(sha) != 64 || strings.ContainsAny(sha, `/\.`) {
			return fmt.Errorf("attachment name %q is not a SHA-256", sha)
		}
		st, err := os.Stat(blobFile(dir, sha))
		if err != nil {
			return fmt.Errorf("attachment %s: %w", sha[:12], err)
		}
		if st.Size() != total {
			return fmt.Errorf("attachment %s: %d bytes, want %d", sha[:12], st.Size(), total)
		}
	}
	return rows.Err()
}

// cursorJump is how far a restore moves the feed's cursors on: further
// than the county can have gone between its backup and its loss (four
// thousand million items), and small enough that thousands of restores
// stay below 2^53, where a JSON number stops being exact.
const cursorJump = 1 << 32

// RestoreSQLite puts the backup directory from back as the data directory
// data, which must be empty (or missing) unless force, when what it holds
// is moved aside into data/replaced-<time>/, never deleted. The backup is
// checked first. The restored county then says so in its feed
// (markRestored); opts are those the server opens the store with (its
// secrets key when COUNTYD_SECRETS_KEY puts it elsewhere).
func RestoreSQLite(ctx context.Context, from, data string, force bool, now time.Time, opts ...SQLiteOption) error {
	if filepath.Base(from) == dbFile {
		from = filepath.Dir(from) // the backup's database names its backup
	}
	if err := CheckBackup(ctx, from); err != nil {
		return fmt.Errorf("backup %s is not usable: %w", from, err)
	}
	taken, err := backupTime(from)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(data)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("data directory: %w", err)
	}
	var old []os.DirEntry
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), replacedPrefix) { // what an earlier -force kept
			old = append(old, e)
		}
	}
	if len(old) > 0 {
		if !force {
			return fmt.Errorf("data directory %s is not empty (-force moves what it holds aside)", data)
		}
		// Into a directory inside data, not beside it: the service's user
		// owns the data directory but may not write its parent.
		aside := filepath.Join(data, replacedPrefix+now.UTC().Format(backupLayout))
		if err := os.Mkdir(aside, 0o700); err != nil {
			return fmt.Errorf("move the old data aside: %w", err)
		}
		for _, e := range old {
			if err := os.Rename(filepath.Join(data, e.Name()), filepath.Join(aside, e.Name())); err != nil {
				return fmt.Errorf("move the old data aside: %w", err)
			}
		}
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if err := copyTree(from, data); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := markRestored(ctx, filepath.Join(data, dbFile), taken, now, opts...); err != nil {
		return err
	}
	syncDir(data)
	return nil
}

// backupTime reads when a backup was taken from its directory's name.
func backupTime(dir string) (time.Time, error) {
	stamp, ok := strings.CutPrefix(filepath.Base(filepath.Clean(dir)), backupPrefix)
	t, err := time.Parse(backupLayout, stamp)
	if !ok || err != nil {
		return time.Time{}, fmt.Errorf("%s is not named as a backup (%s%s)", dir, backupPrefix, backupLayout)
	}
	return t, nil
}

// markRestored opens the restored database and marks it restored
// (MarkRestored).
func markRestored(ctx context.Context, path string, taken, now time.Time, opts ...SQLiteOption) error {
	s, err := OpenSQLite(ctx, path, append(opts, WithClock(func() time.Time { return now }))...)
	if err != nil {
		return fmt.Errorf("open restored database: %w", err)
	}
	defer s.Close()
	return s.MarkRestored(ctx, taken)
}

// MarkRestored tells kiosks the county runs on a backup taken at taken
// (restore.go); RestoreSQLite does it, after a copy put back by hand it is
// `countyd mark-restored`.
func (s *SQLite) MarkRestored(ctx context.Context, taken time.Time) error {
	return s.update(ctx, func(tx *sql.Tx) error {
		var last int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'feed'), 0)`).Scan(&last); err != nil {
			return fmt.Errorf("read feed cursor: %w", err)
		}
		// AUTOINCREMENT numbers past sqlite_sequence's seq for the table.
		res, err := tx.ExecContext(ctx, `UPDATE sqlite_sequence SET seq = ? WHERE name = 'feed'`, last+cursorJump)
		if err != nil {
			return fmt.Errorf("move feed cursor on: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 { // a feed that never had an item
			if _, err := tx.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq) VALUES ('feed', ?)`, last+cursorJump); err != nil {
				return fmt.Errorf("move feed cursor on: %w", err)
			}
		}
		return appendRestored(ctx, tx, taken, s.now())
	})
}

// copyTree copies the regular files under from into to, keeping the layout.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copyFile(p, filepath.Join(to, rel))
	})
}

// copyFile copies one file (private: scans and sealed secrets) and syncs it.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", filepath.Base(from), err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncDir makes a rename durable; directories cannot be synced on Windows,
// where the rename is durable enough, so errors are ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
