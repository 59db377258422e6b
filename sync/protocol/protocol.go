// Package protocol defines the versioned wire types shared by the kiosk and
// the county center. The kiosk's outbox stores events in exactly this shape,
// so what was committed locally is what the county receives.
package protocol

import (
	"encoding/json"
	"time"
)

// Version is the protocol version carried by every request.
const Version = 1

// Kind names an event type. Kinds are never renamed or reused: a county may
// receive events written by a kiosk several releases old.
type Kind string

// Event kinds written by the kiosk.
const (
	// ServicePointConfigured: the kiosk was set up (or re-set) for a hall.
	ServicePointConfigured Kind = "service_point.configured"
	// CatalogActivated: a catalog version (and township override) became
	// the one the kiosk works with.
	CatalogActivated Kind = "catalog.activated"
)

// Event is one outbox entry. ID is generated on the kiosk when the action is
// committed; the county applies an ID at most once.
type Event struct {
	ID      string          `json:"id"`
	Kind    Kind            `json:"kind"`
	Created time.Time       `json:"created"`
	Payload json.RawMessage `json:"payload"`
}

// ServicePointPayload is the payload of ServicePointConfigured.
type ServicePointPayload struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level string `json:"level"`
	// Device is the kiosk's number in the hall; 0 when not (yet) set.
	Device int `json:"device,omitempty"`
}

// CatalogPayload is the payload of CatalogActivated.
type CatalogPayload struct {
	Version         string `json:"version"`
	OverrideApplied bool   `json:"override_applied"`
	Matters         int    `json:"matters"`
	Bundles         int    `json:"bundles"`
}

// Event kinds for accounts.
const (
	// AccountCreated: a local account was created (never with its secret).
	AccountCreated Kind = "account.created"
)

// AccountPayload is the payload of AccountCreated.
type AccountPayload struct {
	ID      int64    `json:"id"`
	Login   string   `json:"login"`
	Name    string   `json:"name"`
	Role    string   `json:"role"`
	Sectors []string `json:"sectors"`
	Window  int      `json:"window"`
}

// CaseEvent is the payload of every case event ("case.accepted",
// "case.supplemented", …: the kind is the event's Kind). It carries the whole
// case after the event, so any receiver can apply events idempotently by
// keeping the highest Version it has seen.
//
// A case's events form a chain: Version n is made on top of version n-1,
// whose event id is Base ("" for version 1). Two events of one case with the
// same Version are a conflict (two windows acted on the same state); see
// docs/hall-network.md for who decides which one stands.
type CaseEvent struct {
	CaseID   string          `json:"case_id"`
	Tracking string          `json:"tracking"`
	Version  int             `json:"version"`
	Base     string          `json:"base,omitempty"`
	At       time.Time       `json:"at"`
	Actor    Actor           `json:"actor"`
	Data     json.RawMessage `json:"data,omitempty"`
	Case     CaseDoc         `json:"case"`
}

// Actor is who acted on the kiosk.
type Actor struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Window int    `json:"window,omitempty"`
}

// Queue event kinds: the county sees every ticket issued and how it ended
// (for the hall's efficiency figures) and every booking.
const (
	TicketIssued     Kind = "ticket.issued"
	TicketClosed     Kind = "ticket.closed"
	BookingCreated   Kind = "booking.created"
	BookingCancelled Kind = "booking.cancelled"
)

// QueuePayload carries a ticket or a booking document as stored.
type QueuePayload struct {
	Doc json.RawMessage `json:"doc"`
}

// Wire types of the HTTP API (docs/protocol.md). Field names are part of
// the protocol: add fields, never rename or reuse them.

// Error is the body of every non-2xx answer and of a rejected event.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// ServerTime is set on clock_skew, so the kiosk can say by how much
	// its clock is off.
	ServerTime *time.Time `json:"server_time,omitempty"`
}

// ErrorBody wraps Error in answers: {"error": {...}}.
type ErrorBody struct {
	Error Error `json:"error"`
}

