package county

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/yichuang/yichuang/sync/protocol"
)

// The events and the feed on PostgreSQL: Apply, Feed, SetDeviceStatus.
//
// SQLite has one writer, so a push reads and writes a consistent county,
// and the feed's cursors commit in the order they are handed out. On
// PostgreSQL several pushes run at once, and two rules keep the SQLite
// behaviour:
//
//   - A service point's feed has one writer at a time (lockFeed): a push
//     holds its point's lock from its first statement to its commit. A
//     kiosk reads its point's items and the items for every point after a
//     cursor; were a later cursor to commit first, the kiosk would pass the
//     earlier one and never see it. The same lock makes a push's reads of
//     its point's cases and of the day's notice count current, since every
//     event that writes them comes from that point. Points do not wait for
//     each other (a province has ~1,400 halls).
//   - What still collides (the same event id sent by devices of two
//     points, two first sightings of a case, a deadlock through a county's
//     case number row) ends in a unique violation or errConcurrentApply:
//     the whole push rolls back and runs again, and the rerun reads the
//     other push's answers, as the kiosk's own retry would.

// Advisory lock keys of the feed (any fixed numbers apart from the
// migration lock's 7317001). Every point writer holds feedAllKey shared
// and its point's key exclusive; a writer for every point holds
// feedAllKey exclusive.
const (
	feedAllKey   = 7317002
	feedPointKey = 7317003
)

// lockFeed makes tx the only writer of point's feed (allPoints: of every
// feed) until it commits or rolls back.
func lockFeed(ctx context.Context, tx dbtx, point string) error {
	var err error
	if point == allPoints {
		_, err = tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, feedAllKey)
	} else {
		// Two statements, in this order in every transaction: the shared
		// lock first, so no two writers wait on each other crosswise.
		if _, err = tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock_shared(?)`, feedAllKey); err == nil {
			_, err = tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?, hashtext(?))`, feedPointKey, point)
		}
	}
	if err != nil {
		return fmt.Errorf("lock the feed of %s: %w", point, err)
	}
	return nil
}

// applyAttempts bounds the reruns of a push that collided with another.
const applyAttempts = 5

// Apply applies events in order in one transaction (applyEvents), holding
// the device's point's feed, and runs the push again when it collided
// with a concurrent one.
func (s *Postgres) Apply(ctx context.Context, dev Device, events []protocol.Event) ([]protocol.Result, error) {
	var results []protocol.Result
	var err error
	for attempt := 1; ; attempt++ {
		err = s.updateSQL(ctx, func(tx *sql.Tx) (err error) {
			if err := lockFeed(ctx, pgTx{tx}, dev.Point.Code); err != nil {
				return err
			}
			results, err = applyEvents(ctx, tx, true, dev, events, s.now(), &s.cals)
			return err
		})
		if err == nil || attempt == applyAttempts || !collided(err) || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return results, nil
}

// collided says whether a push failed only because a concurrent one got
// somewhere first: a rerun then reads what it wrote.
func collided(err error) bool {
	if errors.Is(err, errConcurrentApply) {
		return true
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "23505", // unique_violation
		"40001", // serialization_failure
		"40P01": // deadlock_detected
		return true
	}
	return false
}

// Feed returns a service point's items after the cursor (Feed on SQLite).
func (s *Postgres) Feed(ctx context.Context, dev Device, after int64, limit int) ([]protocol.FeedItem, bool, error) {
	return readFeed(ctx, s.read(), feedSQLPostgres, dev, after, limit)
}
