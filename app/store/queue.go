package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/eventid"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Queue messages.
var (
	ErrTicketNotFound = msg.New("没有找到这个号码")
	ErrCounterClosed  = msg.New("{{.N}}号窗口尚未开启叫号")
)

func beijingDay(t time.Time) string { return t.In(workday.China).Format("2006-01-02") }

// IssueTicket takes a number for one of the hall's sectors, only while
// the hall is open (cfg's hours, cal's holidays and 调休, checked at the
// store's clock inside the transaction). The request id makes it
// idempotent: asked again with the same id (a terminal retrying after a
// lost answer) it returns the ticket issued the first time, even if the
// hall has closed since.
func (db *DB) IssueTicket(ctx context.Context, requestID string, t queue.Ticket, cfg queue.HallConfig, cal *workday.Calendar) (queue.Ticket, error) {
	letter := cfg.Letter(t.Sector)
	if letter == 0 {
		return t, queue.ErrNoSector
	}
	err := db.update(ctx, func(tx *tx) error {
		if prev, ok, err := ticketByRequest(ctx, tx, requestID); err != nil || ok {
			t = prev
			return err
		}
		if err := cfg.CheckOpen(cal, tx.now); err != nil {
			return err
		}
		var err error
		t, err = issue(ctx, tx, requestID, t, letter)
		return err
	})
	return t, err
}

func ticketByRequest(ctx context.Context, tx *tx, requestID string) (queue.Ticket, bool, error) {
	var doc string
	var version int
	err := tx.QueryRowContext(ctx, `SELECT doc, version FROM tickets WHERE request_id = ?`, requestID).Scan(&doc, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return queue.Ticket{}, false, nil
	}
	if err != nil {
		return queue.Ticket{}, false, fmt.Errorf("look up ticket request: %w", err)
	}
	var t queue.Ticket
	if err := tx.db.unsealJSON(doc, colTicket, &t); err != nil {
		return t, false, err
	}
	t.Version = version
	return t, true, nil
}

func issue(ctx context.Context, tx *tx, requestID string, t queue.Ticket, letter byte) (queue.Ticket, error) {
	t.ID, t.Day, t.Issued, t.Status, t.Version = eventid.New(), beijingDay(tx.now), tx.now, queue.Waiting, 1
	var next int
	err := tx.QueryRowContext(ctx, `SELECT next FROM ticket_seq WHERE day = ? AND sector = ?`, t.Day, t.Sector).Scan(&next)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("read ticket sequence: %w", err)
	}
	if next == 0 {
		next = 1
	}
	t.Number = queue.Number(letter, next)
	if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_seq (day, sector, next) VALUES (?, ?, ?)
		ON CONFLICT (day, sector) DO UPDATE SET next = excluded.next`, t.Day, t.Sector, next+1); err != nil {
		return t, fmt.Errorf("advance ticket sequence: %w", err)
	}
	doc, _ := json.Marshal(t)
	sealed, err := tx.seal(doc, colTicket)
	if err != nil {
		return t, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO tickets (id, request_id, number, sector, day, status, doc, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, requestID, t.Number, t.Sector, t.Day, string(t.Status), sealed, stamp(tx.now)); err != nil {
		return t, fmt.Errorf("insert ticket: %w", err)
	}
	_, err = tx.emit(ctx, protocol.TicketIssued, protocol.QueuePayload{Doc: doc})
	return t, err
}

// CheckInBooking turns a booking into a ticket at the ticket machine: a
// priority ticket within the check-in window, an ordinary one after it.
func (db *DB) CheckInBooking(ctx context.Context, requestID, code string, cfg queue.HallConfig, cal *workday.Calendar) (queue.Ticket, error) {
	var t queue.Ticket
	err := db.update(ctx, func(tx *tx) error {
		if prev, ok, err := ticketByRequest(ctx, tx, requestID); err != nil || ok {
			t = prev
			return err
		}
		b, err := tx.db.bookingByCode(ctx, tx, code)
		if err != nil {
			return err
		}
		priority, err := cfg.CheckIn(cal, b, tx.now)
		if err != nil {
			return err
		}
		letter := cfg.Letter(b.Sector)
		if letter == 0 {
			return queue.ErrNoSector // booked for a sector the hall no longer has
		}
		t = queue.Ticket{Sector: b.Sector, ResidentID: b.ResidentID, BookingID: b.ID}
		if priority {
			t.Priority = queue.PriorityBooking
		}
		if t, err = issue(ctx, tx, requestID, t, letter); err != nil {
			return err
		}
		b.Status, b.TicketID = queue.BookingUsed, t.ID
		return saveBooking(ctx, tx, b, "")
	})
	return t, err
}

// OpenCounter starts calling at a window for the sectors its clerk serves.
func (db *DB) OpenCounter(ctx context.Context, window int, clerkID int64, clerkName string, sectors []string) error {
	raw, _ := json.Marshal(nonNil(sectors))
	return db.update(ctx, func(tx *tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO counters (window_no, clerk_id, clerk_name, sectors, opened_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (window_no) DO UPDATE SET clerk_id = excluded.clerk_id, clerk_name = excluded.clerk_name, sectors = excluded.sectors, opened_at = excluded.opened_at`,
			window, clerkID, clerkName, string(raw), stamp(tx.now))
		return err
	})
}