// Error codes. A client decides what to do by the code, never the message.
const (
	CodeMalformed     = "malformed"      // 400: the body or a parameter cannot be read
	CodeUnauthorized  = "unauthorized"   // 401: no or unknown device, or bad signature
	CodeClockSkew     = "clock_skew"     // 401: timestamp more than MaxSkew from the county's clock
	CodeReplayed      = "replayed"       // 401: nonce already used within the window
	CodeRevoked       = "revoked"        // 401: the device was revoked by the county
	CodeBadEnrollment = "bad_enrollment" // 403: enrollment code unknown, used or expired
	CodeNotFound      = "not_found"      // 404
	CodeOffset        = "offset"         // 409: a chunk does not start where the stored data ends
	CodeTooLarge      = "too_large"      // 413: body over the limit
	CodeHashMismatch  = "hash_mismatch"  // 422: an uploaded file's SHA-256 is not its name
	CodeRateLimited   = "rate_limited"   // 429
	CodeInternal      = "internal"       // 500
	// Codes of rejected events (inside a 200 answer, one per event).
	CodeUnknownKind = "unknown_kind" // the county does not know this event kind
	CodeBadPayload  = "bad_payload"  // the payload does not decode or fails a rule
	CodeOutOfOrder  = "out_of_order" // a case event older than one already applied
	CodeWrongPoint  = "wrong_point"  // the event belongs to another service point
	// CodeUnsupported: the event carries a document of a newer layout than
	// the receiver reads (protocol.VersionError); upgrade the receiver.
	CodeUnsupported = "unsupported_version"
	// CodeConflict (also a hall code): another event of the same case
	// stands at this event's version; Result.Head says which.
)

// Limits shared by both sides.
const (
	// MaxSkew is how far a request's timestamp may be from the county's clock.
	MaxSkew = 5 * time.Minute
	// MaxBody is the largest request body (after decompression for events).
	MaxBody = 8 << 20
	// MaxBatch is the most events in one push.
	MaxBatch = 500
	// MaxChunk is the largest attachment chunk.
	MaxChunk = 1 << 20
	// MaxFeed is the most feed items in one answer.
	MaxFeed = 500
)

// Signing headers.
const (
	HeaderDevice    = "X-Yc-Device"
	HeaderTimestamp = "X-Yc-Timestamp"
	HeaderNonce     = "X-Yc-Nonce"
	HeaderSignature = "X-Yc-Signature"
	// HeaderContentHash is the hex SHA-256 of the body as sent, the hash
	// the signature covers. With it the county checks the signature
	// before it reads a byte of the body, so an unsigned caller cannot
	// make it hold large bodies; the body must then hash to it.
	HeaderContentHash = "X-Yc-Content-SHA256"
	// Attachment headers.
	HeaderStoredLength = "X-Yc-Stored-Length"
	HeaderTotalLength  = "X-Yc-Total-Length"
	HeaderComplete     = "X-Yc-Complete"
)

// EnrollRequest is POST /api/v1/enroll (not signed: the code is the secret).
// PublicKey is the device's Ed25519 public key (EncodePublicKey); a device
// before 0.8 sends none and gets an HMAC secret.
type EnrollRequest struct {
	Code       string `json:"code"`
	Hostname   string `json:"hostname,omitempty"`
	AppVersion string `json:"app_version,omitempty"`
	PublicKey  string `json:"public_key,omitempty"`
}

// MaxEnrollBody is the largest enrollment request: a few short fields.
const MaxEnrollBody = 4 << 10

// EnrollResponse gives the device its identity. Secret is set (and shown
// once) only for a device that sent no public key.
type EnrollResponse struct {
	DeviceID     string              `json:"device_id"`
	Secret       string              `json:"secret,omitempty"`
	ServicePoint ServicePointPayload `json:"service_point"`
	ServerTime   time.Time           `json:"server_time"`
}

// RekeyRequest is POST /api/v1/device/key: a device moves to the key
// pair whose public key it sends. It is signed with the device's current
// credential (its secret, or its current key); the same key again is
// answered 204 too, so a lost answer is harmless.
type RekeyRequest struct {
	PublicKey string `json:"public_key"`
}

