// Package hall provides the hall's queue as a service: issuing tickets,
// bookings and check-in, counters calling, the display board's state,
// statistics and a stream of events. Local runs it over the SQLite store —
// in-process on a one-laptop village station, or on the hall hub. Handler
// serves Local over the hall's LAN, and Client is the same service seen
// from another terminal (counter PC, ticket machine, display).
package hall

import (
	"context"

	"github.com/yichuang/yichuang/app/queue"
)

// Service is the queue as every terminal sees it.
type Service interface {
	IssueTicket(ctx context.Context, req TicketRequest) (Slip, error)
	CheckIn(ctx context.Context, requestID, code string) (Slip, error)
	Book(ctx context.Context, req BookRequest) (queue.Booking, error)
	// FindBooking is the active booking CancelBooking would cancel (the
	// same code and resident ID), for the citizen to check first.
	FindBooking(ctx context.Context, code, residentID string) (queue.Booking, error)
	CancelBooking(ctx context.Context, code, residentID string) (queue.Booking, error)
	FreeSlots(ctx context.Context, sector string) ([]queue.Slot, error)
	OpenCounter(ctx context.Context, c Counter) error
	CloseCounter(ctx context.Context, window int) error
	CallNext(ctx context.Context, requestID string, window int) (queue.Ticket, error)
	Act(ctx context.Context, req ActRequest) (queue.Ticket, error)
	// CounterState is a window as the hall has it now: open, its
	// sectors, its ticket.
	CounterState(ctx context.Context, window int) (queue.CounterState, error)
	Board(ctx context.Context) (Board, error)
	Stats(ctx context.Context) (Stats, error)
	// Subscribe streams events until ctx ends. A remote client sends
	// EventOffline when the hub cannot be reached and EventOnline when it
	// is back.
	Subscribe(ctx context.Context) (<-chan Event, error)
}

// The request, answer and event types live in package queue, so screens
// can use them without depending on this package's HTTP and SQL.
type (
	TicketRequest = queue.TicketRequest
	Slip          = queue.Slip
	BookRequest   = queue.BookRequest
	Counter       = queue.Counter
	Action        = queue.Action
	ActRequest    = queue.ActRequest
	Call          = queue.Call
	Board         = queue.Board
	EventKind     = queue.EventKind
	Event         = queue.Event
	SectorStats   = queue.SectorStats
	ClerkStats    = queue.ClerkStats
	Stats         = queue.Stats
)

// Counter actions and event kinds, as in package queue.
const (
	Recall   = queue.ActRecall
	Start    = queue.ActStart
	Park     = queue.ActPark
	NoShow   = queue.ActNoShow
	Finish   = queue.ActFinish
	Transfer = queue.ActTransfer

	EventCalled  = queue.EventCalled
	EventChanged = queue.EventChanged
	EventOffline = queue.EventOffline
	EventOnline  = queue.EventOnline
)
