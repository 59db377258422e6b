package county

// The back office's and the SMS sender's part of the PostgreSQL store:
// staff, sessions, audit, enrollment codes, device status, catalog
// versions and overrides, holidays, bookings, the SMS configuration and
// the notice queue. Each method is the SQLite method's thin wrapper over
// the same shared function; where PostgreSQL runs two writers at once,
// the shared code's guard (a unique key with ON CONFLICT, FOR UPDATE) is
// said beside it.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/yichuang/yichuang/sync/protocol"
)

// CreateStaff adds a staff member with an argon2id password hash.
func (s *Postgres) CreateStaff(ctx context.Context, st Staff, passwordHash string) (Staff, error) {
	var out Staff
	err := s.update(ctx, func(tx dbtx) (err error) {
		out, err = createStaff(ctx, tx, st, passwordHash, s.now())
		return err
	})
	return out, err
}

// StaffByLogin returns a staff member with the password hash.
func (s *Postgres) StaffByLogin(ctx context.Context, login string) (Staff, error) {
	return staffByLogin(ctx, s.read(), login)
}

// StaffMembers lists staff by login, without password hashes.
func (s *Postgres) StaffMembers(ctx context.Context) ([]Staff, error) {
	return staffMembers(ctx, s.read())
}

// SetLoginState records the failure count and lockout after a login try.
func (s *Postgres) SetLoginState(ctx context.Context, staffID int64, failures int, lockedUntil time.Time, e *AuditEntry) error {
	return s.update(ctx, func(tx dbtx) error { return setLoginState(ctx, tx, staffID, failures, lockedUntil, e, s.now()) })
}

// SetStaffActive enables or disables an account.
func (s *Postgres) SetStaffActive(ctx context.Context, staffID int64, active bool, e AuditEntry) error {
	return s.update(ctx, func(tx dbtx) error { return setStaffActive(ctx, tx, staffID, active, e, s.now()) })
}

// CreateSession stores a new session and audits the login.
func (s *Postgres) CreateSession(ctx context.Context, se Session, idleBefore time.Time, e AuditEntry) error {
	return s.update(ctx, func(tx dbtx) error { return createSession(ctx, tx, se, idleBefore, e, s.now()) })
}

// Session returns an active staff member's session. Sessions live in the
// database, so a browser's next request may reach any instance.
func (s *Postgres) Session(ctx context.Context, tokenHash string) (Session, error) {
	return readSession(ctx, s.read(), tokenHash)
}

// TouchSession moves a session's last use to now.
func (s *Postgres) TouchSession(ctx context.Context, tokenHash string) error {
	return s.update(ctx, func(tx dbtx) error { return touchSession(ctx, tx, tokenHash, s.now()) })
}

// DeleteSession ends a session; e, when not nil, is audited with it.
func (s *Postgres) DeleteSession(ctx context.Context, tokenHash string, e *AuditEntry) error {
	return s.update(ctx, func(tx dbtx) error { return deleteSession(ctx, tx, tokenHash, e, s.now()) })
}

// Audit writes one audit row.
func (s *Postgres) Audit(ctx context.Context, e AuditEntry) error {
	return s.update(ctx, func(tx dbtx) error { return writeAudit(ctx, tx, e, s.now()) })
}

// AuditLog returns a page of audit rows, newest first, and how many match.
func (s *Postgres) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, int, error) {
	return auditLog(ctx, s.read(), f)
}

// ServicePoints lists the points the county knows.
func (s *Postgres) ServicePoints(ctx context.Context) ([]ServicePoint, error) {
	return servicePoints(ctx, s.read())
}

// ServicePoint returns one point; ErrNotFound when the county never made
// a code for it.
func (s *Postgres) ServicePoint(ctx context.Context, code string) (ServicePoint, error) {
	return servicePoint(ctx, s.read(), code)
}

// HolidayDocs returns the published holiday calendars in publishing order.
func (s *Postgres) HolidayDocs(ctx context.Context) ([]json.RawMessage, error) {
	return holidayDocs(ctx, s.read())
}

// SetDeviceStatus keeps a device's latest status report.
func (s *Postgres) SetDeviceStatus(ctx context.Context, deviceID string, st protocol.DeviceStatus) error {
	return s.update(ctx, func(tx dbtx) error { return setDeviceStatus(ctx, tx, deviceID, st, s.now()) })
}

// DeviceStatuses returns the latest report of every device that sent one.
func (s *Postgres) DeviceStatuses(ctx context.Context) (map[string]DeviceReport, error) {
	return deviceStatuses(ctx, s.read())
}

// DevicePage returns one page of the fleet (fleetlist.go).
func (s *Postgres) DevicePage(ctx context.Context, f FleetFilter) ([]FleetDevice, error) {
	return devicePage(ctx, s.read(), f)
}

// FleetCounts returns the fleet page's index-only counts.
func (s *Postgres) FleetCounts(ctx context.Context) (FleetCounts, error) {
	return fleetCounts(ctx, s.read())
}

