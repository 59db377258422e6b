// Package hall provides the hall's queue as a service: issuing tickets,
// bookings and check-in, counters calling, the display board's state,
// statistics and a stream of events. Local runs it over the SQLite store —
// in-process on a one-laptop village station, or on the hall hub. Handler
// serves Local over the hall's LAN, and Client is the same service seen
// from another terminal (counter PC, ticket machine, display).
package hall

import (
	"context"
	"time"

	"github.com/yichuang/yichuang/app/queue"
)

// Service is the queue as every terminal sees it.
type Service interface {
	IssueTicket(ctx context.Context, req TicketRequest) (Slip, error)
	CheckIn(ctx context.Context, requestID, code string) (Slip, error)
	Book(ctx context.Context, req BookRequest) (queue.Booking, error)
	CancelBooking(ctx context.Context, code, residentID string) (queue.Booking, error)
	FreeSlots(ctx context.Context, sector string) ([]queue.Slot, error)
	OpenCounter(ctx context.Context, c Counter) error
	CloseCounter(ctx context.Context, window int) error
	CallNext(ctx context.Context, requestID string, window int) (queue.Ticket, error)
	Act(ctx context.Context, req ActRequest) (queue.Ticket, error)
	Board(ctx context.Context) (Board, error)
	Stats(ctx context.Context) (Stats, error)
	// Subscribe streams events until ctx ends. A remote client sends
	// EventOffline when the hub cannot be reached and EventOnline when it
	// is back.
	Subscribe(ctx context.Context) (<-chan Event, error)
}

// TicketRequest asks for a number. RequestID is chosen by the terminal and
// reused on retries, so a lost answer never yields a second ticket.
type TicketRequest struct {
	RequestID  string `json:"request_id"`
	Sector     string `json:"sector"`
	ResidentID string `json:"resident_id,omitempty"`
	// Green is the 绿色通道 (elderly, disabled), set by a staff member.
	Green bool `json:"green,omitempty"`
}

// Slip is what the ticket prints.
type Slip struct {
	Ticket queue.Ticket  `json:"ticket"`
	Ahead  int           `json:"ahead"`
	Wait   time.Duration `json:"wait"`
}

// BookRequest asks for an appointment.
type BookRequest struct {
	RequestID  string     `json:"request_id"`
	Sector     string     `json:"sector"`
	Day        string     `json:"day"`
	Half       queue.Half `json:"half"`
	ResidentID string     `json:"resident_id"`
	Mobile     string     `json:"mobile"`
}

// Counter is a window open for calling.
type Counter struct {
	Window    int      `json:"window"`
	ClerkID   int64    `json:"clerk_id"`
	ClerkName string   `json:"clerk_name"`
	Sectors   []string `json:"sectors"`
}

// Action is what a counter does to its ticket.
type Action string

// Counter actions.
const (
	Recall   Action = "recall"   // 重呼
	Start    Action = "start"    // 开始办理 (also resumes a parked ticket)
	Park     Action = "park"     // 暂停
	NoShow   Action = "noshow"   // 过号
	Finish   Action = "finish"   // 办结
	Transfer Action = "transfer" // 转移 to Sector
)

// ActRequest is one counter action.
type ActRequest struct {
	RequestID string `json:"request_id"`
	Window    int    `json:"window"`
	TicketID  string `json:"ticket_id"`
	Action    Action `json:"action"`
	Sector    string `json:"sector,omitempty"`
}

// Call is one called number on the board.
type Call struct {
	Number string    `json:"number"`
	Window int       `json:"window"`
	At     time.Time `json:"at"`
	Calls  int       `json:"calls"`
}

// Board is what the hall display shows.
type Board struct {
	Calls   []Call         `json:"calls"`   // newest first
	Waiting map[string]int `json:"waiting"` // by sector
	Notice  string         `json:"notice"`
}

// EventKind says what changed.
type EventKind string

// Event kinds.
const (
	EventCalled  EventKind = "called"  // a number was called or recalled
	EventChanged EventKind = "changed" // anything else changed the board
	EventOffline EventKind = "offline" // the hub cannot be reached
	EventOnline  EventKind = "online"  // the hub is back
)

// Event is one change, with the board as it now stands.
type Event struct {
	Kind  EventKind `json:"kind"`
	Call  *Call     `json:"call,omitempty"`
	Board Board     `json:"board"`
}

// SectorStats are one sector's figures for today.
type SectorStats struct {
	Sector     string        `json:"sector"`
	Issued     int           `json:"issued"`
	Served     int           `json:"served"`
	NoShows    int           `json:"no_shows"`
	Waiting    int           `json:"waiting"`
	AvgWait    time.Duration `json:"avg_wait"`
	AvgService time.Duration `json:"avg_service"`
}

// ClerkStats are one clerk's figures for today.
type ClerkStats struct {
	ClerkID    int64         `json:"clerk_id"`
	Name       string        `json:"name"`
	Served     int           `json:"served"`
	AvgService time.Duration `json:"avg_service"`
}

// Stats are today's queue figures.
type Stats struct {
	Day     string        `json:"day"`
	Sectors []SectorStats `json:"sectors"`
	Clerks  []ClerkStats  `json:"clerks"`
}
