package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/casewire"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/protocol"
)

// The hall: every machine of a service point holds every case of the
// point. This file is the store's side of it (docs/hall-network.md):
//
//   - Each action made here is an outbox event; events the hall shares
//     (case events, ratings) are marked for the hub ('pending'), or, on the
//     hub itself, go straight into the hub's log ('accepted').
//   - The hub judges events pushed by the others (HallAccept): an event
//     stands if it is the next in its case's chain; if another event took
//     that place first it is refused with the case as it stands.
//   - Every machine applies the hub's log (HallApply) and the events of
//     other machines that come down the county's feed, by the same rules:
//     a case only moves forward, the hub's order stands over this machine's
//     unconfirmed events, and the county's stands over everything.
//   - An event of this machine that lost is withdrawn before it reaches
//     the county and its action tried again on the case as it now stands
//     (cases.Replay); if that no longer makes sense the clerk is told.

// Settings of the hall.
const (
	settingHallMachine = "hall.machine_id" // this machine's id in the hall, made on first use
	settingHallEpoch   = "hall.epoch"      // the hub's log's epoch
	settingHallCursor  = "hall.cursor"     // the hub's log as followed here: "epoch seq"
	settingHallHub     = "hall.hub_id"     // the hub's machine id
	settingHallPin     = "hall.pin"        // the hub certificate's SHA-256
	settingHallToken   = "hall.token"      // this machine's bearer token at the hub
	settingHallCert    = "hall.cert"       // the hub's certificate (PEM)
	settingHallPrivKey = "hall.key"        // the hub's private key (PEM)
	settingHallRemoved = "hall.removed"    // why this machine left the hall ("" while in it)
)

// hallKinds are the event kinds the hall shares.
func hallKind(k protocol.Kind) bool {
	return strings.HasPrefix(string(k), "case.") || k == protocol.RatingGiven || followUpKind(k)
}

// followUpKind says whether an event is a step of a 好差评 follow-up.
func followUpKind(k protocol.Kind) bool {
	return k == protocol.FollowUpCalled || k == protocol.FollowUpRectified
}

// hallRole is this machine's place in the hall, from its configuration.
func (t *tx) hallRole(ctx context.Context) (string, error) {
	var role string
	err := t.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, settingQueueRole).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) || role == "" {
		return servicepoint.QueueLocal, nil
	}
	return role, err
}

// machineID is this machine's id in the hall, made once.
func (t *tx) machineID(ctx context.Context) (string, error) {
	var id string
	err := t.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, settingHallMachine).Scan(&id)
	if err == nil && id != "" {
		return id, nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read machine id: %w", err)
	}
	id = uuid.NewString()
	return id, setSetting(ctx, t, settingHallMachine, id)
}

// MachineID is this machine's id in the hall.
func (db *DB) MachineID(ctx context.Context) (string, error) {
	var id string
	err := db.update(ctx, func(t *tx) error {
		var err error
		id, err = t.machineID(ctx)
		return err
	})
	return id, err
}

// hallEmit marks a new outbox event for the hall: on the hub it enters the
// log at once; on another machine of a hall it waits for the hub.
func (t *tx) hallEmit(ctx context.Context, ev protocol.Event, ref string) (state any, err error) {
	role, err := t.hallRole(ctx)
	if err != nil {
		return nil, err
	}
	switch role {
	case servicepoint.QueueHub:
		me, err := t.machineID(ctx)
		if err != nil {
			return nil, err
		}
		if err := t.appendLog(ctx, protocol.HallItem{Kind: protocol.HallEvent, Origin: me, At: t.now, Event: &ev}, ev.ID, ref); err != nil {
			return nil, err
		}
		return "accepted", nil
	case servicepoint.QueueClient:
		return "pending", nil
	}
	return nil, nil
}