// PushRequest is POST /api/v1/events: outbox events in commit order.
type PushRequest struct {
	Events []Event `json:"events"`
}

// Result statuses of one pushed event.
const (
	Applied  = "applied"  // applied now
	Rejected = "rejected" // will never apply as sent: quarantine it
)

// Result is the county's answer for one event. A repeat of an event gets
// the first answer again, with Repeat set.
type Result struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Repeat bool   `json:"repeat,omitempty"`
	// CountyCase is the county's case number, for a case event.
	CountyCase string `json:"county_case,omitempty"`
	Error      *Error `json:"error,omitempty"`
	// Head is the case as the county holds it, with a conflict: another
	// event stands at this event's place in the case's chain.
	Head *CaseHead `json:"head,omitempty"`
}

// PushResponse answers a push, one result per event, in request order.
type PushResponse struct {
	Results    []Result  `json:"results"`
	ServerTime time.Time `json:"server_time"`
}

// Feed item kinds: what the county sends down to a service point.
const (
	FeedCaseStatus       Kind = "case.status"
	FeedCatalog          Kind = "catalog.published"
	FeedHolidays         Kind = "holidays.published"
	FeedBookingCreated   Kind = "booking.created"
	FeedBookingCancelled Kind = "booking.cancelled"
	// FeedCaseEvent: an event another device of the same service point
	// made (a case event or a rating), as the county applied it; the
	// payload is the Event. Every machine of a hall holds every case of
	// it, and this is how they hear of each other's work when the hall's
	// LAN is down (docs/hall-network.md).
	FeedCaseEvent Kind = "hall.event"
	// FeedDeviceRevoked: the county revoked a device of the point (its
	// payload is DeviceRevoked); the hall's hub takes it out of the hall.
	FeedDeviceRevoked Kind = "device.revoked"
	// FeedRetention: how long kiosks keep citizens' data of closed cases
	// (payload Retention).
	FeedRetention Kind = "retention.published"
	// FeedMasking: how kiosks mask ID numbers on screens and papers
	// (payload Masking).
	FeedMasking Kind = "masking.published"
	// FeedSeal: the image a service point prints in the seal area of its
	// receipts and notices (payload Seal), for that point only.
	FeedSeal Kind = "seal.published"
	// FeedHallConfig: one service point's hall — sectors and ticket
	// letters, opening hours with 延时/错时, booking capacity per half-day,
	// closures (payload DocumentPayload, Version set; the document is read
	// by queue.ParseHallConfig on both sides).
	FeedHallConfig Kind = "hall_config.published"
)

// MaxSealPNG bounds a seal image: a 600×600 PNG of a red stamp is a few
// tens of kilobytes.
const MaxSealPNG = 256 << 10

// Seal is a service point's configured seal image, a PNG; empty removes it
// (the seal area is then left for a stamp by hand). It is an image placed
// on paper, not a cryptographic electronic seal, and the papers say so.
type Seal struct {
	PNG []byte `json:"png,omitempty"`
}

// Masking is the county's masking rule. IDPattern has 18 characters, '#'
// to show and '*' to hide the character at that position of an ID number;
// it must hide the birth date (7–14), the gender digit (17) and at least
// one of the last four (ids.CheckIDMask).
type Masking struct {
	IDPattern string `json:"id_pattern"`
}

// Retention is the county's rule for personal data on kiosks: a case
// closed (collected, mailed, refused) and acknowledged by the county is
// reduced, PersonalDataDays after it closed, to what the progress query
// and the statistics need.
type Retention struct {
	PersonalDataDays int `json:"personal_data_days"`
}

// Bounds of Retention.PersonalDataDays: at least a month (a citizen asks
// about a result collected last week), at most ten years.
const (
	MinRetentionDays = 30
	MaxRetentionDays = 3650
	// DefaultRetentionDays is kept until the county says otherwise.
	DefaultRetentionDays = 90
)

// DeviceRevoked is the payload of FeedDeviceRevoked.
type DeviceRevoked struct {
	DeviceID string    `json:"device_id"`
	At       time.Time `json:"at"`
}

