package county

import (
	"context"
	"path/filepath"
	"testing"
)

// The writer checkpoints every writerCheckpoint pages, not SQLite's 1,000
// (a checkpoint per push at size: issue 18), on every connection its pool
// opens; the readers never write and keep the default.
func TestWriterCheckpointsLessOften(t *testing.T) {
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
