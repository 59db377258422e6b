package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/casewire"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/eventid"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Case messages.
var (
	ErrNoDevice     = msg.New("本机编号尚未设置，请主管在设置中填写（1–35，同一大厅内不重复）")
	ErrCaseNotFound = msg.New("没有找到查询码为“{{.Code}}”的办件")
	ErrCaseChanged  = msg.New("此件刚被其他窗口更新过，请重新打开后再操作")
)

const settingDevice = "device_no"

// Setting returns a setting's value.
func (db *DB) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := db.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read setting %s: %w", key, err)
	}
	if sealedSettings[key] {
		if v, err = db.unsealString(v, colSetting+":"+key); err != nil {
			return "", false, err
		}
	}
	return v, true, nil
}

// SetSetting stores a setting.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	return db.update(ctx, func(t *tx) error { return setSetting(ctx, t, key, value) })
}

// DeviceNumber returns this kiosk's number within the hall (1–35), part of
// every tracking code; 0 when not set.
func (db *DB) DeviceNumber(ctx context.Context) (int, error) {
	v, ok, err := db.Setting(ctx, settingDevice)
	if err != nil || !ok {
		return 0, err
	}
	return strconv.Atoi(v)
}

// SetDeviceNumber stores the kiosk's number within the hall.
func (db *DB) SetDeviceNumber(ctx context.Context, n int) error {
	if n < 1 || n > 35 {
		return fmt.Errorf("device number %d not in 1–35", n)
	}
	return db.SetSetting(ctx, settingDevice, strconv.Itoa(n))
}

// CreateCase stores a new case with its decision event and outbox row in
// one transaction, giving it a UUID and a tracking code whose sequence is
// taken in the same transaction, so two windows never get the same code.
func (db *DB) CreateCase(ctx context.Context, c cases.Case, actor cases.Actor) (cases.Case, error) {
	device, err := db.DeviceNumber(ctx)
	if err != nil {
		return c, err
	}
	if device == 0 {
		return c, ErrNoDevice
	}
	c.ID = eventid.New()
	c.Version = 1 // the row's revision once its first event is written
	err = db.update(ctx, func(t *tx) error {
		c.Accepted = t.now
		day := t.now.In(workday.China).Format("2006-01-02")
		var next int
		err := t.QueryRowContext(ctx, `SELECT next FROM tracking_seq WHERE day = ? AND device = ?`, day, device).Scan(&next)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read tracking sequence: %w", err)
		}
		for {
			c.Tracking, err = tracking.Encode(tracking.Parts{ServicePoint: c.ServicePoint, Device: device, Day: t.now, Seq: next})
			next++
			if !errors.Is(err, tracking.ErrUnusable) {
				break
			}
		}
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO tracking_seq (day, device, next) VALUES (?, ?, ?)
			ON CONFLICT (day, device) DO UPDATE SET next = excluded.next`, day, device, next); err != nil {
			return fmt.Errorf("advance tracking sequence: %w", err)
		}
		if err := insertCase(ctx, t, c, actor.ID, ""); err != nil {
			return err
		}
		if err := saveAttachments(ctx, t, c, ""); err != nil {
			return err
		}
		data, _ := json.Marshal(map[string]string{"reason": c.Reason})
		kind := cases.DecisionEvent(c.Decision)
		if c.Status == cases.StatusPrereview {
			kind = cases.EvSubmitted // filed by the citizen; nothing decided yet
		}
		_, err = caseEvent(ctx, t, c, kind, actor, data)
		return err
	})
	if err != nil {
		return cases.Case{}, err
	}
	return c, nil
}

// insertCase writes a new case row at chain version 0 (caseEvent moves it
// on); origin is the hall machine it came from ("" for this one).
func insertCase(ctx context.Context, t *tx, c cases.Case, clerkID int64, origin string) error {
	doc, err := t.sealJSON(c, colCaseDoc)
	if err != nil {
		return err
	}
	f, err := t.factsOf(c)
	if err != nil {
		return err
	}
	// The clerk column is only set when the account is known here: a case
	// from another machine may arrive before its clerk's account does.
	if _, err := t.ExecContext(ctx, `INSERT INTO cases (id, tracking, status, decision, applicant_id, accepted_at, due, supplement_by, clerk_id, doc, version, rev, head, origin, updated_at, agent_id,
			first_matter, commitment)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT id FROM clerks WHERE id = ?), ?, 0, 0, '', ?, ?, ?, ?, ?)`,
		c.ID, c.Tracking, string(c.Status), string(c.Decision), t.db.applicantKey(c), stamp(c.Accepted),
		dateOrNull(c.Due), dateOrNull(c.SupplementBy), clerkID, doc, origin, stamp(t.now), agentOf(c),
		f.firstMatter, f.commitment); err != nil {
		return fmt.Errorf("insert case: %w", err)
	}
	return t.putBrief(ctx, c.ID, f)
}

// UpdateCase stores a later action on a case (补正, 出件, 邮寄 …) with its
// event and outbox row in one transaction. after.Version must be the
// revision that was read; if anything changed the case meanwhile (another
// window, the county, a replicated event) nothing is written and the error
// says what happened. It returns the case with its new revision.
func (db *DB) UpdateCase(ctx context.Context, after cases.Case, kind cases.EventKind, actor cases.Actor, data any) (cases.Case, error) {
	return db.UpdateCaseNotify(ctx, after, kind, actor, data, cases.Notice{})
}

// UpdateCaseNotify is UpdateCase that also asks the county, in the same
// transaction, to send the applicant a notice (an SMS through the county's
// gateway; nothing is sent where there is none). A notice without a
// template or an applicant without a mobile asks nothing.
func (db *DB) UpdateCaseNotify(ctx context.Context, after cases.Case, kind cases.EventKind, actor cases.Actor, data any, notice cases.Notice) (cases.Case, error) {
	return db.updateCase(ctx, after, kind, actor, data, notice, nil)
}

// ResetQueryPIN stores a case's new query PIN (after holds only its hash
// that anyone reads: the PIN in clear never reaches the record) as one
// transaction: the case and its event, an audit row saying who reset it for
// whom, and the end of any lock on the code's progress query, since the
// guesses it counted were against the old PIN. reset is the event's data.
func (db *DB) ResetQueryPIN(ctx context.Context, after cases.Case, actor cases.Actor, reset cases.PINReset) (cases.Case, error) {
	return db.updateCase(ctx, after, cases.EvQueryPINReset, actor, reset, cases.Notice{}, func(t *tx) error {
		if err := audit(ctx, t, sql.NullInt64{Int64: actor.ID, Valid: actor.ID != 0}, "case.query_pin_reset", after.Tracking, "as="+reset.As); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM progress_attempts WHERE tracking = ?`, after.Tracking); err != nil {
			return fmt.Errorf("end progress lock: %w", err)
		}
		return nil
	})
}