// DeviceVersions lists the versions devices run, in order.
func (s *Postgres) DeviceVersions(ctx context.Context) ([]string, error) {
	return deviceVersions(ctx, s.read())
}

// FleetDevice returns a device without its secret; ErrNotFound when unknown.
func (s *Postgres) FleetDevice(ctx context.Context, id string) (Device, error) {
	return fleetDevice(ctx, s.read(), id)
}

// CodePage returns a page of enrollment codes, newest first, and the
// cursor of the next page ("" when none follows).
func (s *Postgres) CodePage(ctx context.Context, f CodeFilter) ([]EnrollCodeInfo, string, error) {
	return codePage(ctx, s.read(), f)
}

// CreateEnrollCodeAudited is CreateEnrollCode with its audit row.
func (s *Postgres) CreateEnrollCodeAudited(ctx context.Context, p ServicePoint, e AuditEntry) (EnrollCode, error) {
	var c EnrollCode
	err := s.update(ctx, func(tx dbtx) (err error) {
		c, err = createEnrollCodeAudited(ctx, tx, p, e, s.now())
		return err
	})
	return c, err
}

// RevokeDeviceAudited is RevokeDevice with its audit row.
func (s *Postgres) RevokeDeviceAudited(ctx context.Context, id string, e AuditEntry) error {
	return s.update(ctx, func(tx dbtx) error { return revokeDeviceAudited(ctx, tx, id, e, s.now()) })
}

// AddCatalogVersion stores a checked catalog document under its version.
func (s *Postgres) AddCatalogVersion(ctx context.Context, v CatalogVersion, e AuditEntry) (CatalogVersion, error) {
	v = sealVersion(v, s.now())
	if strings.TrimSpace(v.Version) == "" {
		return v, invalid("a catalog version needs a name")
	}
	err := s.update(ctx, func(tx dbtx) error { return addCatalogVersion(ctx, tx, v, &e, s.now()) })
	return v, err
}

// CatalogVersions lists stored versions, newest first, without documents.
func (s *Postgres) CatalogVersions(ctx context.Context) ([]CatalogVersion, error) {
	return catalogVersions(ctx, s.read())
}

// CatalogVersion returns a stored version with its document.
func (s *Postgres) CatalogVersion(ctx context.Context, version string) (CatalogVersion, error) {
	return catalogVersion(ctx, s.read(), version)
}

// PublishCatalogVersion sends a stored version to points (all when empty).
func (s *Postgres) PublishCatalogVersion(ctx context.Context, version string, points []string, by string, e AuditEntry) ([]protocol.FeedItem, error) {
	v, err := s.CatalogVersion(ctx, version)
	if err != nil {
		return nil, err
	}
	var items []protocol.FeedItem
	err = s.update(ctx, func(tx dbtx) (err error) {
		items, err = publishCatalogVersion(ctx, tx, v, points, by, e, s.now())
		return err
	})
	return items, err
}

// CatalogPublications lists the latest publications, newest first.
func (s *Postgres) CatalogPublications(ctx context.Context) ([]Publication, error) {
	return catalogPublications(ctx, s.read())
}

// SetOverride records a point's override and publishes its catalog.
func (s *Postgres) SetOverride(ctx context.Context, o OverrideRecord, effective CatalogVersion, e AuditEntry) (protocol.FeedItem, error) {
	if err := validPointCode(o.Point); err != nil {
		return protocol.FeedItem{}, err
	}
	var it protocol.FeedItem
	err := s.update(ctx, func(tx dbtx) (err error) {
		it, err = setOverride(ctx, tx, o, effective, e, s.now())
		return err
	})
	return it, err
}

// Overrides lists recorded overrides by point.
func (s *Postgres) Overrides(ctx context.Context) ([]OverrideRecord, error) {
	return overrides(ctx, s.read())
}

// publish appends one feed item in its own transaction.
func (s *Postgres) publish(ctx context.Context, point string, kind protocol.Kind, payload any) (protocol.FeedItem, error) {
	var it protocol.FeedItem
	err := s.update(ctx, func(tx dbtx) (err error) {
		it, err = appendFeed(ctx, tx, point, kind, ts(s.now()), payload)
		return err
	})
	return it, err
}

// PublishCatalog sends a catalog document to one point or to all ("").
func (s *Postgres) PublishCatalog(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error) {
	target, payload, err := catalogItem(point, doc)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	return s.publish(ctx, target, protocol.FeedCatalog, payload)
}

// PublishHolidays sends a holiday calendar to every point and moves every
// stored due date to the new working days. The table lock keeps the
// rewrite of every case's deadline from racing a push that rewrites one
// case's (each would write a deadline from what it read before the other
// committed); SQLite's single writer gives the same for free. Calendars
// are published about once a year, so the pause of pushes is no cost. The
// lock is taken after the feed item is appended: a push takes its feed
// before it writes cases, and the same order here cannot deadlock with it.
func (s *Postgres) PublishHolidays(ctx context.Context, doc json.RawMessage) (protocol.FeedItem, error) {
	payload, err := holidayPayload(doc)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	var it protocol.FeedItem
	err = s.update(ctx, func(tx dbtx) (err error) {
		it, err = publishHolidays(ctx, tx, &s.cals, payload, s.now(), `LOCK TABLE cases IN SHARE ROW EXCLUSIVE MODE`)
		return err
	})
	return it, err
}

