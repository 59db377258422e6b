package county

// The store by aggregate. *SQLite and *Postgres each provide every
// interface below (aggregates_test.go asserts it); a consumer asks for the
// few it uses, so what it can touch is read off its type, and a fake for a
// test, or a third store, needs only those methods. Store (store.go) is
// the kiosks' API's composition; office.Store, sms.Store, metrics.Source
// and countyd's commands compose their own.

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"os"
	"time"

	"github.com/yichuang/yichuang/sync/protocol"
)

// Enrollment is how a kiosk becomes a device. The kiosks' API (Server)
// enrolls; countyd enroll-code and countytest make codes.
type Enrollment interface {
	// CreateEnrollCode makes a single-use code for a service point.
	CreateEnrollCode(ctx context.Context, p ServicePoint) (EnrollCode, error)
	// Enroll consumes a code and creates a device; ErrBadEnrollment when
	// the code is unknown, used or expired.
	Enroll(ctx context.Context, code, hostname, appVersion string) (Device, error)
	// EnrollKey is Enroll for a device with its own Ed25519 key pair.
	EnrollKey(ctx context.Context, code, hostname, appVersion string, pub ed25519.PublicKey) (Device, error)
}

// DeviceAuth is what the kiosks' API checks and keeps on every signed
// request (Server).
type DeviceAuth interface {
	// Device returns a device with its secret; ErrNotFound when unknown.
	Device(ctx context.Context, id string) (Device, error)
	// UseNonce records a verified request's nonce and the device's last
	// contact; ErrReplayed (and nothing written) when the nonce was seen.
	UseNonce(ctx context.Context, deviceID, nonce string) error
	// SetDeviceKey moves a device to a key pair; its secret is forgotten.
	SetDeviceKey(ctx context.Context, id string, pub ed25519.PublicKey) error
	// SetDeviceStatus keeps a device's latest self-reported state.
	SetDeviceStatus(ctx context.Context, deviceID string, st protocol.DeviceStatus) error
}

// Devices lists and stops devices: countyd devices and revoke, and the
// metrics (devices silent for a day).
type Devices interface {
	// Devices lists devices without their secrets.
	Devices(ctx context.Context) ([]Device, error)
	// RevokeDevice stops a device; ErrNotFound when unknown.
	RevokeDevice(ctx context.Context, id string) error
}

// Fleet is the back office's fleet page: devices with their reports,
// enrollment codes, and the audited ways to make a code or stop a device.
// Devices and DeviceStatuses (every device) are the monthly report's;
// the page and its export read DevicePage's pages.
type Fleet interface {
	DevicePage(ctx context.Context, f FleetFilter) ([]FleetDevice, error)
	FleetCounts(ctx context.Context) (FleetCounts, error)
	DeviceVersions(ctx context.Context) ([]string, error)
	FleetDevice(ctx context.Context, id string) (Device, error)
	CodePage(ctx context.Context, f CodeFilter) ([]EnrollCodeInfo, string, error)
	Devices(ctx context.Context) ([]Device, error)
	DeviceStatuses(ctx context.Context) (map[string]DeviceReport, error)
	CreateEnrollCodeAudited(ctx context.Context, p ServicePoint, e AuditEntry) (EnrollCode, error)
	RevokeDeviceAudited(ctx context.Context, id string, e AuditEntry) error
}

// Events applies the kiosks' pushes (Server).
type Events interface {
	// Apply applies pushed events in order, each at most once, and returns
	// one result per event.
	Apply(ctx context.Context, dev Device, events []protocol.Event) ([]protocol.Result, error)
}

// Feed is what the kiosks pull (Server).
type Feed interface {
	// Feed returns up to limit items for a device's service point after a
	// cursor, and whether more follow; the device's own events are left out.
	Feed(ctx context.Context, dev Device, after int64, limit int) (items []protocol.FeedItem, more bool, err error)
}

// Publisher sends the county's own documents to the halls through the
// feed: countyd's publishing commands (publish-catalog, holidays,
// retention, masking, seal, hall-config, booking).
type Publisher interface {
	// PublishCatalog sends a catalog document to one point, or to all
	// when point is "".
	PublishCatalog(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error)
	// PublishHolidays sends a holiday calendar to all points.
	PublishHolidays(ctx context.Context, doc json.RawMessage) (protocol.FeedItem, error)
	PublishRetention(ctx context.Context, days int) (protocol.FeedItem, error)
	PublishMasking(ctx context.Context, pattern string) (protocol.FeedItem, error)
	PublishSeal(ctx context.Context, point string, img []byte) (protocol.FeedItem, error)
	PublishHallConfig(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error)
	// CreateBooking and CancelBooking send a booking made through another
	// channel to its service point.
	CreateBooking(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error)
	CancelBooking(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error)
}

// Cases is the county's view of the cases and its decisions on them, not
// audited: the contract tests, the load tools and scripts.
type Cases interface {
	// Cases lists cases, newest first.
	Cases(ctx context.Context, f CaseFilter) ([]Case, error)
	// Case finds a case by id, tracking code or county case number.
	Case(ctx context.Context, ref string) (Case, error)
	// CaseLog is a case's applied events in apply order.
	CaseLog(ctx context.Context, caseID string) ([]LogEntry, error)
	// SetCaseStatus records the county's decision and sends it to the
	// case's service point.
	SetCaseStatus(ctx context.Context, c StatusChange) (protocol.FeedItem, error)
}