// updateCase writes a later action on a case; also, when not nil, runs in
// the same transaction after the event is written.
func (db *DB) updateCase(ctx context.Context, after cases.Case, kind cases.EventKind, actor cases.Actor, data any, notice cases.Notice, also func(t *tx) error) (cases.Case, error) {
	if after.ID == "" || after.Version == 0 {
		return after, fmt.Errorf("update case: not a stored case")
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return after, fmt.Errorf("encode event data: %w", err)
	}
	err = db.update(ctx, func(t *tx) error {
		var rev int
		if err := t.QueryRowContext(ctx, `SELECT rev FROM cases WHERE id = ?`, after.ID).Scan(&rev); err != nil {
			return fmt.Errorf("read case: %w", err)
		}
		if rev != after.Version {
			return changedError(ctx, t, after.ID)
		}
		// A later action may bring a file (a supplement's scan, a signed
		// delivery receipt): it uploads like the ones from intake.
		if err := saveAttachments(ctx, t, after, ""); err != nil {
			return err
		}
		if after.Version, err = caseEvent(ctx, t, after, kind, actor, raw); err != nil {
			return err
		}
		if also != nil {
			if err := also(t); err != nil {
				return err
			}
		}
		if notice.Template == "" || after.Applicant.Mobile == "" {
			return nil
		}
		_, err = t.emit(ctx, protocol.NoticeRequested, protocol.NoticePayload{CaseID: after.ID, Tracking: after.Tracking,
			Template: notice.Template, Mobile: after.Applicant.Mobile, Text: notice.Text, At: t.now})
		return err
	})
	if err != nil {
		return after, err
	}
	return after, nil
}

// ErrCaseChangedBy says what changed a case while a clerk had it open.
var ErrCaseChangedBy = msg.New("此件已于{{.At}}由{{.Where}}{{.What}}，请重新打开后再操作")

