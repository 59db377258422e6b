package county

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
)

// inboxKinds are the non-case kinds a kiosk sends, with the payload each
// must decode into. They are kept as received.
var inboxKinds = map[protocol.Kind]func() any{
	protocol.ServicePointConfigured: func() any { return new(protocol.ServicePointPayload) },
	protocol.CatalogActivated:       func() any { return new(protocol.CatalogPayload) },
	protocol.AccountCreated:         func() any { return new(protocol.AccountPayload) },
	protocol.TicketIssued:           func() any { return new(protocol.QueuePayload) },
	protocol.TicketClosed:           func() any { return new(protocol.QueuePayload) },
	protocol.BookingCreated:         func() any { return new(protocol.QueuePayload) },
	protocol.BookingCancelled:       func() any { return new(protocol.QueuePayload) },
	protocol.RatingGiven:            func() any { return new(protocol.RatingPayload) },
	protocol.NoticeRequested:        func() any { return new(protocol.NoticePayload) },
	protocol.FollowUpCalled:         func() any { return new(protocol.FollowUpPayload) },
	protocol.FollowUpRectified:      func() any { return new(protocol.FollowUpPayload) },
}

// IsCaseKind says whether a kind is a case event ("case.accepted", …). Any
// "case." kind is applied the same way, since each carries the whole case:
// a newer kiosk's new case event needs no county upgrade.
func IsCaseKind(k protocol.Kind) bool { return strings.HasPrefix(string(k), "case.") }

// errConcurrentApply means another transaction applied the same event
// between our check and our insert; only possible with several writers
// (PostgreSQL). The whole push rolls back and the kiosk's retry gets the
// stored answer.
var errConcurrentApply = errors.New("event applied concurrently")

