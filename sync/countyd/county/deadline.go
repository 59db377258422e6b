package county

// A case's time limit as the county judges it: the promised day moved by
// the working days the clock was stopped (补正, 行政许可法 第32条; 特别程序,
// 第45条), kept in the cases row (migrations/sqlite/0007_deadlines.sql) so the
// back office's deadline filters run in SQL on an index.
//
// What is stored changes only when what it depends on changes, and is
// rewritten in that transaction: a case event (its document: due date,
// the hall's suspensions, the 容缺 supplement day), a county decision (the
// status log), a holiday calendar (the working days). A pause still
// running is the one thing that moves with time alone — a working day
// more for every working day it lasts — so it is stored as the day it
// began (paused_since), not as a date that would be stale tomorrow; what
// it adds is counted when a case is shown (CaseDeadline), and the SQL
// filters need no count at all (see the filter conditions in CasePage):
// no daily refresh job to forget or to run twice.

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/sync/protocol"
)

// CasePauses is every span a case's time limit did not run, as the county
// knows it: the hall's record (容缺 at the window, and the county's own
// requests once the hall applied them) joined with the county's decisions
// (补正 from its request until it moves on, a 特别程序 from the status that
// starts it until one without it). A span both know is taken once, ended
// as soon as either side saw it end.
func CasePauses(d protocol.CaseDoc, history []StatusLogEntry) []protocol.Suspension {
	var out []protocol.Suspension
	add := func(s protocol.Suspension) {
		for i := range out {
			if out[i].Kind == s.Kind && out[i].Procedure == s.Procedure && out[i].From.Equal(s.From) {
				if out[i].To.IsZero() || (!s.To.IsZero() && s.To.Before(out[i].To)) {
					out[i].To = s.To
				}
				return
			}
		}
		out = append(out, s)
	}
	for _, s := range d.Suspensions {
		add(s)
	}
	var corr, spec *protocol.Suspension
	for _, h := range history {
		st := h.Status
		if spec != nil && st.Procedure != spec.Procedure {
			spec.To = st.At
			add(*spec)
			spec = nil
		}
		if st.Procedure != "" && spec == nil {
			spec = &protocol.Suspension{Kind: cases.SuspendSpecial, Procedure: st.Procedure, Reason: st.ProcedureReason, From: st.At}
		}
		if corr != nil && st.Status != protocol.CountyCorrection {
			corr.To = st.At
			add(*corr)
			corr = nil
		}
		if st.Status == protocol.CountyCorrection && corr == nil {
			corr = &protocol.Suspension{Kind: cases.SuspendCorrection, From: st.At}
		}
	}
	for _, s := range []*protocol.Suspension{corr, spec} {
		if s != nil {
			add(*s)
		}
	}
	return out
}

// storedDeadline is what the cases row keeps of a case's time limit
// (the columns of 0007).
type storedDeadline struct {
	dueMoved, pausedSince, pausedKind, pausedProcedure, supplementBy string
}

// deadlineOf works out the stored form. With a pause running from day P,
// the days it stops are those after P up to today; the pauses that ended
// are counted only up to P, since the running one counts every day after
// it (overlapping pauses take each day once, as workday.PausedDays does).
// So due_moved plus the working days after paused_since is exactly the
// date workday.MovedDue gives with every pause, on any day. A calendar
// that does not cover a day leaves the promised day as it is rather than
// guess.
func deadlineOf(cal *workday.Calendar, d protocol.CaseDoc, history []StatusLogEntry, now time.Time) storedDeadline {
	v := storedDeadline{dueMoved: dueDay(d.Due), supplementBy: dueDay(d.SupplementBy)}
	spans := CasePauses(d, history)
	// The clock stopped on the first running pause's day; a special
	// procedure is named before a 补正 running beside it.
	var since time.Time
	for _, s := range spans {
		if s.From.IsZero() || !s.To.IsZero() {
			continue
		}
		if since.IsZero() || s.From.Before(since) {
			since = s.From
		}
		if v.pausedKind == "" || s.Kind == cases.SuspendSpecial && v.pausedKind != cases.SuspendSpecial {
			v.pausedKind, v.pausedProcedure = s.Kind, s.Procedure
		}
	}
	var ended []workday.Pause
	for _, s := range spans {
		if s.From.IsZero() || s.To.IsZero() {
			continue
		}
		p := workday.Pause{From: s.From, To: s.To}
		if !since.IsZero() && p.To.After(since) {
			p.To = since
		}
		ended = append(ended, p)
	}
	if !since.IsZero() {
		v.pausedSince = dueDay(since)
	}
	if !d.Due.IsZero() {
		if moved, _, err := cal.MovedDue(d.Due, ended, now); err == nil {
			v.dueMoved = dueDay(moved)
		}
	}
	return v
}

