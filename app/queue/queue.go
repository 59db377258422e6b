// Package queue provides the rules of the hall's queue: ticket numbers per
// sector, who is called next, recall, no-show, transfer, park and finish,
// the wait estimate, and appointments (预约) with their half-day slots.
//
// # The calling rule
//
// A counter serves the sectors its clerk masters. When it calls, it takes,
// among the waiting tickets of those sectors, the one with the earliest
// *effective time*; ties go to the lower number. A ticket's effective time
// is its issue time, minus PriorityLead for a priority ticket (a checked-in
// booking or the 绿色通道 for the elderly and disabled). A transferred
// ticket keeps its original issue time.
//
// So a priority ticket goes ahead of ordinary tickets taken up to
// PriorityLead (30 minutes by default) before it, and never further. This is
// what keeps anyone from starving: an ordinary ticket issued at t can be
// overtaken only by priority tickets issued before t + PriorityLead, of which
// there are finitely many. The promise is therefore: when a ticket is
// called, every ticket called before it at the same counter had an earlier
// effective time, or was issued before t + PriorityLead. Tests check this on
// a simulated day.
package queue

import (
	"fmt"
	"slices"
	"time"

	"github.com/yichuang/yichuang/app/msg"
)

// Status of a ticket.
type Status string

// Ticket statuses.
const (
	Waiting Status = "waiting" // 等候中
	Called  Status = "called"  // 已叫号, waiting for the citizen to come
	Serving Status = "serving" // 办理中
	Parked  Status = "parked"  // 暂停 (the citizen went to fetch something)
	Done    Status = "done"    // 办结
	NoShow  Status = "noshow"  // 过号
)

// StatusName is the Chinese name of a status.
func StatusName(s Status) string {
	switch s {
	case Waiting:
		return "等候中"
	case Called:
		return "已叫号"
	case Serving:
		return "办理中"
	case Parked:
		return "暂停"
	case Done:
		return "已办结"
	case NoShow:
		return "过号"
	}
	return string(s)
}

// Ticket is one number taken in the hall.
type Ticket struct {
	ID       string    `json:"id"`
	Number   string    `json:"number"` // A012
	Sector   string    `json:"sector"`
	Day      string    `json:"day"` // 2026-11-26, Beijing
	Issued   time.Time `json:"issued"`
	Priority string    `json:"priority,omitempty"` // "", PriorityBooking or PriorityGreen
	// ResidentID links the ticket to a person (optional; for bookings and
	// to prefill intake). Never shown in full.
	ResidentID string    `json:"resident_id,omitempty"`
	BookingID  string    `json:"booking_id,omitempty"`
	Status     Status    `json:"status"`
	Calls      int       `json:"calls"`
	Window     int       `json:"window,omitempty"`
	ClerkID    int64     `json:"clerk_id,omitempty"`
	CalledAt   time.Time `json:"called_at,omitempty"`
	StartedAt  time.Time `json:"started_at,omitempty"`
	FinishedAt time.Time `json:"finished_at,omitempty"`
	CaseID     string    `json:"case_id,omitempty"`
	Version    int       `json:"-"`
}

// Priority reasons.
const (
	PriorityBooking = "booking" // checked in for an appointment in time
	PriorityGreen   = "green"   // 绿色通道: elderly, disabled, set by staff
)

// Policy holds the hall's queue settings.
type Policy struct {
	// PriorityLead is how far ahead a priority ticket may go.
	PriorityLead time.Duration
	// MaxCalls is how many times a number is called before 过号.
	MaxCalls int
	// DefaultService is the service time assumed before any is measured.
	DefaultService time.Duration
}

// DefaultPolicy is the policy when the hall sets none.
var DefaultPolicy = Policy{PriorityLead: 30 * time.Minute, MaxCalls: 3, DefaultService: 8 * time.Minute}

// Effective is the time the calling rule orders by.
func (p Policy) Effective(t Ticket) time.Time {
	if t.Priority != "" {
		return t.Issued.Add(-p.PriorityLead)
	}
	return t.Issued
}

// Less says whether a is called before b.
func (p Policy) Less(a, b Ticket) bool {
	ea, eb := p.Effective(a), p.Effective(b)
	if !ea.Equal(eb) {
		return ea.Before(eb)
	}
	return CompareNumbers(a.Number, b.Number) < 0
}

// Next picks the ticket a counter serving sectors calls next from the
// waiting tickets, following the calling rule; ok is false when none waits.
func (p Policy) Next(waiting []Ticket, sectors []string) (Ticket, bool) {
	var best Ticket
	found := false
	for _, t := range waiting {
		if t.Status != Waiting || !slices.Contains(sectors, t.Sector) {
			continue
		}
		if !found || p.Less(t, best) {
			best, found = t, true
		}
	}
	return best, found
}

