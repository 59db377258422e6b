package hall

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/workday"
	"github.com/yichuang/yichuang/sync/figures"
)

// Local is the queue running on this machine's database.
type Local struct {
	DB     *store.DB
	Policy queue.Policy
	// Config, when set, replaces the hall config the county sent (tests,
	// or a hall run without a county); otherwise it is read from the
	// database at every action, so a new one takes effect at once.
	Config *queue.HallConfig
	// Calendar, when set, replaces the database's (embedded notices plus
	// those the county published).
	Calendar *workday.Calendar
	Clock    clock.Clock
	Notice   string

	mu   sync.Mutex
	subs map[chan Event]struct{}
}

var _ Service = (*Local)(nil)

// NewLocal returns the queue over db with the default policy and schedule.
func NewLocal(db *store.DB, clk clock.Clock, notice string) *Local {
	return &Local{DB: db, Policy: queue.DefaultPolicy,
		Clock: clk, Notice: notice, subs: map[chan Event]struct{}{}}
}

func (l *Local) calendar(ctx context.Context) (*workday.Calendar, error) {
	if l.Calendar != nil {
		return l.Calendar, nil
	}
	return l.DB.Calendar(ctx)
}

func (l *Local) config(ctx context.Context) (queue.HallConfig, error) {
	if l.Config != nil {
		return *l.Config, nil
	}
	return l.DB.HallConfig(ctx)
}

// rules are the hall's config and calendar, read for one action.
func (l *Local) rules(ctx context.Context) (queue.HallConfig, *workday.Calendar, error) {
	cfg, err := l.config(ctx)
	if err != nil {
		return cfg, nil, err
	}
	cal, err := l.calendar(ctx)
	return cfg, cal, err
}

func (l *Local) today() string { return l.Clock.Now().In(workday.China).Format("2006-01-02") }

// IssueTicket takes a number; an ID, if given, must be a valid resident ID.
func (l *Local) IssueTicket(ctx context.Context, req TicketRequest) (Slip, error) {
	t := queue.Ticket{Sector: req.Sector}
	if req.ResidentID != "" {
		id, err := ids.NormalizePersonID(req.ResidentID, l.Clock.Now())
		if err != nil {
			return Slip{}, err
		}
		t.ResidentID = id
	}
	if req.Green {
		t.Priority = queue.PriorityGreen
	}
	cfg, cal, err := l.rules(ctx)
	if err != nil {
		return Slip{}, err
	}
	t, err = l.DB.IssueTicket(ctx, req.RequestID, t, cfg, cal)
	if err != nil {
		return Slip{}, err
	}
	l.publish(ctx, Event{Kind: EventChanged})
	return l.slip(ctx, t)
}

// CheckIn turns a booking into a ticket.
func (l *Local) CheckIn(ctx context.Context, requestID, code string) (Slip, error) {
	cfg, cal, err := l.rules(ctx)
	if err != nil {
		return Slip{}, err
	}
	t, err := l.DB.CheckInBooking(ctx, requestID, code, cfg, cal)
	if err != nil {
		return Slip{}, err
	}
	l.publish(ctx, Event{Kind: EventChanged})
	return l.slip(ctx, t)
}

// slip adds the people ahead and the wait estimate to a ticket.
func (l *Local) slip(ctx context.Context, t queue.Ticket) (Slip, error) {
	all, err := l.DB.TicketsOn(ctx, t.Day)
	if err != nil {
		return Slip{Ticket: t}, err
	}
	counters, err := l.DB.Counters(ctx)
	if err != nil {
		return Slip{Ticket: t}, err
	}
	var sets [][]string
	for _, c := range counters {
		sets = append(sets, c.Sectors)
	}
	ahead, wait := l.Policy.Estimate(t, all, sets, recentService(all, t.Sector))
	return Slip{Ticket: t, Ahead: ahead, Wait: wait}, nil
}

