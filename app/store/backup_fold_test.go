package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// After a backup's copy the commits that piled up in the WAL go back into
// the file in pieces (foldWAL), and while the file has them unsynced the
// WAL is kept: a commit made then is added at the WAL's end rather than
// over the frames the file may still lose in a power cut.
func TestBackupFoldsTheWALBackInPiecesAndKeepsItMeanwhile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const before, during = 300, 200
	db := casesDB(t, dir, before)
	steps := 0
	db.backupPaused = func() {
		if steps++; steps != 1 {
			return
		}
		for range during { // commits the copy's snapshot holds in the WAL
			c := sampleCase()
			if _, err := db.CreateCase(ctx, c, c.Clerk); err != nil {
				t.Errorf("commit during the copy: %v", err)
			}
		}
	}
	db.backupFoldChunk = 64 << 10
	wal := filepath.Join(dir, "kiosk.db-wal")
	pieces := 0
	var walBefore, walAfter int64
	db.backupFolding = func() {
		if pieces++; pieces != 1 {
			return
		}
		walBefore = fileSize(t, wal)
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		c := sampleCase()
		if _, err := db.CreateCase(cctx, c, c.Clerk); err != nil {
			t.Errorf("commit while the checkpoint is written out: %v", err)
		}
		walAfter = fileSize(t, wal)
	}
	if err := db.BackupTo(ctx, filepath.Join(dir, "copy.db")); err != nil {
		t.Fatal(err)
	}
	if pieces < 2 {
		t.Errorf("checkpoint written out in %d pieces, want several", pieces)
	}
	if walAfter <= walBefore {
		t.Errorf("WAL %d bytes after a commit during the write-out, %d before: the commit was written over the frames the file had not synced", walAfter, walBefore)
	}
	if n, err := db.CaseCount(ctx); err != nil || n != before+during+1 {
		t.Errorf("database holds %d cases (%v), want %d", n, err, before+during+1)
	}
	// Everything is back in the file: a checkpoint finds nothing left.
	var busy, log, done int
	if err := db.r.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &done); err != nil {
		t.Fatal(err)
	}
	if busy != 0 || done != log {
		t.Errorf("checkpoint after the backup: busy %d, %d of %d frames in the file; want all", busy, done, log)
	}
	if err := integrity(ctx, db.r); err != nil {
		t.Errorf("database after the backup: %v", err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