// appendLog adds an item to the hub's log.
func (t *tx) appendLog(ctx context.Context, it protocol.HallItem, itemID, ref string) error {
	it.Seq = 0
	b, err := t.sealJSON(it, colHallLog)
	if err != nil {
		return err
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO hall_log (item_id, kind, ref, origin, payload, at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (item_id) DO NOTHING`, itemID, it.Kind, ref, it.Origin, b, stamp(t.now)); err != nil {
		return fmt.Errorf("append to the hall log: %w", err)
	}
	t.logged = true
	return nil
}

// hallOnline says the hub answered lately; while it does, events waiting
// for the hub also wait before going to the county, so the county sees the
// hall's order. When the hub is away they go straight to the county.
type hallFlag struct {
	online atomic.Bool
	// onLog is told after a commit that added to the hall's log.
	onLog atomic.Pointer[func()]
}

// OnHallLog sets what to call after each commit that added to the hub's log
// (the hub's server wakes the machines waiting on it).
func (db *DB) OnHallLog(f func()) { db.hall.onLog.Store(&f) }

// SetHallOnline tells the store whether the hall's hub is reachable.
func (db *DB) SetHallOnline(on bool) { db.hall.online.Store(on) }

// relayToHall adds an item to the hall's log when this machine is the hub.
func (t *tx) relayToHall(ctx context.Context, it protocol.HallItem, itemID, ref string) error {
	role, err := t.hallRole(ctx)
	if err != nil || role != servicepoint.QueueHub {
		return err
	}
	return t.appendLog(ctx, it, itemID, ref)
}

// applyCountyEvent applies an event another device of the point made, as
// the county's feed brought it. The county's order stands over the hall's;
// on the hub, what was new is passed on to the hall's log (an override
// when it replaced what the hall had).
func (db *DB) applyCountyEvent(ctx context.Context, t *tx, ev protocol.Event) error {
	role, err := t.hallRole(ctx)
	if err != nil {
		return err
	}
	a := &applier{db: db, t: t, src: fromCounty, isHub: role == servicepoint.QueueHub}
	v, err := a.event(ctx, ev)
	if err != nil {
		return err
	}
	switch {
	case v.status == protocol.HallRefused && v.code == protocol.CodeUnsupported:
		return &protocol.VersionError{Got: protocol.CaseDocVersion + 1, Max: protocol.CaseDocVersion}
	case v.status != protocol.HallAccepted || v.repeat || !a.isHub:
		return nil
	}
	return t.appendLog(ctx, protocol.HallItem{Kind: protocol.HallEvent, At: t.now, Event: &ev}, ev.ID, caseIDOf(ev))
}

// HallEpoch is the hub's log's epoch, made on first use. A restored copy
// of the hub's file gets a new one (RestoreBackup, and every backup made),
// so the hall knows the hub may have lost what it had taken.
func (db *DB) HallEpoch(ctx context.Context) (string, error) {
	v, ok, err := db.Setting(ctx, settingHallEpoch)
	if err != nil || ok {
		return v, err
	}
	var epoch string
	err = db.update(ctx, func(t *tx) error {
		err := t.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, settingHallEpoch).Scan(&epoch)
		if err == nil {
			return nil
		}
		epoch = uuid.NewString()
		return setSetting(ctx, t, settingHallEpoch, epoch)
	})
	return epoch, err
}

// HallLog returns the hub's log after a cursor, up to limit items; more
// says whether others follow.
func (db *DB) HallLog(ctx context.Context, after int64, limit int) (items []protocol.HallItem, more bool, err error) {
	rows, err := db.r.QueryContext(ctx, qHallLog, after, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("read the hall log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var payload string
		if err := rows.Scan(&seq, &payload); err != nil {
			return nil, false, fmt.Errorf("scan hall item: %w", err)
		}
		var it protocol.HallItem
		if err := db.unsealJSON(payload, colHallLog, &it); err != nil {
			return nil, false, fmt.Errorf("hall item %d: %w", seq, err)
		}
		it.Seq = seq
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if len(items) > limit {
		return items[:limit], true, nil
	}
	return items, false, nil
}

// HallHead is the last seq of the hub's log (0 when empty).
func (db *DB) HallHead(ctx context.Context) (int64, error) {
	var n int64
	err := db.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM hall_log`).Scan(&n)
	return n, err
}

// source is where an incoming event comes from, which decides who wins a
// conflict.
type source int

const (
	// atHub: this machine is the hub, judging an event a machine pushed.
	atHub source = iota
	// fromHub: the hub's log; it stands over this machine's own events
	// the hub has not taken.
	fromHub
	// fromCounty: the county's feed; the county's order stands over
	// everything (it is the case's record, and may already have acted).
	fromCounty
)

// applier applies incoming events in one transaction.
type applier struct {
	db     *DB
	t      *tx
	src    source
	origin string
	// recovered: events a restored hub takes as they stand.
	recovered bool
	// held maps a case to the event of it refused earlier in this push.
	held map[string]string
	// isHub: this machine keeps the hall's log (a county decision that
	// overrides the hall is written to it for the others).
	isHub bool
}

// standing is an event of a case's history that is not superseded.
type standing struct {
	eventID, kind, origin string
	version               int
}

func (a *applier) standingAt(ctx context.Context, caseID string, version int) (string, error) {
	var id string
	err := a.t.QueryRowContext(ctx, `SELECT event_id FROM case_events WHERE case_id = ? AND version = ? AND superseded_by IS NULL`,
		caseID, version).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// caseRow is a case row's place in its chain.
type caseRow struct {
	exists  bool
	version int
	head    string
	doc     string
}

func readCaseRow(ctx context.Context, t *tx, caseID string) (caseRow, error) {
	var r caseRow
	err := t.QueryRowContext(ctx, `SELECT version, head, doc FROM cases WHERE id = ?`, caseID).Scan(&r.version, &r.head, &r.doc)
	if errors.Is(err, sql.ErrNoRows) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("read case: %w", err)
	}
	r.exists = true
	return r, nil
}

// verdict is what became of one incoming event.
type verdict struct {
	status string // protocol.HallAccepted, HallRefused, HallHeld
	repeat bool
	code   string
	msg    string
	head   *protocol.CaseHead
}

func accepted() verdict { return verdict{status: protocol.HallAccepted} }

func refused(code, format string, args ...any) verdict {
	return verdict{status: protocol.HallRefused, code: code, msg: fmt.Sprintf(format, args...)}
}

// event applies one incoming event.
func (a *applier) event(ctx context.Context, ev protocol.Event) (verdict, error) {
	if !protocol.ValidID(ev.ID) {
		return refused(protocol.CodeBadPayload, "an event id has letters, digits and . _ : - only"), nil
	}
	if err := protocol.CheckPayload(ev.Payload); err != nil {
		return refused(protocol.CodeBadPayload, "%v", err), nil
	}
	switch {
	case strings.HasPrefix(string(ev.Kind), "case."):
		return a.caseEvent(ctx, ev)
	case ev.Kind == protocol.RatingGiven:
		return a.rating(ctx, ev)
	case followUpKind(ev.Kind):
		return a.followUpStep(ctx, ev)
	}
	return refused(protocol.CodeUnknownKind, "the hall does not share %q", ev.Kind), nil
}

func (a *applier) caseEvent(ctx context.Context, ev protocol.Event) (verdict, error) {
	var ce protocol.CaseEvent
	if err := json.Unmarshal(ev.Payload, &ce); err != nil {
		var ve *protocol.VersionError
		if errors.As(err, &ve) {
			return refused(protocol.CodeUnsupported, "%v", ve), nil
		}
		return refused(protocol.CodeBadPayload, "the payload does not decode: %v", err), nil
	}
	if !protocol.ValidCaseID(ce.CaseID) || ce.Version < 1 || ce.Case.ID != ce.CaseID || ce.Case.Tracking != ce.Tracking {
		return refused(protocol.CodeBadPayload, "case_id, tracking, version and the case document must agree"), nil
	}

	if a.src == atHub {
		// A paired machine speaks for this hall only.
		var point string
		if err := a.t.QueryRowContext(ctx, `SELECT code FROM service_point WHERE id = 1`).Scan(&point); err != nil {
			return verdict{}, fmt.Errorf("read service point: %w", err)
		}
		if ce.Case.ServicePoint != point {
			return refused(protocol.CodeWrongPoint, "the case belongs to service point %s, the hall to %s", ce.Case.ServicePoint, point), nil
		}
	}
	if tp, err := protocol.ParseTracking(ce.Tracking); err != nil {
		return refused(protocol.CodeBadPayload, "tracking %q is not a tracking code", ce.Tracking), nil
	} else if tp.ServicePoint != ce.Case.ServicePoint {
		return refused(protocol.CodeWrongPoint, "tracking code %s is one of service point %s", ce.Tracking, tp.ServicePoint), nil
	}
	if prev, ok := a.held[ce.CaseID]; ok {
		return verdict{status: protocol.HallHeld, msg: "after refused event " + prev}, nil
	}
	v, err := a.judgeCase(ctx, ev, ce)
	if err == nil && v.status == protocol.HallRefused && a.held != nil {
		a.held[ce.CaseID] = ev.ID
	}
	return v, err
}

func (a *applier) judgeCase(ctx context.Context, ev protocol.Event, ce protocol.CaseEvent) (verdict, error) {
	t := a.t
	// Known already: a repeat, or (from an authority) the confirmation of
	// an event of this machine.
	var supersededBy sql.NullString
	var origin string
	err := t.QueryRowContext(ctx, `SELECT superseded_by, origin FROM case_events WHERE event_id = ?`, ev.ID).Scan(&supersededBy, &origin)
	switch {
	case err == nil:
		if a.src == fromHub && origin == "" {
			if _, err := t.ExecContext(ctx, `UPDATE outbox SET hall_state = 'accepted' WHERE event_id = ? AND hall_state IN ('pending', 'resend')`, ev.ID); err != nil {
				return verdict{}, fmt.Errorf("confirm hall event: %w", err)
			}
		}
		if supersededBy.Valid && a.src == fromCounty {
			// The county holds this event where the hall put another.
			return accepted(), a.win(ctx, ev, ce)
		}
		return verdict{status: protocol.HallAccepted, repeat: true}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return verdict{}, fmt.Errorf("read case event: %w", err)
	}
	if a.src == atHub && !a.recovered && ce.Base != "" {
		var n int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM hall_refused WHERE event_id = ?`, ce.Base).Scan(&n); err != nil {
			return verdict{}, err
		}
		if n > 0 {
			return a.refuseConflict(ctx, ev, ce, "made on event %s, which the hall refused", ce.Base)
		}
	}
	row, err := readCaseRow(ctx, t, ce.CaseID)
	if err != nil {
		return verdict{}, err
	}
	if !row.exists {
		// A tracking code is unique in the hall (it carries the machine's
		// number); another case under it means a machine took a number in
		// use. Refused, not stored over the other: the push goes on.
		var other string
		err := t.QueryRowContext(ctx, `SELECT id FROM cases WHERE tracking = ?`, ce.Tracking).Scan(&other)
		if err == nil {
			if a.src == atHub {
				return refused(CodeTrackingTaken, "tracking code %s is case %s's", ce.Tracking, other), nil
			}
			log.Printf("hall: case %s came with tracking code %s, which case %s holds here; not stored", ce.CaseID, ce.Tracking, other)
			return refused(CodeTrackingTaken, "tracking code taken"), audit(ctx, t, sql.NullInt64{}, "hall.tracking_taken", ce.Tracking, ce.CaseID)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return verdict{}, fmt.Errorf("read tracking code: %w", err)
		}
		return accepted(), a.adoptNew(ctx, ev, ce)
	}
	if ce.Version > row.version {
		if a.src == atHub && !a.recovered && ce.Base != row.head && ce.Base != "" {
			// Made on an older state than the hub's, by a machine that had
			// not yet seen the newer one: unless the base is unknown here
			// (then the hub lost it, or it came through the county), the
			// two acted on the same state.
			var n int
			if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_events WHERE event_id = ?`, ce.Base).Scan(&n); err != nil {
				return verdict{}, err
			}
			if n > 0 {
				return a.refuseConflict(ctx, ev, ce, "made on %s, not on the hub's head %s", ce.Base, row.head)
			}
		}
		return accepted(), a.adopt(ctx, ev, ce)
	}
	at, err := a.standingAt(ctx, ce.CaseID, ce.Version)
	if err != nil {
		return verdict{}, err
	}
	if at == "" {
		// An older event this machine never had (the case came here as
		// a later snapshot): history only.
		return accepted(), a.history(ctx, ev, ce, false)
	}
	// Another event stands at this place in the chain.
	switch a.src {
	case atHub:
		return a.refuseConflict(ctx, ev, ce, "version %d of the case is event %s", ce.Version, at)
	case fromCounty:
		return accepted(), a.win(ctx, ev, ce)
	}
	// From the hub's log: it stands over this machine's own events the
	// hub has not taken; anything else standing here means the two
	// disagree, and the county's word (an override) will settle it.
	var hallState sql.NullString
	var standingOrigin string
	err = t.QueryRowContext(ctx, `SELECT e.origin, o.hall_state FROM case_events e LEFT JOIN outbox o ON o.event_id = e.event_id
		WHERE e.event_id = ?`, at).Scan(&standingOrigin, &hallState)
	if err != nil {
		return verdict{}, fmt.Errorf("read standing event: %w", err)
	}
	if standingOrigin == "" && hallState.String != "accepted" {
		return accepted(), a.win(ctx, ev, ce)
	}
	return accepted(), a.history(ctx, ev, ce, true)
}