// recentService is the mean service time of the last ten tickets finished
// in a sector today; 0 when none has been.
func recentService(all []queue.Ticket, sector string) time.Duration {
	var done []queue.Ticket
	for _, t := range all {
		if t.Sector == sector && t.Status == queue.Done && !t.StartedAt.IsZero() {
			done = append(done, t)
		}
	}
	slices.SortFunc(done, func(a, b queue.Ticket) int { return b.FinishedAt.Compare(a.FinishedAt) })
	done = done[:min(10, len(done))]
	if len(done) == 0 {
		return 0
	}
	var sum time.Duration
	for _, t := range done {
		sum += t.FinishedAt.Sub(t.StartedAt)
	}
	return sum / time.Duration(len(done))
}

// Book makes an appointment.
func (l *Local) Book(ctx context.Context, req BookRequest) (queue.Booking, error) {
	id, err := ids.NormalizePersonID(req.ResidentID, l.Clock.Now())
	if err != nil {
		return queue.Booking{}, err
	}
	mobile, err := ids.NormalizeMobile(req.Mobile)
	if err != nil {
		return queue.Booking{}, err
	}
	cfg, cal, err := l.rules(ctx)
	if err != nil {
		return queue.Booking{}, err
	}
	return l.DB.Book(ctx, req.RequestID, queue.Booking{Sector: req.Sector, Day: req.Day, Half: req.Half, ResidentID: id, Mobile: mobile},
		cfg, cal)
}

// FindBooking finds the appointment CancelBooking would cancel.
func (l *Local) FindBooking(ctx context.Context, code, residentID string) (queue.Booking, error) {
	id, err := ids.NormalizePersonID(residentID, l.Clock.Now())
	if err != nil {
		return queue.Booking{}, err
	}
	return l.DB.FindBooking(ctx, code, id)
}

// CancelBooking cancels an appointment.
func (l *Local) CancelBooking(ctx context.Context, code, residentID string) (queue.Booking, error) {
	id, err := ids.NormalizePersonID(residentID, l.Clock.Now())
	if err != nil {
		return queue.Booking{}, err
	}
	return l.DB.CancelBooking(ctx, code, id)
}

// FreeSlots lists bookable half-days with the places left.
func (l *Local) FreeSlots(ctx context.Context, sector string) ([]queue.Slot, error) {
	cfg, cal, err := l.rules(ctx)
	if err != nil {
		return nil, err
	}
	return l.DB.FreeSlots(ctx, sector, cfg, cal)
}

// OpenCounter starts calling at a window.
func (l *Local) OpenCounter(ctx context.Context, c Counter) error {
	cfg, err := l.config(ctx)
	if err != nil {
		return err
	}
	// A sector the hall no longer has is refused by name, not dropped: a
	// counter opened for fewer sectors than its clerk chose would wait
	// for tickets that never come to it, and nobody would know why.
	if gone := cfg.Missing(c.Sectors); len(gone) > 0 {
		return msg.New(queue.ErrSectorGone.Key, "Sectors", strings.Join(gone, "、"))
	}
	if len(c.Sectors) == 0 {
		return queue.ErrNoSector
	}
	if err := l.DB.OpenCounter(ctx, c.Window, c.ClerkID, c.ClerkName, c.Sectors); err != nil {
		return err
	}
	l.publishWindow(ctx, c.Window)
	return nil
}

// CloseCounter stops calling at a window.
func (l *Local) CloseCounter(ctx context.Context, window int) error {
	if err := l.DB.CloseCounter(ctx, window); err != nil {
		return err
	}
	l.publishWindow(ctx, window)
	return nil
}

// CounterState is a window as the hall has it now.
func (l *Local) CounterState(ctx context.Context, window int) (queue.CounterState, error) {
	return l.DB.CounterState(ctx, window)
}