// Deadline is a case's time limit as pages show it.
type Deadline struct {
	// Due is the promised day moved by every pause up to now (zero when
	// nothing was promised).
	Due time.Time
	// Overdue and Soon are what the case list's filters select.
	Overdue, Soon bool
	// PausedKind and PausedProcedure say what stops the clock now
	// (cases.PauseLabel names it); "" while it runs or the case is closed.
	PausedKind, PausedProcedure string
	// SupplementLapsed: a 容缺 case past its supplement day that the hall
	// has not yet ended (its kiosk may be offline).
	SupplementLapsed bool
}

// CaseDeadline judges a case on the day of now from its stored columns,
// by the same rules as CasePage's filters, so a case shown overdue is the
// one the overdue filter lists:
//   - a closed case is neither overdue nor due soon;
//   - while the clock is stopped the case waits for the citizen or the
//     procedure, not for the office: it is never due soon, and it is
//     overdue only if it already was when the clock stopped (the days it
//     was late stay late; the pause adds as many days to the limit as it
//     lasts, so it neither makes nor cures lateness);
//   - otherwise the moved day is judged as workday.Classify does: overdue
//     from the day after it, due soon from soonDay (two working days
//     ahead, worked out by the caller) on.
func CaseDeadline(cal *workday.Calendar, c Case, now time.Time, soonDay string) Deadline {
	var v Deadline
	today := dueDay(now)
	if c.DueMoved != "" {
		if t, err := time.ParseInLocation(time.DateOnly, c.DueMoved, workday.China); err == nil {
			v.Due = t
		}
	}
	closed := closedStatus(c)
	if c.PausedSince != "" && !v.Due.IsZero() {
		if from, err := time.ParseInLocation(time.DateOnly, c.PausedSince, workday.China); err == nil {
			if moved, _, err := cal.MovedDue(v.Due, []workday.Pause{{From: from}}, now); err == nil {
				v.Due = moved
			}
		}
	}
	switch {
	case closed || c.DueMoved == "":
	case c.PausedSince != "":
		v.Overdue = c.DueMoved < today && c.DueMoved < c.PausedSince
	default:
		v.Overdue = c.DueMoved < today
		v.Soon = c.DueMoved >= today && c.DueMoved <= soonDay
	}
	if !closed && c.PausedSince != "" {
		v.PausedKind, v.PausedProcedure = c.PausedKind, c.PausedProcedure
	}
	v.SupplementLapsed = c.KioskStatus == string(cases.StatusDeferred) && c.SupplementBy != "" && c.SupplementBy < today
	return v
}

// closedStatus is closedCase for a row read: the hall finished the case,
// or the county completed or denied it.
func closedStatus(c Case) bool {
	switch cases.Status(c.KioskStatus) {
	case cases.StatusCompleted, cases.StatusRejected, cases.StatusDelivered, cases.StatusMailed, cases.StatusDenied,
		cases.StatusTerminated, cases.StatusWithdrawn:
		return true
	}
	return c.CountyStatus == protocol.CountyCompleted || c.CountyStatus == protocol.CountyDenied
}

// refreshDeadline rewrites a case's deadline columns from its document and
// status log as the transaction sees them.
func refreshDeadline(ctx context.Context, tx dbtx, cals *calendarCache, caseID string, now time.Time) error {
	var doc string
	if err := tx.QueryRowContext(ctx, `SELECT doc FROM cases WHERE case_id = ?`, caseID).Scan(&doc); err != nil {
		return fmt.Errorf("read case for its deadline: %w", err)
	}
	cal, err := cals.get(ctx, tx)
	if err != nil {
		return err
	}
	return writeDeadline(ctx, tx, cal, caseID, doc, now, true)
}

