package county

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
)

const caseCols = `c.case_id, c.county_case, c.tracking, c.service_point, c.version, c.kiosk_status, c.county_status,
	c.county_status_at, c.first_seen, c.updated_at, c.doc,
	c.due_moved, c.paused_since, c.paused_kind, c.paused_procedure, c.supplement_by,
	(SELECT COUNT(*) FROM case_attachments a WHERE a.case_id = c.case_id),
	(SELECT COUNT(*) FROM case_attachments a JOIN blobs b ON b.sha256 = a.sha256
		WHERE a.case_id = c.case_id AND b.completed_at IS NOT NULL)`

func scanCase(sc interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var statusAt, first, updated sql.NullString
	var doc string
	err := sc.Scan(&c.ID, &c.CountyCase, &c.Tracking, &c.Point, &c.Version, &c.KioskStatus, &c.CountyStatus,
		&statusAt, &first, &updated, &doc, &c.DueMoved, &c.PausedSince, &c.PausedKind, &c.PausedProcedure, &c.SupplementBy,
		&c.Attachments, &c.Stored)
	c.CountyStatusAt, c.FirstSeen, c.Updated = parseTS(statusAt), parseTS(first), parseTS(updated)
	c.Doc = json.RawMessage(doc)
	c.Complete = c.Stored == c.Attachments
	return c, err
}

// Cases lists cases, newest first.
func (s *SQLite) Cases(ctx context.Context, f CaseFilter) ([]Case, error) {
	return listCasesBy(ctx, s.r, f)
}

// listCasesBy is Cases for both stores.
func listCasesBy(ctx context.Context, q dbtx, f CaseFilter) ([]Case, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+caseCols+` FROM cases c
		WHERE (? = '' OR c.service_point = ?) AND (? = '' OR c.kiosk_status = ? OR c.county_status = ?)
		ORDER BY c.first_seen DESC, c.county_case DESC`, f.Point, f.Point, f.Status, f.Status, f.Status)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("scan case: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Case finds a case by its id, tracking code (any letter case) or county
// case number; ErrNotFound when none.
func (s *SQLite) Case(ctx context.Context, ref string) (Case, error) {
	return findCase(ctx, s.r, ref)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// findCase reads a reference by its shape: a county case number
// (330522-2026-000123), a case id (a UUID), or a tracking code (16
// characters with a valid check, any letter case, spaces and dashes
// allowed). The three never look alike, and each is unique in its own
// column, so a device cannot make a reference name two cases (issue 15:
// a case id equal to another point's county number hid that case). Any
// other text is a case id kept from before ids were checked.
func findCase(ctx context.Context, q queryer, ref string) (Case, error) {
	ref = strings.TrimSpace(ref)
	col, arg := "c.case_id", ref
	folded := strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(ref))
	switch {
	case isCountyCase(ref):
		col = "c.county_case"
	case protocol.ValidCaseID(strings.ToLower(ref)):
		arg = strings.ToLower(ref)
	case protocol.TrackingCheckOK(folded):
		col, arg = "c.tracking", folded
	}
	rows, err := q.QueryContext(ctx, `SELECT `+caseCols+` FROM cases c WHERE `+col+` = ?`, arg)
	if err != nil {
		return Case{}, fmt.Errorf("find case: %w", err)
	}
	defer rows.Close()
	var found []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return Case{}, fmt.Errorf("scan case: %w", err)
		}
		found = append(found, c)
	}
	if err := rows.Err(); err != nil {
		return Case{}, fmt.Errorf("find case: %w", err)
	}
	switch len(found) {
	case 0:
		return Case{}, ErrNotFound
	case 1:
		return found[0], nil
	}
	return Case{}, invalid("%q names %d cases: use the case id or county case number", ref, len(found))
}

