package queue

import "time"

// The hall's queue as a service: what terminals send and receive. Package
// hall implements it; screens use these types without depending on HTTP or
// SQL.

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
	Ticket Ticket        `json:"ticket"`
	Ahead  int           `json:"ahead"`
	Wait   time.Duration `json:"wait"`
}

// BookRequest asks for an appointment.
type BookRequest struct {
	RequestID  string `json:"request_id"`
	Sector     string `json:"sector"`
	Day        string `json:"day"`
	Half       Half   `json:"half"`
	ResidentID string `json:"resident_id"`
	Mobile     string `json:"mobile"`
}

// Counter is a window open for calling.
type Counter struct {
	Window    int      `json:"window"`
	ClerkID   int64    `json:"clerk_id"`
	ClerkName string   `json:"clerk_name"`
	Sectors   []string `json:"sectors"`
}

// CounterState is a window as the hall's queue has it: whether it is open,
// for which sectors, and the ticket at it now (called, serving or parked;
// nil when none). A counter's panel starts from it and follows it, so a
// panel built again (after 设置, a restart, a new sign-in, another machine
// acting as the same window) shows the window as it is, not as a fresh
// panel would guess.
type CounterState struct {
	Window  int      `json:"window"`
	Open    bool     `json:"open"`
	Sectors []string `json:"sectors,omitempty"`
	Ticket  *Ticket  `json:"ticket,omitempty"`
}

// Action is what a counter does to its ticket.
type Action string

// Counter actions.
const (
	ActRecall   Action = "recall"   // 重呼
	ActStart    Action = "start"    // 开始办理 (also resumes a parked ticket)
	ActPark     Action = "park"     // 暂停
	ActNoShow   Action = "noshow"   // 过号
	ActFinish   Action = "finish"   // 办结
	ActTransfer Action = "transfer" // 转移 to Sector
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
	Calls []Call `json:"calls"` // newest first
	// Recent are today's last calls that are over (办结 or 过号), newest
	// first: a citizen who looked away sees whether the number was called.
	Recent  []Call         `json:"recent,omitempty"`
	Waiting map[string]int `json:"waiting"` // by sector
	Notice  string         `json:"notice"`
	// Sectors are the hall's, in order, from its config: the board and
	// the ticket machine draw them from here, so a new config shows
	// without a restart.
	Sectors []BoardSector `json:"sectors,omitempty"`
	// Closed is set while no ticket can be issued: why, and when to come.
	Closed *ClosedNotice `json:"closed,omitempty"`
}

// BoardSector is a sector as screens show it.
type BoardSector struct {
	Name   string `json:"name"`
	Letter string `json:"letter"`
}

// ClosedNotice is a service-hours message (ErrLunch, ErrServiceEnd …) as
// data, to be rendered in the screen's language.
type ClosedNotice struct {
	Key  string         `json:"key"`
	Data map[string]any `json:"data,omitempty"`
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
	Kind EventKind `json:"kind"`
	Call *Call     `json:"call,omitempty"`
	// Window is the window whose state changed (opened, closed, called,
	// acted on); 0 when the change is not a window's (a ticket issued).
	// Panels acting as that window read its CounterState again, so two
	// machines signed in as one window agree. A machine older than this
	// field ignores it.
	Window int   `json:"window,omitempty"`
	Board  Board `json:"board"`
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