// CaseReview is the back office's case pages: the paged list, one case
// with its history, and the audited decision.
type CaseReview interface {
	CasePage(ctx context.Context, f CasePageFilter) ([]Case, int, error)
	CaseMatterCodes(ctx context.Context) ([]string, error)
	Case(ctx context.Context, ref string) (Case, error)
	CaseLog(ctx context.Context, caseID string) ([]LogEntry, error)
	CaseStatusLog(ctx context.Context, caseID string) ([]StatusLogEntry, error)
	SetCaseStatusAudited(ctx context.Context, c StatusChange, e AuditEntry) (protocol.FeedItem, error)
}

// Uploads is the kiosks' side of attachments (Server).
type Uploads interface {
	// DeviceBlob is what a device may know of an attachment: held whole
	// for its point, or its own unfinished upload; ErrNotFound otherwise.
	DeviceBlob(ctx context.Context, dev Device, sha string) (BlobState, error)
	// PutBlob appends a chunk at offset. *OffsetError when offset is not
	// the stored length; ErrHashMismatch (data discarded) when the
	// completed file is not its name.
	PutBlob(ctx context.Context, dev Device, sha string, offset, total int64, chunk []byte) (BlobState, error)
}

// Blobs reads the attachments the county holds: the back office's
// attachment view, and tests.
type Blobs interface {
	// Blob is an attachment the county holds whole; ErrNotFound when not.
	Blob(ctx context.Context, sha string) (BlobState, error)
	OpenBlob(ctx context.Context, sha string) (*os.File, BlobState, error)
}

// Directory is what the county knows of its halls and calendar, for the
// back office's filters, publication targets and due dates.
type Directory interface {
	ServicePoints(ctx context.Context) ([]ServicePoint, error)
	ServicePoint(ctx context.Context, code string) (ServicePoint, error)
	HolidayDocs(ctx context.Context) ([]json.RawMessage, error)
}

// Catalog is the back office's catalog pages: versions, publications and
// per-point overrides, each change audited.
type Catalog interface {
	AddCatalogVersion(ctx context.Context, v CatalogVersion, e AuditEntry) (CatalogVersion, error)
	CatalogVersions(ctx context.Context) ([]CatalogVersion, error)
	CatalogVersion(ctx context.Context, version string) (CatalogVersion, error)
	PublishCatalogVersion(ctx context.Context, version string, points []string, by string, e AuditEntry) ([]protocol.FeedItem, error)
	CatalogPublications(ctx context.Context) ([]Publication, error)
	SetOverride(ctx context.Context, o OverrideRecord, effective CatalogVersion, e AuditEntry) (protocol.FeedItem, error)
	Overrides(ctx context.Context) ([]OverrideRecord, error)
}

// StaffRoster is the back office's accounts: sign-in looks a login up,
// the staff page lists, adds and stops accounts (countyd staff-add too).
type StaffRoster interface {
	StaffByLogin(ctx context.Context, login string) (Staff, error)
	StaffMembers(ctx context.Context) ([]Staff, error)
	CreateStaff(ctx context.Context, st Staff, passwordHash string) (Staff, error)
	SetStaffActive(ctx context.Context, staffID int64, active bool, e AuditEntry) error
}

// Sessions is the back office's sign-in sessions, kept in the database so
// any countyd instance serves any request.
type Sessions interface {
	CreateSession(ctx context.Context, se Session, idleBefore time.Time, e AuditEntry) error
	Session(ctx context.Context, tokenHash string) (Session, error)
	TouchSession(ctx context.Context, tokenHash string) error
	DeleteSession(ctx context.Context, tokenHash string, e *AuditEntry) error
}

// AuditTrail is the record of every look at personal data and every
// decision: the back office writes it on each such request and reads it on
// the audit page.
type AuditTrail interface {
	Audit(ctx context.Context, e AuditEntry) error
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, int, error)
}

// CaseCounts is the back office's monthly report's view of the cases
// (office/report.go).
type CaseCounts interface {
	// CaseCounts counts the cases first seen in [from, to) by service
	// point, kiosk status and county status.
	CaseCounts(ctx context.Context, from, to time.Time) ([]CaseCount, error)
}

// Notices is the back office's notices page: what became of the SMS
// notices, the configuration they are sent with, and an audited re-send.
type Notices interface {
	Notices(ctx context.Context, caseID string, limit int) ([]NoticeRecord, error)
	NoticeCounts(ctx context.Context) (map[string]int, error)
	SMSConfig(ctx context.Context) (SMSConfig, error)
	RequeueNotice(ctx context.Context, eventID string, e AuditEntry) error
}

// RatingReview is the back office's 好差评 pages (ratings.go): the follow-up list and
// the rating statistics.
type RatingReview interface {
	FollowUps(ctx context.Context, f FollowUpFilter) (items []FollowUp, more bool, err error)
	RatingStats(ctx context.Context, f RatingFilter) (RatingStats, error)
}

// SMSSettings changes the SMS configuration: countyd set-sms.
type SMSSettings interface {
	SetSMSConfig(ctx context.Context, c SMSConfig, e AuditEntry) (SMSConfig, error)
}

// NoticeQueue is the SMS sender's side of the notices (package sms): the
// ones due, and the outcome of trying them.
type NoticeQueue interface {
	DueNotices(ctx context.Context, limit int) ([]Outgoing, error)
	RecordNoticeTries(ctx context.Context, o Outgoing, out NoticeOutcome) error
}

// Vitals is what monitoring reads of the store (package metrics: /metrics
// and /readyz). Kept apart from Store so the probes ask nothing else.
type Vitals interface {
	// Ready says whether the database answers and has every migration
	// this countyd knows; the error says which is wrong.
	Ready(ctx context.Context) error
	// DBStats are the connection pools' counters by pool name.
	DBStats() map[string]sql.DBStats
	// BlobBytes is the size of the attachments held, whole or partial.
	BlobBytes(ctx context.Context) (int64, error)
}
