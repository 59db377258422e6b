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

// API is what the kiosks' API (Server) asks of the store: enrolling,
// checking signed requests, applying pushes, the feed and uploads.
type API interface {
	Enrollment
	DeviceAuth
	Events
	Feed
	Uploads
	Releases
}

// Store is a whole county store as countyd opens it: the kiosks' API and
// what the contract tests, countytest and countyd's device commands read
// and write besides. Every method that writes does so in one transaction:
// an event's effect, its applied row and any feed item commit together or
// not at all. The back office, the SMS sender and monitoring ask for their
// own aggregates instead (aggregates.go).
type Store interface {
	API
	Devices
	Cases
	Publisher
	Blobs
	ReleaseAdmin

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
