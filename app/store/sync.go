package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/assets"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Settings kept for sync. The device secret lives in the kiosk's own
// database file (0600, in the user's data dir) and nowhere else.
const (
	settingCountyURL = "sync.county_url"
	settingDeviceID  = "sync.device_id"
	settingSecret    = "sync.secret"
	settingDeviceKey = "sync.device_key"
	settingNextKey   = "sync.next_key"
	settingLastPush  = "sync.last_push"
	settingLastPull  = "sync.last_pull"
)

// Enrollment is the kiosk's identity at the county center.
type Enrollment struct {
	CountyURL, DeviceID string
	// Key is the device's Ed25519 private key seed, base64: the county
	// holds only its public key.
	Key string
	// Secret is the HMAC secret of a kiosk enrolled before 0.8, kept until
	// the county confirms the move to a key pair.
	Secret string
	// NextKey is the key made for that move, kept from before the request
	// so a lost answer loses nothing.
	NextKey string
}

// enrollmentSettings are where an Enrollment's fields are kept.
func (e *Enrollment) settings() map[string]*string {
	return map[string]*string{settingCountyURL: &e.CountyURL, settingDeviceID: &e.DeviceID, settingSecret: &e.Secret,
		settingDeviceKey: &e.Key, settingNextKey: &e.NextKey}
}

// Enrollment returns the stored identity; ok is false before enrollment.
func (db *DB) Enrollment(ctx context.Context) (e Enrollment, ok bool, err error) {
	for key, dst := range e.settings() {
		v, _, err := db.Setting(ctx, key)
		if err != nil {
			return Enrollment{}, false, err
		}
		*dst = v
	}
	if e.DeviceID == "" || e.CountyURL == "" || e.Key == "" && e.Secret == "" {
		return Enrollment{}, false, nil
	}
	return e, true, nil
}

// SaveEnrollment stores the identity the county gave this kiosk, with an
// audit row naming the supervisor (never the key or secret).
func (db *DB) SaveEnrollment(ctx context.Context, actorID int64, e Enrollment) error {
	return db.update(ctx, func(t *tx) error {
		for key, v := range e.settings() {
			if err := setSetting(ctx, t, key, *v); err != nil {
				return err
			}
		}
		return audit(ctx, t, sql.NullInt64{Int64: actorID, Valid: actorID != 0}, "sync.enroll", e.DeviceID, e.CountyURL)
	})
}

// SetNextDeviceKey keeps the key a kiosk enrolled before 0.8 is about to
// move to, before it asks the county.
func (db *DB) SetNextDeviceKey(ctx context.Context, key string) error {
	return db.update(ctx, func(t *tx) error { return setSetting(ctx, t, settingNextKey, key) })
}

// AdoptDeviceKey makes the next key the device's key and forgets the HMAC
// secret, once the county has confirmed the move.
func (db *DB) AdoptDeviceKey(ctx context.Context) error {
	return db.update(ctx, func(t *tx) error {
		var next string
		if err := t.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, settingNextKey).Scan(&next); err != nil || next == "" {
			return fmt.Errorf("adopt device key: no next key")
		}
		b, err := t.unseal(next, colSetting+":"+settingNextKey)
		if err != nil {
			return err
		}
		next = string(b)
		for key, v := range map[string]string{settingDeviceKey: next, settingSecret: "", settingNextKey: ""} {
			if err := setSetting(ctx, t, key, v); err != nil {
				return err
			}
		}
		return audit(ctx, t, sql.NullInt64{}, "sync.rekey", "", "")
	})
}

// SyncStatus is what the status bar and the supervisor see of sync.
type SyncStatus struct {
	Pending, Quarantined, Uploads int
	LastPush, LastPull            time.Time
}

// qSyncStatus counts what waits: each count walks a partial index of the
// waiting rows only (outbox_pending, attachments_to_upload), so the status
// bar costs the same on day 1,000 as on day 1.
const qSyncStatus = `SELECT
		(SELECT COUNT(*) FROM outbox WHERE acked_at IS NULL),
		(SELECT COUNT(*) FROM outbox WHERE acked_at IS NULL AND quarantined_at IS NOT NULL),
		(SELECT COUNT(DISTINCT sha256) FROM attachments WHERE uploaded_at IS NULL AND origin = '')`