// writeDeadline stores a case's deadline columns and, with figures, its
// contribution to the dashboard's rollup, which the same decisions and
// calendar change (figures.go). Only 0007's backfill, which runs before
// the rollup's table exists, leaves the figures out.
func writeDeadline(ctx context.Context, tx dbtx, cal *workday.Calendar, caseID, doc string, now time.Time, withFigures bool) error {
	var d protocol.CaseDoc
	json.Unmarshal([]byte(doc), &d) // a document that does not read has no deadline, as in Apply
	history, err := statusLog(ctx, tx, caseID)
	if err != nil {
		return err
	}
	v := deadlineOf(cal, d, history, now)
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET due_moved = ?, paused_since = ?, paused_kind = ?, paused_procedure = ?,
		supplement_by = ? WHERE case_id = ?`, v.dueMoved, v.pausedSince, v.pausedKind, v.pausedProcedure, v.supplementBy, caseID); err != nil {
		return fmt.Errorf("store case deadline: %w", err)
	}
	if !withFigures {
		return nil
	}
	return setCaseFiguresNow(ctx, tx, caseID, caseFigures(cal, d, history))
}

// refreshAllDeadlines rewrites every case's deadline columns: after the
// upgrade to 0007, and when a holiday calendar changes the working days.
func refreshAllDeadlines(ctx context.Context, tx dbtx, cals *calendarCache, now time.Time, withFigures bool) error {
	cal, err := cals.get(ctx, tx)
	if err != nil {
		return err
	}
	all, err := caseDocs(ctx, tx)
	if err != nil {
		return err
	}
	for _, r := range all {
		if err := writeDeadline(ctx, tx, cal, r.id, r.doc, now, withFigures); err != nil {
			return err
		}
	}
	return nil
}

// caseDoc is a case's id and its document as stored.
type caseDoc struct{ id, doc string }

// caseDocs reads every case's document (for a migration's backfill), all
// of them before any is rewritten in the same transaction.
func caseDocs(ctx context.Context, tx dbtx) ([]caseDoc, error) {
	rows, err := tx.QueryContext(ctx, `SELECT case_id, doc FROM cases`)
	if err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	defer rows.Close()
	var all []caseDoc
	for rows.Next() {
		var r caseDoc
		if err := rows.Scan(&r.id, &r.doc); err != nil {
			return nil, fmt.Errorf("scan case: %w", err)
		}
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	return all, nil
}

// statusLog is CaseStatusLog inside a transaction.
const statusLogSQL = `SELECT cursor, payload FROM case_status_log WHERE case_id = ? ORDER BY seq`

func statusLog(ctx context.Context, q queryer, caseID string) ([]StatusLogEntry, error) {
	rows, err := q.QueryContext(ctx, statusLogSQL, caseID)
	if err != nil {
		return nil, fmt.Errorf("read status log: %w", err)
	}
	defer rows.Close()
	var out []StatusLogEntry
	for rows.Next() {
		var e StatusLogEntry
		var payload string
		if err := rows.Scan(&e.Cursor, &payload); err != nil {
			return nil, fmt.Errorf("scan status log: %w", err)
		}
		if err := json.Unmarshal([]byte(payload), &e.Status); err != nil {
			return nil, fmt.Errorf("decode status log: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// calendarCache holds the working-day calendar of the embedded holiday
// notices and the ones the county published, rebuilt when a calendar is
// published.
type calendarCache struct {
	mu  sync.Mutex
	key string
	cal *workday.Calendar
}

// get returns the calendar as q sees the published ones. Calendars that
// do not load fall back to the embedded ones, as the back office's do: a
// bad document must not stop a hall's events from applying.
func (cc *calendarCache) get(ctx context.Context, q queryer) (*workday.Calendar, error) {
	docs, err := holidayDocs(ctx, q)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprint(len(docs))
	for _, d := range docs {
		key += fmt.Sprintf("/%d", len(d))
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.cal != nil && cc.key == key {
		return cc.cal, nil
	}
	cal, err := MergeCalendars(docs)
	if err != nil {
		cal = workday.Default()
	}
	cc.cal, cc.key = cal, key
	return cal, nil
}

const holidayDocsSQL = `SELECT payload FROM feed WHERE service_point = ? AND kind = ? ORDER BY cursor`

func holidayDocs(ctx context.Context, q queryer) ([]json.RawMessage, error) {
	rows, err := q.QueryContext(ctx, holidayDocsSQL, allPoints, string(protocol.FeedHolidays))
	if err != nil {
		return nil, fmt.Errorf("read holiday calendars: %w", err)
	}
	defer rows.Close()
	var out []json.RawMessage
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("scan holiday calendar: %w", err)
		}
		var d protocol.DocumentPayload
		if err := json.Unmarshal([]byte(p), &d); err != nil {
			return nil, fmt.Errorf("decode holiday calendar: %w", err)
		}
		out = append(out, d.Document)
	}
	return out, rows.Err()
}

// MergeCalendars is the working-day calendar of the embedded holiday
// notices with the published ones over them, a year's latest winning.
func MergeCalendars(published []json.RawMessage) (*workday.Calendar, error) {
	embedded, err := assets.HolidayCalendars()
	if err != nil {
		return nil, err
	}
	byYear := map[int][]byte{}
	var years []int
	add := func(doc []byte) error {
		var head struct {
			Year int `json:"year"`
		}
		if err := json.Unmarshal(doc, &head); err != nil {
			return fmt.Errorf("holiday calendar: %w", err)
		}
		if _, ok := byYear[head.Year]; !ok {
			years = append(years, head.Year)
		}
		byYear[head.Year] = doc
		return nil
	}
	for _, d := range embedded {
		if err := add(d); err != nil {
			return nil, err
		}
	}
	for _, d := range published {
		if err := add(d); err != nil {
			return nil, err
		}
	}
	docs := make([][]byte, 0, len(years))
	for _, y := range years {
		docs = append(docs, byYear[y])
	}
	return workday.Load(docs...)
}