// CreateBooking sends a booking made through another channel to its point.
func (s *Postgres) CreateBooking(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error) {
	payload, err := bookingPayload(point, doc)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	return s.publish(ctx, point, protocol.FeedBookingCreated, payload)
}

// CancelBooking sends the cancellation of such a booking.
func (s *Postgres) CancelBooking(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error) {
	payload, err := bookingPayload(point, doc)
	if err != nil {
		return protocol.FeedItem{}, err
	}
	return s.publish(ctx, point, protocol.FeedBookingCancelled, payload)
}

// SetSMSConfig checks and stores the county's SMS configuration.
func (s *Postgres) SetSMSConfig(ctx context.Context, c SMSConfig, e AuditEntry) (SMSConfig, error) {
	var out SMSConfig
	err := s.update(ctx, func(tx dbtx) (err error) {
		out, err = setSMSConfig(ctx, tx, c, e, s.now())
		return err
	})
	return out, err
}

// SMSConfig returns the county's SMS configuration; ErrNotFound before
// one is set.
func (s *Postgres) SMSConfig(ctx context.Context) (SMSConfig, error) { return smsConfig(ctx, s.read()) }

// Notices returns the newest notices first, at most limit of them.
func (s *Postgres) Notices(ctx context.Context, caseID string, limit int) ([]NoticeRecord, error) {
	return notices(ctx, s.read(), caseID, limit)
}

// NoticeCounts counts notices by state, held ones apart ("held").
func (s *Postgres) NoticeCounts(ctx context.Context) (map[string]int, error) {
	return noticeCounts(ctx, s.read())
}

// NoticeAttempts returns a notice's tries, oldest first.
func (s *Postgres) NoticeAttempts(ctx context.Context, eventID string) ([]NoticeTry, error) {
	return noticeAttempts(ctx, s.read(), eventID)
}

// noticeLease is how long a sender's claim on a due notice holds: longer
// than a round of tries (sms.Sender), so another instance's sender does
// not take the same notice meanwhile, and short enough that a notice
// claimed by an instance that died goes out soon after.
const noticeLease = 10 * time.Minute

// dueNoticesClaimSQL claims the due notices as it lists them: every
// countyd instance runs a sender, and two must not send one notice twice.
// FOR UPDATE SKIP LOCKED lets two rounds at once take different notices;
// the claim moves next_attempt_at past the lease, so the next round of
// another instance passes them over until RecordNoticeTries sets the
// real next try. (A CTE's SELECT sees the rows as they were before its
// UPDATE, which is what is listed.)
const dueNoticesClaimSQL = `WITH claimed AS (
	UPDATE notices SET next_attempt_at = ? WHERE event_id IN (
		SELECT event_id FROM notices WHERE state = 'queued' AND held = 0 AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
		ORDER BY created_at, event_id LIMIT ? FOR UPDATE SKIP LOCKED)
	RETURNING event_id)
SELECT ` + noticeCols + ` FROM notices n JOIN cases c ON c.case_id = n.case_id
	WHERE n.event_id IN (SELECT event_id FROM claimed) ORDER BY n.created_at, n.event_id`

// DueNotices claims and returns up to limit due notices (see
// dueNoticesClaimSQL).
func (s *Postgres) DueNotices(ctx context.Context, limit int) ([]Outgoing, error) {
	now := s.now()
	update := func(fn func(tx dbtx) error) error { return s.update(ctx, fn) }
	return dueNotices(ctx, s.read(), update, update, now, dueNoticesClaimSQL, ts(now.Add(noticeLease)), ts(now), limit)
}

// RecordNoticeTries writes a round of tries and its outcome; the notice's
// row is locked while its state and count are read, so two instances'
// rounds ending at once count each other's tries.
func (s *Postgres) RecordNoticeTries(ctx context.Context, o Outgoing, out NoticeOutcome) error {
	sent, err := json.Marshal(o.Params)
	if err != nil {
		return fmt.Errorf("encode sent parameters: %w", err)
	}
	now := s.now()
	return s.update(ctx, func(tx dbtx) error { return recordNoticeTries(ctx, tx, o, out, string(sent), now, " FOR UPDATE") })
}

// RequeueNotice puts a failed notice back in the queue, audited. Its
// UPDATE checks the state again (… AND state = 'failed'), which on
// PostgreSQL waits for and rereads a concurrent sender's change.
func (s *Postgres) RequeueNotice(ctx context.Context, eventID string, e AuditEntry) error {
	return s.update(ctx, func(tx dbtx) error { return requeueNotice(ctx, tx, eventID, e, s.now()) })
}