// SyncStatus reads the outbox and upload counters and the last successes.
func (db *DB) SyncStatus(ctx context.Context) (SyncStatus, error) {
	var s SyncStatus
	err := db.r.QueryRowContext(ctx, qSyncStatus).Scan(&s.Pending, &s.Quarantined, &s.Uploads)
	if err != nil {
		return s, fmt.Errorf("read sync status: %w", err)
	}
	for key, dst := range map[string]*time.Time{settingLastPush: &s.LastPush, settingLastPull: &s.LastPull} {
		if v, ok, err := db.Setting(ctx, key); err != nil {
			return s, err
		} else if ok {
			*dst, _ = unstamp(v)
		}
	}
	return s, nil
}

// qSendableEvents is the next batch a sync round pushes.
const qSendableEvents = `SELECT o.event_id, o.kind, o.payload, o.created_at FROM outbox o
		WHERE o.acked_at IS NULL AND o.quarantined_at IS NULL
		AND NOT (? = 1 AND COALESCE(o.hall_state, '') IN ('pending', 'resend'))
		AND NOT (o.case_id IS NOT NULL AND EXISTS (SELECT 1 FROM outbox q
			WHERE q.case_id = o.case_id AND q.seq < o.seq AND q.acked_at IS NULL AND q.quarantined_at IS NOT NULL))
		ORDER BY o.seq LIMIT ?`

// SendableEvents returns up to limit events to push, in commit order:
// not yet acknowledged, not quarantined, and not behind a quarantined event
// of the same case — a case's events reach the county in order or not at all.
//
// While the hall's hub answers, an event still waiting for the hub waits
// for the county too: the hub decides the hall's order (two windows acting
// on one case), and only what stands in the hall goes to the county. With
// the hub away, events go to the county directly (the county then decides).
func (db *DB) SendableEvents(ctx context.Context, limit int) ([]protocol.Event, error) {
	holdHall := 0
	if db.hall.online.Load() {
		holdHall = 1
	}
	rows, err := db.r.QueryContext(ctx, qSendableEvents, holdHall, limit)
	if err != nil {
		return nil, fmt.Errorf("list sendable events: %w", err)
	}
	return db.scanEvents(rows)
}

// RecordPush applies the county's answers to a push in one transaction:
// applied events are acknowledged (a case's county number is kept), rejected
// ones are quarantined with the county's reason.
func (db *DB) RecordPush(ctx context.Context, results []protocol.Result) error {
	return db.update(ctx, func(t *tx) error {
		for _, r := range results {
			switch r.Status {
			case protocol.Applied:
				if _, err := t.ExecContext(ctx, `UPDATE outbox SET acked_at = ?, last_error = NULL WHERE event_id = ? AND acked_at IS NULL`,
					stamp(t.now), r.ID); err != nil {
					return fmt.Errorf("ack event %s: %w", r.ID, err)
				}
				if r.CountyCase != "" {
					if _, err := t.ExecContext(ctx, `UPDATE cases SET county_case = ?
						WHERE id = (SELECT case_id FROM outbox WHERE event_id = ?) AND county_case IS NULL`, r.CountyCase, r.ID); err != nil {
						return fmt.Errorf("keep county case number: %w", err)
					}
				}
			case protocol.Rejected:
				if r.Error != nil && r.Error.Code == protocol.CodeConflict && r.Head != nil {
					// Another device's event stands at this place at the
					// county: give way to it, as to the hub's word.
					if err := db.loseAtCounty(ctx, t, r.ID, *r.Head); err != nil {
						return err
					}
					continue
				}
				reason := "rejected"
				if r.Error != nil {
					reason = r.Error.Code + ": " + r.Error.Message
				}
				if _, err := t.ExecContext(ctx, `UPDATE outbox SET quarantined_at = ?, attempts = attempts + 1, last_error = ?
					WHERE event_id = ? AND acked_at IS NULL`, stamp(t.now), reason, r.ID); err != nil {
					return fmt.Errorf("quarantine event %s: %w", r.ID, err)
				}
			default:
				return fmt.Errorf("event %s: unknown result %q", r.ID, r.Status)
			}
		}
		return setSetting(ctx, t, settingLastPush, stamp(t.now))
	})
}