// Apply applies events in order in one transaction: one fsync for the whole
// push, and a crash leaves either all of it or none.
//
// Each applied event's id is inserted into applied_events, together with its
// effect and its answer; a repeat gets that answer again with Repeat set.
// A rejected event is logged in rejected_events but its id stays free: a
// rejection has no effect, and the kiosk's supervisor may retry it after the
// county fixes its side (a new kind known, a device moved to the right
// point), so a retry is judged again rather than answered from storage.
func (s *SQLite) Apply(ctx context.Context, dev Device, events []protocol.Event) ([]protocol.Result, error) {
	var results []protocol.Result
	err := s.update(ctx, func(tx *sql.Tx) (err error) {
		results, err = applyEvents(ctx, tx, false, dev, events, s.now(), &s.cals)
		return err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// applyEvents is Apply inside the caller's transaction, for both stores;
// pg says the transaction is PostgreSQL's: its ?-placeholders are rebound.
func applyEvents(ctx context.Context, tx *sql.Tx, pg bool, dev Device, events []protocol.Event, now time.Time, cals *calendarCache) ([]protocol.Result, error) {
	results := make([]protocol.Result, len(events))
	a := applier{tx: tx, pg: pg, dev: dev, now: now, cals: cals, failedCases: map[string]string{}, stmts: map[string]*sql.Stmt{}}
	defer a.close()
	// The statements run on a context without ctx's cancellation:
	// go-sqlite3 runs each statement of a cancellable context on a
	// goroutine of its own, to interrupt it, and a push runs thousands
	// of short statements (issue 18). The push still stops when ctx
	// ends: between events here, and database/sql rolls the
	// transaction back when BeginTx's context ends.
	sctx := context.WithoutCancel(ctx)
	decoded := make([]decodedEvent, len(events))
	ready := decodeEvents(events, decoded)
	if err := a.readApplied(sctx, events); err != nil {
		return nil, err
	}
	applied := 0
	for i, ev := range events {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("apply event %s: %w", ev.ID, err)
		}
		<-ready // event i's (they come in order)
		r, err := a.apply(sctx, ev, &decoded[i])
		if err != nil {
			return nil, fmt.Errorf("apply event %s: %w", ev.ID, err)
		}
		results[i] = r
		if r.Status == protocol.Applied && !r.Repeat {
			applied++
		}
	}
	if err := a.flushApplied(sctx); err != nil {
		return nil, err
	}
	if err := a.countEvents(sctx, applied); err != nil {
		return nil, err
	}
	if err := a.figures.flush(sctx, &a); err != nil {
		return nil, err
	}
	return results, nil
}

type applier struct {
	tx *sql.Tx
	// pg: the statements are rebound to $n. (A PostgreSQL push holds its
	// point's feed lock, which also keeps the cases it reads current:
	// postgres_apply.go.)
	pg  bool
	dev Device
	now time.Time
	// cals is the calendar a case's deadline columns are worked out on;
	// cal is it read once per push (a push cannot change it), not once per
	// case event: reading it reads the holiday documents of the feed.
	cals *calendarCache
	cal  *workday.Calendar
	// failedCases maps a case id to the event of it rejected earlier in
	// this push: its later events are held back, as the kiosk would have
	// done had it known, so a case's events apply in order whatever the
	// batching.
	failedCases map[string]string
	// stmts are prepared once per push: a batch runs the same few
	// statements hundreds of times, and preparing each time was a third of
	// the ingest time.
	stmts map[string]*sql.Stmt
	// figures gathers the push's changes to the dashboard's rollup,
	// written once at its end (figures.go).
	figures figureDeltas
	// known are the answers given to this push's event ids: before it
	// (readApplied) and in it, so an event sent twice in one push is
	// answered as a repeat the second time, as in two pushes.
	known map[string]knownAnswer
	// applied are the push's applied events, five values each, recorded
	// at its end (flushApplied).
	applied []any
}

// flushApplied records the push's applied events, appliedChunk to a
// statement. An id another transaction recorded meanwhile (PostgreSQL's
// concurrent pushes) leaves a row out: the whole push then rolls back and
// runs again, as when each event was recorded on its own.
func (a *applier) flushApplied(ctx context.Context) error {
	const cols = 5
	for rows := a.applied; len(rows) > 0; {
		n := min(len(rows)/cols, appliedChunk)
		r, err := a.exec(ctx, insertAppliedSQL(n), rows[:n*cols]...)
		if err != nil {
			return fmt.Errorf("insert applied events: %w", err)
		}
		if got, _ := r.RowsAffected(); got != int64(n) {
			return errConcurrentApply
		}
		rows = rows[n*cols:]
	}
	a.applied = a.applied[:0]
	return nil
}

// knownAnswer is an applied event's stored answer and the service point
// of the device that sent it.
type knownAnswer struct{ answer, point string }

// readApplied reads the stored answers of the push's events, in one
// statement for up to protocol.MaxBatch of them.
func (a *applier) readApplied(ctx context.Context, events []protocol.Event) error {
	a.known = make(map[string]knownAnswer, len(events))
	for len(events) > 0 {
		chunk := events[:min(len(events), protocol.MaxBatch)]
		events = events[len(chunk):]
		args := make([]any, len(chunk))
		for i, ev := range chunk {
			args[i] = ev.ID
		}
		q := appliedAnswersSQL(len(chunk))
		if a.pg {
			q = rebind(q)
		}
		rows, err := a.tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("read applied events: %w", err)
		}
		for rows.Next() {
			var id string
			var k knownAnswer
			if err := rows.Scan(&id, &k.answer, &k.point); err != nil {
				rows.Close()
				return fmt.Errorf("read applied events: %w", err)
			}
			a.known[id] = k
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("read applied events: %w", err)
		}
	}
	return nil
}

func (a *applier) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := a.stmts[query]; ok {
		return st, nil
	}
	q := query
	if a.pg {
		q = rebind(query)
	}
	st, err := a.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	a.stmts[query] = st
	return st, nil
}

func (a *applier) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := a.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// rowScanner is a *sql.Row, or the preparation error in its place.
type rowScanner interface{ Scan(dest ...any) error }

type failedRow struct{ err error }

func (r failedRow) Scan(...any) error { return r.err }

