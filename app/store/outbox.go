package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/yichuang/yichuang/sync/protocol"
)

// Queries of the outbox a sync round runs (queryplan_test.go checks their
// plans): outbox_pending holds only the unacknowledged rows, so counting
// and listing them costs what waits, not the kiosk's history.
const (
	qPendingCount  = `SELECT COUNT(*) FROM outbox WHERE acked_at IS NULL`
	qPendingEvents = `SELECT event_id, kind, payload, created_at FROM outbox WHERE acked_at IS NULL ORDER BY seq LIMIT ?`
)

// PendingCount returns how many outbox events wait to reach the county.
func (db *DB) PendingCount(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, qPendingCount).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending events: %w", err)
	}
	return n, nil
}

// PendingEvents returns up to limit unacknowledged events, oldest first, in
// the order they were committed.
func (db *DB) PendingEvents(ctx context.Context, limit int) ([]protocol.Event, error) {
	rows, err := db.r.QueryContext(ctx, qPendingEvents, limit)
	if err != nil {
		return nil, fmt.Errorf("list pending events: %w", err)
	}
	return db.scanEvents(rows)
}

// scanEvents reads outbox rows (event_id, kind, payload, created_at).
func (db *DB) scanEvents(rows *sql.Rows) ([]protocol.Event, error) {
	defer rows.Close()
	var out []protocol.Event
	for rows.Next() {
		var e protocol.Event
		var kind, payload, created string
		if err := rows.Scan(&e.ID, &kind, &payload, &created); err != nil {
			return nil, fmt.Errorf("scan event: %w", err)
		}
		plain, err := db.unseal(payload, colOutbox)
		if err != nil {
			return nil, fmt.Errorf("event %s: %w", e.ID, err)
		}
		e.Kind, e.Payload = protocol.Kind(kind), json.RawMessage(plain)
		if e.Created, err = unstamp(created); err != nil {
			return nil, fmt.Errorf("event %s: created_at: %w", e.ID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// MarkAcked records that the county accepted these events.
func (db *DB) MarkAcked(ctx context.Context, ids ...string) error {
	return db.update(ctx, func(t *tx) error {
		for _, id := range ids {
			if _, err := t.ExecContext(ctx,
				`UPDATE outbox SET acked_at = ?, last_error = NULL WHERE event_id = ? AND acked_at IS NULL`,
				stamp(t.now), id); err != nil {
				return fmt.Errorf("ack event %s: %w", id, err)
			}
		}
		return nil
	})
}

// MarkFailed counts a failed delivery attempt and keeps the reason, so the
// status bar and the county's fleet view can say why an event is stuck.
func (db *DB) MarkFailed(ctx context.Context, id string, reason string) error {
	return db.update(ctx, func(t *tx) error {
		if _, err := t.ExecContext(ctx,
			`UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE event_id = ? AND acked_at IS NULL`,
			reason, id); err != nil {
			return fmt.Errorf("record failed delivery of %s: %w", id, err)
		}
		return nil
	})
}
