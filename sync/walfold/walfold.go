// Package walfold puts the commits a backup's read snapshot kept in a
// SQLite WAL back into the database file without making the writer's
// commits wait for it: the kiosk's daily backup and the county's backup
// ends with it (issue 18).
package walfold

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/yichuang/yichuang/sync/writeback"
)

// Options tune Fold. File is required; the rest's zero values are what
// the backups use.
type Options struct {
	// File is the database file, opened by its owner for the life of
	// the store and closed only after every SQLite connection to it: a
	// close() of any descriptor of the file drops every POSIX lock this
	// process holds on it, SQLite's included ("How To Corrupt An SQLite
	// Database File", 2.2), so Fold never opens or closes it itself.
	File  *os.File
	Chunk int64         // bytes written out at a time (8 MiB when 0)
	Pause time.Duration // between pieces that had pages to write (2 ms when 0)
	Piece func()        // when set, runs after each piece (tests)
}

// Fold checkpoints the WAL of src's database and writes the checkpoint
// out in pieces.
//
// A plain checkpoint writes every page the WAL holds into the file and
// fsyncs it at once: at 250,000 kiosk cases, after a 7–8 s backup copy,
// the commit made just then waited 51–62 ms (92–119 ms after a 15 s
// copy), its own fsync queued behind the checkpoint's tens of megabytes.
// Here the checkpoint runs without syncs of its own, and the file's new
// pages are then written out Chunk at a time (writeback.Range) with a
// pause between pieces, then synced once.
//
// A checkpoint without a sync is safe only while the WAL cannot be
// overwritten: hold, a second connection to the same database, keeps a
// read transaction begun before the checkpoint, which keeps the writer
// from starting the WAL over until the file is synced; a power cut
// meanwhile replays the whole WAL into the file at the next open. Then a
// normal checkpoint folds in the few commits made during all this. src and
// hold must be outside any transaction; src's synchronous setting is put
// back.
func Fold(ctx context.Context, src, hold *sql.Conn, o Options) error {
	if o.Chunk <= 0 {
		o.Chunk = 8 << 20
	}
	if o.Pause <= 0 {
		o.Pause = 2 * time.Millisecond
	}
	if o.File == nil {
		return errors.New("walfold: no database file")
	}
	var syncMode int
	if err := src.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&syncMode); err != nil {
		return fmt.Errorf("checkpoint after the copy: %w", err)
	}
	if _, err := hold.ExecContext(ctx, `BEGIN`); err != nil {
		return fmt.Errorf("hold the WAL: %w", err)
	}
	held := true
	defer func() {
		if held {
			hold.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		}
	}()
	var n int // the first read fixes the snapshot
	if err := hold.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master`).Scan(&n); err != nil {
		return fmt.Errorf("hold the WAL: %w", err)
	}
	if _, err := src.ExecContext(ctx, `PRAGMA synchronous=OFF`); err != nil {
		return fmt.Errorf("checkpoint after the copy: %w", err)
	}
	_, err := src.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
	if _, serr := src.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA synchronous=%d`, syncMode)); err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("checkpoint after the copy: %w", err)
	}
	f := o.File
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("write out the checkpoint: %w", err)
	}
	for off := int64(0); off < st.Size(); off += o.Chunk {
		t := time.Now()
		if err := writeback.Range(f, off, o.Chunk); err != nil {
			return fmt.Errorf("write out the checkpoint: %w", err)
		}
		if o.Piece != nil {
			o.Piece()
		}
		if time.Since(t) > time.Millisecond { // a piece that had pages to write
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(o.Pause):
			}
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync the checkpoint: %w", err)
	}
	held = false
	if _, err := hold.ExecContext(ctx, `ROLLBACK`); err != nil {
		return fmt.Errorf("release the WAL: %w", err)
	}
	if _, err := src.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
		return fmt.Errorf("checkpoint after the copy: %w", err)
	}
	return nil
}
