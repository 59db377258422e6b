package county

// The delivery record of citizen notices: what the sender (package sms)
// takes, what became of every try, and what staff see.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Notice delivery states.
const (
	NoticeQueued = "queued" // waiting for its first or next try
	NoticeSent   = "sent"   // the gateway took it; never sent again
	NoticeFailed = "failed" // given up after MaxNoticeTries
	NoticeLegacy = "legacy" // stored before 0010; relayed then or never
)

// MaxNoticeTries is how many tries a notice gets before it is marked
// failed for staff to see: with the backoff below, about a day and a half.
const MaxNoticeTries = 40

// NoticeRecord is a stored notice and its delivery record.
type NoticeRecord struct {
	EventID    string
	CaseID     string
	CountyCase string
	Tracking   string
	Point      string
	Template   string
	Origin     string // device or county
	// Mobile is the applicant's number in full: mask it on any page.
	Mobile string
	Text   string
	Params map[string]string
	State  string
	Held   bool
	// Tries counts every HTTP try to the gateway.
	Tries         int
	LastError     string
	LastAttemptAt time.Time
	NextAttemptAt time.Time
	SentAt        time.Time
	ProviderID    string
	// SentCode and SentParams are what the gateway got on the last try.
	SentCode   string
	SentParams map[string]string
	Created    time.Time
	// Requeues is how often staff sent it back after it failed.
	Requeues int
}

const noticeCols = `n.event_id, n.case_id, c.county_case, c.tracking, n.point_code, n.template, n.origin, n.mobile, n.text,
	n.params, n.state, n.held, n.attempts, n.last_error, n.last_attempt_at, n.next_attempt_at, n.sent_at,
	n.provider_id, n.sent_code, n.sent_params, n.created_at, n.requeues`

func scanNotice(sc rowScanner) (NoticeRecord, error) {
	var n NoticeRecord
	var params, sentParams string
	var last, next, sent sql.NullString
	var created string
	if err := sc.Scan(&n.EventID, &n.CaseID, &n.CountyCase, &n.Tracking, &n.Point, &n.Template, &n.Origin, &n.Mobile,
		&n.Text, &params, &n.State, &n.Held, &n.Tries, &n.LastError, &last, &next, &sent, &n.ProviderID, &n.SentCode,
		&sentParams, &created, &n.Requeues); err != nil {
		return n, err
	}
	if err := json.Unmarshal([]byte(params), &n.Params); err != nil {
		return n, fmt.Errorf("decode notice parameters: %w", err)
	}
	if sentParams != "" {
		if err := json.Unmarshal([]byte(sentParams), &n.SentParams); err != nil {
			return n, fmt.Errorf("decode sent parameters: %w", err)
		}
	}
	n.LastAttemptAt, n.NextAttemptAt, n.SentAt = parseTS(last), parseTS(next), parseTS(sent)
	n.Created = parseTS(sql.NullString{String: created, Valid: true})
	return n, nil
}

// Notices returns the newest notices first, at most limit of them; a
// case id, when given, narrows them to that case.
func (s *SQLite) Notices(ctx context.Context, caseID string, limit int) ([]NoticeRecord, error) {
	return notices(ctx, s.r, caseID, limit)
}