// CloseCounter stops calling at a window.
func (db *DB) CloseCounter(ctx context.Context, window int) error {
	return db.update(ctx, func(tx *tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM counters WHERE window_no = ?`, window)
		return err
	})
}

// Counter is an open window.
type Counter struct {
	Window    int
	ClerkID   int64
	ClerkName string
	Sectors   []string
}

// Counters lists the open windows.
func (db *DB) Counters(ctx context.Context) ([]Counter, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT window_no, clerk_id, clerk_name, sectors FROM counters ORDER BY window_no`)
	if err != nil {
		return nil, fmt.Errorf("list counters: %w", err)
	}
	defer rows.Close()
	var out []Counter
	for rows.Next() {
		var c Counter
		var s string
		if err := rows.Scan(&c.Window, &c.ClerkID, &c.ClerkName, &s); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(s), &c.Sectors)
		out = append(out, c)
	}
	return out, rows.Err()
}

func counterSectors(ctx context.Context, q rowQuerier, window int) ([]string, int64, error) {
	var s string
	var clerk int64
	err := q.QueryRowContext(ctx, `SELECT sectors, clerk_id FROM counters WHERE window_no = ?`, window).Scan(&s, &clerk)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, msg.New(ErrCounterClosed.Key, "N", window)
	}
	if err != nil {
		return nil, 0, err
	}
	var sectors []string
	_ = json.Unmarshal([]byte(s), &sectors)
	return sectors, clerk, nil
}

// CallNext calls the next ticket for a window by the calling rule, inside
// one write transaction, so two windows can never call the same number.
func (db *DB) CallNext(ctx context.Context, window int, p queue.Policy) (queue.Ticket, error) {
	var t queue.Ticket
	err := db.update(ctx, func(tx *tx) error {
		sectors, clerk, err := counterSectors(ctx, tx, window)
		if err != nil {
			return err
		}
		day := beijingDay(tx.now)
		at, err := tx.db.atWindow(ctx, tx, day, window)
		if err != nil {
			return err
		}
		// A parked ticket (the citizen fetching a paper) does not keep
		// the window from calling the next one.
		if i := slices.IndexFunc(at, busyAt); i >= 0 {
			return msg.New(queue.ErrBusy.Key, "Number", at[i].Number)
		}
		waiting, err := tx.db.ticketsWhere(ctx, tx, whereTicketsWaiting, day)
		if err != nil {
			return err
		}
		next, ok := p.Next(waiting, sectors)
		if !ok {
			return queue.ErrNoneWaiting
		}
		if t, err = p.Call(next, window, clerk, tx.now); err != nil {
			return err
		}
		return saveTicket(ctx, tx, t)
	})
	return t, err
}

// atWindow is the one reading of "the tickets at a window": a day's
// tickets called to it and not yet over (called, serving or parked), in
// issue order. CallNext refuses while one of them is busy; CounterState
// shows the window's ticket from them.
func (db *DB) atWindow(ctx context.Context, q querier, day string, window int) ([]queue.Ticket, error) {
	return db.ticketsWhere(ctx, q, whereTicketsAtWindow, day, window)
}

// busyAt: a ticket being called or served occupies its window.
func busyAt(t queue.Ticket) bool { return t.Status == queue.Called || t.Status == queue.Serving }