// QuarantinedEvent is an event the county refused, for the supervisor.
type QuarantinedEvent struct {
	ID, Kind, Tracking, Reason string
	At                         time.Time
}

// qQuarantined lists refused events for the supervisor's sync screen.
const qQuarantined = `SELECT o.event_id, o.kind, COALESCE(c.tracking, ''), COALESCE(o.last_error, ''), o.quarantined_at
		FROM outbox o LEFT JOIN cases c ON c.id = o.case_id WHERE o.acked_at IS NULL AND o.quarantined_at IS NOT NULL ORDER BY o.seq`

// Quarantined lists refused events, oldest first.
func (db *DB) Quarantined(ctx context.Context) ([]QuarantinedEvent, error) {
	rows, err := db.r.QueryContext(ctx, qQuarantined)
	if err != nil {
		return nil, fmt.Errorf("list quarantined events: %w", err)
	}
	defer rows.Close()
	var out []QuarantinedEvent
	for rows.Next() {
		var q QuarantinedEvent
		var at string
		if err := rows.Scan(&q.ID, &q.Kind, &q.Tracking, &q.Reason, &at); err != nil {
			return nil, fmt.Errorf("scan quarantined event: %w", err)
		}
		q.At, _ = unstamp(at)
		out = append(out, q)
	}
	return out, rows.Err()
}

// RetryQuarantined releases a refused event (after the county fixed its
// side) so the next push sends it again, with an audit row. Later events of
// the same case that the county refused only for following it (out_of_order)
// are released with it: they go again, in order.
func (db *DB) RetryQuarantined(ctx context.Context, actorID int64, eventID string) error {
	return db.update(ctx, func(t *tx) error {
		res, err := t.ExecContext(ctx, `UPDATE outbox SET quarantined_at = NULL WHERE event_id = ? AND quarantined_at IS NOT NULL AND acked_at IS NULL`, eventID)
		if err != nil {
			return fmt.Errorf("release event %s: %w", eventID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("event %s is not quarantined", eventID)
		}
		if _, err := t.ExecContext(ctx, `UPDATE outbox SET quarantined_at = NULL
			WHERE acked_at IS NULL AND quarantined_at IS NOT NULL AND last_error LIKE ?
			AND case_id = (SELECT case_id FROM outbox WHERE event_id = ?) AND seq > (SELECT seq FROM outbox WHERE event_id = ?)`,
			protocol.CodeOutOfOrder+":%", eventID, eventID); err != nil {
			return fmt.Errorf("release the events behind %s: %w", eventID, err)
		}
		return audit(ctx, t, sql.NullInt64{Int64: actorID, Valid: actorID != 0}, "sync.retry", eventID, "")
	})
}

// FeedCursor is the last feed cursor applied (0 before the first pull).
func (db *DB) FeedCursor(ctx context.Context) (int64, error) {
	var c int64
	if err := db.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(cursor), 0) FROM feed_applied`).Scan(&c); err != nil {
		return 0, fmt.Errorf("read feed cursor: %w", err)
	}
	return c, nil
}

// ApplyFeed applies county feed items in cursor order, each in its own
// transaction together with its cursor, so a crash between two items
// neither loses nor repeats one; an item already applied is skipped. The
// last successful pull time is kept for "状态更新于".
func (db *DB) ApplyFeed(ctx context.Context, items []protocol.FeedItem) error {
	catalogChanged, calendarChanged := false, false
	for _, it := range items {
		calendarChanged = calendarChanged || it.Kind == protocol.FeedHolidays
		err := db.update(ctx, func(t *tx) error {
			res, err := t.ExecContext(ctx, `INSERT INTO feed_applied (cursor, kind, applied_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
				it.Cursor, string(it.Kind), stamp(t.now))
			if err != nil {
				return fmt.Errorf("record feed item %d: %w", it.Cursor, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // applied before
			}
			changed, err := db.applyFeedItem(ctx, t, it)
			catalogChanged = catalogChanged || changed
			return err
		})
		if err != nil {
			return fmt.Errorf("feed item %d (%s): %w", it.Cursor, it.Kind, err)
		}
	}
	if catalogChanged {
		db.dropCatalogCache()
	}
	if calendarChanged {
		db.catMu.Lock()
		db.calendar = nil
		db.catMu.Unlock()
	}
	return db.update(ctx, func(t *tx) error { return setSetting(ctx, t, settingLastPull, stamp(t.now)) })
}