// Messages.
var (
	ErrNoSector = msg.New("请选择办理的业务类别")
	// ErrSectorGone: a counter asked for sectors the hall's config no
	// longer has (the county renamed or dropped them).
	ErrSectorGone  = msg.New("本大厅现在没有“{{.Sectors}}”板块（县里更新了大厅设置），请主管在人员管理中调整您的板块")
	ErrNotYours    = msg.New("号码{{.Number}}不在本窗口办理")
	ErrState       = msg.New("号码{{.Number}}当前为“{{.Status}}”，不能{{.Action}}")
	ErrMaxCalls    = msg.New("号码{{.Number}}已呼叫{{.N}}次，请按“过号”")
	ErrBusy        = msg.New("本窗口正在办理{{.Number}}，请先办结、暂停或过号")
	ErrNoneWaiting = msg.New("您办理的板块暂无等候")
	ErrSameSector  = msg.New("转移的业务类别与当前相同")
	// ErrHubDown: the hall hub cannot be reached over the LAN.
	ErrHubDown = msg.New("连接不上大厅叫号主机，请检查网线或联系管理员；受理业务不受影响，可继续办理")
)

// Number formats a ticket number: sector letter and three digits, A001.
// Past 999 in one day the count carries on with four digits (A1000), which
// is why numbers are compared with CompareNumbers, never as strings.
func Number(letter byte, seq int) string {
	return fmt.Sprintf("%c%03d", letter, seq)
}

func stateErr(t Ticket, action string) error {
	return msg.New(ErrState.Key, "Number", t.Number, "Status", StatusName(t.Status), "Action", action)
}

// Call marks a waiting ticket called to a window.
func (p Policy) Call(t Ticket, window int, clerk int64, now time.Time) (Ticket, error) {
	if t.Status != Waiting {
		return t, stateErr(t, "叫号")
	}
	t.Status, t.Window, t.ClerkID, t.Calls, t.CalledAt = Called, window, clerk, 1, now
	return t, nil
}

// Recall calls the same number again (重呼), up to MaxCalls times.
func (p Policy) Recall(t Ticket, window int, now time.Time) (Ticket, error) {
	if t.Window != window {
		return t, msg.New(ErrNotYours.Key, "Number", t.Number)
	}
	if t.Status != Called {
		return t, stateErr(t, "重呼")
	}
	if t.Calls >= p.MaxCalls {
		return t, msg.New(ErrMaxCalls.Key, "Number", t.Number, "N", t.Calls)
	}
	t.Calls++
	t.CalledAt = now
	return t, nil
}

// Start records that the citizen arrived at the window.
func (p Policy) Start(t Ticket, window int, now time.Time) (Ticket, error) {
	if t.Window != window {
		return t, msg.New(ErrNotYours.Key, "Number", t.Number)
	}
	if t.Status != Called && t.Status != Parked {
		return t, stateErr(t, "开始办理")
	}
	t.Status = Serving
	if t.StartedAt.IsZero() {
		t.StartedAt = now
	}
	return t, nil
}

// NoShow marks a called number absent (过号).
func (p Policy) NoShow(t Ticket, window int, now time.Time) (Ticket, error) {
	if t.Window != window {
		return t, msg.New(ErrNotYours.Key, "Number", t.Number)
	}
	if t.Status != Called {
		return t, stateErr(t, "过号")
	}
	t.Status, t.FinishedAt = NoShow, now
	return t, nil
}

// Park sets a ticket in service aside (暂停); Start resumes it.
func (p Policy) Park(t Ticket, window int) (Ticket, error) {
	if t.Window != window {
		return t, msg.New(ErrNotYours.Key, "Number", t.Number)
	}
	if t.Status != Serving {
		return t, stateErr(t, "暂停")
	}
	t.Status = Parked
	return t, nil
}

// Finish closes a ticket served at the window.
func (p Policy) Finish(t Ticket, window int, now time.Time) (Ticket, error) {
	if t.Window != window {
		return t, msg.New(ErrNotYours.Key, "Number", t.Number)
	}
	if t.Status != Serving && t.Status != Called {
		return t, stateErr(t, "办结")
	}
	if t.StartedAt.IsZero() {
		t.StartedAt = now
	}
	t.Status, t.FinishedAt = Done, now
	return t, nil
}

// Transfer sends a ticket to another sector's queue (转移). It keeps its
// number and its original issue time, so the citizen does not start over.
func (p Policy) Transfer(t Ticket, window int, sector string) (Ticket, error) {
	if t.Window != window {
		return t, msg.New(ErrNotYours.Key, "Number", t.Number)
	}
	if sector == "" { // the hall checks the sector is one of its own
		return t, ErrNoSector
	}
	if sector == t.Sector {
		return t, ErrSameSector
	}
	if t.Status != Called && t.Status != Serving && t.Status != Parked {
		return t, stateErr(t, "转移")
	}
	t.Sector, t.Status, t.Window, t.ClerkID, t.Calls = sector, Waiting, 0, 0, 0
	t.CalledAt, t.StartedAt = time.Time{}, time.Time{}
	return t, nil
}

// Estimate is the expected wait for a ticket: the tickets ahead of it in
// calling order that counters serving its sector will take, times the
// recent service time, shared among those counters.
func (p Policy) Estimate(t Ticket, waiting []Ticket, counters [][]string, recent time.Duration) (ahead int, wait time.Duration) {
	for _, w := range waiting {
		if w.ID != t.ID && w.Status == Waiting && w.Sector == t.Sector && p.Less(w, t) {
			ahead++
		}
	}
	open := 0
	for _, sectors := range counters {
		if slices.Contains(sectors, t.Sector) {
			open++
		}
	}
	if recent <= 0 {
		recent = p.DefaultService
	}
	return ahead, time.Duration(ahead+1) * recent / time.Duration(max(open, 1))
}