func notices(ctx context.Context, db dbtx, caseID string, limit int) ([]NoticeRecord, error) {
	q := `SELECT ` + noticeCols + ` FROM notices n JOIN cases c ON c.case_id = n.case_id`
	args := []any{}
	if caseID != "" {
		q += ` WHERE n.case_id = ?`
		args = append(args, caseID)
	}
	q += ` ORDER BY n.created_at DESC, n.event_id LIMIT ?`
	args = append(args, limit)
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	defer rows.Close()
	var out []NoticeRecord
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, fmt.Errorf("scan notice: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// NoticeCounts counts notices by state, held ones apart ("held").
func (s *SQLite) NoticeCounts(ctx context.Context) (map[string]int, error) {
	return noticeCounts(ctx, s.r)
}

func noticeCounts(ctx context.Context, q dbtx) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, `SELECT CASE WHEN held = 1 THEN 'held' ELSE state END, COUNT(*) FROM notices GROUP BY 1`)
	if err != nil {
		return nil, fmt.Errorf("count notices: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("count notices: %w", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}

// NoticeTry is one HTTP try to hand a notice to the gateway.
type NoticeTry struct {
	At   time.Time
	HTTP int // the gateway's status; 0 when no answer came
	Err  string
}

// NoticeAttempts returns a notice's tries, oldest first.
func (s *SQLite) NoticeAttempts(ctx context.Context, eventID string) ([]NoticeTry, error) {
	return noticeAttempts(ctx, s.r, eventID)
}

func noticeAttempts(ctx context.Context, q dbtx, eventID string) ([]NoticeTry, error) {
	rows, err := q.QueryContext(ctx, `SELECT at, http, error FROM notice_attempts WHERE event_id = ? ORDER BY id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("list notice tries: %w", err)
	}
	defer rows.Close()
	var out []NoticeTry
	for rows.Next() {
		var t NoticeTry
		var at string
		if err := rows.Scan(&at, &t.HTTP, &t.Err); err != nil {
			return nil, fmt.Errorf("scan notice try: %w", err)
		}
		t.At = parseTS(sql.NullString{String: at, Valid: true})
		out = append(out, t)
	}
	return out, rows.Err()
}

// Outgoing is a notice ready for the gateway, under the configuration of
// the moment.
type Outgoing struct {
	EventID   string
	Tracking  string // for logs; the mobile is never logged
	Mobile    string
	Signature string
	Code      string
	// Params are the provider's parameters, filled from the notice.
	Params map[string]string
	Tries  int
}

// DueNotices returns up to limit queued, unheld notices whose next try
// is due, oldest first, as the gateway will get them. A notice whose
// template the county has not configured is not returned: it waits, with
// a last error saying so for staff, and is looked at again in 5 minutes.
func (s *SQLite) DueNotices(ctx context.Context, limit int) ([]Outgoing, error) {
	now := s.now()
	// One process sends: the read pool lists, nothing needs claiming.
	list := func(fn func(q dbtx) error) error { return fn(s.r) }
	update := func(fn func(tx dbtx) error) error {
		return s.update(ctx, func(tx *sql.Tx) error { return fn(tx) })
	}
	return dueNotices(ctx, s.r, list, update, now, dueNoticesSQL, ts(now), limit)
}

const dueNoticesSQL = `SELECT ` + noticeCols + ` FROM notices n JOIN cases c ON c.case_id = n.case_id
	WHERE n.state = 'queued' AND n.held = 0 AND (n.next_attempt_at IS NULL OR n.next_attempt_at <= ?)
	ORDER BY n.created_at, n.event_id LIMIT ?`

// dueNotices reads the due notices with query and args inside list, and
// turns them into Outgoing under the configuration of the moment; update
// runs a write transaction.
func dueNotices(ctx context.Context, q dbtx, list, update func(func(tx dbtx) error) error, now time.Time, query string, args ...any) ([]Outgoing, error) {
	cfg, err := smsConfig(ctx, q)
	if errors.Is(err, ErrNotFound) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	var due []NoticeRecord
	err = list(func(tx dbtx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("list due notices: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			n, err := scanNotice(rows)
			if err != nil {
				return fmt.Errorf("scan notice: %w", err)
			}
			due = append(due, n)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("list due notices: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Outgoing
	for _, n := range due {
		t, ok := cfg.Templates[n.Template]
		if !ok || cfg.Signature == "" {
			if err := update(func(tx dbtx) error { return waitForConfig(ctx, tx, n.EventID, now) }); err != nil {
				return nil, err
			}
			continue
		}
		params := map[string]string{}
		for name, val := range t.Params {
			params[name] = n.Params[val]
		}
		out = append(out, Outgoing{EventID: n.EventID, Tracking: n.Tracking, Mobile: n.Mobile, Signature: cfg.Signature,
			Code: t.Code, Params: params, Tries: n.Tries})
	}
	return out, nil
}

// NoSMSTemplate is the last error of a notice whose template the county
// has not configured (countyd set-sms).
const NoSMSTemplate = "no SMS template configured for this notice (countyd set-sms)"

func waitForConfig(ctx context.Context, tx dbtx, eventID string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE notices SET last_error = ?, next_attempt_at = ? WHERE event_id = ? AND state = 'queued'`,
		NoSMSTemplate, ts(now.Add(5*time.Minute)), eventID); err != nil {
		return fmt.Errorf("mark notice waiting: %w", err)
	}
	return nil
}

// NoticeOutcome is what one round of tries came to.
type NoticeOutcome struct {
	Tries []NoticeTry
	// Sent says the gateway took the notice; ProviderID is its message id.
	Sent       bool
	ProviderID string
}

// noticeBackoff is the wait before the next round after a round failed:
// one minute, doubling, at most an hour.
func noticeBackoff(tries int) time.Duration {
	d := time.Minute
	for i := 1; i < tries && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// RecordNoticeTries writes a round of tries and its outcome in one
// transaction: every try, the count, the last error, and either sent (with
// the provider's id) or the time of the next round, or failed after
// MaxNoticeTries. A notice already sent is left as it is.
func (s *SQLite) RecordNoticeTries(ctx context.Context, o Outgoing, out NoticeOutcome) error {
	now := s.now()
	sent, err := json.Marshal(o.Params)
	if err != nil {
		return fmt.Errorf("encode sent parameters: %w", err)
	}
	return s.update(ctx, func(tx *sql.Tx) error { return recordNoticeTries(ctx, tx, o, out, string(sent), now, "") })
}

// recordNoticeTries is RecordNoticeTries in a store's transaction.
// lock ends the query that reads the notice's state: " FOR UPDATE" on
// PostgreSQL, where two instances' rounds may end at once and each must
// count the other's tries; "" on SQLite, whose writer is one.
func recordNoticeTries(ctx context.Context, tx dbtx, o Outgoing, out NoticeOutcome, sent string, now time.Time, lock string) error {
	var state string
	var tries int
	if err := tx.QueryRowContext(ctx, `SELECT state, attempts FROM notices WHERE event_id = ?`+lock, o.EventID).Scan(&state, &tries); err != nil {
		return fmt.Errorf("read notice: %w", err)
	}
	if state != NoticeQueued {
		return nil
	}
	lastErr := ""
	for _, t := range out.Tries {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notice_attempts (event_id, at, http, error) VALUES (?, ?, ?, ?)`,
			o.EventID, ts(t.At), t.HTTP, t.Err); err != nil {
			return fmt.Errorf("record notice try: %w", err)
		}
		lastErr = t.Err
	}
	tries += len(out.Tries)
	var q string
	var args []any
	switch {
	case out.Sent:
		q, args = `UPDATE notices SET state = 'sent', sent_at = ?, provider_id = ?, last_error = '', next_attempt_at = NULL`,
			[]any{ts(now), out.ProviderID}
	case tries >= MaxNoticeTries:
		q, args = `UPDATE notices SET state = 'failed', last_error = ?, next_attempt_at = NULL`, []any{lastErr}
	default:
		q, args = `UPDATE notices SET last_error = ?, next_attempt_at = ?`, []any{lastErr, ts(now.Add(noticeBackoff(tries)))}
	}
	q += `, attempts = ?, last_attempt_at = ?, sent_code = ?, sent_params = ? WHERE event_id = ?`
	args = append(args, tries, ts(now), o.Code, sent, o.EventID)
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("record notice outcome: %w", err)
	}
	return nil
}

// Why a notice cannot go back in the queue, in Chinese as the back office
// shows them (its table has the English).
const (
	// ErrNoticeSent: the gateway took it; the citizen has it, and a second
	// copy days later would read as a second decision.
	ErrNoticeSent = "该通知已发送，不能重发"
	// ErrNoticeNotFailed: only a notice the sender gave up on is re-queued;
	// a queued one is still being tried, a held or legacy one is not the
	// sender's to try.
	ErrNoticeNotFailed = "只有发送失败的通知可以重新排队"
)

// RequeueNotice puts a failed notice back in the queue for a fresh round
// of MaxNoticeTries, once staff fixed what made it fail (the gateway, a
// template code), with the staff member's audit row in the same
// transaction. Its earlier tries stay in notice_attempts; attempts counts
// the tries of the current round, requeues how often staff sent it back.
// The state is checked in the UPDATE itself, so a notice the sender marks
// sent in between is never sent twice. ErrNotFound when there is no such
// notice.
func (s *SQLite) RequeueNotice(ctx context.Context, eventID string, e AuditEntry) error {
	return s.update(ctx, func(tx *sql.Tx) error { return requeueNotice(ctx, tx, eventID, e, s.now()) })
}

func requeueNotice(ctx context.Context, tx dbtx, eventID string, e AuditEntry, now time.Time) error {
	var state, caseID, countyCase, tmpl string
	err := tx.QueryRowContext(ctx, `SELECT n.state, n.case_id, c.county_case, n.template FROM notices n
		JOIN cases c ON c.case_id = n.case_id WHERE n.event_id = ?`, eventID).Scan(&state, &caseID, &countyCase, &tmpl)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("read notice: %w", err)
	}
	switch state {
	case NoticeSent:
		return invalid(ErrNoticeSent)
	case NoticeFailed:
	default:
		return invalid(ErrNoticeNotFailed)
	}
	res, err := tx.ExecContext(ctx, `UPDATE notices SET state = 'queued', attempts = 0, next_attempt_at = NULL,
		requeues = requeues + 1, requeued_at = ? WHERE event_id = ? AND state = 'failed'`, ts(now), eventID)
	if err != nil {
		return fmt.Errorf("requeue notice: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return invalid(ErrNoticeNotFailed)
	}
	e.Action, e.Subject, e.CaseID, e.Detail = "notice.requeue", countyCase, caseID, eventID+"；"+tmpl
	return writeAudit(ctx, tx, e, now)
}
