package county

import (
	"context"
	"database/sql"

	"github.com/yichuang/yichuang/sync/protocol"
)

// For the external tests: the embedded migrations, and the PostgreSQL
// store's pool to read its catalog.
var MigrationFS = migrationFS

func (s *Postgres) DB() *sql.DB { return s.db }

// HoldFeed appends an item to point's feed in a transaction left open, as
// a slow writer would; release commits it.
func HoldFeed(ctx context.Context, s *Postgres, point string) (cursor int64, release func() error, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, nil, err
	}
	it, err := appendFeed(ctx, pgTx{tx}, point, protocol.FeedRetention, ts(s.now()), protocol.Retention{PersonalDataDays: 400})
	if err != nil {
		tx.Rollback()
		return 0, nil, err
	}
	return it.Cursor, tx.Commit, nil
}

// AllPoints is the feed's point for items every point receives.
const AllPoints = allPoints

// RebuildFigures empties the dashboard's rollup and fills it again as
// migration 0014 does for a county that had cases before it.
func RebuildFigures(ctx context.Context, s *SQLite) error {
	return s.update(ctx, func(tx *sql.Tx) error {
		for _, t := range []string{"figures_daily", "figures_monthly", "figures_days", "case_figures"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t); err != nil {
				return err
			}
		}
		return backfillFigures(ctx, tx, &calendarCache{})
	})
}

// WithoutSync turns fsync off on the writer's one connection: for
// generating a large county quickly (make bench-growth), never for a
// measurement, which opens the store again with its real settings.
func WithoutSync(ctx context.Context, s *SQLite) error {
	_, err := s.w.ExecContext(ctx, `PRAGMA synchronous=OFF`)
	return err
}

// SetBackupStepped runs f between the steps of every backup copy until the
// returned func is called.
func SetBackupStepped(f func()) (restore func()) {
	backupStepped = f
	return func() { backupStepped = nil }
}
