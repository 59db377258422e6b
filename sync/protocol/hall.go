package protocol

import (
	"time"
)

// The hall protocol: the machines of one service point (counters, 24-hour
// terminals, the display) share every case of the point through the hall's
// hub, over TLS on the hall LAN (docs/hall-network.md). A machine pushes
// the events it made to the hub, which decides their order, and follows
// the hub's log of everything the hall shares. The events are the same
// Events the county receives.

// HallVersion is the hall protocol's version; a hub refuses a machine that
// speaks a newer one and the machine says to upgrade the hub.
const HallVersion = 1

// Hall headers.
const (
	// HeaderHallVersion carries HallVersion on every hall request.
	HeaderHallVersion = "X-Hall-Version"
)

// HallPush is POST /hall/v1/events: events a machine made, in commit order.
type HallPush struct {
	Events []Event `json:"events"`
	// Recovered marks events the hub took before and has lost (its file
	// was restored from a copy): the hub takes them as they stand.
	Recovered bool `json:"recovered,omitempty"`
	// CountyDevice is the machine's identity at the county, so a device
	// the county revokes also leaves the hall.
	CountyDevice string `json:"county_device,omitempty"`
}

// Statuses of one pushed event at the hub.
const (
	HallAccepted = "accepted" // in the hall's log
	HallRefused  = "refused"  // will never be taken as sent
	HallHeld     = "held"     // an earlier event of its case was refused in this push: resend after dealing with it
)

// Codes of refused events.
const (
	// CodeConflict: another event already stands at this place in the
	// case's chain (two windows acted on the same state); Head says which.
	CodeConflict = "conflict"
	// CodeAlreadyRated: the service was rated at another machine first.
	CodeAlreadyRated = "already_rated"
	// CodeTrackingTaken: a new case's tracking code is another case's
	// (two machines of a hall with one number, or a device naming a code
	// it did not make).
	CodeTrackingTaken = "tracking_taken"
	// CodeIDTaken: another device's event has this event's id.
	CodeIDTaken = "id_taken"
)

// HallResult is the hub's answer for one pushed event.
type HallResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Repeat bool   `json:"repeat,omitempty"`
	Code   string `json:"code,omitempty"`
	// Message is for the log; what a clerk reads is built from Head.
	Message string `json:"message,omitempty"`
	// Head is the case as it stands at the hub, for a conflict.
	Head *CaseHead `json:"head,omitempty"`
}

// CaseHead is the event that stands last in a case's chain, with the whole
// case after it: what a machine adopts when its own event lost.
type CaseHead struct {
	EventID string    `json:"event_id"`
	Kind    Kind      `json:"kind"`
	Event   CaseEvent `json:"event"`
}

// HallPushResponse answers a push, one result per event in request order.
type HallPushResponse struct {
	Results []HallResult `json:"results"`
	// Epoch is the hub's log's identity (see HallLog).
	Epoch      string    `json:"epoch"`
	ServerTime time.Time `json:"server_time"`
}

// Kinds of hall log items.
const (
	// HallEvent: an event the hub took (a case event or a rating).
	HallEvent = "event"
	// HallOverride: the county holds another event at a place in a
	// case's chain than the hall did; Event (the county's) stands and
	// Supersedes lists the hall's events it replaces.
	HallOverride = "override"
	// HallAccount: an account as it now stands at the hub.
	HallAccount = "account"
	// HallCounty: a county decision on a case, relayed for machines that
	// are not enrolled with the county themselves.
	HallCounty = "county"
	// HallMachineRemoved: a machine left the hall (removed by a supervisor
	// or revoked by the county).
	HallMachineRemoved = "machine.removed"
)

// HallItem is one entry of the hub's log.
type HallItem struct {
	Seq  int64  `json:"seq"`
	Kind string `json:"kind"`
	// Origin is the hall machine the item came from.
	Origin string    `json:"origin,omitempty"`
	At     time.Time `json:"at"`
	// Event is set for HallEvent and HallOverride.
	Event      *Event   `json:"event,omitempty"`
	Supersedes []string `json:"supersedes,omitempty"`
	// Account is set for HallAccount.
	Account *HallAccountState `json:"account,omitempty"`
	// County is set for HallCounty: the feed item as the county sent it.
	County *FeedItem `json:"county,omitempty"`
	// Machine is set for HallMachineRemoved.
	Machine string `json:"machine,omitempty"`
}

// HallAccountState is an account as the hub holds it, secret hash
// included so a machine can sign a clerk in while the hub is away. It
// travels only between paired machines, over TLS.
type HallAccountState struct {
	ID          int64      `json:"id"`
	Login       string     `json:"login"`
	Name        string     `json:"name"`
	Role        string     `json:"role"`
	Sectors     []string   `json:"sectors"`
	Window      int        `json:"window"`
	Active      bool       `json:"active"`
	SecretHash  string     `json:"secret_hash"`
	Failures    int        `json:"failures"`
	LockedUntil *time.Time `json:"locked_until,omitempty"`
	// Rev orders an account's states: a machine keeps the highest.
	Rev int64 `json:"rev"`
	// IDNumber is a village agent's own ID number, printed (masked) on
	// the 代办委托书 at whichever machine the agent uses. Added after hall
	// version 1 without a new version: a machine of the previous release
	// ignores it. Empty means the sender does not know it (no agent, an
	// agent made before it was asked, a hub of the previous release or
	// with its data still sealed): the receiver keeps what it has.
	IDNumber string `json:"id_number,omitempty"`
}

