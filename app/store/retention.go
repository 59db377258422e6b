package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/sync/protocol"
)

// settingIDMask is the county's ID number mask pattern (FeedMasking).
const settingIDMask = "masking.id_pattern"

// ApplyIDMask puts the county's stored ID mask (or ids.DefaultIDMask) in
// force for this process; the kiosk calls it once at start.
func (db *DB) ApplyIDMask(ctx context.Context) error {
	v, ok, err := db.Setting(ctx, settingIDMask)
	if err != nil {
		return fmt.Errorf("read id mask: %w", err)
	}
	if !ok || ids.CheckIDMask(v) != nil {
		v = ids.DefaultIDMask
	}
	return ids.SetIDMask(v)
}

// settingRetention is the county's retention period, in days.
const settingRetention = "retention.days"

// Retention is how long after a case closed the hall keeps its citizen's
// data: the county's rule, or protocol.DefaultRetentionDays until it sent
// one.
func (db *DB) Retention(ctx context.Context) (time.Duration, error) {
	v, ok, err := db.Setting(ctx, settingRetention)
	if err != nil {
		return 0, err
	}
	days := protocol.DefaultRetentionDays
	if n, err := strconv.Atoi(v); ok && err == nil && n >= protocol.MinRetentionDays {
		days = n
	}
	return time.Duration(days) * 24 * time.Hour, nil
}

// Reduced is what one Minimise freed: the scans and archived papers that
// no case holds any more, for the caller to delete from disk.
type Reduced struct {
	Cases  int
	Scans  []string // SHA-256 names
	Papers []string // archive paths
}

// Minimise reduces the closed cases whose retention period is over and
// which the county holds whole (no event of theirs waits to be sent, to
// the county or the hall's hub): each keeps what the progress query and
// the statistics need (cases.Reduce), and its history's data, sent
// events, hall log items, scans and papers go. A reduced case raises no
// event: every machine of the hall applies the same rule to its own copy.
func (db *DB) Minimise(ctx context.Context) (Reduced, error) {
	var out Reduced
	keep, err := db.Retention(ctx)
	if err != nil {
		return out, err
	}
	before := stamp(db.clock.Now().Add(-keep))
	var closed []any
	for _, s := range cases.ClosedStatuses {
		closed = append(closed, string(s))
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(closed)), ", ")
	rows, err := db.r.QueryContext(ctx, `SELECT id FROM cases c WHERE reduced_at IS NULL AND status IN (`+marks+`) AND updated_at < ?
		AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = c.id AND (o.acked_at IS NULL OR o.hall_state IN ('pending', 'resend')))`,
		append(closed, before)...)
	if err != nil {
		return out, fmt.Errorf("find cases to reduce: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return out, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	for _, id := range ids {
		err := db.update(ctx, func(t *tx) error {
			scans, papers, err := t.reduce(ctx, id)
			out.Scans, out.Papers = append(out.Scans, scans...), append(out.Papers, papers...)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("reduce case %s: %w", id, err)
		}
		out.Cases++
	}
	return out, nil
}

// reduce reduces one case in a transaction and returns the files no case
// holds any more.
func (t *tx) reduce(ctx context.Context, caseID string) (scans, papers []string, err error) {
	var doc string
	if err := t.QueryRowContext(ctx, `SELECT doc FROM cases WHERE id = ?`, caseID).Scan(&doc); err != nil {
		return nil, nil, fmt.Errorf("read case: %w", err)
	}
	var c cases.Case
	if err := t.db.unsealJSON(doc, colCaseDoc, &c); err != nil {
		return nil, nil, err
	}
	sealed, err := t.sealJSON(cases.Reduce(c, t.now), colCaseDoc)
	if err != nil {
		return nil, nil, err
	}
	// first_matter and commitment stay as they are: the statistics still
	// count the case.
	if _, err := t.ExecContext(ctx, `UPDATE cases SET doc = ?, reduced_at = ?, rev = rev + 1, applicant_id = '' WHERE id = ?`, sealed, stamp(t.now), caseID); err != nil {
		return nil, nil, fmt.Errorf("store reduced case: %w", err)
	}
	// The search's brief goes with the names it holds.
	if err := t.putBrief(ctx, caseID, caseFacts{}); err != nil {
		return nil, nil, err
	}
	empty, err := t.seal([]byte("null"), colEventData)
	if err != nil {
		return nil, nil, err
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE case_events SET data = ? WHERE case_id = ?`, []any{empty, caseID}},
		{`DELETE FROM outbox WHERE case_id = ? AND acked_at IS NOT NULL`, []any{caseID}},
		{`DELETE FROM hall_log WHERE ref = ?`, []any{caseID}},
		{`DELETE FROM county_status WHERE case_id = ?`, []any{caseID}},
		{`UPDATE ratings SET note = '' WHERE ref = ?`, []any{caseID}},
		// What a citizen said when called back goes with their note; that
		// the follow-up was done, by whom and when, stays.
		{`UPDATE followup_steps SET text = '' WHERE rating_event IN (SELECT event_id FROM ratings WHERE ref = ?)`, []any{caseID}},
	} {
		if _, err := t.ExecContext(ctx, q.sql, q.args...); err != nil {
			return nil, nil, fmt.Errorf("reduce case: %w", err)
		}
	}
	rows, err := t.QueryContext(ctx, `SELECT path FROM documents WHERE case_id = ?`, caseID)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return nil, nil, err
		}
		papers = append(papers, p)
	}
	rows.Close()
	if _, err := t.ExecContext(ctx, `DELETE FROM documents WHERE case_id = ?`, caseID); err != nil {
		return nil, nil, err
	}
	shaRows, err := t.QueryContext(ctx, `SELECT sha256 FROM attachments WHERE case_id = ?`, caseID)
	if err != nil {
		return nil, nil, err
	}
	var shas []string
	for shaRows.Next() {
		var s string
		if err := shaRows.Scan(&s); err != nil {
			shaRows.Close()
			return nil, nil, err
		}
		shas = append(shas, s)
	}
	shaRows.Close()
	if _, err := t.ExecContext(ctx, `DELETE FROM attachments WHERE case_id = ?`, caseID); err != nil {
		return nil, nil, err
	}
	for _, s := range shas {
		var n int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM attachments WHERE sha256 = ?`, s).Scan(&n); err != nil {
			return nil, nil, err
		}
		if n == 0 {
			scans = append(scans, s)
		}
	}
	return scans, papers, audit(ctx, t, sql.NullInt64{}, "case.reduced", c.Tracking, "")
}

// DocumentPaths are the archived papers a case still holds.
func (db *DB) DocumentPaths(ctx context.Context) (map[string]bool, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT path FROM documents`)
	if err != nil {
		return nil, fmt.Errorf("list archived papers: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out[p] = true
	}
	return out, rows.Err()
}