// CallNext calls the next number for a window.
func (l *Local) CallNext(ctx context.Context, _ string, window int) (queue.Ticket, error) {
	t, err := l.DB.CallNext(ctx, window, l.Policy)
	if err != nil {
		return t, err
	}
	l.publish(ctx, Event{Kind: EventCalled, Window: window, Call: &Call{Number: t.Number, Window: window, At: t.CalledAt, Calls: t.Calls}})
	return t, nil
}

// Act applies a counter action to the window's ticket.
func (l *Local) Act(ctx context.Context, req ActRequest) (queue.Ticket, error) {
	p := l.Policy
	if req.Action == Transfer {
		cfg, err := l.config(ctx)
		if err != nil {
			return queue.Ticket{}, err
		}
		if !cfg.HasSector(req.Sector) {
			return queue.Ticket{}, queue.ErrNoSector
		}
	}
	t, err := l.DB.UpdateTicket(ctx, req.TicketID, func(t queue.Ticket, now time.Time) (queue.Ticket, error) {
		switch req.Action {
		case Recall:
			return p.Recall(t, req.Window, now)
		case Start:
			return p.Start(t, req.Window, now)
		case Park:
			return p.Park(t, req.Window)
		case NoShow:
			return p.NoShow(t, req.Window, now)
		case Finish:
			return p.Finish(t, req.Window, now)
		case Transfer:
			return p.Transfer(t, req.Window, req.Sector)
		}
		return t, queue.ErrNoSector
	})
	if err != nil {
		return t, err
	}
	if req.Action == Recall {
		l.publish(ctx, Event{Kind: EventCalled, Window: req.Window, Call: &Call{Number: t.Number, Window: req.Window, At: t.CalledAt, Calls: t.Calls}})
	} else {
		l.publish(ctx, Event{Kind: EventChanged, Window: req.Window})
	}
	return t, nil
}

// RecentCalls is how many finished calls the board lists under 最近叫号.
const RecentCalls = 5

// Board is the display's state: the last calls of today and who waits.
func (l *Local) Board(ctx context.Context) (Board, error) {
	all, err := l.DB.TicketsOn(ctx, l.today())
	if err != nil {
		return Board{}, err
	}
	cfg, cal, err := l.rules(ctx)
	if err != nil {
		return Board{}, err
	}
	b := Board{Waiting: map[string]int{}, Notice: l.Notice}
	for _, s := range cfg.Sectors {
		b.Waiting[s.Name] = 0
		b.Sectors = append(b.Sectors, queue.BoardSector{Name: s.Name, Letter: s.Letter})
	}
	// What the ticket machine says instead of its buttons when the hall
	// is closed; the message's key travels so each screen renders it in
	// its own language.
	if m, ok := msg.As(cfg.CheckOpen(cal, l.Clock.Now())); ok {
		b.Closed = &queue.ClosedNotice{Key: m.Key, Data: m.Data}
	}
	var called, over []queue.Ticket
	for _, t := range all {
		if t.Status == queue.Waiting {
			b.Waiting[t.Sector]++
		}
		switch {
		case t.CalledAt.IsZero():
		case t.Status == queue.Called || t.Status == queue.Serving || t.Status == queue.Parked:
			called = append(called, t)
		case t.Status == queue.Done || t.Status == queue.NoShow:
			over = append(over, t)
		}
	}
	newestFirst := func(a, b queue.Ticket) int { return b.CalledAt.Compare(a.CalledAt) }
	slices.SortFunc(called, newestFirst)
	for _, t := range called[:min(8, len(called))] {
		b.Calls = append(b.Calls, Call{Number: t.Number, Window: t.Window, At: t.CalledAt, Calls: t.Calls})
	}
	slices.SortFunc(over, newestFirst)
	for _, t := range over[:min(RecentCalls, len(over))] {
		b.Recent = append(b.Recent, Call{Number: t.Number, Window: t.Window, At: t.CalledAt, Calls: t.Calls})
	}
	return b, nil
}