// CounterState reads a window as the hall has it now: open or not, its
// sectors, and its ticket — the busy one, else a parked one (what the
// counter's panel offers to resume) — in one read transaction, so the
// state never pairs a closed window with a ticket from a moment later.
func (db *DB) CounterState(ctx context.Context, window int) (queue.CounterState, error) {
	st := queue.CounterState{Window: window}
	t, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		return st, fmt.Errorf("begin counter read: %w", err)
	}
	defer rollback(t)
	sectors, _, err := counterSectors(ctx, t, window)
	switch {
	case errors.Is(err, ErrCounterClosed):
	case err != nil:
		return st, fmt.Errorf("read counter %d: %w", window, err)
	default:
		st.Open, st.Sectors = true, sectors
	}
	at, err := db.atWindow(ctx, t, beijingDay(db.clock.Now()), window)
	if err != nil {
		return st, fmt.Errorf("read counter %d tickets: %w", window, err)
	}
	i := slices.IndexFunc(at, busyAt)
	if i < 0 && len(at) > 0 {
		i = 0
	}
	if i >= 0 {
		st.Ticket = &at[i]
	}
	return st, nil
}

// UpdateTicket applies a counter action (重呼, 开始, 暂停, 过号, 办结, 转移) to a
// ticket in one transaction; a ticket that ends writes its outbox event.
func (db *DB) UpdateTicket(ctx context.Context, id string, action func(t queue.Ticket, now time.Time) (queue.Ticket, error)) (queue.Ticket, error) {
	var t queue.Ticket
	err := db.update(ctx, func(tx *tx) error {
		list, err := tx.db.ticketsWhere(ctx, tx, whereTicketByID, id)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return ErrTicketNotFound
		}
		if t, err = action(list[0], tx.now); err != nil {
			return err
		}
		return saveTicket(ctx, tx, t)
	})
	return t, err
}