// FeedItem is one entry of a service point's feed. Cursor increases
// strictly; a client stores the last one it applied.
type FeedItem struct {
	Cursor  int64           `json:"cursor"`
	Kind    Kind            `json:"kind"`
	At      time.Time       `json:"at"`
	Payload json.RawMessage `json:"payload"`
}

// FeedResponse answers GET /api/v1/feed?after=N&limit=M.
type FeedResponse struct {
	Items []FeedItem `json:"items"`
	// Next is the cursor to ask after next time (the last item's, or the
	// request's after when there are none).
	Next       int64     `json:"next"`
	More       bool      `json:"more"`
	ServerTime time.Time `json:"server_time"`
}

// County case statuses (FeedCaseStatus).
const (
	CountyReviewing  = "reviewing"  // 审核中
	CountyCorrection = "correction" // 需补正: Supplements lists what to bring
	CountyCompleted  = "completed"  // 办结: Pickup says where and how
	CountyDenied     = "denied"     // 不予许可: Reason says why
)

// CaseStatus is the payload of FeedCaseStatus.
type CaseStatus struct {
	CaseID     string `json:"case_id"`
	Tracking   string `json:"tracking"`
	CountyCase string `json:"county_case"`
	Status     string `json:"status"`
	// Supplements are the materials to bring (correction).
	Supplements []Supplement `json:"supplements,omitempty"`
	// SupplyBy is the last day to bring them, YYYY-MM-DD.
	SupplyBy string `json:"supply_by,omitempty"`
	// Pickup is where and how the result is collected (completed).
	Pickup string `json:"pickup,omitempty"`
	// Reason is why the application was denied (denied) or a note; for a
	// second correction of a case, why another one is needed (一次性告知:
	// 行政许可法 第32条 asks for everything at once).
	Reason string    `json:"reason,omitempty"`
	By     string    `json:"by,omitempty"` // county officer's name
	At     time.Time `json:"at"`
	// Procedure is the 特别程序 under way with this status (行政许可法
	// 第45条: 听证 "hearing", 检验 "inspection", 检测 "testing", 鉴定
	// "appraisal", 专家评审 "expert_review"); it stops the time limit from At
	// until a status without it. ProcedureReason is the recorded reason.
	// An older kiosk ignores both and keeps the clock running.
	Procedure       string `json:"procedure,omitempty"`
	ProcedureReason string `json:"procedure_reason,omitempty"`
	// AgainReason is why a case asked for 补正 before needs another
	// request (一次性告知); the county refuses a second one without it.
	AgainReason string `json:"again_reason,omitempty"`
}

// Special procedures of CaseStatus.Procedure.
var Procedures = []string{"hearing", "inspection", "testing", "appraisal", "expert_review"}

// Supplement is one material the county asks for. Matter and Material are
// the catalog ids when it is a catalog material; Name is always set.
type Supplement struct {
	Matter   string `json:"matter,omitempty"`
	Material string `json:"material,omitempty"`
	Name     string `json:"name"`
}

// DocumentPayload carries a catalog or a holiday calendar as published
// (FeedCatalog, FeedHolidays, FeedHallConfig).
type DocumentPayload struct {
	Version  string          `json:"version,omitempty"` // catalog version
	Year     int             `json:"year,omitempty"`    // calendar year
	Document json.RawMessage `json:"document"`
}

// DeviceStatus is POST /api/v1/status: the kiosk's own state, sent after
// every sync round, for the county's fleet view.
type DeviceStatus struct {
	AppVersion string `json:"app_version"`
	// Pending events not yet acknowledged, Quarantined ones the county
	// refused, Uploads files not yet stored at the county.
	Pending     int `json:"pending"`
	Quarantined int `json:"quarantined"`
	Uploads     int `json:"uploads"`
	// LastError is the kiosk's last sync or print problem ("" when none).
	LastError string        `json:"last_error,omitempty"`
	Printer   PrinterStatus `json:"printer"`
	At        time.Time     `json:"at"`
	// OS and Arch are the kiosk's platform (Go's GOOS, GOARCH): the
	// county offers only a release built for it. Empty from kiosks before
	// signed updates, which are offered nothing.
	OS   string `json:"os,omitempty"`
	Arch string `json:"arch,omitempty"`
	// Update is where the kiosk is with the county's latest offer.
	Update *UpdateStatus `json:"update,omitempty"`
}

