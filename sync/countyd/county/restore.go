package county

import (
	"context"
	"fmt"
	"time"

	"github.com/yichuang/yichuang/sync/protocol"
)

// A county put back from a backup (SQLite: RestoreSQLite; PostgreSQL: a
// base backup and its WAL, docs/county-scale.md "Backups") has lost what
// it acknowledged since, and its feed's newest cursor is the backup's.
// Kiosks keep the highest cursor they applied, so those that pulled after
// the backup are ahead of the restored feed: items numbered again from the
// backup's cursor would never reach them, and a kiosk skips a cursor it
// applied before. MarkRestored therefore moves the feed's numbering on by
// cursorJump, past every cursor the lost county can have given out, and
// appends a county.restored item for every point in the same transaction:
// kiosks read it next, and send again what they had acknowledged since the
// backup (app/store countyrestore.go). The county applies every event at
// most once, so what it still holds is answered as the first time.

// appendRestored appends the county.restored item; the caller has moved
// the cursor on in the same transaction.
func appendRestored(ctx context.Context, tx dbtx, taken, now time.Time) error {
	_, err := appendFeed(ctx, tx, allPoints, protocol.FeedCountyRestored, ts(now),
		protocol.CountyRestored{BackupAt: taken.UTC(), RestoredAt: now.UTC()})
	if err != nil {
		return fmt.Errorf("tell kiosks of the restore: %w", err)
	}
	return nil
}

// MarkRestored is SQLite's MarkRestored on PostgreSQL: run it once on the
// recovered database before any countyd serves it. taken is the moment
// recovery stopped at (recovery_target_time, or the last transaction the
// log says it replayed); a time too early only makes kiosks send more.
func (s *Postgres) MarkRestored(ctx context.Context, taken time.Time) error {
	return s.update(ctx, func(tx dbtx) error {
		// The identity's sequence may be ahead of the rows (rolled back
		// inserts); the jump starts from the larger.
		_, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('feed', 'cursor'),
			GREATEST((SELECT COALESCE(MAX(cursor), 0) FROM feed),
				COALESCE(pg_sequence_last_value(pg_get_serial_sequence('feed', 'cursor')::regclass), 0)) + ?)`, int64(cursorJump))
		if err != nil {
			return fmt.Errorf("move feed cursor on: %w", err)
		}
		return appendRestored(ctx, tx, taken, s.now())
	})
}