func (a *applier) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	st, err := a.stmt(ctx, query)
	if err != nil {
		return failedRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// q is the transaction for the shared readers that take a dbtx.
func (a *applier) q() dbtx {
	if a.pg {
		return pgTx{a.tx}
	}
	return a.tx
}

func (a *applier) close() {
	for _, st := range a.stmts {
		st.Close()
	}
}

type rejection struct {
	code, msg string
	// head is the case as the county has it, for a conflict.
	head *protocol.CaseHead
}

func reject(code, format string, args ...any) *rejection {
	return &rejection{code: code, msg: fmt.Sprintf(format, args...)}
}

func (a *applier) apply(ctx context.Context, ev protocol.Event, d *decodedEvent) (protocol.Result, error) {
	if k, ok := a.known[ev.ID]; ok && k.point != a.dev.Point.Code {
		// Another point's event: its answer is not this device's to read,
		// and this event cannot be that one.
		return a.rejected(ctx, ev, reject(protocol.CodeIDTaken, "another device's event has this id"))
	} else if ok {
		var r protocol.Result
		if err := json.Unmarshal([]byte(k.answer), &r); err != nil {
			return r, fmt.Errorf("decode stored answer: %w", err)
		}
		r.Repeat = true
		return r, nil
	}

	res := protocol.Result{ID: ev.ID, Status: protocol.Applied}
	var rej *rejection
	var err error
	if d.payloadErr != nil {
		return a.rejected(ctx, ev, reject(protocol.CodeBadPayload, "%v", d.payloadErr))
	}
	switch {
	case IsCaseKind(ev.Kind):
		res.CountyCase, rej, err = a.applyCase(ctx, ev, d)
	case inboxKinds[ev.Kind] != nil:
		rej, err = a.applyInbox(ctx, ev)
	default:
		rej = reject(protocol.CodeUnknownKind, "the county does not know the event kind %q", ev.Kind)
	}
	if err != nil {
		return res, err
	}
	if rej != nil {
		return a.rejected(ctx, ev, rej)
	}
	b, err := json.Marshal(res)
	if err != nil {
		return res, fmt.Errorf("encode answer: %w", err)
	}
	a.applied = append(a.applied, ev.ID, a.dev.ID, string(ev.Kind), string(b), ts(a.now))
	a.known[ev.ID] = knownAnswer{answer: string(b), point: a.dev.Point.Code}
	return res, nil
}

// countEventsSQL keeps the fleet page's count of a device's applied
// events (0011), once per push, beside the events it counts: the page
// then reads one row per device instead of counting millions.
const countEventsSQL = `INSERT INTO device_event_counts (device_id, events) VALUES (?, ?)
	ON CONFLICT (device_id) DO UPDATE SET events = device_event_counts.events + excluded.events`

func (a *applier) countEvents(ctx context.Context, n int) error {
	if n == 0 {
		return nil
	}
	if _, err := a.exec(ctx, countEventsSQL, a.dev.ID, n); err != nil {
		return fmt.Errorf("count applied events: %w", err)
	}
	return nil
}

// rejected logs a rejection for county staff and answers it.
func (a *applier) rejected(ctx context.Context, ev protocol.Event, rej *rejection) (protocol.Result, error) {
	if _, err := a.exec(ctx, qInsertRejected, ev.ID, a.dev.ID, string(ev.Kind), rej.code, rej.msg, string(ev.Payload), ts(a.now)); err != nil {
		return protocol.Result{}, fmt.Errorf("log rejected event: %w", err)
	}
	return protocol.Result{ID: ev.ID, Status: protocol.Rejected, Error: &protocol.Error{Code: rej.code, Message: rej.msg}, Head: rej.head}, nil
}

// isObject says whether raw is a JSON object (json.Unmarshal takes null
// into a struct without complaint).
func isObject(raw json.RawMessage) bool {
	b := bytes.TrimLeft(raw, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// decodedEvent is what an event's bytes alone say: whether its payload
// passes the protocol's checks and, for a case event, the event decoded,
// its document as it is kept, and the rejection its bytes already earn.
// It needs nothing of the database, so decodeEvents works it out on
// another core while the push's transaction writes the events before it.
type decodedEvent struct {
	payloadErr error
	// caseID is the case the event names, even when the rest does not
	// decode (a case's later events in the push wait behind a rejected one).
	caseID  string
	ce      protocol.CaseEvent
	docJSON json.RawMessage
	rej     *rejection
}

// decodeEvents decodes events in order on a goroutine of its own and sends
// each one's index on the channel once its decodedEvent is in out. JSON
// decoding is about a third of a push's CPU and its SQL the rest; decoded
// one event ahead, the two overlap on two cores, where one after the other
// they added up (issue 18). The channel is buffered for every event, so
// the goroutine ends by itself if the push stops early.
func decodeEvents(events []protocol.Event, out []decodedEvent) <-chan int {
	ready := make(chan int, len(events))
	go func() {
		for i, ev := range events {
			out[i] = decodeEvent(ev)
			ready <- i
		}
	}()
	return ready
}

// decodeEvent decodes an event's payload, once.
func decodeEvent(ev protocol.Event) (d decodedEvent) {
	if d.payloadErr = protocol.CheckPayload(ev.Payload); d.payloadErr != nil || !IsCaseKind(ev.Kind) {
		return d
	}
	if !isObject(ev.Payload) {
		d.rej = reject(protocol.CodeBadPayload, "the payload is not a JSON object")
		return d
	}
	// The event is decoded once, its case document kept as sent; the
	// payload was decoded three times over (the case id, the document,
	// the event), a fifth of the ingest (issue 18). A type error leaves
	// the other fields decoded, so the case id is known whatever is wrong.
	var env struct {
		protocol.CaseEvent
		Case json.RawMessage `json:"case"` // over CaseEvent's: the shallower field wins
	}
	envErr := json.Unmarshal(ev.Payload, &env)
	d.caseID = env.CaseID
	rawCase := env.Case
	if !isObject(rawCase) {
		d.rej = reject(protocol.CodeBadPayload, "case is not a JSON object")
		return d
	}
	ce := env.CaseEvent
	err := envErr
	if err == nil {
		// The document's own decoding, called directly: rawCase is valid
		// JSON (the payload's decoding checked it whole), and json.Unmarshal
		// would check it again and scan it once more before handing it to
		// the same method (issue 18).
		err = ce.Case.UnmarshalJSON(rawCase)
	}
	if err != nil {
		var ve *protocol.VersionError
		if errors.As(err, &ve) {
			d.rej = reject(protocol.CodeUnsupported, "%v", ve)
			return d
		}
		d.rej = reject(protocol.CodeBadPayload, "the payload does not decode: %v", err)
		return d
	}
	doc := ce.Case
	switch {
	case !protocol.ValidCaseID(ce.CaseID):
		d.rej = reject(protocol.CodeBadPayload, "case_id must be a UUID in lower case")
	case ce.Version < 1 || ce.Version > MaxCaseVersion:
		d.rej = reject(protocol.CodeBadPayload, "version %d: want 1 to %d", ce.Version, MaxCaseVersion)
	case len(doc.Attachments) > MaxAttachments:
		d.rej = reject(protocol.CodeBadPayload, "%d attachments: at most %d", len(doc.Attachments), MaxAttachments)
	case doc.ID != ce.CaseID || doc.Tracking != ce.Tracking:
		d.rej = reject(protocol.CodeBadPayload, "the case document's id and tracking differ from the event's")
	case doc.ServicePoint == "" || doc.Status == "":
		d.rej = reject(protocol.CodeBadPayload, "the case document has no service_point or status")
	}
	if d.rej != nil {
		return d
	}
	for _, at := range doc.Attachments {
		if !isSHA256(at.SHA256) {
			d.rej = reject(protocol.CodeBadPayload, "attachment %q: sha256 must be 64 lowercase hex digits", at.Name)
			return d
		}
	}
	// The document is kept as sent: fields a newer kiosk added within the
	// same layout stay for a county release that reads them.
	d.ce, d.docJSON = ce, compact(rawCase)
	return d
}

// applyCase keeps the case document of the highest version seen, gives a
// new case its county number, and logs the event.
func (a *applier) applyCase(ctx context.Context, ev protocol.Event, d *decodedEvent) (countyCase string, rej *rejection, err error) {
	// The case id first: whatever is wrong with this event, the same
	// case's later events in the push must wait behind it.
	if id := d.caseID; id != "" {
		if prev, ok := a.failedCases[id]; ok {
			return "", reject(protocol.CodeOutOfOrder, "event %s of this case was rejected earlier in this push; send this one after it", prev), nil
		}
		defer func() {
			if rej != nil {
				a.failedCases[id] = ev.ID
			}
		}()
	}
	if d.rej != nil {
		return "", d.rej, nil
	}
	ce, doc, docJSON := d.ce, d.ce.Case, d.docJSON
	if doc.ServicePoint != a.dev.Point.Code {
		return "", reject(protocol.CodeWrongPoint, "the case belongs to service point %s, the device to %s", doc.ServicePoint, a.dev.Point.Code), nil
	}
	if tp, err := protocol.ParseTracking(ce.Tracking); err != nil {
		return "", reject(protocol.CodeBadPayload, "tracking %q is not a tracking code", ce.Tracking), nil
	} else if tp.ServicePoint != a.dev.Point.Code {
		return "", reject(protocol.CodeWrongPoint, "tracking code %s is one of service point %s", ce.Tracking, tp.ServicePoint), nil
	}

	var point, heldTracking, countyStatus, firstSeen string
	var held [len(caseListCols)]string // the list columns as stored
	var version int
	err = a.queryRow(ctx, qCaseHead, ce.CaseID).
		Scan(&countyCase, &point, &version, &heldTracking, &countyStatus, &firstSeen, &held[0], &held[1], &held[2], &held[3])
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if ce.Version > MaxVersionJump {
			return "", reject(protocol.CodeBadPayload, "version %d of a case the county does not hold: the chain starts at 1", ce.Version), nil
		}
		var other string
		switch err := a.queryRow(ctx, qCaseByTracking, ce.Tracking).Scan(&other); {
		case err == nil:
			return "", reject(protocol.CodeTrackingTaken, "tracking code %s is another case's", ce.Tracking), nil
		case !errors.Is(err, sql.ErrNoRows):
			return "", nil, fmt.Errorf("read case by tracking: %w", err)
		}
		if countyCase, err = a.nextCountyCase(ctx); err != nil {
			return "", nil, err
		}
		firstSeen = ts(a.now)
		v, history, err := a.deadline(ctx, ce.CaseID, doc, false)
		if err != nil {
			return "", nil, err
		}
		if err := setCaseFigures(ctx, a, &a.figures, ce.CaseID, caseFigures(a.cal, doc, history), true); err != nil {
			return "", nil, err
		}
		if _, err := a.exec(ctx, qInsertCase, ce.CaseID, countyCase, doc.ServicePoint, ce.Tracking, ce.Version, doc.Status,
			string(docJSON), firstSeen, ts(a.now), dueDay(doc.Due),
			v.dueMoved, v.pausedSince, v.pausedKind, v.pausedProcedure, v.supplementBy); err != nil {
			return "", nil, fmt.Errorf("insert case: %w", err)
		}
	case err != nil:
		return "", nil, fmt.Errorf("read case: %w", err)
	case point != a.dev.Point.Code:
		return "", reject(protocol.CodeWrongPoint, "case %s is held by service point %s", ce.Tracking, point), nil
	case ce.Tracking != heldTracking:
		return "", reject(protocol.CodeBadPayload, "a case keeps its tracking code (%s)", heldTracking), nil
	case ce.Version > version+MaxVersionJump:
		return "", reject(protocol.CodeBadPayload, "version %d is more than %d past the county's %d", ce.Version, MaxVersionJump, version), nil
	case ce.Version <= version:
		// An event at a place the county's chain has passed: another event
		// standing there is a conflict (two windows acted on the same state
		// while apart; the first to reach the county stands); none is an
		// older event this county never had, kept as history.
		standing, err := a.eventAt(ctx, ce.CaseID, ce.Version)
		if err != nil {
			return "", nil, err
		}
		if standing != "" {
			return "", a.conflict(ctx, ce, "version %d of the case is event %s", ce.Version, standing), nil
		}
		return countyCase, nil, a.logCase(ctx, ev, ce)
	case ce.Base != "":
		// Made on top of an event other than the one the county holds at
		// the place before it: the same conflict, seen one step later.
		prev, err := a.eventAt(ctx, ce.CaseID, ce.Version-1)
		if err != nil {
			return "", nil, err
		}
		if prev != "" && prev != ce.Base {
			return "", a.conflict(ctx, ce, "made on event %s, the county holds %s at version %d", ce.Base, prev, ce.Version-1), nil
		}
		fallthrough
	default:
		// A new document may move the due date, stop or start the clock
		// (the hall's suspensions) or set a 容缺 supplement day.
		v, history, err := a.deadline(ctx, ce.CaseID, doc, countyStatus != "")
		if err != nil {
			return "", nil, err
		}
		// The dashboard's counts move with the case, in this transaction.
		if err := setCaseFigures(ctx, a, &a.figures, ce.CaseID, caseFigures(a.cal, doc, history), false); err != nil {
			return "", nil, err
		}
		// Only the list columns whose value changed are set (caseListCols).
		args := []any{ce.Version, string(docJSON), ts(a.now), dueDay(doc.Due), v.pausedKind, v.pausedProcedure}
		changed := 0
		for i, val := range [...]string{doc.Status, v.dueMoved, v.pausedSince, v.supplementBy} {
			if val != held[i] {
				changed |= 1 << i
				args = append(args, val)
			}
		}
		if _, err := a.exec(ctx, updateCaseSQLs[changed], append(args, ce.CaseID)...); err != nil {
			return "", nil, fmt.Errorf("update case: %w", err)
		}
		// A later event's matters and scans are most often the case's
		// own as the county holds them: only those that changed are
		// written. Clearing and writing them all again was four to six
		// row writes of three b-trees each for every later event
		// (issue 18).
		if err := a.syncRows(ctx, qCaseMatters, qDropMatter, ce.CaseID, cleanMatters(doc.Matters), func(m string) error {
			return a.insertMatter(ctx, ce.CaseID, m, firstSeen, countyCase)
		}); err != nil {
			return "", nil, fmt.Errorf("case matters: %w", err)
		}
		if err := a.syncRows(ctx, qCaseAttachments, qDropAttachment, ce.CaseID, attachmentSHAs(doc.Attachments), func(sha string) error {
			return a.insertAttachment(ctx, ce.CaseID, sha)
		}); err != nil {
			return "", nil, fmt.Errorf("case attachments: %w", err)
		}
		return countyCase, nil, a.logCase(ctx, ev, ce)
	}
	for _, m := range cleanMatters(doc.Matters) {
		if err := a.insertMatter(ctx, ce.CaseID, m, firstSeen, countyCase); err != nil {
			return "", nil, err
		}
	}
	for _, at := range doc.Attachments {
		if err := a.insertAttachment(ctx, ce.CaseID, at.SHA256); err != nil {
			return "", nil, err
		}
	}
	return countyCase, nil, a.logCase(ctx, ev, ce)
}

// insertMatter lists a case under a matter. The list's order keys go with
// the matter (0011): one index then serves the list by matter in its
// order.
func (a *applier) insertMatter(ctx context.Context, caseID, matter, firstSeen, countyCase string) error {
	if _, err := a.exec(ctx, qInsertMatter, caseID, matter, firstSeen, countyCase); err != nil {
		return fmt.Errorf("insert case matter: %w", err)
	}
	return nil
}

func (a *applier) insertAttachment(ctx context.Context, caseID, sha string) error {
	if _, err := a.exec(ctx, qInsertAttachment, caseID, sha); err != nil {
		return fmt.Errorf("insert case attachment: %w", err)
	}
	return nil
}

func attachmentSHAs(ats []protocol.Attachment) []string {
	out := make([]string, len(ats))
	for i, at := range ats {
		out[i] = at.SHA256
	}
	return out
}

// syncRows makes a case's rows of one kind (its matters, its scans: held
// reads them, one key a row) the keys want: it drops those held and not
// wanted (drop, by case and key) and adds those wanted and not held, and
// writes nothing when they are the same.
func (a *applier) syncRows(ctx context.Context, held, drop, caseID string, want []string, add func(string) error) error {
	st, err := a.stmt(ctx, held)
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, caseID)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return err
		}
		have[k] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	wanted := make(map[string]bool, len(want))
	for _, k := range want {
		if wanted[k] {
			continue
		}
		wanted[k] = true
		if !have[k] {
			if err := add(k); err != nil {
				return err
			}
		}
	}
	for k := range have {
		if !wanted[k] {
			if _, err := a.exec(ctx, drop, caseID, k); err != nil {
				return err
			}
		}
	}
	return nil
}

