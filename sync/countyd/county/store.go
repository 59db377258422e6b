// Package county is the county center of docs/protocol.md: it enrolls
// kiosks, checks their signed requests, applies their events at most once,
// keeps their attachments, and serves each service point the feed of the
// county's decisions, catalogs, holiday calendars and bookings.
//
// Store is the storage boundary (SQLite here, PostgreSQL when a county
// outgrows it); Server is the HTTP API over a Store. Both take the clock
// from the caller so tests can move time.
package county

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/yichuang/yichuang/sync/protocol"
)

// Store is everything the county keeps. Every method that writes does so in
// one transaction: an event's effect, its applied row and any feed item
// commit together or not at all.
type Store interface {
	// CreateEnrollCode makes a single-use code for a service point.
	CreateEnrollCode(ctx context.Context, p ServicePoint) (EnrollCode, error)
	// Enroll consumes a code and creates a device; ErrBadEnrollment when
	// the code is unknown, used or expired.
	Enroll(ctx context.Context, code, hostname, appVersion string) (Device, error)
	// EnrollKey is Enroll for a device with its own Ed25519 key pair.
	EnrollKey(ctx context.Context, code, hostname, appVersion string, pub ed25519.PublicKey) (Device, error)
	// SetDeviceKey moves a device to a key pair; its secret is forgotten.
	SetDeviceKey(ctx context.Context, id string, pub ed25519.PublicKey) error
	// Device returns a device with its secret; ErrNotFound when unknown.
	Device(ctx context.Context, id string) (Device, error)
	// UseNonce records a verified request's nonce and the device's last
	// contact; ErrReplayed (and nothing written) when the nonce was seen.
	UseNonce(ctx context.Context, deviceID, nonce string) error
	// RevokeDevice stops a device; ErrNotFound when unknown.
	RevokeDevice(ctx context.Context, id string) error
	// Devices lists devices without their secrets.
	Devices(ctx context.Context) ([]Device, error)

	// Apply applies pushed events in order, each at most once, and returns
	// one result per event.
	Apply(ctx context.Context, dev Device, events []protocol.Event) ([]protocol.Result, error)
	// Feed returns up to limit items for a device's service point after a
	// cursor, and whether more follow; the device's own events are left out.
	Feed(ctx context.Context, dev Device, after int64, limit int) (items []protocol.FeedItem, more bool, err error)

	// Cases lists cases, newest first.
	Cases(ctx context.Context, f CaseFilter) ([]Case, error)
	// Case finds a case by id, tracking code or county case number.
	Case(ctx context.Context, ref string) (Case, error)
	// CaseLog is a case's applied events in apply order.
	CaseLog(ctx context.Context, caseID string) ([]LogEntry, error)
	// SetCaseStatus records the county's decision and sends it to the
	// case's service point.
	SetCaseStatus(ctx context.Context, c StatusChange) (protocol.FeedItem, error)

	// PublishCatalog sends a catalog document to one point, or to all
	// when point is "".
	PublishCatalog(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error)
	// PublishHolidays sends a holiday calendar to all points.
	PublishHolidays(ctx context.Context, doc json.RawMessage) (protocol.FeedItem, error)
	// CreateBooking and CancelBooking send a booking made through another
	// channel to its service point.
	CreateBooking(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error)
	CancelBooking(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error)

	// Blob is an attachment the county holds whole; ErrNotFound when not.
	Blob(ctx context.Context, sha string) (BlobState, error)
	// DeviceBlob is what a device may know of an attachment: held whole
	// for its point, or its own unfinished upload; ErrNotFound otherwise.
	DeviceBlob(ctx context.Context, dev Device, sha string) (BlobState, error)
	// PutBlob appends a chunk at offset. *OffsetError when offset is not
	// the stored length; ErrHashMismatch (data discarded) when the
	// completed file is not its name.
	PutBlob(ctx context.Context, dev Device, sha string, offset, total int64, chunk []byte) (BlobState, error)

	// SetDeviceStatus keeps a device's latest self-reported state.
	SetDeviceStatus(ctx context.Context, deviceID string, st protocol.DeviceStatus) error

	// Stats counts rows, for the back office and for tests that check a
	// refused request stored nothing.
	Stats(ctx context.Context) (Stats, error)
	Close() error
}

// Errors of the store. The HTTP layer maps them to protocol codes.
var (
	ErrNotFound       = errors.New("not found")
	ErrBadEnrollment  = errors.New("enrollment code unknown, used or expired")
	ErrReplayed       = errors.New("nonce already used")
	ErrHashMismatch   = errors.New("uploaded data does not match its sha256")
	ErrTooLarge       = errors.New("attachment over the size limit")
	ErrTooManyUploads = errors.New("too many unfinished uploads from this device")
)

