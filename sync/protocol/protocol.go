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
// case after the event, so the county can apply events idempotently by
// keeping the highest Version it has seen.
type CaseEvent struct {
	CaseID   string          `json:"case_id"`
	Tracking string          `json:"tracking"`
	Version  int             `json:"version"`
	At       time.Time       `json:"at"`
	Actor    Actor           `json:"actor"`
	Data     json.RawMessage `json:"data,omitempty"`
	Case     json.RawMessage `json:"case"`
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