// refuseConflict refuses an event at the hub, remembering it so an event
// made on top of it is refused too, and gives the case as it stands.
func (a *applier) refuseConflict(ctx context.Context, ev protocol.Event, ce protocol.CaseEvent, format string, args ...any) (verdict, error) {
	if _, err := a.t.ExecContext(ctx, `INSERT INTO hall_refused (event_id, case_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		ev.ID, ce.CaseID, stamp(a.t.now)); err != nil {
		return verdict{}, fmt.Errorf("remember refused event: %w", err)
	}
	head, err := caseHead(ctx, a.t, ce.CaseID)
	if err != nil {
		return verdict{}, err
	}
	v := refused(protocol.CodeConflict, format, args...)
	v.head = head
	return v, nil
}

// caseHead is the case's last standing event with the case as it stands.
func caseHead(ctx context.Context, t *tx, caseID string) (*protocol.CaseHead, error) {
	var h protocol.CaseHead
	var kind, at, data, doc string
	var actorID sql.NullInt64
	err := t.QueryRowContext(ctx, `SELECT e.event_id, e.kind, e.version, e.base, e.at, e.actor_id, e.actor_name, e.actor_window, e.data, c.doc, c.tracking
		FROM cases c JOIN case_events e ON e.event_id = c.head WHERE c.id = ?`, caseID).Scan(&h.EventID, &kind, &h.Event.Version, &h.Event.Base,
		&at, &actorID, &h.Event.Actor.Name, &h.Event.Actor.Window, &data, &doc, &h.Event.Tracking)
	if err != nil {
		return nil, fmt.Errorf("read the case's head: %w", err)
	}
	var c cases.Case
	if err := t.db.unsealJSON(doc, colCaseDoc, &c); err != nil {
		return nil, err
	}
	plainData, err := t.unseal(data, colEventData)
	if err != nil {
		return nil, err
	}
	h.Kind = protocol.Kind(kind)
	h.Event.CaseID = caseID
	h.Event.At, _ = unstamp(at)
	h.Event.Actor.ID = actorID.Int64
	h.Event.Data = json.RawMessage(plainData)
	h.Event.Case = casewire.Doc(c)
	return &h, nil
}

// adoptNew stores a case this machine did not have.
func (a *applier) adoptNew(ctx context.Context, ev protocol.Event, ce protocol.CaseEvent) error {
	c, err := casewire.Case(ce.Case)
	if err != nil {
		return err
	}
	if err := insertCase(ctx, a.t, c, c.Clerk.ID, a.origin); err != nil {
		return err
	}
	return a.adopt(ctx, ev, ce)
}

// adopt makes an incoming event the case's head: its document replaces
// this machine's (the case only moves forward), with the county's latest
// decision applied again if the document was made before it.
func (a *applier) adopt(ctx context.Context, ev protocol.Event, ce protocol.CaseEvent) error {
	c, err := casewire.Case(ce.Case)
	if err != nil {
		return err
	}
	if c, err = withCountyStatus(ctx, a.t, c); err != nil {
		return err
	}
	if err := a.history(ctx, ev, ce, false); err != nil {
		return err
	}
	if err := writeCase(ctx, a.t, c, ce.Version, ev.ID); err != nil {
		return err
	}
	if cases.EventKind(ev.Kind) == cases.EvQueryPINReset {
		// The lock here counted guesses at the old PIN; the citizen who
		// just got a new one at a window must not find the terminal locked.
		if _, err := a.t.ExecContext(ctx, `DELETE FROM progress_attempts WHERE tracking = ?`, ce.Tracking); err != nil {
			return fmt.Errorf("end progress lock: %w", err)
		}
	}
	return nil
}

// history records an incoming event in the case's history (superseded
// when another stands at its place) and the files it lists.
func (a *applier) history(ctx context.Context, ev protocol.Event, ce protocol.CaseEvent, superseded bool) error {
	var by any
	if superseded {
		var head string
		if err := a.t.QueryRowContext(ctx, `SELECT head FROM cases WHERE id = ?`, ce.CaseID).Scan(&head); err != nil {
			return fmt.Errorf("read head: %w", err)
		}
		by = head
	}
	if err := historyRowBy(ctx, a.t, ev.ID, cases.EventKind(ev.Kind), ce, a.origin, by); err != nil {
		return err
	}
	c, err := casewire.Case(ce.Case)
	if err != nil {
		return err
	}
	return saveAttachments(ctx, a.t, c, a.originOr("hall"))
}

// originOr is the incoming events' origin, or fallback when unknown (the
// county's feed does not say which hall machine made an event).
func (a *applier) originOr(fallback string) string {
	if a.origin != "" {
		return a.origin
	}
	return fallback
}

// win makes an incoming event stand at its place in the case's chain over
// whatever stands there now (an authority's word): the events standing at
// its version and after are superseded; this machine's own among them are
// withdrawn and tried again on top (or reported to their clerk). On the hub
// the others are told through an override item.
func (a *applier) win(ctx context.Context, ev protocol.Event, ce protocol.CaseEvent) error {
	losers, err := a.supersedeFrom(ctx, ce.CaseID, ce.Version, ev, ce)
	if err != nil || !a.isHub || a.src != fromCounty || len(losers) == 0 {
		return err
	}
	return a.t.appendLog(ctx, protocol.HallItem{Kind: protocol.HallOverride, At: a.t.now, Event: &ev, Supersedes: losers},
		"override:"+ev.ID, ce.CaseID)
}

// CodeTrackingTaken refuses a new case whose tracking code another case of
// the hall holds (two machines with one number).
const CodeTrackingTaken = protocol.CodeTrackingTaken

// Notice messages: an action that did not stand.
var (
	// ErrLostTo: the action was not taken because another window's
	// action on the same case came first.
	ErrLostTo = msg.New("您于{{.Tried}}办理的“{{.What}}”（查询码{{.Code}}）未生效：该件已于{{.At}}由{{.Where}}{{.Done}}")
)

// retry deals with an event of this machine that lost: unless the county
// already holds it (the county's word will then make it stand), it is
// withdrawn, and its action is tried again on the case as it now stands;
// if that no longer makes sense, its clerk is told.
func (db *DB) retry(ctx context.Context, t *tx, eventID string, winner protocol.Event, wce protocol.CaseEvent) error {
	var kind, payload, created string
	var acked sql.NullString
	var withdrawn sql.NullString
	err := t.QueryRowContext(ctx, `SELECT kind, payload, created_at, acked_at, withdrawn_at FROM outbox WHERE event_id = ?`, eventID).
		Scan(&kind, &payload, &created, &acked, &withdrawn)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read lost event: %w", err)
	}
	if withdrawn.Valid || acked.Valid {
		return nil // dealt with before, or the county holds it
	}
	if _, err := t.ExecContext(ctx, `UPDATE outbox SET withdrawn_at = ?, acked_at = ?, hall_state = 'refused', last_error = ?
		WHERE event_id = ?`, stamp(t.now), stamp(t.now), "superseded by "+winner.ID, eventID); err != nil {
		return fmt.Errorf("withdraw lost event: %w", err)
	}
	var lost protocol.CaseEvent
	if err := db.unsealJSON(payload, colOutbox, &lost); err != nil {
		return fmt.Errorf("lost event: %w", err)
	}
	tried, err := casewire.Case(lost.Case)
	if err != nil {
		return err
	}
	var doc string
	var rev int
	if err := t.QueryRowContext(ctx, `SELECT doc, rev FROM cases WHERE id = ?`, lost.CaseID).Scan(&doc, &rev); err != nil {
		return fmt.Errorf("read case: %w", err)
	}
	var now cases.Case
	if err := db.unsealJSON(doc, colCaseDoc, &now); err != nil {
		return err
	}
	now.Version = rev
	cat, err := db.CaseCatalog(ctx, now.CatalogVer)
	if err != nil {
		// Names only: the rules of a replay do not need the catalog, and
		// sync must not stop on it.
		cat = &catalog.Catalog{}
	}
	after, rerr := cases.Replay(cat, now, cases.EventKind(kind), lost.Data, tried, lost.At)
	if rerr == nil {
		actor := cases.Actor{ID: lost.Actor.ID, Name: lost.Actor.Name, Window: lost.Actor.Window}
		if err := saveAttachments(ctx, t, after, ""); err != nil {
			return err
		}
		_, err := caseEvent(ctx, t, after, cases.EventKind(kind), actor, lost.Data)
		return err
	}
	// It no longer makes sense: tell the clerk who did it, at that machine.
	n := lostAction{Tried: lost.At, What: kind, Code: lost.Tracking, At: wce.At, Window: wce.Actor.Window,
		Actor: wce.Actor.Name, Done: string(winner.Kind)}
	b, err := json.Marshal(n)
	if err != nil {
		return err
	}
	_, err = t.ExecContext(ctx, `INSERT INTO hall_notices (at, event_id, case_id, tracking, actor_id, window_no, message) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (event_id) DO NOTHING`, stamp(t.now), eventID, lost.CaseID, lost.Tracking, nullID(lost.Actor.ID), lost.Actor.Window, string(b))
	if err != nil {
		return fmt.Errorf("record notice: %w", err)
	}
	return nil
}

// lostAction is what a notice keeps of an action that did not stand and
// of the one that did.
type lostAction struct {
	Tried  time.Time `json:"tried"`
	What   string    `json:"what"`
	Code   string    `json:"code"`
	At     time.Time `json:"at"`
	Window int       `json:"window,omitempty"`
	Actor  string    `json:"actor,omitempty"`
	Done   string    `json:"done"`
}

func (n lostAction) message() *msg.Error {
	return msg.New(ErrLostTo.Key, "Tried", n.Tried.In(workday.China).Format("15:04"), "What", msg.Term(cases.EventName(cases.EventKind(n.What))),
		"Code", n.Code, "At", n.At.In(workday.China).Format("15:04"), "Where", where(n.Window, n.Actor),
		"Done", msg.Term(cases.EventName(cases.EventKind(n.Done))))
}

// rating applies a rating from another machine; one per service.
func (a *applier) rating(ctx context.Context, ev protocol.Event) (verdict, error) {
	var p protocol.RatingPayload
	if err := json.Unmarshal(ev.Payload, &p); err != nil {
		return refused(protocol.CodeBadPayload, "the payload does not decode: %v", err), nil
	}
	if err := p.Check(); err != nil {
		return refused(protocol.CodeBadPayload, "%v", err), nil
	}
	r, err := rating.Check(rating.Rating{Kind: rating.Kind(p.Kind), Ref: p.Ref, Level: rating.Level(p.Level), Reasons: p.Reasons,
		Note: p.Note, ClerkID: p.ClerkID, ClerkName: p.ClerkName, Window: p.Window, Matter: p.Matter})
	if err != nil {
		return refused(protocol.CodeBadPayload, "%v", err), nil
	}
	var existing string
	err = a.t.QueryRowContext(ctx, `SELECT event_id FROM ratings WHERE kind = ? AND ref = ?`, string(r.Kind), r.Ref).Scan(&existing)
	switch {
	case err == nil && existing == ev.ID:
		return verdict{status: protocol.HallAccepted, repeat: true}, nil
	case err == nil:
		if a.src == atHub {
			return refused(protocol.CodeAlreadyRated, "the service was rated already"), nil
		}
		return accepted(), nil // the hub's order: the first one stands everywhere
	case !errors.Is(err, sql.ErrNoRows):
		return verdict{}, fmt.Errorf("read rating: %w", err)
	}
	reasons, _ := json.Marshal(nonNil(r.Reasons))
	note, err := a.t.sealNote(r.Note)
	if err != nil {
		return verdict{}, err
	}
	if _, err := a.t.ExecContext(ctx, `INSERT INTO ratings (kind, ref, level, reasons, note, clerk_id, clerk_name, window_no, matter, at, event_id, origin)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, string(r.Kind), r.Ref, int(r.Level), string(reasons), note, nullID(r.ClerkID),
		r.ClerkName, r.Window, r.Matter, stamp(p.At), ev.ID, a.originOr("hall")); err != nil {
		return verdict{}, fmt.Errorf("insert rating: %w", err)
	}
	return accepted(), nil
}

