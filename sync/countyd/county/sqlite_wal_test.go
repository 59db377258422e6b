package county

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The writer checkpoints only as a backstop, every writerCheckpoint pages,
// not SQLite's 1,000 (a checkpoint inside nearly every push's commit at
// size: issue 18), on every connection its pool opens; the readers never
// write and keep the default.
func TestWriterCheckpointsOnlyAsABackstop(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "county.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 2 {
		var got int
		if err := s.w.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != writerCheckpoint {
			t.Errorf("writer's wal_autocheckpoint: got %d, want %d", got, writerCheckpoint)
		}
		// A connection the pool opens anew gets it too.
		s.w.SetMaxIdleConns(0)
		s.w.SetMaxIdleConns(1)
	}
}

// The WAL is folded into the database file by the checkpointer, beside the
// writer: what a commit wrote reaches the file without another commit (a
// writer's checkpoint would come only at its commit, after writerCheckpoint
// pages), and the WAL starts over rather than growing.
func TestCheckpointerFoldsTheWALBesideTheWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "county.db")
	s, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	walFrames := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	waitFolded := func(before int64) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); size() <= before; {
			if time.Now().After(deadline) {
				t.Fatalf("database file still %d bytes 10 s after a commit that grew it: nothing folded the WAL in", size())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// 2 MB of rows a commit: hundreds of pages, far under writerCheckpoint.
	row := make([]byte, 2000)
	grow := func() {
		t.Helper()
		err := s.update(ctx, func(tx *sql.Tx) error {
			for range 1000 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO rejected_events (event_id, device_id, kind, code, message, payload, rejected_at)
					VALUES (lower(hex(randomblob(16))), 'd', 'k', 'c', 'm', ?, 't')`, string(row)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var one int64 // one commit's worth of WAL
	for i := range 8 {
		before := size()
		grow()
		if i == 0 {
			one = walFrames()
		}
		waitFolded(before)
		time.Sleep(2 * checkpointEvery) // the rest of that checkpoint
	}
	// Eight commits, each folded before the next: the WAL was started
	// over, not appended to eight times (at most three commits' worth, if
	// a busy machine let a commit begin before its checkpoint ended).
	if got, most := walFrames(), 3*one; got > most {
		t.Errorf("WAL after eight folded commits: got %d bytes, want at most %d (three commits' worth of %d)", got, most, one)
	}
}