// InvalidError says an input breaks a rule; its text says which, for the
// officer or the log.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

func invalid(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

// OffsetError answers a chunk that does not start at the stored length.
type OffsetError struct{ Stored int64 }

func (e *OffsetError) Error() string {
	return fmt.Sprintf("chunk must start at the stored length %d", e.Stored)
}

// Service point levels.
const (
	LevelTownship = "township"
	LevelVillage  = "village"
)

// ServicePoint is a hall the county serves: its 12-digit code (the first
// six are the county's), name and level.
type ServicePoint struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level string `json:"level"`
}

// EnrollCode is a single-use enrollment code.
type EnrollCode struct {
	// Code is grouped for reading aloud: K7QX-2M9D-PLTA.
	Code    string
	Point   ServicePoint
	Created time.Time
	Expires time.Time
}

// EnrollTTL is how long an enrollment code stays usable.
const EnrollTTL = 72 * time.Hour

// Device is an enrolled kiosk.
type Device struct {
	ID string
	// Secret is the HMAC key of a device enrolled before 0.8 that has not
	// moved to a key pair yet. It is set only by Device and Enroll, never
	// in listings, and never logged (see LogValue).
	Secret string
	// PublicKey is the device's Ed25519 key; nil for an HMAC device.
	PublicKey  ed25519.PublicKey
	Point      ServicePoint
	Hostname   string
	AppVersion string
	Created    time.Time
	Revoked    time.Time // zero while active
	LastSeen   time.Time // zero before the first signed request
	// Events is how many events from the device were applied (listings).
	Events int64
}

// LogValue keeps the secret out of logs even when a whole Device is logged.
func (d Device) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", d.ID), slog.String("point", d.Point.Code))
}

// CaseFilter narrows Cases; empty fields match everything.
type CaseFilter struct {
	Point string
	// Status matches the kiosk's status or the county's.
	Status string
}

// Case is the county's view of a case.
type Case struct {
	ID         string
	CountyCase string // 330522-2026-000123
	Tracking   string
	Point      string
	// Version is the last applied kiosk version.
	Version     int
	KioskStatus string
	// CountyStatus is "" until the county sets one.
	CountyStatus   string
	CountyStatusAt time.Time
	// Attachments is how many files the latest case document lists, and
	// Stored how many of them are complete blobs. Complete says all are:
	// only then can the county work on the case (otherwise 材料上传中).
	Attachments int
	Stored      int
	Complete    bool
	FirstSeen   time.Time
	Updated     time.Time
	// Doc is the latest case document as the kiosk sent it.
	Doc json.RawMessage
	// The time limit as stored (deadline.go; CaseDeadline judges it):
	// DueMoved is the promised day moved by the pauses that ended before
	// the running one, PausedSince the day the running pause began ("" while
	// the clock runs), PausedKind and PausedProcedure what stopped it, and
	// SupplementBy a 容缺 case's supplement day. Days are YYYY-MM-DD.
	DueMoved, PausedSince, PausedKind, PausedProcedure, SupplementBy string
}

// LogEntry is one applied case event.
type LogEntry struct {
	Seq       int64
	CaseID    string
	EventID   string
	Kind      protocol.Kind
	Version   int
	DeviceID  string
	AppliedAt time.Time
}

// StatusChange is a county decision on a case.
type StatusChange struct {
	// Case is the case id, tracking code or county case number.
	Case        string
	Status      string
	Supplements []protocol.Supplement
	SupplyBy    string // YYYY-MM-DD
	Pickup      string
	Reason      string
	By          string
	// Procedure is a 特别程序 that starts (or goes on) with a reviewing
	// status, with its recorded reason; the time limit stops until a status
	// without it (行政许可法 第45条).
	Procedure, ProcedureReason string
	// AgainReason says why a case already asked for 补正 needs another
	// request: 一次性告知 (第32条) allows one unless this is recorded.
	AgainReason string
}

// BlobState is what is stored of one attachment.
type BlobState struct {
	SHA256   string
	Total    int64
	Stored   int64
	Complete bool
}

// MaxBlob is the largest attachment the county takes; the kiosk refuses
// files over 20 MB, so this only stops a runaway client filling the disk.
const MaxBlob = 64 << 20

// Stats counts rows of each table.
type Stats struct {
	EnrollCodes, Devices, Nonces                int64
	Applied, Rejected, Inbox, Cases, CaseLog    int64
	Feed, Blobs, CompleteBlobs, CaseAttachments int64
}
