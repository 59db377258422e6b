package store

import (
	"context"
	"fmt"
	"time"
)

// The kiosk keeps what it needs (issue 18): an acknowledged event's payload
// (the whole case after each event, ~4.5 KB) is a copy of what the county
// holds, and, in a hall, of what the hub's log holds. Kept for ever it was
// half of the kiosk's file, and every whole-file check and each of the
// daily backups grew with it. CompactOutbox empties those payloads; the
// row stays (event id, kind, case, times, states), so the counts, the
// 待同步 list, the quarantine screen and Minimise read what they always
// did. Nothing that answers a citizen or a statistic reads a payload: the
// progress query and 统计 read cases, case_events, tickets and ratings, and
// a late machine of the hall is back-filled from the hub's log.
//
// Where a payload was still read after acknowledgement, the store rebuilds
// it instead (restoreHeads): a lone kiosk joining a hall, or becoming its
// hub, and a hub restored from a copy (ResetHallCursor) give the hall each
// case's head event rebuilt from cases.doc and case_events, which carries
// the whole case as it stands; the hall adopts a case it lacks from any
// version. What goes is the older events' payloads: the hall then has the
// case, not each earlier step of its history.

// compactedPayload marks an emptied payload: valid JSON (the column's
// CHECK), and never a real event's (those are objects or sealed strings).
const compactedPayload = "null"

// compactAfter is how long an acknowledged payload is kept: two weeks, for
// support ("what exactly did this kiosk send?"), and longer than the 7
// daily backups a hub can be restored from, so a restored hub usually gets
// even the older events again. It is not a second retention rule: the
// county's period (Retention, at least protocol.MinRetentionDays) bounds
// how long a citizen's data stays at all, and compaction always comes
// sooner than the shortest period the county may set
// (TestCompactionComesBeforeAnyRetention).
const compactAfter = 14 * 24 * time.Hour

// compactBatch is how many payloads one transaction empties: a few
// milliseconds of writing, so a counter commit waiting for the writer
// never waits long (BenchmarkCompactBatch).
const compactBatch = 500

// qCompactBatch picks one batch. It walks outbox_to_compact (0012) by
// acknowledgement time: the terms it repeats are exactly that partial
// index's, so the planner can use it. Rows still waiting for the hall's
// hub ('pending', or 'resend' after the hub's restore) are not
// acknowledged by every place they go to, and stay.
const qCompactBatch = `SELECT seq FROM outbox
		WHERE acked_at IS NOT NULL AND payload <> 'null' AND kind NOT IN ('rating.given', 'followup.called', 'followup.rectified')
		AND acked_at < ? AND COALESCE(hall_state, '') NOT IN ('pending', 'resend')
		ORDER BY acked_at LIMIT ?`

// compactSteps empty one batch. An UPDATE that shrinks a row frees no
// page (SQLite rebalances a B-tree page only when a row is deleted from
// it, TestCompactionStopsTheFileGrowing), so the batch's rows are taken
// out and put back, with their own seq and every column as it was but the
// payload: the deletes merge the emptied pages and free them. SELECT * in
// a temporary copy keeps every column, including ones a later migration
// adds.
var compactSteps = []string{
	`DROP TABLE IF EXISTS temp.outbox_compacting`,
	`CREATE TEMP TABLE outbox_compacting AS SELECT * FROM outbox WHERE seq IN (` + qCompactBatch + `)`,
	`UPDATE temp.outbox_compacting SET payload = 'null'`,
	`DELETE FROM outbox WHERE seq IN (SELECT seq FROM temp.outbox_compacting)`,
	`INSERT INTO outbox SELECT * FROM temp.outbox_compacting`,
}

// compactBatchTx empties one batch in t and returns how many rows.
func compactBatchTx(ctx context.Context, t *tx, before string, limit int) (int, error) {
	for i, q := range compactSteps {
		var args []any
		if i == 1 {
			args = []any{before, limit}
		}
		if _, err := t.ExecContext(ctx, q, args...); err != nil {
			return 0, fmt.Errorf("empty acknowledged payloads: %w", err)
		}
	}
	var n int
	if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM temp.outbox_compacting`).Scan(&n); err != nil {
		return 0, err
	}
	_, err := t.ExecContext(ctx, `DROP TABLE temp.outbox_compacting`)
	return n, err
}

// CompactOutbox empties the payloads of events acknowledged by every place
// they go to more than compactAfter ago, in batches of compactBatch rows,
// each its own transaction. It returns how many it emptied.
//
// The freed pages are not given back to the file system: the kiosk runs
// with auto_vacuum NONE (store.Open sets none; a VACUUM would rewrite the
// whole file while the counter waits), so SQLite keeps them on its
// freelist and new rows reuse them: the file stops growing until the new
// data outgrows what was freed (TestCompactionStopsTheFileGrowing). With
// secure_delete on (store.Open) the freed pages are zeroed, so no emptied
// payload stays readable in the file or its backups.
func (db *DB) CompactOutbox(ctx context.Context) (int, error) {
	before := stamp(db.clock.Now().Add(-compactAfter))
	total := 0
	for {
		var n int
		err := db.update(ctx, func(t *tx) error {
			var err error
			n, err = compactBatchTx(ctx, t, before, compactBatch)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < compactBatch || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}

// Filters of restoreHeads: the events that have not gone to a hall yet
// (served by outbox_not_in_hall, whose terms they repeat: a hub runs it at
// every start), and the events a hub took (after the hub's restore, once).
const (
	notInHall   = `o.hall_state IS NULL AND (o.kind LIKE 'case.%' OR o.kind IN ('rating.given', 'followup.called', 'followup.rectified'))`
	takenByHall = `o.hall_state = 'accepted'`
)

// qRestoreHeads finds the compacted head events that match where.
func qRestoreHeads(where string) string {
	return `SELECT o.seq, c.id FROM outbox o JOIN cases c ON c.id = o.case_id
		WHERE c.head = o.event_id AND o.payload = 'null' AND o.kind LIKE 'case.%' AND ` + where
}

// restoreHeads gives back their payloads to the compacted events that are
// their case's head and match where (a filter on outbox o), rebuilt from
// the case as it stands (caseHead): what a hall that lacks the case needs
// to adopt it. It runs when an event is about to go to the hall again
// (joining a hall, becoming its hub, a restored hub), not on any screen.
func (t *tx) restoreHeads(ctx context.Context, where string) error {
	rows, err := t.QueryContext(ctx, qRestoreHeads(where))
	if err != nil {
		return fmt.Errorf("find compacted head events: %w", err)
	}
	type head struct {
		seq    int64
		caseID string
	}
	var heads []head
	for rows.Next() {
		var h head
		if err := rows.Scan(&h.seq, &h.caseID); err != nil {
			rows.Close()
			return err
		}
		heads = append(heads, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, h := range heads {
		ch, err := caseHead(ctx, t, h.caseID)
		if err != nil {
			return fmt.Errorf("rebuild head event of case %s: %w", h.caseID, err)
		}
		payload, err := t.sealJSON(ch.Event, colOutbox)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `UPDATE outbox SET payload = ? WHERE seq = ?`, payload, h.seq); err != nil {
			return fmt.Errorf("restore head event of case %s: %w", h.caseID, err)
		}
	}
	return nil
}
