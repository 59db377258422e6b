package store

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

	"github.com/google/uuid"
	sqlite3 "github.com/mattn/go-sqlite3"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/lowpriority"
	"github.com/yichuang/yichuang/sync/walfold"
	"github.com/yichuang/yichuang/sync/writeback"
)

// Backup is one backup file.
type Backup struct {
	Path string
	Day  time.Time // the day it was taken (Beijing date, midnight)
	Size int64
}

const backupPrefix, backupSuffix = "yichuang-", ".db"

// ListBackups returns the backups in dir, newest first. A missing dir has none.
func ListBackups(dir string) ([]Backup, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	var out []Backup
	for _, e := range entries {
		name := e.Name()
		day, ok := strings.CutPrefix(name, backupPrefix)
		day, ok2 := strings.CutSuffix(day, backupSuffix)
		if !ok || !ok2 || e.IsDir() {
			continue
		}
		t, err := time.ParseInLocation("20060102", day, workday.China)
		if err != nil {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, Backup{Path: filepath.Join(dir, name), Day: t, Size: info.Size()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day.After(out[j].Day) })
	return out, nil
}

// DailyBackup makes today's backup if it does not exist yet and keeps the
// newest keep backups (7 when keep ≤ 0). It returns the path of the backup
// made, or "" when today's already existed.
//
// The copy is taken with SQLite's online backup API from a read connection
// (copyTo), which reads one consistent snapshot while clerks keep working,
// and is then checked before it replaces anything: a backup that cannot be
// restored is worse than none, because it is trusted.
func (db *DB) DailyBackup(ctx context.Context, keep int) (string, error) {
	if keep <= 0 {
		keep = 7
	}
	if err := os.MkdirAll(db.backupDir, 0o700); err != nil {
		return "", fmt.Errorf("backup dir: %w", err)
	}
	day := db.clock.Now().In(workday.China).Format("20060102")
	final := filepath.Join(db.backupDir, backupPrefix+day+backupSuffix)
	made := ""
	if _, err := os.Stat(final); errors.Is(err, os.ErrNotExist) {
		if err := db.backupBeside(ctx, final); err != nil {
			return "", err
		}
		made = final
	}
	list, err := ListBackups(db.backupDir)
	if err != nil {
		return made, err
	}
	for _, b := range list[min(keep, len(list)):] {
		if err := os.Remove(b.Path); err != nil {
			return made, fmt.Errorf("remove old backup: %w", err)
		}
	}
	return made, nil
}

// backupBeside is BackupTo beside the clerks' work: the copy and its
// check run at a lower CPU and I/O priority than the counter's commits
// (lowpriority.Run: niceness 10, idle I/O, as the county's nightly backup
// runs), so that on a busy 2-core machine a commit takes the CPU and the
// disk first and the backup what is left (issue 18). The backup before a
// migration (migrate.go) is not lowered: the start waits for it.
func (db *DB) backupBeside(ctx context.Context, path string) error {
	return lowpriority.Run(func() error { return db.BackupTo(ctx, path) })
}

// BackupTo writes a checked copy of the database to path (which must not
// exist), going through a temporary file so path is either absent or whole.
func (db *DB) BackupTo(ctx context.Context, path string) error {
	tmp := path + ".tmp"
	_ = os.Remove(tmp) // a leftover from an interrupted backup
	if err := db.copyTo(ctx, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("copy into %s: %w", filepath.Base(tmp), err)
	}
	if err := newHallEpoch(ctx, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := checkFile(ctx, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("check new backup: %w", err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil { // SQLite's files follow the umask
		return fmt.Errorf("backup permissions: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("install backup: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// The copy goes backupPages pages (4 KiB each) at a time with backupPause
// between steps, so that a running copy leaves the disk to a clerk's commit
// (synchronous=FULL waits for its fsync) now and then.
const (
	backupPages = 256
	backupPause = 2 * time.Millisecond
	// backupWritebackSteps: every 8 steps (8 MiB) the copy's pages are
	// sent on to the disk (writeback.Start).
	backupWritebackSteps = 8
)

// copyTo copies the database into a new file at path with the online
// backup API. It reads through its own read connection inside one read
// transaction: in WAL mode that snapshot does not keep the writer out, so
// commits go on during the whole copy (VACUUM INTO on the writer
// connection held every commit until the copy ended, 4 s at 250,000 cases),
// and since every step reads the same snapshot, commits made meanwhile
// neither make the copy start over nor tear it.
func (db *DB) copyTo(ctx context.Context, path string) error {
	src, err := db.r.Conn(ctx)
	if err != nil {
		return err
	}
	defer src.Close()
	// While the snapshot is held the WAL cannot be folded back into the
	// file, so the commits made meanwhile pile up in it. Left to SQLite,
	// the first commit after the copy would fold them all in and wait for
	// it (190 ms at 20,000 cases); instead the writer leaves checkpoints
	// alone for the copy's length and the read connection does the
	// catching up afterwards, beside the writer rather than in its way.
	if _, err := db.w.ExecContext(ctx, `PRAGMA wal_autocheckpoint=0`); err != nil {
		return fmt.Errorf("hold checkpoints: %w", err)
	}
	defer db.w.ExecContext(context.WithoutCancel(ctx), `PRAGMA wal_autocheckpoint=1000`)
	if _, err := src.ExecContext(ctx, `BEGIN`); err != nil {
		return fmt.Errorf("begin snapshot: %w", err)
	}
	snapshot := true
	defer func() {
		if snapshot {
			src.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		}
	}()
	var n int // the first read fixes the snapshot
	if err := src.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master`).Scan(&n); err != nil {
		return fmt.Errorf("begin snapshot: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	// Kept open only to start the copy's writeback as it grows
	// (writeback.Start); SQLite writes through its own handle.
	defer f.Close()
	// The copy is written without a journal or syncs of its own: it is a
	// new file nobody reads until BackupTo has checked and synced it, and
	// the disk is then left to the clerks' commits, which do sync.
	out, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000&_journal_mode=OFF&_synchronous=OFF")
	if err != nil {
		return err
	}
	defer out.Close()
	dst, err := out.Conn(ctx)
	if err != nil {
		return err
	}
	defer dst.Close()
	err = dst.Raw(func(d any) error {
		return src.Raw(func(s any) error {
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
				if db.backupPaused != nil {
					db.backupPaused()
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
	if _, err := src.ExecContext(ctx, `ROLLBACK`); err != nil {
		return fmt.Errorf("end snapshot: %w", err)
	}
	if err := db.foldWAL(ctx, src); err != nil {
		return err
	}
	// The copy says WAL like its source; a backup is one file on its own.
	if _, err := dst.ExecContext(ctx, `PRAGMA journal_mode=DELETE`); err != nil {
		return fmt.Errorf("backup journal mode: %w", err)
	}
	return nil
}

// foldWAL puts the commits that piled up in the WAL during the copy back
// into the file without making a clerk's commit wait for it (walfold:
// at 250,000 cases a plain checkpoint made the commit of that moment wait
// 51–137 ms behind its fsync).
func (db *DB) foldWAL(ctx context.Context, src *sql.Conn) error {
	hold, err := db.r.Conn(ctx)
	if err != nil {
		return err
	}
	defer hold.Close()
	f, err := db.databaseFile()
	if err != nil {
		return err
	}
	return walfold.Fold(ctx, src, hold, walfold.Options{File: f, Chunk: db.backupFoldChunk, Piece: db.backupFolding})
}

// databaseFile is the database file, opened on the first backup and kept
// open until Close has closed every connection: closing a descriptor of it
// while SQLite's connections are open would drop their POSIX locks
// (walfold.Options.File).
func (db *DB) databaseFile() (*os.File, error) {
	db.fileMu.Lock()
	defer db.fileMu.Unlock()
	if db.file == nil {
		f, err := os.OpenFile(db.path, os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("open the database file to write it out: %w", err)
		}
		db.file = f
	}
	return db.file, nil
}

// checkFile runs integrity_check on a database file opened read-only.
func checkFile(ctx context.Context, path string) error {
	if reason, detail := sniff(path); reason != nil {
		return errors.New(detail)
	}
	c, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_query_only=true")
	if err != nil {
		return err
	}
	defer c.Close()
	return integrity(ctx, c)
}

// RestoreBackup replaces a damaged database with a backup. The damaged file
// (and its -wal and -shm) is renamed, never deleted, so nothing is lost if
// someone can still recover it. It returns the name the damaged file now has.
func RestoreBackup(ctx context.Context, path, backup string, now time.Time) (string, error) {
	if err := checkFile(ctx, backup); err != nil {
		return "", fmt.Errorf("backup %s is not usable: %w", filepath.Base(backup), err)
	}
	kept := path + ".corrupt-" + now.In(workday.China).Format("20060102T150405")
	for _, sfx := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(path+sfx, kept+sfx); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("set damaged database aside: %w", err)
		}
	}
	tmp := path + ".restore"
	if err := copyFile(backup, tmp); err != nil {
		return kept, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return kept, fmt.Errorf("install restored database: %w", err)
	}
	return kept, syncDir(filepath.Dir(path))
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("copy backup: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("copy backup: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy backup: %w", err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("copy backup: %w", err)
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("sync %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	return f.Sync()
}

// syncDir makes a rename durable. Directories cannot be synced on Windows;
// there the rename is already durable enough, so the error is ignored.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	_ = d.Sync()
	return nil
}

// newHallEpoch gives a copy of a hub's database its own log epoch. If the
// copy is ever put back (the recovery screen, or by hand), the hall's
// machines see a log they do not know, read it from its start and send the
// hub again what it took from them since the copy: a restored hub is
// rolled forward to what the hall had, and no machine follows a log whose
// numbers were given again to other items.
func newHallEpoch(ctx context.Context, path string) error {
	c, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		return fmt.Errorf("open new backup: %w", err)
	}
	defer c.Close()
	var n int
	if err := c.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'settings'`).Scan(&n); err != nil || n == 0 {
		return err // a file from before settings existed has no epoch
	}
	if _, err := c.ExecContext(ctx, `UPDATE settings SET value = ? WHERE key = ?`, uuid.NewString(), settingHallEpoch); err != nil {
		return fmt.Errorf("new hall epoch in backup: %w", err)
	}
	return nil
}