// deadline is refreshDeadline's columns for the document being applied,
// written by the same INSERT or UPDATE as the document: the document is
// already decoded, and a case the county never decided on has no status
// log to read. One write of the row, not two: each write moves the row's
// entries in the list indexes of 0011 (issue 18).
//
// It returns the county's decisions it read too, for the case's figures.
func (a *applier) deadline(ctx context.Context, caseID string, doc protocol.CaseDoc, decided bool) (storedDeadline, []StatusLogEntry, error) {
	if a.cal == nil {
		cal, err := a.cals.get(ctx, a.q())
		if err != nil {
			return storedDeadline{}, nil, err
		}
		a.cal = cal
	}
	var history []StatusLogEntry
	if decided {
		var err error
		if history, err = statusLog(ctx, a.q(), caseID); err != nil {
			return storedDeadline{}, nil, err
		}
	}
	return deadlineOf(a.cal, doc, history, a.now), history, nil
}

// logCase records a case event in the case's log and sends it down the
// point's feed to the hall's other machines.
func (a *applier) logCase(ctx context.Context, ev protocol.Event, ce protocol.CaseEvent) error {
	if _, err := a.exec(ctx, qInsertCaseLog,
		ce.CaseID, ev.ID, string(ev.Kind), ce.Version, a.dev.ID, string(ev.Payload), ts(a.now)); err != nil {
		return fmt.Errorf("insert case log: %w", err)
	}
	return a.toHall(ctx, ev)
}