func (db *DB) applyFeedItem(ctx context.Context, t *tx, it protocol.FeedItem) (catalogChanged bool, err error) {
	switch it.Kind {
	case protocol.FeedCaseStatus:
		var st protocol.CaseStatus
		if err := json.Unmarshal(it.Payload, &st); err != nil {
			return false, fmt.Errorf("decode case status: %w", err)
		}
		if err := applyCountyStatus(ctx, t, st); err != nil {
			return false, err
		}
		// Relayed to the hall for machines not enrolled with the county.
		return false, t.relayToHall(ctx, protocol.HallItem{Kind: protocol.HallCounty, At: t.now, County: &it},
			fmt.Sprintf("county:%d", it.Cursor), st.CaseID)
	case protocol.FeedCaseEvent:
		var ev protocol.Event
		if err := json.Unmarshal(it.Payload, &ev); err != nil {
			return false, fmt.Errorf("decode hall event: %w", err)
		}
		return false, db.applyCountyEvent(ctx, t, ev)
	case protocol.FeedRetention:
		var r protocol.Retention
		if err := json.Unmarshal(it.Payload, &r); err != nil {
			return false, fmt.Errorf("decode retention: %w", err)
		}
		if r.PersonalDataDays < protocol.MinRetentionDays || r.PersonalDataDays > protocol.MaxRetentionDays {
			return false, nil // not a rule this release follows: kept as it was
		}
		return false, setSetting(ctx, t, settingRetention, strconv.Itoa(r.PersonalDataDays))
	case protocol.FeedMasking:
		var m protocol.Masking
		if err := json.Unmarshal(it.Payload, &m); err != nil {
			return false, fmt.Errorf("decode masking: %w", err)
		}
		if ids.CheckIDMask(m.IDPattern) != nil {
			return false, nil // a rule that would reveal more: kept as it was
		}
		if err := setSetting(ctx, t, settingIDMask, m.IDPattern); err != nil {
			return false, err
		}
		// Takes effect at once; a rolled-back item is applied again on the
		// next pull with the same pattern.
		return false, ids.SetIDMask(m.IDPattern)
	case protocol.FeedSeal:
		var sl protocol.Seal
		if err := json.Unmarshal(it.Payload, &sl); err != nil {
			return false, fmt.Errorf("decode seal: %w", err)
		}
		if len(sl.PNG) > protocol.MaxSealPNG {
			return false, nil // larger than any release accepts: kept as it was
		}
		return false, setSetting(ctx, t, settingSeal, base64.StdEncoding.EncodeToString(sl.PNG))
	case protocol.FeedHallConfig:
		return false, applyHallConfig(ctx, t, it)
	case protocol.FeedCountyRestored:
		var r protocol.CountyRestored
		if err := json.Unmarshal(it.Payload, &r); err != nil {
			return false, fmt.Errorf("decode county restore: %w", err)
		}
		return false, resendSinceRestore(ctx, t, r)
	case protocol.FeedDeviceRevoked:
		var r protocol.DeviceRevoked
		if err := json.Unmarshal(it.Payload, &r); err != nil {
			return false, fmt.Errorf("decode revocation: %w", err)
		}
		return false, revokedByCounty(ctx, t, r.DeviceID)
	case protocol.FeedCatalog:
		var d protocol.DocumentPayload
		if err := json.Unmarshal(it.Payload, &d); err != nil {
			return false, fmt.Errorf("decode catalog: %w", err)
		}
		cat, err := catalog.ParseReceived(d.Document)
		if err != nil {
			return false, fmt.Errorf("county catalog %s: %w", d.Version, err)
		}
		_, err = loadCatalog(ctx, t, d.Document, cat)
		return true, err
	case protocol.FeedHolidays:
		var d protocol.DocumentPayload
		if err := json.Unmarshal(it.Payload, &d); err != nil {
			return false, fmt.Errorf("decode holidays: %w", err)
		}
		if _, err := workday.LoadReceived(d.Document); err != nil {
			return false, fmt.Errorf("county holiday calendar %d: %w", d.Year, err)
		}
		var year struct {
			Year int `json:"year"`
		}
		if err := json.Unmarshal(d.Document, &year); err != nil || year.Year == 0 {
			return false, fmt.Errorf("county holiday calendar names no year")
		}
		_, err := t.ExecContext(ctx, `INSERT INTO holiday_calendars (year, document, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (year) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at`,
			year.Year, string(d.Document), stamp(t.now))
		return false, err
	case protocol.FeedBookingCreated, protocol.FeedBookingCancelled:
		var q protocol.QueuePayload
		if err := json.Unmarshal(it.Payload, &q); err != nil {
			return false, fmt.Errorf("decode booking: %w", err)
		}
		var b queue.Booking
		if err := json.Unmarshal(q.Doc, &b); err != nil || b.ID == "" || b.Code == "" {
			return false, fmt.Errorf("county booking document is incomplete")
		}
		return false, applyCountyBooking(ctx, t, b, it.Kind == protocol.FeedBookingCancelled)
	}
	// A kind this kiosk does not know yet (a newer county): skip it rather
	// than stop the feed; the cursor still moves on.
	return false, nil
}