// UpdateStatus is a kiosk's update state for the fleet page.
type UpdateStatus struct {
	// State is one of the Update* states.
	State string `json:"state"`
	// Version is the release the state is about ("" for UpdateCurrent).
	Version string `json:"version,omitempty"`
	// Reason says why a release was refused or rolled back, in the
	// kiosk's words for a technician (a refusal's reason code first).
	Reason string `json:"reason,omitempty"`
}

// Update states (docs/updates.md).
const (
	UpdateCurrent        = "current"           // nothing newer offered
	UpdateDownloading    = "downloading"       // the offered release is coming down
	UpdateDownloaded     = "downloaded"        // verified and staged, not yet installed
	UpdateWaitingNight   = "waiting_for_night" // staged; installs in the night window when no case is open
	UpdateInstalled      = "installed"         // the offered release runs
	UpdateRolledBack     = "rolled_back"       // its self-check or start failed; the previous release runs
	UpdateRefused        = "refused"           // the offer failed verification or policy
	MaxUpdateReasonBytes = 300
)

// UpdateStates lists every update state, for readers that name them.
var UpdateStates = []string{UpdateCurrent, UpdateDownloading, UpdateDownloaded, UpdateWaitingNight,
	UpdateInstalled, UpdateRolledBack, UpdateRefused}

// StatusAnswer is the county's answer to a status report when it has
// something to say (200); a 204 says nothing. Kiosks before signed updates
// ignore it.
type StatusAnswer struct {
	Update *UpdateOffer `json:"update,omitempty"`
}

// UpdateOffer is a release published to the kiosk's channel for its
// platform: the signed manifest as the signer made it (release.Envelope's
// JSON) and where its bytes are (GET /api/v1/releases/{sha256}, resumable
// with a Range header).
type UpdateOffer struct {
	Version  string `json:"version"`
	Manifest []byte `json:"manifest"`
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
}