// changedError explains a stale update with the case's last event: who did
// what, where and when, so the clerk knows whether to go on.
func changedError(ctx context.Context, t *tx, caseID string) error {
	var kind, at, actor string
	var window int
	err := t.QueryRowContext(ctx, `SELECT kind, at, actor_name, actor_window FROM case_events
		WHERE case_id = ? AND superseded_by IS NULL ORDER BY version DESC, id DESC LIMIT 1`, caseID).Scan(&kind, &at, &actor, &window)
	if err != nil {
		return ErrCaseChanged
	}
	when, _ := unstamp(at)
	return msg.New(ErrCaseChangedBy.Key, "At", when.In(workday.China).Format("15:04"), "Where", where(window, actor),
		"What", msg.Term(cases.EventName(cases.EventKind(kind))))
}

// where names the place an action was taken, as a clerk says it: a
// window, or who acted when it was not at a window (自助终端, 县中心, an
// agent's name).
func where(window int, actor string) any {
	switch {
	case window > 0:
		return msg.New("{{.N}}号窗口", "N", window)
	case actor == selfServiceActor:
		return msg.New("自助终端")
	}
	return actor // a person's name (a village agent) is shown as it is
}

// agentOf is the village agent who filed a case, or NULL.
func agentOf(c cases.Case) any {
	if c.Proxy == nil || c.Proxy.Agent.ID == 0 {
		return nil
	}
	return c.Proxy.Agent.ID
}

// selfServiceActor is who acts for a citizen's own filing at the terminal.
const selfServiceActor = "自助终端"

// saveAttachments records a case's files; files already recorded are left
// as they are. origin is the hall machine that holds the files ("" for
// this one, which uploads them).
func saveAttachments(ctx context.Context, t *tx, c cases.Case, origin string) error {
	for _, a := range c.Attachments {
		name, err := t.seal([]byte(a.Name), colAttachmentName)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO attachments (sha256, case_id, name, size, type, added_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, a.SHA256, c.ID, name, a.Size, a.Type, stamp(t.now), origin); err != nil {
			return fmt.Errorf("insert attachment: %w", err)
		}
	}
	return nil
}

// caseEvent records an action on a case made here: the case row moves to
// the next place in its chain, the history gets the event, and the outbox
// carries it to the county (and the hall). It returns the row's new
// revision.
func caseEvent(ctx context.Context, t *tx, c cases.Case, kind cases.EventKind, actor cases.Actor, data []byte) (int, error) {
	var version, rev int
	var base string
	if err := t.QueryRowContext(ctx, `SELECT version, head, rev FROM cases WHERE id = ?`, c.ID).Scan(&version, &base, &rev); err != nil {
		return 0, fmt.Errorf("read case chain: %w", err)
	}
	version++
	ce := protocol.CaseEvent{CaseID: c.ID, Tracking: c.Tracking, Version: version, Base: base, At: t.now,
		Actor: protocol.Actor{ID: actor.ID, Name: actor.Name, Window: actor.Window}, Data: data, Case: casewire.Doc(c)}
	id, err := t.emit(ctx, protocol.Kind(kind), ce)
	if err != nil {
		return 0, err
	}
	if err := writeCase(ctx, t, c, version, id); err != nil {
		return 0, err
	}
	if err := historyRow(ctx, t, id, kind, ce, ""); err != nil {
		return 0, err
	}
	return rev + 1, nil
}

// writeCase stores a case's document at a place in its chain (head is the
// event that put it there) and moves the row's revision on.
func writeCase(ctx context.Context, t *tx, c cases.Case, version int, head string) error {
	doc, err := t.sealJSON(c, colCaseDoc)
	if err != nil {
		return err
	}
	// The facts follow the document (a 容缺 material supplemented, a
	// replicated case corrected), as applicant_id does: a case read back
	// from the county or another window may be the first to carry the
	// number here.
	f, err := t.factsOf(c)
	if err != nil {
		return err
	}
	if _, err := t.ExecContext(ctx, `UPDATE cases SET status = ?, decision = ?, due = ?, supplement_by = ?, doc = ?, version = ?, head = ?,
		rev = rev + 1, updated_at = ?, agent_id = ?, applicant_id = ?, first_matter = ?, commitment = ? WHERE id = ?`,
		string(c.Status), string(c.Decision), dateOrNull(c.Due), dateOrNull(c.SupplementBy),
		doc, version, head, stamp(t.now), agentOf(c), t.db.applicantKey(c), f.firstMatter, f.commitment, c.ID); err != nil {
		return fmt.Errorf("update case: %w", err)
	}
	return t.putBrief(ctx, c.ID, f)
}