// Stats are today's figures per sector and per clerk.
func (l *Local) Stats(ctx context.Context) (Stats, error) {
	day := l.today()
	all, err := l.DB.TicketsOn(ctx, day)
	if err != nil {
		return Stats{}, err
	}
	counters, _ := l.DB.Counters(ctx)
	names := map[int64]string{}
	for _, c := range counters {
		names[c.ClerkID] = c.ClerkName
	}
	cfg, err := l.config(ctx)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Day: day}
	type acc struct {
		s                SectorStats
		waitN, serviceN  int
		waitSum, service time.Duration
	}
	bySector := map[string]*acc{}
	byClerk := map[int64]*ClerkStats{}
	clerkSum := map[int64]time.Duration{}
	for _, s := range cfg.SectorNames() {
		bySector[s] = &acc{s: SectorStats{Sector: s}}
	}
	for _, t := range all {
		a := bySector[t.Sector]
		if a == nil {
			continue
		}
		a.s.Issued++
		switch t.Status {
		case queue.Waiting:
			a.s.Waiting++
		case queue.NoShow:
			a.s.NoShows++
		case queue.Done:
			a.s.Served++
			d, _ := figures.Service(t.StartedAt, t.FinishedAt)
			a.service += d
			a.serviceN++
			c := byClerk[t.ClerkID]
			if c == nil {
				c = &ClerkStats{ClerkID: t.ClerkID, Name: names[t.ClerkID]}
				byClerk[t.ClerkID] = c
			}
			c.Served++
			clerkSum[t.ClerkID] += d
		}
		// The wait as the county counts it (sync/figures): issue to first
		// call, over the tickets that have ended — the county learns a
		// ticket's times when it closes, and the two must agree.
		if t.Status == queue.Done || t.Status == queue.NoShow {
			if d, ok := figures.Wait(t.Issued, t.CalledAt); ok {
				a.waitSum += d
				a.waitN++
			}
		}
	}
	for _, s := range cfg.SectorNames() {
		a := bySector[s]
		if a.waitN > 0 {
			a.s.AvgWait = a.waitSum / time.Duration(a.waitN)
		}
		if a.serviceN > 0 {
			a.s.AvgService = a.service / time.Duration(a.serviceN)
		}
		st.Sectors = append(st.Sectors, a.s)
	}
	for id, c := range byClerk {
		c.AvgService = clerkSum[id] / time.Duration(c.Served)
		st.Clerks = append(st.Clerks, *c)
	}
	slices.SortFunc(st.Clerks, func(a, b ClerkStats) int { return b.Served - a.Served })
	return st, nil
}

// Subscribe streams events until ctx ends, starting with the board as it
// stands, so a display that just started (or reconnected) is right at once.
func (l *Local) Subscribe(ctx context.Context) (<-chan Event, error) {
	ch := make(chan Event, 16)
	if b, err := l.Board(ctx); err == nil {
		ch <- Event{Kind: EventChanged, Board: b}
	}
	l.mu.Lock()
	if l.subs == nil {
		l.subs = map[chan Event]struct{}{}
	}
	l.subs[ch] = struct{}{}
	l.mu.Unlock()
	go func() {
		<-ctx.Done()
		l.mu.Lock()
		delete(l.subs, ch)
		close(ch)
		l.mu.Unlock()
	}()
	return ch, nil
}

// publishWindow tells subscribers that a window's state changed (opened
// or closed): the board is the same, but the window's panels on other
// machines read it again.
func (l *Local) publishWindow(ctx context.Context, window int) {
	l.publish(ctx, Event{Kind: EventChanged, Window: window})
}

// publish sends ev with the new board to every subscriber; a subscriber
// too slow to keep up loses old events rather than blocking a counter's
// call (the next event carries the whole board anyway).
func (l *Local) publish(ctx context.Context, ev Event) {
	b, err := l.Board(ctx)
	if err != nil {
		return
	}
	ev.Board = b
	l.mu.Lock()
	defer l.mu.Unlock()
	for ch := range l.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}
