package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A clerk's commit goes through while a backup is half-way (paused between
// two steps of the copy), and the backup still holds one consistent
// snapshot: every case from before it started, not the one made during it.
func TestCommitCompletesWhileABackupIsInProgress(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const before = 500
	db := casesDB(t, dir, before)
	var pages int
	if err := db.r.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil || pages < 2*backupPages {
		t.Fatalf("database has %d pages (%v), want several steps' worth", pages, err)
	}
	steps, during := 0, ""
	db.backupPaused = func() {
		steps++
		if steps != 1 {
			return
		}
		// Bounded so that a backup holding the writer fails here rather
		// than hanging the test.
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		c := sampleCase()
		got, err := db.CreateCase(cctx, c, c.Clerk)
		if err != nil {
			t.Errorf("commit during the backup: %v", err)
		}
		during = got.ID
	}
	path := filepath.Join(dir, "copy.db")
	if err := db.BackupTo(ctx, path); err != nil {
		t.Fatal(err)
	}
	if steps < 2 || during == "" {
		t.Fatalf("backup paused %d times, case made during it %q; want a commit between steps", steps, during)
	}
	if n, err := db.CaseCount(ctx); err != nil || n != before+1 {
		t.Errorf("live database holds %d cases (%v), want %d", n, err, before+1)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("backup file %v, %v; want mode 0600", st, err)
	}
	c, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var n, later int
	if err := c.QueryRow(`SELECT COUNT(*), COUNT(*) FILTER (WHERE id = ?) FROM cases`, during).Scan(&n, &later); err != nil {
		t.Fatal(err)
	}
	if n != before || later != 0 {
		t.Errorf("backup holds %d cases, %d of them made during it; want the %d from before it began", n, later, before)
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Error("the backup left a -wal beside it: it is not one file on its own")
	}
}