// toHall sends an applied event down its point's feed, for the other
// devices of the hall (the sender is not sent its own). The item refers to
// the event as stored (case_log or inbox); Feed puts it together.
func (a *applier) toHall(ctx context.Context, ev protocol.Event) error {
	if _, err := a.exec(ctx, qInsertHallFeed,
		a.dev.Point.Code, string(protocol.FeedCaseEvent), ts(a.now), a.dev.ID, ev.ID); err != nil {
		return fmt.Errorf("insert hall feed item: %w", err)
	}
	return nil
}

// eventAt is the event at a place in a case's chain ("" when none).
func (a *applier) eventAt(ctx context.Context, caseID string, version int) (string, error) {
	var id string
	err := a.queryRow(ctx, qEventAt, caseID, version).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read case log: %w", err)
	}
	return id, nil
}

// conflict refuses an event that lost to another at its place in the
// chain, giving the case as the county has it (its latest event).
func (a *applier) conflict(ctx context.Context, ce protocol.CaseEvent, format string, args ...any) *rejection {
	rej := reject(protocol.CodeConflict, format, args...)
	var h protocol.CaseHead
	var kind, payload string
	err := a.queryRow(ctx, qCaseLatest, ce.CaseID).
		Scan(&h.EventID, &kind, &payload)
	if err == nil && json.Unmarshal([]byte(payload), &h.Event) == nil {
		h.Kind = protocol.Kind(kind)
		rej.head = &h
	}
	return rej
}