// HallLog answers GET /hall/v1/log?epoch=E&after=N&wait=S: items after
// cursor N. The epoch names the hub's log; a hub whose file was restored
// from a copy starts a new epoch, and a machine that sees a new one reads
// the log again from the start and sends the hub again what the hub took
// from it before (HallPush.Recovered), so a restored hub is rolled forward,
// never the hall back.
type HallLog struct {
	Epoch string     `json:"epoch"`
	Items []HallItem `json:"items"`
	Next  int64      `json:"next"`
	More  bool       `json:"more"`
}

// HallPairRequest is POST /hall/v1/pair, sent over TLS to a hub whose
// certificate matched the pairing code's fingerprint.
type HallPairRequest struct {
	// Secret is the pairing code's secret part.
	Secret string `json:"secret"`
	// Machine is the new machine's id in the hall (it makes its own).
	Machine string `json:"machine"`
	// Device is its number in the hall (1–35, part of its tracking codes).
	Device int    `json:"device"`
	Name   string `json:"name,omitempty"`
	// Point is the service point the machine was set up for: it must be
	// the hub's.
	Point string `json:"point"`
}

// HallError is the body of a refused hall request: Code for the machine to
// act on, Key and Data the message (msg.Error) for the person at it.
type HallError struct {
	Code    string         `json:"code"`
	Key     string         `json:"key,omitempty"`
	Data    map[string]any `json:"data,omitempty"`
	Message string         `json:"message,omitempty"`
}

// HallPairResponse gives the machine its hall identity; Token is shown
// once and sent as a bearer token on every later request.
type HallPairResponse struct {
	Machine      string              `json:"machine"`
	Token        string              `json:"token"`
	Hub          string              `json:"hub"` // the hub's machine id
	ServicePoint ServicePointPayload `json:"service_point"`
	Fingerprint  string              `json:"fingerprint"`
	// UnlockKey is the key (32 bytes, base64) the hub keeps for this
	// machine: the machine wraps its data key with it and asks for it
	// again when it starts (GET /hall/v1/unlock), so a hall machine opens
	// its data without a sign-in while its hub is up.
	UnlockKey string `json:"unlock_key,omitempty"`
}

// HallUnlockResponse answers GET /hall/v1/unlock.
type HallUnlockResponse struct {
	Key string `json:"key"`
}

// HallLoginRequest is POST /hall/v1/login: a clerk signs in at a machine
// and the hub checks the secret, so wrong tries count for the whole hall.
type HallLoginRequest struct {
	Login  string `json:"login"`
	Secret string `json:"secret"`
}

// HallLoginResponse is the account signed in, as the hub now holds it.
type HallLoginResponse struct {
	Account HallAccountState `json:"account"`
}

// HallAccountChange is POST /hall/v1/accounts/change: a change to an
// existing account (clerks.Change), made at the hub for the whole hall.
// Kind is edit, reset, unlock, deactivate, reactivate or own_secret; the
// hub checks that Actor is an active supervisor of its own (or, for
// own_secret, the account itself with its current secret). The answer is
// a HallLoginResponse with the account's new state. Added after hall
// version 1: a hub of the previous release answers 404, which the machine
// reports as the hub not taking account changes.
type HallAccountChange struct {
	Actor     int64    `json:"actor"`
	Kind      string   `json:"kind"`
	ID        int64    `json:"id"`
	Name      string   `json:"name,omitempty"`
	Role      string   `json:"role,omitempty"`
	Sectors   []string `json:"sectors,omitempty"`
	Window    int      `json:"window,omitempty"`
	IDNumber  string   `json:"id_number,omitempty"`
	Secret    string   `json:"secret,omitempty"`
	OldSecret string   `json:"old_secret,omitempty"`
}

// HallAccountRequest is POST /hall/v1/accounts: a supervisor signed in at a
// machine adds an account for the whole hall. The hub checks that Actor is
// an active supervisor of its own.
type HallAccountRequest struct {
	Actor   int64    `json:"actor"`
	Login   string   `json:"login"`
	Name    string   `json:"name"`
	Role    string   `json:"role"`
	Sectors []string `json:"sectors"`
	Window  int      `json:"window"`
	Secret  string   `json:"secret"`
	// IDNumber is a new agent's own ID number (required for an agent).
	// Added like HallAccountState.IDNumber: a hub of the previous release
	// makes the account without it.
	IDNumber string `json:"id_number,omitempty"`
}