// PrinterStatus is what the kiosk knows of its printer: the configured
// queue and how the last print job went.
type PrinterStatus struct {
	Queue string `json:"queue,omitempty"` // "" when none is configured
	// State is "ok", "error" or "unknown" (nothing printed yet).
	State string `json:"state"`
	// Problem names an error's cause, one of PrinterProblems ("" when
	// none or unknown): the county shows it in staff's words. Detail is the
	// print command's own text, for a technician.
	Problem string    `json:"problem,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	At      time.Time `json:"at,omitempty"`
}

// Printer problems a kiosk reports (printing.Problem).
const (
	PrinterNoCommand    = "no-command"    // no print command (lp, PowerShell) on the machine
	PrinterNoDefault    = "no-default"    // no queue chosen and no system default
	PrinterUnknownQueue = "unknown-queue" // the chosen queue does not exist
	PrinterNotAccepting = "not-accepting" // the queue refuses jobs (paused, offline)
	PrinterNoSpooler    = "no-spooler"    // the print service is down
	PrinterTimedOut     = "timed-out"     // the print command did not answer
	PrinterRefused      = "refused"       // anything else the print command refused
	// What an ESC/POS thermal printer says of itself (real-time status).
	PrinterPaperOut  = "paper-out"  // the roll is used up
	PrinterCoverOpen = "cover-open" // the paper cover is open
	PrinterOffline   = "offline"    // switched off, unplugged or unreachable
	PrinterFault     = "fault"      // cutter jam or another mechanical error
)

// PrinterProblems lists every printer problem, for readers that name them.
var PrinterProblems = []string{PrinterNoCommand, PrinterNoDefault, PrinterUnknownQueue, PrinterNotAccepting,
	PrinterNoSpooler, PrinterTimedOut, PrinterRefused, PrinterPaperOut, PrinterCoverOpen, PrinterOffline, PrinterFault}

// RatingGiven: a citizen rated a service (好差评).
const RatingGiven Kind = "rating.given"

// RatingPayload is the payload of RatingGiven.
type RatingPayload struct {
	Kind      string    `json:"kind"` // ticket, case or pickup
	Ref       string    `json:"ref"`
	Level     int       `json:"level"` // 5 非常满意 … 1 非常不满意
	Reasons   []string  `json:"reasons,omitempty"`
	Note      string    `json:"note,omitempty"`
	ClerkID   int64     `json:"clerk_id"`
	ClerkName string    `json:"clerk_name"`
	Window    int       `json:"window,omitempty"`
	Matter    string    `json:"matter,omitempty"`
	At        time.Time `json:"at"`
}

// NoticeRequested: the kiosk asks the county to tell a citizen something
// (an SMS through the county's gateway): a filing accepted or returned
// after pre-review. Nothing is sent where the county has no gateway.
const NoticeRequested Kind = "notice.requested"

// NoticePayload is the payload of NoticeRequested: which notice, about
// which case. The county writes the words itself from the case it holds and
// sends them to the applicant's mobile on record; Mobile and Text are
// still sent for counties before 0.8, which used them, and are ignored by
// later ones. What the county hands its gateway is a NoticePayload too,
// with Mobile and Text its own. Mobile is never logged.
type NoticePayload struct {
	CaseID   string    `json:"case_id"`
	Tracking string    `json:"tracking"`
	Template string    `json:"template,omitempty"`
	Mobile   string    `json:"mobile"`
	Text     string    `json:"text"`
	At       time.Time `json:"at"`
}

// Notice templates (NoticePayload.Template).
const (
	// NoticePrereviewAccepted: a self-filed case passed pre-review and was
	// accepted; the text gives the promised completion date.
	NoticePrereviewAccepted = "prereview.accepted"
	// NoticePrereviewReturned: a self-filed case was returned; the text
	// gives the case's reason.
	NoticePrereviewReturned = "prereview.returned"
	// NoticeCaseCompleted: the case is done (办结); the text says where
	// and how to collect the result. The county writes it with its own
	// decision; a kiosk may ask for it for a case the township completed.
	NoticeCaseCompleted = "case.completed"
	// NoticeCaseCorrection: the county asks for 补正; the text lists the
	// materials and the day to bring them by. County decisions only.
	NoticeCaseCorrection = "case.correction"
	// NoticeCaseDenied: 不予许可, with the reason; the written decision
	// (with the 复议 and 诉讼 periods) is at the window. County decisions only.
	NoticeCaseDenied = "case.denied"
	// NoticeSupplementLapsed: a 容缺 case's supplement deadline passed
	// without the materials, and the case ended as its catalog says.
	NoticeSupplementLapsed = "supplement.lapsed"
)

// 好差评 follow-up (办理与监督评价相分离): every rating of level
// FollowUpLevel or lower opens a follow-up for the service point's
// supervisors. The item itself travels with no event of its own: each
// machine of the hall and the county open it when they apply the
// rating.given event, named by that event's id, so it exists exactly once
// everywhere and offline, and it goes away with the rating if the hall
// refused the rating (rated twice at two windows). What the supervisors
// record travels as these events.
const (
	// FollowUpCalled: a supervisor called the citizen back (回访).
	FollowUpCalled Kind = "followup.called"
	// FollowUpRectified: a supervisor recorded what was changed (整改).
	FollowUpRectified Kind = "followup.rectified"
)

// FollowUpLevel is the highest level that needs a follow-up: 2 不满意 and
// 1 非常不满意.
const FollowUpLevel = 2

// FollowUpPayload is the payload of FollowUpCalled and FollowUpRectified.
// Rating is the id of the rating.given event the follow-up was opened by;
// a step may arrive before its rating (the two came by different roads)
// and is kept until the rating does.
type FollowUpPayload struct {
	Rating string `json:"rating"`
	ByID   int64  `json:"by_id"`
	ByName string `json:"by_name"`
	// Reached: 回访 only, the citizen was reached; an unanswered call is
	// recorded too, and the item stays open.
	Reached bool `json:"reached,omitempty"`
	// Text is what the citizen said (回访) or what was changed (整改).
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}