// applyCountyStatus keeps the county's latest decision on a case and
// applies it to the case. A decision older than the one kept changes
// nothing; one for a case this machine does not hold yet (it was taken in
// at another machine of the hall and has not arrived) waits for the case.
func applyCountyStatus(ctx context.Context, t *tx, st protocol.CaseStatus) error {
	var kept string
	err := t.QueryRowContext(ctx, `SELECT at FROM county_status WHERE case_id = ?`, st.CaseID).Scan(&kept)
	switch {
	case err == nil:
		if at, _ := unstamp(kept); !st.At.After(at) {
			return nil
		}
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("read county decision: %w", err)
	}
	payload, err := t.sealJSON(st, colCountyStatus)
	if err != nil {
		return err
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO county_status (case_id, at, payload) VALUES (?, ?, ?)
		ON CONFLICT (case_id) DO UPDATE SET at = excluded.at, payload = excluded.payload`, st.CaseID, stamp(st.At), payload); err != nil {
		return fmt.Errorf("keep county decision: %w", err)
	}
	var doc string
	err = t.QueryRowContext(ctx, `SELECT doc FROM cases WHERE id = ?`, st.CaseID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // applied when the case arrives
	}
	if err != nil {
		return fmt.Errorf("read case: %w", err)
	}
	var c cases.Case
	if err := t.db.unsealJSON(doc, colCaseDoc, &c); err != nil {
		return err
	}
	u, err := countyUpdate(st)
	if err != nil {
		return err
	}
	after, err := cases.ApplyCounty(c, u)
	if err != nil {
		return err
	}
	b, err := t.sealJSON(after, colCaseDoc)
	if err != nil {
		return err
	}
	// The county moves the status and the suspensions that 查询办件 dates
	// by: the facts follow the document here too.
	f, err := t.factsOf(after)
	if err != nil {
		return err
	}
	// The revision moves on so a window holding the case sees it changed;
	// the chain does not (no outbox event: the county is where this came
	// from, and every machine of the hall hears it from the county too).
	_, err = t.ExecContext(ctx, `UPDATE cases SET status = ?, supplement_by = ?, doc = ?, rev = rev + 1, updated_at = ?,
		county_case = COALESCE(NULLIF(?, ''), county_case), county_at = ?, first_matter = ?, commitment = ? WHERE id = ?`,
		string(after.Status), dateOrNull(after.SupplementBy), b, stamp(t.now), st.CountyCase, stamp(st.At),
		f.firstMatter, f.commitment, c.ID)
	if err != nil {
		return fmt.Errorf("update case from county: %w", err)
	}
	return t.putBrief(ctx, c.ID, f)
}

// countyUpdate reads a county decision as the domain's.
func countyUpdate(st protocol.CaseStatus) (cases.CountyUpdate, error) {
	u := cases.CountyUpdate{CaseNo: st.CountyCase, Status: st.Status, Pickup: st.Pickup, Reason: st.Reason, By: st.By, At: st.At,
		Procedure: st.Procedure, ProcedureReason: st.ProcedureReason}
	for _, s := range st.Supplements {
		u.Supplements = append(u.Supplements, cases.MaterialRef{Matter: s.Matter, Material: s.Material, Name: s.Name})
	}
	if st.SupplyBy != "" {
		var err error
		if u.SupplyBy, err = time.ParseInLocation("2006-01-02", st.SupplyBy, workday.China); err != nil {
			return u, fmt.Errorf("supply_by %q: %w", st.SupplyBy, err)
		}
	}
	return u, nil
}

func applyCountyBooking(ctx context.Context, t *tx, b queue.Booking, cancelled bool) error {
	if cancelled {
		b.Status = queue.BookingCancelled
		doc, err := t.sealJSON(b, colBooking)
		if err != nil {
			return err
		}
		_, err = t.ExecContext(ctx, `UPDATE bookings SET status = ?, doc = ? WHERE id = ? AND status = ?`,
			string(queue.BookingCancelled), doc, b.ID, string(queue.BookingActive))
		return err
	}
	b.Status = queue.BookingActive
	doc, err := t.sealJSON(b, colBooking)
	if err != nil {
		return err
	}
	// request_id "county:" marks a booking made elsewhere. A clash with a
	// local booking of the same person, sector and day keeps the local one.
	_, err = t.ExecContext(ctx, `INSERT INTO bookings (id, request_id, code, sector, day, half, resident_id, status, doc, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		b.ID, "county:"+b.ID, b.Code, b.Sector, b.Day, string(b.Half), t.db.residentKey(b.ResidentID), string(b.Status), doc, stamp(t.now))
	return err
}

// Calendar returns the working-day calendar: the embedded notices, with the
// ones the county published since (a new year, a corrected notice) on top.
// It is read once and again after the county sends a calendar.
func (db *DB) Calendar(ctx context.Context) (*workday.Calendar, error) {
	db.catMu.RLock()
	cal := db.calendar
	db.catMu.RUnlock()
	if cal != nil {
		return cal, nil
	}
	cal, err := db.readCalendar(ctx)
	if err != nil {
		return nil, err
	}
	db.catMu.Lock()
	db.calendar = cal
	db.catMu.Unlock()
	return cal, nil
}

func (db *DB) readCalendar(ctx context.Context) (*workday.Calendar, error) {
	embedded, err := assets.HolidayCalendars()
	if err != nil {
		return nil, err
	}
	byYear := map[int][]byte{}
	for _, raw := range embedded {
		var y struct {
			Year int `json:"year"`
		}
		if err := json.Unmarshal(raw, &y); err != nil {
			return nil, fmt.Errorf("embedded calendar: %w", err)
		}
		byYear[y.Year] = raw
	}
	rows, err := db.r.QueryContext(ctx, `SELECT year, document FROM holiday_calendars`)
	if err != nil {
		return nil, fmt.Errorf("read holiday calendars: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var y int
		var doc string
		if err := rows.Scan(&y, &doc); err != nil {
			return nil, fmt.Errorf("scan holiday calendar: %w", err)
		}
		byYear[y] = []byte(doc)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	all := make([][]byte, 0, len(byYear))
	for _, raw := range byYear {
		all = append(all, raw)
	}
	return workday.LoadReceived(all...)
}

// qPendingUploads walks attachments_to_upload (the waiting files only) in
// sha256 order to group them; ordering the groups by age then sorts just
// the waiting files.
const qPendingUploads = `SELECT sha256 FROM attachments WHERE uploaded_at IS NULL AND origin = '' GROUP BY sha256 ORDER BY MIN(added_at), sha256`

// PendingUploads lists the SHA-256 of attachments the county does not hold
// yet, once per file, oldest first: this machine's own files (a file that
// came with a case from another machine of the hall is that machine's to
// upload).
func (db *DB) PendingUploads(ctx context.Context) ([]string, error) {
	return db.strings(ctx, "list pending uploads", qPendingUploads)
}

// MarkUploaded records that the county holds a file (every case using it).
func (db *DB) MarkUploaded(ctx context.Context, sha string) error {
	return db.update(ctx, func(t *tx) error {
		_, err := t.ExecContext(ctx, `UPDATE attachments SET uploaded_at = ? WHERE sha256 = ? AND uploaded_at IS NULL`, stamp(t.now), sha)
		if err != nil {
			return fmt.Errorf("mark %s uploaded: %w", sha, err)
		}
		return nil
	})
}

// qLastPrint is the newest document, for the fleet view's printer state,
// found by its key (MAX of the primary key is one B-tree step).
const qLastPrint = `SELECT created_at, printed_at, print_error FROM documents WHERE id = (SELECT MAX(id) FROM documents)`

// DeviceStatus gathers what the county's fleet view shows of this kiosk:
// what waits to sync, and how its printer did the last time it printed.
// lastError is the link's last problem, in the hall's words ("" when none).
func (db *DB) DeviceStatus(ctx context.Context, appVersion, lastError string) (protocol.DeviceStatus, error) {
	st, err := db.SyncStatus(ctx)
	if err != nil {
		return protocol.DeviceStatus{}, err
	}
	out := protocol.DeviceStatus{AppVersion: appVersion, Pending: st.Pending, Quarantined: st.Quarantined, Uploads: st.Uploads,
		LastError: lastError, At: db.clock.Now(), Printer: protocol.PrinterStatus{State: "unknown"}}
	if k, ok, err := db.Kiosk(ctx); err == nil && ok {
		out.Printer.Queue = k.PrinterQueue
	}
	var created string
	var printed, printErr sql.NullString
	err = db.r.QueryRowContext(ctx, qLastPrint).Scan(&created, &printed, &printErr)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return out, fmt.Errorf("read last print: %w", err)
	case printErr.Valid:
		out.Printer.State, out.Printer.Detail = "error", printErr.String
		out.Printer.Problem = printerProblem(printErr.String)
		out.Printer.At, _ = unstamp(created)
	case printed.Valid:
		out.Printer.State = "ok"
		out.Printer.At, _ = unstamp(printed.String)
	}
	// The printer's own word (a thermal printer's status), when it is newer
	// than the last document's: the only news of a ticket machine, whose
	// slips are not archived documents, and of an empty roll found between
	// jobs.
	h, ok, err := db.printerHealth(ctx)
	if err != nil {
		return out, err
	}
	if ok && (out.Printer.State == "unknown" || !h.At.Before(out.Printer.At)) {
		out.Printer = h
	}
	return out, nil
}

// settingPrinterHealth holds the printer's last reading of itself, a
// protocol.PrinterStatus as JSON. A setting, not a table: it is one row of
// device state, replaced, never history.
const settingPrinterHealth = "printer.health"

// SetPrinterHealth records what the printer said of itself. Only a change
// is written, dated by the store's clock: a ticket machine reads its
// printer twice a slip, and At is when the state began.
func (db *DB) SetPrinterHealth(ctx context.Context, st protocol.PrinterStatus) error {
	old, ok, err := db.printerHealth(ctx)
	if err != nil {
		return err
	}
	if ok && old.Queue == st.Queue && old.State == st.State && old.Problem == st.Problem && old.Detail == st.Detail {
		return nil
	}
	st.At = db.clock.Now()
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("printer health: %w", err)
	}
	return db.SetSetting(ctx, settingPrinterHealth, string(b))
}

func (db *DB) printerHealth(ctx context.Context) (protocol.PrinterStatus, bool, error) {
	v, ok, err := db.Setting(ctx, settingPrinterHealth)
	if err != nil || !ok {
		return protocol.PrinterStatus{}, false, err
	}
	var st protocol.PrinterStatus
	if err := json.Unmarshal([]byte(v), &st); err != nil {
		return protocol.PrinterStatus{}, false, fmt.Errorf("read printer health: %w", err)
	}
	return st, true, nil
}

// printerProblem names the problem of a stored print error, whose text is
// printing.Error's: "print to <queue>: <problem>[: <detail>]".
func printerProblem(text string) string {
	_, rest, ok := strings.Cut(text, ": ")
	if !strings.HasPrefix(text, "print to ") || !ok {
		return ""
	}
	code, _, _ := strings.Cut(rest, ": ")
	if slices.Contains(protocol.PrinterProblems, code) {
		return code
	}
	return ""
}

func setSetting(ctx context.Context, t *tx, key, value string) error {
	if sealedSettings[key] && value != "" {
		var err error
		if value, err = t.seal([]byte(value), colSetting+":"+key); err != nil {
			return err
		}
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return fmt.Errorf("save setting %s: %w", key, err)
	}
	return nil
}