func saveTicket(ctx context.Context, tx *tx, t queue.Ticket) error {
	doc, _ := json.Marshal(t)
	sealed, err := tx.seal(doc, colTicket)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE tickets SET sector = ?, status = ?, window_no = ?, doc = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`, t.Sector, string(t.Status), t.Window, sealed, stamp(tx.now), t.ID, t.Version)
	if err != nil {
		return fmt.Errorf("save ticket: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrCaseChanged
	}
	if t.Status == queue.Done || t.Status == queue.NoShow {
		_, err = tx.emit(ctx, protocol.TicketClosed, protocol.QueuePayload{Doc: doc})
	}
	return err
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// The tickets the queue screens, the board and the day's statistics read
// (ticketsQuery makes each a whole query; queryplan_test.go checks them).
const (
	whereTicketsOn       = `day = ?`
	whereTicketByID      = `id = ?`
	whereTicketsAtWindow = `day = ? AND window_no = ? AND status IN ('called', 'serving', 'parked')`
	whereTicketsWaiting  = `day = ? AND status = 'waiting'`
)

// ticketsQuery has no ORDER BY: ticketsWhere puts the tickets in issue
// order itself (rowid order means nothing for tickets from another
// machine), and sorting in SQL too cost a sort of the day's tickets.
func ticketsQuery(where string) string {
	return `SELECT doc, version FROM tickets WHERE ` + where
}

func (db *DB) ticketsWhere(ctx context.Context, q querier, where string, args ...any) ([]queue.Ticket, error) {
	rows, err := q.QueryContext(ctx, ticketsQuery(where), args...)
	if err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	defer rows.Close()
	var out []queue.Ticket
	for rows.Next() {
		var doc string
		var t queue.Ticket
		if err := rows.Scan(&doc, &t.Version); err != nil {
			return nil, err
		}
		v := t.Version
		if err := db.unsealJSON(doc, colTicket, &t); err != nil {
			return nil, err
		}
		t.Version = v
		out = append(out, t)
	}
	// Issue order, and among tickets of the same instant their numbers'
	// order read as numbers (A999 before A1000). Not rowid: tickets from
	// another machine of the hall arrive in any order.
	slices.SortStableFunc(out, func(a, b queue.Ticket) int {
		if c := a.Issued.Compare(b.Issued); c != 0 {
			return c
		}
		return queue.CompareNumbers(a.Number, b.Number)
	})
	return out, rows.Err()
}

// TicketsOn returns a day's tickets in issue order.
func (db *DB) TicketsOn(ctx context.Context, day string) ([]queue.Ticket, error) {
	return db.ticketsWhere(ctx, db.r, whereTicketsOn, day)
}

// TicketByID returns one ticket.
func (db *DB) TicketByID(ctx context.Context, id string) (queue.Ticket, error) {
	list, err := db.ticketsWhere(ctx, db.r, whereTicketByID, id)
	if err != nil {
		return queue.Ticket{}, err
	}
	if len(list) == 0 {
		return queue.Ticket{}, ErrTicketNotFound
	}
	return list[0], nil
}

// Book makes an appointment: the half-day must be bookable, have room,
// and the person may hold only one active booking per sector and day.
func (db *DB) Book(ctx context.Context, requestID string, b queue.Booking, s queue.HallConfig, cal *workday.Calendar) (queue.Booking, error) {
	if s.Letter(b.Sector) == 0 {
		return b, queue.ErrNoSector
	}
	err := db.update(ctx, func(tx *tx) error {
		var doc string
		err := tx.QueryRowContext(ctx, `SELECT doc FROM bookings WHERE request_id = ?`, requestID).Scan(&doc)
		if err == nil {
			return db.unsealJSON(doc, colBooking, &b)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := s.CheckBookable(cal, tx.now, b.Sector, b.Day, b.Half); err != nil {
			return err
		}
		var dup string
		err = tx.QueryRowContext(ctx, `SELECT code FROM bookings WHERE resident_id = ? AND sector = ? AND day = ? AND status = 'active'`,
			db.residentKey(b.ResidentID), b.Sector, b.Day).Scan(&dup)
		if err == nil {
			return msg.New(queue.ErrDuplicate.Key, "Day", b.Day, "Sector", b.Sector, "Code", dup)
		}
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM bookings WHERE sector = ? AND day = ? AND half = ? AND status != 'cancelled'`,
			b.Sector, b.Day, string(b.Half)).Scan(&taken); err != nil {
			return err
		}
		if taken >= s.Capacity(b.Sector, b.Half) {
			return msg.New(queue.ErrSlotFull.Key, "Day", b.Day, "Half", queue.HalfName(b.Half), "Sector", b.Sector,
				"Next", nextFree(ctx, tx, b.Sector, s, cal))
		}
		var next int
		if err := tx.QueryRowContext(ctx, `SELECT next FROM booking_seq WHERE day = ? AND sector = ?`, b.Day, b.Sector).Scan(&next); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		next = max(next, 1)
		if _, err := tx.ExecContext(ctx, `INSERT INTO booking_seq (day, sector, next) VALUES (?, ?, ?)
			ON CONFLICT (day, sector) DO UPDATE SET next = excluded.next`, b.Day, b.Sector, next+1); err != nil {
			return err
		}
		b.ID, b.Code, b.Status, b.Created = eventid.New(), queue.BookingCode(b.Day, s.Letter(b.Sector), next), queue.BookingActive, tx.now
		return saveBooking(ctx, tx, b, requestID)
	})
	return b, err
}

// saveBooking inserts (requestID set) or updates a booking with its event.
func saveBooking(ctx context.Context, tx *tx, b queue.Booking, requestID string) error {
	doc, _ := json.Marshal(b)
	sealed, err := tx.seal(doc, colBooking)
	if err != nil {
		return err
	}
	if requestID != "" {
		_, err = tx.ExecContext(ctx, `INSERT INTO bookings (id, request_id, code, sector, day, half, resident_id, status, doc, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, b.ID, requestID, b.Code, b.Sector, b.Day, string(b.Half), tx.db.residentKey(b.ResidentID), string(b.Status), sealed, stamp(tx.now))
		var se sqlite3.Error
		if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique && strings.Contains(err.Error(), "resident_id") {
			return msg.New(queue.ErrDuplicate.Key, "Day", b.Day, "Sector", b.Sector, "Code", "")
		}
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE bookings SET status = ?, doc = ? WHERE id = ?`, string(b.Status), sealed, b.ID)
	}
	if err != nil {
		return fmt.Errorf("save booking: %w", err)
	}
	kind := protocol.BookingCreated
	if b.Status == queue.BookingCancelled {
		kind = protocol.BookingCancelled
	}
	if b.Status == queue.BookingUsed {
		return nil // the ticket.issued event tells the county it was used
	}
	_, err = tx.emit(ctx, kind, protocol.QueuePayload{Doc: doc})
	return err
}