// nextCountyCase numbers cases per county (the first six digits of the
// point code) and year of first sight at the county: 330522-2026-000123.
func (a *applier) nextCountyCase(ctx context.Context) (string, error) {
	county := a.dev.Point.Code[:6]
	year := a.now.In(workday.China).Year()
	// One statement, not an increment and a read (PostgreSQL has RETURNING too).
	var n int64
	if err := a.queryRow(ctx, qNextCountyCase, county, year).Scan(&n); err != nil {
		return "", fmt.Errorf("next county case number: %w", err)
	}
	return fmt.Sprintf("%s-%d-%06d", county, year, n), nil
}

// applyInbox keeps a non-case event as received, once its payload decodes.
// It is not checked against the device's point: a kiosk set up for one
// hall and re-set before enrolling sends both configurations, and the
// county wants both on record.
func (a *applier) applyInbox(ctx context.Context, ev protocol.Event) (*rejection, error) {
	if !isObject(ev.Payload) {
		return reject(protocol.CodeBadPayload, "the payload is not a JSON object"), nil
	}
	v := inboxKinds[ev.Kind]()
	if err := json.Unmarshal(ev.Payload, v); err != nil {
		return reject(protocol.CodeBadPayload, "the payload does not decode: %v", err), nil
	}
	switch p := v.(type) {
	case *protocol.QueuePayload:
		if !isObject(p.Doc) {
			return reject(protocol.CodeBadPayload, "doc is not a JSON object"), nil
		}
	case *protocol.RatingPayload:
		if err := p.Check(); err != nil {
			return reject(protocol.CodeBadPayload, "%v", err), nil
		}
		if err := a.applyRating(ctx, ev, p); err != nil {
			return nil, err
		}
	case *protocol.FollowUpPayload:
		if err := p.Check(); err != nil {
			return reject(protocol.CodeBadPayload, "%v", err), nil
		}
		if err := a.applyFollowUpStep(ctx, ev, p); err != nil {
			return nil, err
		}
	case *protocol.NoticePayload:
		if rej, err := a.applyNotice(ctx, ev, p); rej != nil || err != nil {
			return rej, err
		}
	}
	if _, err := a.exec(ctx, qInsertInbox, ev.ID, a.dev.ID, a.dev.Point.Code, string(ev.Kind),
		ts(ev.Created), string(ev.Payload), ts(a.now)); err != nil {
		return nil, fmt.Errorf("insert inbox event: %w", err)
	}
	// A ticket or a rating counts once, as its event is applied once.
	if r, ok := inboxFigures(a.dev.Point.Code, ev.Kind, v); ok {
		a.figures.add(r, 1)
	}
	switch ev.Kind {
	case protocol.RatingGiven, protocol.FollowUpCalled, protocol.FollowUpRectified:
		// The hall's statistics count every window's ratings, and every
		// supervisor's machine shows the follow-ups as they stand.
		return nil, a.toHall(ctx, ev)
	}
	return nil, nil
}

// dueDay is a case document's due date as the day in Beijing time
// (YYYY-MM-DD), or "" when it has none.
func dueDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(workday.China).Format(time.DateOnly)
}

// Bounds of a case's chain. A case's events are clerks' actions, a few
// dozen in its life; a device cannot pin a case at a version no later
// event could pass, nor skip far ahead of what the county holds. Gaps of
// a few versions are normal in a hall: another window's events of the
// same case may reach the county later.
const (
	MaxCaseVersion = 10000
	MaxVersionJump = 100
	MaxAttachments = 500
)

// cleanMatters drops blank and over-long matter codes: they index the back
// office's filter and must not stop a case the kiosk has already promised.
func cleanMatters(ms []string) []string {
	var out []string
	for _, m := range ms {
		if m = strings.TrimSpace(m); protocol.ValidID(m) && len(m) <= 64 {
			out = append(out, m)
		}
	}
	return out
}