// historyRow adds an event to a case's history; origin is the hall machine
// it was made at ("" for this one).
func historyRow(ctx context.Context, t *tx, eventID string, kind cases.EventKind, ce protocol.CaseEvent, origin string) error {
	return historyRowBy(ctx, t, eventID, kind, ce, origin, nil)
}

// historyRowBy adds an event that another event stands over (supersededBy,
// nil for a standing one).
func historyRowBy(ctx context.Context, t *tx, eventID string, kind cases.EventKind, ce protocol.CaseEvent, origin string, supersededBy any) error {
	data := ce.Data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	sealed, err := t.seal(data, colEventData)
	if err != nil {
		return err
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO case_events (case_id, kind, actor_id, actor_name, at, data, event_id, version, base, origin, actor_window, superseded_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ce.CaseID, string(kind), nullID(ce.Actor.ID), ce.Actor.Name, stamp(ce.At), sealed, eventID, ce.Version, ce.Base, origin,
		ce.Actor.Window, supersededBy); err != nil {
		return fmt.Errorf("insert case event: %w", err)
	}
	return nil
}

// CaseByTracking finds a case by its tracking code in any typed form.
func (db *DB) CaseByTracking(ctx context.Context, code string) (cases.Case, error) {
	c, err := tracking.Normalize(code)
	if err != nil {
		return cases.Case{}, err
	}
	return db.caseWhere(ctx, qCaseByTracking, c, code)
}

// CaseByID returns a case by its UUID.
func (db *DB) CaseByID(ctx context.Context, id string) (cases.Case, error) {
	return db.caseWhere(ctx, qCaseByID, id, id)
}

// Look-ups of one case, by its code (查询办件, the counter) or its id.
const (
	qCaseByTracking = `SELECT doc, rev FROM cases WHERE tracking = ?`
	qCaseByID       = `SELECT doc, rev FROM cases WHERE id = ?`
)

func (db *DB) caseWhere(ctx context.Context, query, arg, shown string) (cases.Case, error) {
	var c cases.Case
	var doc string
	var version int
	err := db.r.QueryRowContext(ctx, query, arg).Scan(&doc, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return c, msg.New(ErrCaseNotFound.Key, "Code", shown)
	}
	if err != nil {
		return c, fmt.Errorf("read case: %w", err)
	}
	if err := db.unsealJSON(doc, colCaseDoc, &c); err != nil {
		return c, err
	}
	c.Version = version
	return c, nil
}

// CaseEvent is one row of a case's history.
type CaseEvent struct {
	Kind    cases.EventKind
	Actor   string
	At      string
	EventID string
	Data    string
}

// qCaseEvents is a case's history (the case screen's 办件记录).
const qCaseEvents = `SELECT kind, actor_name, at, event_id, data FROM case_events WHERE case_id = ? ORDER BY id`

// CaseEvents returns a case's history, oldest first.
func (db *DB) CaseEvents(ctx context.Context, caseID string) ([]CaseEvent, error) {
	rows, err := db.r.QueryContext(ctx, qCaseEvents, caseID)
	if err != nil {
		return nil, fmt.Errorf("read case events: %w", err)
	}
	defer rows.Close()
	var out []CaseEvent
	for rows.Next() {
		var e CaseEvent
		if err := rows.Scan(&e.Kind, &e.Actor, &e.At, &e.EventID, &e.Data); err != nil {
			return nil, err
		}
		var err error
		if e.Data, err = db.unsealString(e.Data, colEventData); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// RecordDocument notes an archived PDF of a case and returns its id.
func (db *DB) RecordDocument(ctx context.Context, caseID, kind, layout, path string) (int64, error) {
	var id int64
	err := db.update(ctx, func(t *tx) error {
		res, err := t.ExecContext(ctx, `INSERT INTO documents (case_id, kind, layout, path, created_at) VALUES (?, ?, ?, ?, ?)`,
			caseID, kind, layout, path, stamp(t.now))
		if err != nil {
			return fmt.Errorf("record document: %w", err)
		}
		id, err = res.LastInsertId()
		return err
	})
	return id, err
}

// MarkPrinted records what the printer did with a document: printErr nil
// means it was accepted by the print queue.
func (db *DB) MarkPrinted(ctx context.Context, docID int64, printErr error) error {
	return db.update(ctx, func(t *tx) error {
		var err error
		if printErr == nil {
			_, err = t.ExecContext(ctx, `UPDATE documents SET printed_at = ?, print_error = NULL WHERE id = ?`, stamp(t.now), docID)
		} else {
			_, err = t.ExecContext(ctx, `UPDATE documents SET print_error = ? WHERE id = ?`, printErr.Error(), docID)
		}
		return err
	})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// agentCaseCols are what the agent's work list reads of a case: its
// document, and how many of its events are still on this machine and since
// when (outbox_case finds them per case).
const agentCaseCols = `c.doc, c.rev,
	(SELECT COUNT(*) FROM outbox o WHERE o.case_id = c.id AND o.acked_at IS NULL),
	(SELECT MIN(o.created_at) FROM outbox o WHERE o.case_id = c.id AND o.acked_at IS NULL)`

// agentOpenStatuses are the statuses a case can be in before it is over at
// the hall (everything but cases.ClosedStatuses).
var agentOpenStatuses = func() []string {
	var out []string
	for _, s := range cases.Statuses {
		if !s.Closed() {
			out = append(out, string(s))
		}
	}
	return out
}()

// qAgentCases is the agent's work list in one statement (one snapshot, so a
// case closing meanwhile is neither lost nor listed twice): the open cases,
// found by cases_agent_status, and the latest closed since a time, read
// newest first from cases_agent_updated. The unary + keeps the planner off
// cases_agent_status for the second part: by status it would walk the
// agent's whole history, which after a few years is 99% of their cases.
var qAgentCases = `SELECT ` + agentCaseCols + ` FROM cases c
		WHERE c.agent_id = ? AND c.status IN (` + placeholders(len(agentOpenStatuses)) + `)
	UNION ALL
	SELECT * FROM (SELECT ` + agentCaseCols + ` FROM cases c
		WHERE c.agent_id = ? AND c.updated_at >= ? AND +c.status IN (` + placeholders(len(cases.ClosedStatuses)) + `)
		ORDER BY c.updated_at DESC LIMIT ?)`

// agentCasesArgs are qAgentCases's arguments.
func agentCasesArgs(agentID int64, since time.Time, closed int) []any {
	args := []any{agentID}
	for _, s := range agentOpenStatuses {
		args = append(args, s)
	}
	args = append(args, agentID, stamp(since))
	for _, s := range cases.ClosedStatuses {
		args = append(args, string(s))
	}
	return append(args, closed)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// AgentCases returns the cases a village agent filed that are still open,
// and the latest (at most closed) of those closed — handed over, refused… —
// since a time, each with how many of its events are still on this machine
// and since when: the agent's work list (村代办 我的工作单). Not the agent's
// lifetime: after a few years nearly all of it is closed, and the list only
// needs what is recent.
func (db *DB) AgentCases(ctx context.Context, agentID int64, since time.Time, closed int) ([]cases.Tracked, error) {
	rows, err := db.r.QueryContext(ctx, qAgentCases, agentCasesArgs(agentID, since, closed)...)
	if err != nil {
		return nil, fmt.Errorf("list agent cases: %w", err)
	}
	defer rows.Close()
	var out []cases.Tracked
	for rows.Next() {
		var doc string
		var t cases.Tracked
		var oldest sql.NullString
		if err := rows.Scan(&doc, &t.Case.Version, &t.Unsent, &oldest); err != nil {
			return nil, fmt.Errorf("scan agent case: %w", err)
		}
		version := t.Case.Version
		if err := db.unsealJSON(doc, colCaseDoc, &t.Case); err != nil {
			return nil, err
		}
		t.Case.Version = version
		if oldest.Valid {
			t.Oldest, _ = unstamp(oldest.String)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Acceptance order, as before: cases.Plan sorts stably within a shelf.
	slices.SortStableFunc(out, func(a, b cases.Tracked) int { return a.Case.Accepted.Compare(b.Case.Accepted) })
	return out, nil
}

// CaseCount is how many cases the kiosk holds.
func (db *DB) CaseCount(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count cases: %w", err)
	}
	return n, nil
}

// qCasesInStatus is the pre-review list.
const qCasesInStatus = `SELECT doc, rev FROM cases WHERE status = ? ORDER BY accepted_at, rowid`

// CasesInStatus lists the cases in one status, oldest first (the counter's
// pre-review list).
func (db *DB) CasesInStatus(ctx context.Context, st cases.Status) ([]cases.Case, error) {
	return db.caseList(ctx, qCasesInStatus, string(st))
}