// isCountyCase says whether s has the shape of a county case number:
// six digits, a year, and a sequence of six or more digits.
func isCountyCase(s string) bool {
	county, rest, ok := strings.Cut(s, "-")
	year, seq, ok2 := strings.Cut(rest, "-")
	return ok && ok2 && len(county) == 6 && len(year) == 4 && len(seq) >= 6 && allDigits(county+year+seq)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// CaseLog returns a case's applied events in apply order.
func (s *SQLite) CaseLog(ctx context.Context, caseID string) ([]LogEntry, error) {
	return caseLog(ctx, s.r, caseID)
}

// caseLogSQL reads one case's log in apply order. It seeks the case in
// case_log_chain (case_id, version) and orders its rows: a case has a few
// dozen events at most (MaxCaseVersion bounds its chain), and a second
// index on (case_id, seq) cost every applied event a write into an index
// of random keys (0016).
const caseLogSQL = `SELECT seq, case_id, event_id, kind, version, device_id, applied_at
		FROM case_log WHERE case_id = ? ORDER BY seq`

// caseLog is CaseLog for both stores.
func caseLog(ctx context.Context, q dbtx, caseID string) ([]LogEntry, error) {
	rows, err := q.QueryContext(ctx, caseLogSQL, caseID)
	if err != nil {
		return nil, fmt.Errorf("read case log: %w", err)
	}
	defer rows.Close()
	var out []LogEntry
	for rows.Next() {
		var e LogEntry
		var kind string
		var at sql.NullString
		if err := rows.Scan(&e.Seq, &e.CaseID, &e.EventID, &kind, &e.Version, &e.DeviceID, &at); err != nil {
			return nil, fmt.Errorf("scan case log: %w", err)
		}
		e.Kind, e.AppliedAt = protocol.Kind(kind), parseTS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// ValidateStatus checks a decision before it is stored: each status
// carries what the kiosk needs to tell the applicant (a reason for a
// denial, the materials and a deadline for a correction, where to collect
// for a completion), and nothing that belongs to another status.
func ValidateStatus(c StatusChange, today string) error {
	switch c.Status {
	case protocol.CountyReviewing, protocol.CountyCorrection, protocol.CountyCompleted, protocol.CountyDenied:
	default:
		return invalid("status %q: want reviewing, correction, completed or denied", c.Status)
	}
	if c.Status == protocol.CountyCorrection {
		if len(c.Supplements) == 0 {
			return invalid("a correction must list the materials to supply")
		}
		for _, sp := range c.Supplements {
			if strings.TrimSpace(sp.Name) == "" {
				return invalid("every material to supply needs a name")
			}
		}
		d, err := time.Parse(time.DateOnly, c.SupplyBy)
		if err != nil {
			return invalid("supply-by %q: want a day as YYYY-MM-DD", c.SupplyBy)
		}
		if d.Format(time.DateOnly) < today {
			return invalid("supply-by %s is already past", c.SupplyBy)
		}
	} else if len(c.Supplements) > 0 || c.SupplyBy != "" {
		return invalid("materials to supply go only with a correction")
	}
	if c.Status == protocol.CountyCompleted {
		if strings.TrimSpace(c.Pickup) == "" {
			return invalid("a completion must say where and how to collect the result")
		}
	} else if c.Pickup != "" {
		return invalid("pickup goes only with a completion")
	}
	if c.Status == protocol.CountyDenied && strings.TrimSpace(c.Reason) == "" {
		return invalid("a denial must give its reason")
	}
	if c.Procedure != "" {
		if c.Status != protocol.CountyReviewing {
			return invalid("a special procedure (%s) goes only with reviewing", c.Procedure)
		}
		if !slices.Contains(protocol.Procedures, c.Procedure) {
			return invalid("special procedure %q: want one of %s", c.Procedure, strings.Join(protocol.Procedures, ", "))
		}
		if utf8.RuneCountInString(strings.TrimSpace(c.ProcedureReason)) < 4 {
			return invalid(ErrProcedureReason)
		}
	} else if c.ProcedureReason != "" {
		return invalid("a procedure reason goes only with a special procedure")
	}
	if c.AgainReason != "" && c.Status != protocol.CountyCorrection {
		return invalid("a reason for another correction goes only with a correction")
	}
	return nil
}

// Messages of the county's time-limit rules, in Chinese as the back office
// shows them (its table has the English).
const (
	// ErrSecondCorrection: 一次性告知 — a case is asked for 补正 once, with
	// everything missing; another request must record why.
	ErrSecondCorrection = "该件已经要求过补正。按一次性告知的要求，再次要求补正必须写明理由（至少4个字），例如首次补正材料中发现的新问题"
	// ErrProcedureReason: a 特别程序 stops the clock only with its reason on record.
	ErrProcedureReason = "启动特别程序（暂停计时）必须写明事由（至少4个字）"
)

// SetCaseStatus records a county decision and appends it to the case's
// service point feed in the same transaction. Any status may follow any
// other: the county corrects its own mistakes this way, and the kiosk shows
// the latest.
func (s *SQLite) SetCaseStatus(ctx context.Context, c StatusChange) (protocol.FeedItem, error) {
	now := s.now()
	if err := ValidateStatus(c, now.In(workday.China).Format(time.DateOnly)); err != nil {
		return protocol.FeedItem{}, err
	}
	var it protocol.FeedItem
	err := s.update(ctx, func(tx *sql.Tx) error {
		var err error
		it, _, err = setCaseStatus(ctx, tx, &s.cals, c, now)
		return err
	})
	return it, err
}

// setCaseStatus is SetCaseStatus inside the caller's transaction (the back
// office writes its audit row in the same one). It returns the case it
// changed.
func setCaseStatus(ctx context.Context, tx dbtx, cals *calendarCache, c StatusChange, now time.Time) (protocol.FeedItem, Case, error) {
	cs, err := findCase(ctx, tx, c.Case)
	if err != nil {
		return protocol.FeedItem{}, cs, err
	}
	if _, pg := tx.(pgTx); pg {
		// On PostgreSQL a push of this case may run at once: take the
		// point's feed before the case's row, the order a push takes them
		// (postgres_apply.go), or each would wait for the other's lock.
		// Then read the case again: a push may have committed while this
		// one waited, and the decision must judge the case as it is now.
		if err := lockFeed(ctx, tx, cs.Point); err != nil {
			return protocol.FeedItem{}, cs, err
		}
		if cs, err = findCase(ctx, tx, cs.ID); err != nil {
			return protocol.FeedItem{}, cs, err
		}
	}
	st := protocol.CaseStatus{
		CaseID: cs.ID, Tracking: cs.Tracking, CountyCase: cs.CountyCase, Status: c.Status,
		Supplements: c.Supplements, SupplyBy: c.SupplyBy, Pickup: c.Pickup, Reason: c.Reason, By: c.By,
		At: now.In(workday.China), Procedure: c.Procedure, ProcedureReason: strings.TrimSpace(c.ProcedureReason),
		AgainReason: strings.TrimSpace(c.AgainReason),
	}
	if c.Status == protocol.CountyCorrection {
		var asked int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_status_log WHERE case_id = ? AND status = ?`,
			cs.ID, protocol.CountyCorrection).Scan(&asked); err != nil {
			return protocol.FeedItem{}, cs, fmt.Errorf("count corrections: %w", err)
		}
		if asked > 0 {
			// The same request sent again while it stands (a double
			// submit, a retried command) is the one request, not another.
			if it, same, err := repeatedStatus(ctx, tx, cs, st); err != nil || same {
				return it, cs, err
			}
			if utf8.RuneCountInString(strings.TrimSpace(c.AgainReason)) < 4 {
				return protocol.FeedItem{}, cs, invalid(ErrSecondCorrection)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET county_status = ?, county_status_at = ? WHERE case_id = ?`,
		c.Status, ts(now), cs.ID); err != nil {
		return protocol.FeedItem{}, cs, fmt.Errorf("update county status: %w", err)
	}
	it, err := appendFeed(ctx, tx, cs.Point, protocol.FeedCaseStatus, ts(now), st)
	if err != nil {
		return it, cs, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_status_log (case_id, cursor, status, payload, at) VALUES (?, ?, ?, ?, ?)`,
		cs.ID, it.Cursor, c.Status, string(it.Payload), ts(now)); err != nil {
		return it, cs, fmt.Errorf("log county status: %w", err)
	}
	// A 补正 request or a special procedure stops the clock, any other
	// decision starts it again: the deadline columns follow in this
	// transaction.
	if err := refreshDeadline(ctx, tx, cals, cs.ID, now); err != nil {
		return it, cs, err
	}
	if err := queueDecisionNotice(ctx, tx, cs, c, it.Cursor, now); err != nil {
		return it, cs, err
	}
	return it, cs, nil
}

// repeatedStatus reports whether st repeats the case's latest county
// decision word for word (its time aside), and returns that decision's
// feed item.
func repeatedStatus(ctx context.Context, tx dbtx, cs Case, st protocol.CaseStatus) (protocol.FeedItem, bool, error) {
	var cursor int64
	var payload string
	err := tx.QueryRowContext(ctx, `SELECT cursor, payload FROM case_status_log WHERE case_id = ? ORDER BY cursor DESC LIMIT 1`,
		cs.ID).Scan(&cursor, &payload)
	if errors.Is(err, sql.ErrNoRows) {
		return protocol.FeedItem{}, false, nil
	}
	if err != nil {
		return protocol.FeedItem{}, false, fmt.Errorf("read last county status: %w", err)
	}
	var last protocol.CaseStatus
	if err := json.Unmarshal([]byte(payload), &last); err != nil {
		return protocol.FeedItem{}, false, fmt.Errorf("decode last county status: %w", err)
	}
	st.At = last.At
	a, _ := json.Marshal(last)
	b, _ := json.Marshal(st)
	if !bytes.Equal(a, b) {
		return protocol.FeedItem{}, false, nil
	}
	return protocol.FeedItem{Cursor: cursor, Kind: protocol.FeedCaseStatus, Payload: json.RawMessage(payload)}, true, nil
}