// HallAccept judges events a paired machine pushed, in one transaction:
// each that stands enters the hub's own store and its log; a conflict is
// refused with the case as it stands. The machine's last contact is kept.
func (db *DB) HallAccept(ctx context.Context, machine string, push protocol.HallPush) ([]protocol.HallResult, error) {
	out := make([]protocol.HallResult, len(push.Events))
	err := db.update(ctx, func(t *tx) error {
		a := &applier{db: db, t: t, src: atHub, origin: machine, recovered: push.Recovered, held: map[string]string{}, isHub: true}
		for i, ev := range push.Events {
			var logged int
			if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM hall_log WHERE item_id = ?`, ev.ID).Scan(&logged); err != nil {
				return err
			}
			if logged > 0 {
				out[i] = protocol.HallResult{ID: ev.ID, Status: protocol.HallAccepted, Repeat: true}
				continue
			}
			v, err := a.event(ctx, ev)
			if err != nil {
				return fmt.Errorf("event %s: %w", ev.ID, err)
			}
			out[i] = protocol.HallResult{ID: ev.ID, Status: v.status, Repeat: v.repeat, Code: v.code, Message: v.msg, Head: v.head}
			if v.status == protocol.HallAccepted {
				ref := ""
				if ce := caseIDOf(ev); ce != "" {
					ref = ce
				}
				if err := t.appendLog(ctx, protocol.HallItem{Kind: protocol.HallEvent, Origin: machine, At: t.now, Event: &ev}, ev.ID, ref); err != nil {
					return err
				}
			}
		}
		_, err := t.ExecContext(ctx, `UPDATE hall_machines SET last_seen = ?,
			county_device = CASE WHEN ? <> '' THEN ? ELSE county_device END WHERE id = ?`,
			stamp(t.now), push.CountyDevice, push.CountyDevice, machine)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func caseIDOf(ev protocol.Event) string {
	if !strings.HasPrefix(string(ev.Kind), "case.") {
		return ""
	}
	var h struct {
		CaseID string `json:"case_id"`
	}
	json.Unmarshal(ev.Payload, &h)
	return h.CaseID
}

// Queries a hall round runs every few seconds (queryplan_test.go).
const (
	qHallOutgoing = `SELECT event_id, kind, payload, created_at FROM outbox
		WHERE hall_state = 'pending' AND withdrawn_at IS NULL ORDER BY seq LIMIT ?`
	qHallResend = `SELECT event_id, kind, payload, created_at FROM outbox
		WHERE hall_state = 'resend' ORDER BY seq LIMIT ?`
	qHallLog     = `SELECT seq, payload FROM hall_log WHERE seq > ? ORDER BY seq LIMIT ?`
	qHallNotices = `SELECT id, at, tracking, COALESCE(actor_id, 0), window_no, message FROM hall_notices
		WHERE seen_at IS NULL ORDER BY id`
)

// HallOutgoing returns events waiting for the hub, in commit order.
func (db *DB) HallOutgoing(ctx context.Context, limit int) ([]protocol.Event, error) {
	rows, err := db.r.QueryContext(ctx, qHallOutgoing, limit)
	if err != nil {
		return nil, fmt.Errorf("list events for the hub: %w", err)
	}
	return db.scanEvents(rows)
}

// HallRecordPush applies the hub's answers: taken events are confirmed; an
// event that lost a conflict gives way to the case as the hub has it (and
// its action is tried again on top, or its clerk told); an event the hub
// cannot take (a kind or layout it does not know) is left to the county.
func (db *DB) HallRecordPush(ctx context.Context, results []protocol.HallResult) error {
	return db.update(ctx, func(t *tx) error {
		a := &applier{db: db, t: t, src: fromHub}
		for _, r := range results {
			switch {
			case r.Status == protocol.HallAccepted:
				if _, err := t.ExecContext(ctx, `UPDATE outbox SET hall_state = 'accepted' WHERE event_id = ? AND hall_state IN ('pending', 'resend')`, r.ID); err != nil {
					return fmt.Errorf("confirm hall event: %w", err)
				}
			case r.Status == protocol.HallRefused && r.Code == protocol.CodeConflict && r.Head != nil:
				head := protocol.Event{ID: r.Head.EventID, Kind: r.Head.Kind, Created: r.Head.Event.At}
				b, err := json.Marshal(r.Head.Event)
				if err != nil {
					return err
				}
				head.Payload = b
				// The hub's head stands over this machine's event: adopt it
				// at its place (superseding this machine's from there on).
				a.origin = ""
				if err := a.lose(ctx, r.ID, head, r.Head.Event); err != nil {
					return err
				}
			case r.Status == protocol.HallRefused && r.Code == protocol.CodeAlreadyRated:
				if err := withdrawRating(ctx, t, r.ID); err != nil {
					return err
				}
			case r.Status == protocol.HallRefused:
				// Not the hall's to take (a kind or layout the hub does not
				// know): the county still gets it; the hall does not.
				if _, err := t.ExecContext(ctx, `UPDATE outbox SET hall_state = 'refused', last_error = ? WHERE event_id = ?`,
					"hall: "+r.Code+": "+r.Message, r.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// lose makes the head the hub gave stand over this machine's refused
// event, from the refused event's place in the chain on (the head may have
// come down the hub's log first: then nothing is left to do).
func (a *applier) lose(ctx context.Context, lost string, head protocol.Event, hce protocol.CaseEvent) error {
	var version int
	var superseded sql.NullString
	err := a.t.QueryRowContext(ctx, `SELECT version, superseded_by FROM case_events WHERE event_id = ?`, lost).Scan(&version, &superseded)
	if errors.Is(err, sql.ErrNoRows) || superseded.Valid {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read lost event: %w", err)
	}
	_, err = a.supersedeFrom(ctx, hce.CaseID, version, head, hce)
	return err
}

// supersedeFrom makes head stand: every event standing at fromVersion or
// later is superseded, head becomes the case's head, and this machine's
// losers are withdrawn and retried. It returns the superseded events.
func (a *applier) supersedeFrom(ctx context.Context, caseID string, fromVersion int, head protocol.Event, hce protocol.CaseEvent) ([]string, error) {
	t := a.t
	rows, err := t.QueryContext(ctx, `SELECT event_id, kind, origin, version FROM case_events
		WHERE case_id = ? AND version >= ? AND superseded_by IS NULL AND event_id <> ? ORDER BY version`, caseID, fromVersion, head.ID)
	if err != nil {
		return nil, fmt.Errorf("read superseded events: %w", err)
	}
	var losers []standing
	for rows.Next() {
		var s standing
		if err := rows.Scan(&s.eventID, &s.kind, &s.origin, &s.version); err != nil {
			rows.Close()
			return nil, err
		}
		losers = append(losers, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var ids []string
	for _, l := range losers {
		ids = append(ids, l.eventID)
		if _, err := t.ExecContext(ctx, `UPDATE case_events SET superseded_by = ? WHERE event_id = ?`, head.ID, l.eventID); err != nil {
			return nil, fmt.Errorf("supersede event: %w", err)
		}
	}
	var known int
	if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_events WHERE event_id = ?`, head.ID).Scan(&known); err != nil {
		return nil, err
	}
	row, err := readCaseRow(ctx, t, caseID)
	if err != nil {
		return nil, err
	}
	switch {
	case !row.exists:
		return ids, a.adoptNew(ctx, head, hce)
	case known == 0:
		if err := a.adopt(ctx, head, hce); err != nil {
			return nil, err
		}
	default:
		// Known here already, superseded by what it now replaces: it
		// stands after all (the county holds it), so a notice that told
		// its clerk it did not is taken back.
		if _, err := t.ExecContext(ctx, `UPDATE case_events SET superseded_by = NULL WHERE event_id = ?`, head.ID); err != nil {
			return nil, err
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM hall_notices WHERE event_id = ?`, head.ID); err != nil {
			return nil, fmt.Errorf("take back notice: %w", err)
		}
		c, err := casewire.Case(hce.Case)
		if err != nil {
			return nil, err
		}
		if c, err = withCountyStatus(ctx, t, c); err != nil {
			return nil, err
		}
		if err := writeCase(ctx, t, c, hce.Version, head.ID); err != nil {
			return nil, err
		}
	}
	for _, l := range losers {
		if l.origin != "" {
			continue
		}
		if err := a.db.retry(ctx, t, l.eventID, head, hce); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

func withdrawRating(ctx context.Context, t *tx, eventID string) error {
	if _, err := t.ExecContext(ctx, `DELETE FROM ratings WHERE event_id = ?`, eventID); err != nil {
		return fmt.Errorf("drop refused rating: %w", err)
	}
	_, err := t.ExecContext(ctx, `UPDATE outbox SET withdrawn_at = ?, acked_at = COALESCE(acked_at, ?), hall_state = 'refused',
		last_error = 'already rated at another machine' WHERE event_id = ? AND acked_at IS NULL`, stamp(t.now), stamp(t.now), eventID)
	return err
}

// HallCursor is where this machine is in the hub's log.
func (db *DB) HallCursor(ctx context.Context) (epoch string, seq int64, err error) {
	v, _, err := db.Setting(ctx, settingHallCursor)
	if err != nil || v == "" {
		return "", 0, err
	}
	e, s, _ := strings.Cut(v, " ")
	n, _ := strconv.ParseInt(s, 10, 64)
	return e, n, nil
}

// HallApply applies items of the hub's log in order, many per transaction
// for a quick back-fill, each batch with the cursor it reached.
func (db *DB) HallApply(ctx context.Context, epoch string, items []protocol.HallItem) error {
	const batch = 250
	for len(items) > 0 {
		n := min(batch, len(items))
		part := items[:n]
		items = items[n:]
		err := db.update(ctx, func(t *tx) error {
			role, err := t.hallRole(ctx)
			if err != nil {
				return err
			}
			for _, it := range part {
				a := &applier{db: db, t: t, src: fromHub, origin: it.Origin, isHub: role == servicepoint.QueueHub}
				if err := a.item(ctx, it); err != nil {
					return fmt.Errorf("hall item %d (%s): %w", it.Seq, it.Kind, err)
				}
			}
			return setSetting(ctx, t, settingHallCursor, fmt.Sprintf("%s %d", epoch, part[len(part)-1].Seq))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ResetHallCursor follows a new epoch of the hub's log from its start, and
// marks every event the hub took from this machine for sending again (the
// hub's file is a restored copy that may lack them).
func (db *DB) ResetHallCursor(ctx context.Context, epoch string) error {
	return db.update(ctx, func(t *tx) error {
		// A compacted event goes again as its case's head, rebuilt, or
		// not at all: the hub then has the case as it stands (compact.go).
		if err := t.restoreHeads(ctx, takenByHall); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `UPDATE outbox SET hall_state = 'resend' WHERE hall_state = 'accepted' AND payload <> 'null'`); err != nil {
			return fmt.Errorf("mark events to send again: %w", err)
		}
		return setSetting(ctx, t, settingHallCursor, epoch+" 0")
	})
}

// HallResend returns events the hub took before a restore, to send again
// (HallPush.Recovered); HallRecordPush confirms them like any other.
func (db *DB) HallResend(ctx context.Context, limit int) ([]protocol.Event, error) {
	rows, err := db.r.QueryContext(ctx, qHallResend, limit)
	if err != nil {
		return nil, fmt.Errorf("list events to send again: %w", err)
	}
	return db.scanEvents(rows)
}

// item applies one item of the hub's log.
func (a *applier) item(ctx context.Context, it protocol.HallItem) error {
	switch it.Kind {
	case protocol.HallEvent:
		if it.Event == nil {
			return nil
		}
		v, err := a.event(ctx, *it.Event)
		if err != nil {
			return err
		}
		if v.status == protocol.HallRefused && v.code == protocol.CodeUnsupported {
			return &protocol.VersionError{Got: protocol.CaseDocVersion + 1, Max: protocol.CaseDocVersion}
		}
		return nil
	case protocol.HallOverride:
		if it.Event == nil {
			return nil
		}
		var ce protocol.CaseEvent
		if err := json.Unmarshal(it.Event.Payload, &ce); err != nil {
			return err
		}
		// The county's word, relayed by the hub: it stands at its place.
		w := *a
		w.src = fromCounty
		w.isHub = false
		_, err := w.supersedeFrom(ctx, ce.CaseID, ce.Version, *it.Event, ce)
		return err
	case protocol.HallAccount:
		if it.Account == nil {
			return nil
		}
		return applyAccount(ctx, a.t, *it.Account, true)
	case protocol.HallCounty:
		if it.County == nil {
			return nil
		}
		var st protocol.CaseStatus
		if err := json.Unmarshal(it.County.Payload, &st); err != nil {
			return fmt.Errorf("decode county decision: %w", err)
		}
		return applyCountyStatus(ctx, a.t, st)
	case protocol.HallMachineRemoved:
		me, err := a.t.machineID(ctx)
		if err != nil {
			return err
		}
		if it.Machine == me {
			return leaveHall(ctx, a.t, "removed by the hub")
		}
		return nil
	}
	return nil // a kind a newer hub writes: skipped, the cursor moves on
}

// applyAccount keeps an account as the hub has it (the highest revision).
// An agent's ID number comes in clear over the hall's TLS and is sealed
// here; a state without one (from a hub of the previous release, or one
// whose data was sealed when it sent it) leaves the number this machine
// has. With this machine's data sealed, the number cannot be kept: from
// the hub's log (strict) the item waits, like a case event, until the data
// is open; a sign-in (not strict) keeps the rest of the account.
func applyAccount(ctx context.Context, t *tx, s protocol.HallAccountState, strict bool) error {
	sectors, _ := json.Marshal(nonNil(s.Sectors))
	var until any
	if s.LockedUntil != nil {
		until = stamp(*s.LockedUntil)
	}
	idNumber, err := t.sealIDNumber(s.IDNumber)
	if errors.Is(err, ErrLocked) && !strict {
		idNumber = ""
	} else if err != nil {
		return fmt.Errorf("keep hall account %s: %w", s.Login, err)
	}
	// A local account of the same login but another id (made here before
	// this machine joined the hall) gives way to the hall's.
	if _, err := t.ExecContext(ctx, `DELETE FROM clerks WHERE login = ? AND id <> ?`, s.Login, s.ID); err != nil {
		return fmt.Errorf("drop local account: %w", err)
	}
	_, err = t.ExecContext(ctx, `INSERT INTO clerks (id, login, name, role, sectors, window_no, secret_hash, failures, locked_until, active, created_at, rev, id_number)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET login = excluded.login, name = excluded.name, role = excluded.role, sectors = excluded.sectors,
			window_no = excluded.window_no, secret_hash = excluded.secret_hash, failures = excluded.failures,
			locked_until = excluded.locked_until, active = excluded.active, rev = excluded.rev,
			id_number = CASE WHEN excluded.id_number <> '' THEN excluded.id_number ELSE clerks.id_number END
		WHERE excluded.rev >= clerks.rev`,
		s.ID, s.Login, s.Name, s.Role, string(sectors), s.Window, s.SecretHash, s.Failures, until, s.Active, stamp(t.now), s.Rev, idNumber)
	if err != nil {
		return fmt.Errorf("keep hall account %s: %w", s.Login, err)
	}
	return t.dropStaleWraps(ctx)
}

// withCountyStatus applies again the county's latest decision on a case
// to a document made before this machine heard it.
func withCountyStatus(ctx context.Context, t *tx, c cases.Case) (cases.Case, error) {
	var payload string
	err := t.QueryRowContext(ctx, `SELECT payload FROM county_status WHERE case_id = ?`, c.ID).Scan(&payload)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read county decision: %w", err)
	}
	var st protocol.CaseStatus
	if err := t.db.unsealJSON(payload, colCountyStatus, &st); err != nil {
		return c, err
	}
	u, err := countyUpdate(st)
	if err != nil {
		return c, err
	}
	return cases.ApplyCounty(c, u)
}

// HallNotice is an action of this machine that did not stand.
type HallNotice struct {
	ID       int64
	At       time.Time
	Tracking string
	ActorID  int64
	Window   int
	Message  *msg.Error
}

// HallNotices lists the notices not yet read, oldest first.
func (db *DB) HallNotices(ctx context.Context) ([]HallNotice, error) {
	rows, err := db.r.QueryContext(ctx, qHallNotices)
	if err != nil {
		return nil, fmt.Errorf("read hall notices: %w", err)
	}
	defer rows.Close()
	var out []HallNotice
	for rows.Next() {
		var n HallNotice
		var at, m string
		if err := rows.Scan(&n.ID, &at, &n.Tracking, &n.ActorID, &n.Window, &m); err != nil {
			return nil, err
		}
		n.At, _ = unstamp(at)
		var la lostAction
		if err := json.Unmarshal([]byte(m), &la); err != nil {
			return nil, fmt.Errorf("decode notice: %w", err)
		}
		n.Message = la.message()
		out = append(out, n)
	}
	return out, rows.Err()
}

// SeenHallNotice marks a notice read, with who read it.
func (db *DB) SeenHallNotice(ctx context.Context, id, actorID int64) error {
	return db.update(ctx, func(t *tx) error {
		if _, err := t.ExecContext(ctx, `UPDATE hall_notices SET seen_at = ? WHERE id = ?`, stamp(t.now), id); err != nil {
			return err
		}
		return audit(ctx, t, sql.NullInt64{Int64: actorID, Valid: actorID != 0}, "hall.notice.seen", strconv.FormatInt(id, 10), "")
	})
}

// qHallUploads is the hall round's list of files to give the hub.
const qHallUploads = `SELECT sha256 FROM attachments WHERE origin = '' AND hall_sent_at IS NULL
		GROUP BY sha256 ORDER BY MIN(added_at), sha256`

// HallUploads lists files of this machine's own cases the hub does not hold
// yet (the hub serves them to the hall's other machines), oldest first.
func (db *DB) HallUploads(ctx context.Context) ([]string, error) {
	return db.strings(ctx, "list files for the hub", qHallUploads)
}

// strings runs a query of one text column on the read pool; what says what
// was being read, for the error.
func (db *DB) strings(ctx context.Context, what, query string, args ...any) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// MarkHallSent records that the hub holds a file.
func (db *DB) MarkHallSent(ctx context.Context, sha string) error {
	return db.update(ctx, func(t *tx) error {
		_, err := t.ExecContext(ctx, `UPDATE attachments SET hall_sent_at = ? WHERE sha256 = ? AND hall_sent_at IS NULL`, stamp(t.now), sha)
		return err
	})
}

// HallCounts is what waits between this machine and its hub.
type HallCounts struct {
	// Pending events the hub has not taken; Files not given to it.
	Pending, Files int
	// Notices not yet read.
	Notices int
}

// HallCounts counts what waits for the hub.
func (db *DB) HallCounts(ctx context.Context) (HallCounts, error) {
	var c HallCounts
	err := db.r.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM outbox WHERE hall_state IN ('pending', 'resend') AND withdrawn_at IS NULL),
		(SELECT COUNT(DISTINCT sha256) FROM attachments WHERE origin = '' AND hall_sent_at IS NULL),
		(SELECT COUNT(*) FROM hall_notices WHERE seen_at IS NULL)`).Scan(&c.Pending, &c.Files, &c.Notices)
	if err != nil {
		return c, fmt.Errorf("count what waits for the hub: %w", err)
	}
	return c, nil
}

// HallState is an outbox event's place with the hub: "pending", "resend",
// "accepted", "refused", or "" for events the hall does not share.
func (db *DB) HallState(ctx context.Context, eventID string) (string, error) {
	var st sql.NullString
	err := db.r.QueryRowContext(ctx, `SELECT hall_state FROM outbox WHERE event_id = ?`, eventID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return st.String, err
}

// HeadEvent is the id of the event that stands last in a case's chain.
func (db *DB) HeadEvent(ctx context.Context, caseID string) (string, error) {
	var head string
	err := db.r.QueryRowContext(ctx, `SELECT head FROM cases WHERE id = ?`, caseID).Scan(&head)
	if errors.Is(err, sql.ErrNoRows) {
		return "", msg.New(ErrCaseNotFound.Key, "Code", caseID)
	}
	return head, err
}

// LostNotice is the notice recorded for an event of this machine that did
// not stand (nil when there is none).
func (db *DB) LostNotice(ctx context.Context, eventID string) (*msg.Error, error) {
	var m string
	err := db.r.QueryRowContext(ctx, `SELECT message FROM hall_notices WHERE event_id = ?`, eventID).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var la lostAction
	if err := json.Unmarshal([]byte(m), &la); err != nil {
		return nil, err
	}
	return la.message(), nil
}

// loseAtCounty gives way to the county's head for an event of this machine
// the county refused as a conflict.
func (db *DB) loseAtCounty(ctx context.Context, t *tx, eventID string, head protocol.CaseHead) error {
	role, err := t.hallRole(ctx)
	if err != nil {
		return err
	}
	b, err := json.Marshal(head.Event)
	if err != nil {
		return err
	}
	ev := protocol.Event{ID: head.EventID, Kind: head.Kind, Created: head.Event.At, Payload: b}
	a := &applier{db: db, t: t, src: fromCounty, isHub: role == servicepoint.QueueHub}
	if err := a.lose(ctx, eventID, ev, head.Event); err != nil {
		return err
	}
	// The refused event is withdrawn by lose when it had not reached the
	// county; it had not (the county refused it), so make sure.
	_, err = t.ExecContext(ctx, `UPDATE outbox SET withdrawn_at = COALESCE(withdrawn_at, ?), acked_at = COALESCE(acked_at, ?),
		last_error = ? WHERE event_id = ?`, stamp(t.now), stamp(t.now), "county: conflict with "+head.EventID, eventID)
	return err
}

// revokedByCounty takes a device the county revoked out of the hall, when
// this machine is the hub.
func revokedByCounty(ctx context.Context, t *tx, device string) error {
	role, err := t.hallRole(ctx)
	if err != nil || role != servicepoint.QueueHub || device == "" {
		return err
	}
	var id string
	err = t.QueryRowContext(ctx, `SELECT id FROM hall_machines WHERE county_device = ? AND removed_at IS NULL`, device).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return removeMachine(ctx, t, 0, id, "县中心已停用该设备")
}

// PrereviewScans lists the scans of citizens' filings waiting for
// pre-review that came from another machine of the hall: the counter that
// pre-reviews them needs them here.
func (db *DB) PrereviewScans(ctx context.Context) ([]string, error) {
	return db.strings(ctx, "list scans to fetch", `SELECT DISTINCT a.sha256 FROM attachments a JOIN cases c ON c.id = a.case_id
		WHERE a.origin <> '' AND c.status = ?`, string(cases.StatusPrereview))
}