func (db *DB) bookingByCode(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, code string) (queue.Booking, error) {
	var b queue.Booking
	var doc string
	code = strings.ToUpper(strings.TrimSpace(code))
	err := q.QueryRowContext(ctx, `SELECT doc FROM bookings WHERE code = ?`, code).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return b, msg.New(queue.ErrNoSuchBooking.Key, "Code", code)
	}
	if err != nil {
		return b, err
	}
	return b, db.unsealJSON(doc, colBooking, &b)
}

// BookingByCode returns a booking.
func (db *DB) BookingByCode(ctx context.Context, code string) (queue.Booking, error) {
	return db.bookingByCode(ctx, db.r, code)
}

// cancellable says whether b (found by code) may be cancelled by the
// holder of residentID: the ID must match — a code alone, read off a slip
// left on the counter, must not cancel someone's visit — and the booking
// must still be active. A wrong ID is told as an unknown code, so the
// answer does not confirm that a code exists.
func cancellable(b queue.Booking, code, residentID string) error {
	if b.ResidentID != residentID {
		return msg.New(queue.ErrNoSuchBooking.Key, "Code", code)
	}
	if b.Status != queue.BookingActive {
		return msg.New(queue.ErrBookingGone.Key, "Code", b.Code, "Status", "使用或取消")
	}
	return nil
}

// FindBooking returns the active booking that CancelBooking would cancel,
// for the citizen to check before confirming.
func (db *DB) FindBooking(ctx context.Context, code, residentID string) (queue.Booking, error) {
	b, err := db.bookingByCode(ctx, db.r, code)
	if err != nil {
		return queue.Booking{}, err
	}
	if err := cancellable(b, code, residentID); err != nil {
		return queue.Booking{}, err
	}
	return b, nil
}

// CancelBooking cancels an active booking; the resident ID must match.
func (db *DB) CancelBooking(ctx context.Context, code, residentID string) (queue.Booking, error) {
	var b queue.Booking
	err := db.update(ctx, func(tx *tx) error {
		var err error
		if b, err = tx.db.bookingByCode(ctx, tx, code); err != nil {
			return err
		}
		if err := cancellable(b, code, residentID); err != nil {
			return err
		}
		b.Status = queue.BookingCancelled
		return saveBooking(ctx, tx, b, "")
	})
	return b, err
}

// nextFree names up to three bookable half-days of a sector that still
// have room, for the answer to a full slot.
func nextFree(ctx context.Context, tx *tx, sector string, s queue.HallConfig, cal *workday.Calendar) string {
	slots, err := s.Bookable(cal, tx.now, sector)
	if err != nil {
		return ""
	}
	var free []string
	for _, sl := range slots {
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM bookings WHERE sector = ? AND day = ? AND half = ? AND status != 'cancelled'`,
			sector, sl.Day, string(sl.Half)).Scan(&taken); err != nil {
			return ""
		}
		if taken < sl.Free {
			free = append(free, sl.Day+" "+queue.HalfName(sl.Half))
		}
		if len(free) == 3 {
			break
		}
	}
	if len(free) == 0 {
		return fmt.Sprintf("%d个工作日内均已约满", s.DaysAhead)
	}
	return strings.Join(free, "、")
}

// FreeSlots lists the bookable half-days of a sector with the places left.
func (db *DB) FreeSlots(ctx context.Context, sector string, s queue.HallConfig, cal *workday.Calendar) ([]queue.Slot, error) {
	slots, err := s.Bookable(cal, db.clock.Now(), sector)
	if err != nil {
		return nil, err
	}
	for i := range slots {
		var taken int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM bookings WHERE sector = ? AND day = ? AND half = ? AND status != 'cancelled'`,
			sector, slots[i].Day, string(slots[i].Half)).Scan(&taken); err != nil {
			return nil, err
		}
		slots[i].Free = max(slots[i].Free-taken, 0)
	}
	return slots, nil
}
