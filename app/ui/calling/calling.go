// Package calling provides the counter's calling panel (叫号): open the
// window for the sectors its clerk masters that the hall has (its
// county's config, as the hub's board carries it), call the next number, recall,
// start, park, mark no-show, transfer, finish, and start intake with the
// ticket's applicant. When the hall hub cannot be reached it says so in a
// banner; the counter's intake keeps working.
package calling

import (
	"context"
	"errors"
	"log"
	"slices"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/reqid"

	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// Service is what the panel needs from the hall's queue.
type Service interface {
	OpenCounter(ctx context.Context, c queue.Counter) error
	CloseCounter(ctx context.Context, window int) error
	CallNext(ctx context.Context, requestID string, window int) (queue.Ticket, error)
	Act(ctx context.Context, req queue.ActRequest) (queue.Ticket, error)
	// CounterState is the window as the hall has it: the panel shows
	// that, never only what this panel instance did.
	CounterState(ctx context.Context, window int) (queue.CounterState, error)
	Subscribe(ctx context.Context) (<-chan queue.Event, error)
}

// Panel is the calling bar of a counter.
type Panel struct {
	ctx     context.Context
	svc     Service
	counter queue.Counter
	intake  func(residentID string)

	Open, Call, Recall, Start, Park, NoShow, Finish, Intake, Transfer *widget.Button
	TransferTo                                                        *widget.Select
	Current, Waiting, Banner                                          *widget.Label
	// Sectors chooses which of the clerk's sectors the window opens for;
	// Gone says which of them the hall no longer has.
	Sectors *widget.CheckGroup
	Gone    *widget.Label

	// OnFinished is told of each ticket served to the end (办结), so the
	// citizen can rate the service.
	OnFinished func(queue.Ticket)

	mastered []string // the clerk's sectors; none: 全科, every sector of the hall
	hall     []string // the hall's sectors, from the hub's board
	mu       sync.Mutex
	ticket   *queue.Ticket
	opened   bool
	pending  string // request id of a call whose answer was lost
	// note is the last outcome or refusal (B001：已办结, 暂无等候 …). The
	// Current label is always rewritten from opened, ticket and note
	// together, never patched by one action: a label set by one step and
	// left by the next is how it came to say 未开启叫号 on an open window.
	note    string
	content fyne.CanvasObject

	// The window's state is read from the hall (CounterState) when the
	// panel is built and whenever an event names this window: a panel
	// built again after 设置, a restart or a new sign-in, or a second
	// machine acting as the same window, shows what the hall has.
	// loading runs one read at a time; stale asks for another when a
	// change came while one was on its way. loaded is false until the
	// first answer (or failure): 开启叫号 waits for it, so a clerk does
	// not open an already open window over its ticket. Both are only
	// touched on the UI goroutine.
	loading busy.Guard
	stale   bool
	loaded  bool
}

// New builds the panel for a counter; intake opens counter intake with a
// resident ID (empty when the ticket has none).
func New(ctx context.Context, svc Service, counter queue.Counter, intake func(residentID string)) *Panel {
	p := &Panel{ctx: ctx, svc: svc, counter: counter, intake: intake, mastered: slices.Clone(counter.Sectors)}
	p.Current = widget.NewLabel(l10n.L("正在读取本窗口的叫号状态…"))
	p.Waiting = widget.NewLabel("")
	p.Banner = widget.NewLabel("")
	p.Banner.Importance = widget.DangerImportance
	p.Banner.Wrapping = fyne.TextWrapWord
	p.Banner.Hide()
	p.Open = widget.NewButton(l10n.L("开启叫号"), p.toggle)
	p.Call = widget.NewButton(l10n.L("叫号"), p.call)
	p.Call.Importance = widget.HighImportance
	act := func(a queue.Action) func() { return func() { p.act(a, "") } }
	p.Recall = widget.NewButton(l10n.L("重呼"), act(queue.ActRecall))
	p.Start = widget.NewButton(l10n.L("开始办理"), act(queue.ActStart))
	p.Park = widget.NewButton(l10n.L("暂停"), act(queue.ActPark))
	p.NoShow = widget.NewButton(l10n.L("过号"), act(queue.ActNoShow))
	p.Finish = widget.NewButton(l10n.L("办结"), act(queue.ActFinish))
	p.TransferTo = widget.NewSelect(nil, nil)
	p.TransferTo.PlaceHolder = l10n.L("转到板块")
	p.Transfer = widget.NewButton(l10n.L("转移"), func() {
		for _, s := range p.hall {
			if l10n.L(s) == p.TransferTo.Selected {
				p.act(queue.ActTransfer, s)
			}
		}
	})
	p.Sectors = widget.NewCheckGroup(nil, nil)
	p.Sectors.Horizontal = true
	p.Gone = widget.NewLabel("")
	p.Gone.Importance = widget.WarningImportance
	p.Gone.Wrapping = fyne.TextWrapWord
	p.Gone.Hide()
	p.Intake = widget.NewButton(l10n.L("受理此号"), func() {
		if t := p.current(); t != nil && p.intake != nil {
			p.intake(t.ResidentID)
		}
	})
	p.content = container.NewVBox(
		container.NewHBox(p.Open, p.Call, p.Recall, p.Start, p.Park, p.NoShow, p.Finish,
			container.NewGridWrap(fyne.NewSize(150, p.TransferTo.MinSize().Height), p.TransferTo), p.Transfer, p.Intake),
		container.NewHBox(widget.NewLabel(l10n.L("叫号板块")), p.Sectors), p.Gone,
		container.NewHBox(p.Current, p.Waiting), p.Banner)
	// The default hall until the hub's board says otherwise (a counter
	// whose hub is down still shows its clerk's sectors).
	p.setHall(queue.DefaultHallConfig().SectorNames())
	p.refresh()
	p.reload()
	p.follow()
	return p
}

// Wait blocks until the window's state read in flight (and any read it
// started because the state changed meanwhile) has been shown, or ctx
// ends. Tests use it instead of sleeping.
func (p *Panel) Wait(ctx context.Context) error {
	for {
		if err := p.loading.Wait(ctx); err != nil {
			return err
		}
		if !p.loading.Busy() {
			return nil
		}
	}
}

// reload reads the window's state off the UI goroutine; called on the UI
// goroutine.
func (p *Panel) reload() {
	window := p.counter.Window
	started := busy.Run(&p.loading, nil, func() (queue.CounterState, error) {
		return p.svc.CounterState(p.ctx, window)
	}, p.show)
	if !started {
		p.stale = true
	}
}

// show takes the hall's answer: open or not, for which sectors, and the
// ticket at the window.
func (p *Panel) show(st queue.CounterState, err error) {
	if p.stale {
		// The window changed while this answer was on its way: it may
		// be old already, so read again (and show this one meanwhile).
		p.stale = false
		p.reload()
	}
	first := !p.loaded
	p.loaded = true
	if err != nil {
		if errors.Is(err, queue.ErrHubDown) {
			p.showBanner(err)
		} else if !errors.Is(err, context.Canceled) {
			// A hub older than this read answers 404: the panel then
			// keeps what it did itself, as before, rather than show
			// the clerk an English status line. County IT sees why.
			log.Printf("calling: read window %d: %v", p.counter.Window, err)
		}
		p.refresh()
		return
	}
	if first {
		p.Banner.Hide() // the hub answered
	}
	cur := p.current()
	if st.Open != p.opened || ticketKey(st.Ticket) != ticketKey(cur) {
		p.note = "" // an outcome here is about a state the window has left
	}
	p.opened = st.Open
	if st.Open {
		p.counter.Sectors = slices.Clone(st.Sectors)
		p.Sectors.SetSelected(slices.Clone(st.Sectors))
	}
	p.set(st.Ticket)
}

// ticketKey tells whether two readings show the same ticket in the same
// state.
func ticketKey(t *queue.Ticket) string {
	if t == nil {
		return ""
	}
	return t.ID + "/" + string(t.Status)
}

// Content returns the panel's root object.
func (p *Panel) Content() fyne.CanvasObject { return p.content }

func (p *Panel) current() *queue.Ticket {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ticket
}

// follow keeps the waiting count and the hub banner current.
func (p *Panel) follow() {
	ch, err := p.svc.Subscribe(p.ctx)
	if err != nil {
		return
	}
	go func() {
		for ev := range ch {
			ev := ev
			fyne.Do(func() { p.apply(ev) })
		}
	}()
}

func (p *Panel) apply(ev queue.Event) {
	switch ev.Kind {
	case queue.EventOffline:
		p.showBanner(queue.ErrHubDown)
		p.Waiting.SetText(l10n.L("等候人数未知（叫号主机连接中断）"))
		return
	case queue.EventOnline:
		p.Banner.Hide()
	}
	// This window changed (perhaps on another machine signed in as the
	// same window), or the hub is back after a gap in which it may have:
	// read the window again. An older hub names the window only in calls.
	if ev.Kind == queue.EventOnline || (ev.Window != 0 && ev.Window == p.counter.Window) ||
		(ev.Call != nil && ev.Call.Window == p.counter.Window) {
		p.reload()
	}
	if len(ev.Board.Sectors) > 0 {
		names := make([]string, len(ev.Board.Sectors))
		for i, s := range ev.Board.Sectors {
			names[i] = s.Name
		}
		p.setHall(names)
	}
	n := 0
	for _, s := range p.sectors() {
		n += ev.Board.Waiting[s]
	}
	p.Waiting.SetText(l10n.L("本窗口板块等候 {{.N}} 人", map[string]any{"N": n}))
}

// setHall takes the hall's sectors: the choice offers the clerk's sectors
// the hall has (all of them for a 全科 clerk), those the hall no longer
// has are named in Gone — never silently dropped — and transfers go to
// any sector of the hall.
func (p *Panel) setHall(hall []string) {
	if slices.Equal(hall, p.hall) {
		return
	}
	p.hall = hall
	var offer, gone []string
	if len(p.mastered) == 0 {
		offer = hall
	}
	for _, s := range p.mastered {
		if slices.Contains(hall, s) {
			offer = append(offer, s)
		} else {
			gone = append(gone, s)
		}
	}
	// Keep the clerk's choice; a sector offered anew (the hub's config
	// arriving after the default one) starts chosen.
	var chosen []string
	for _, s := range offer {
		switch {
		case p.opened:
			// An open window is open for what the hall says, whatever
			// the config now offers anew.
			if slices.Contains(p.counter.Sectors, s) {
				chosen = append(chosen, s)
			}
		case slices.Contains(p.Sectors.Selected, s) || !slices.Contains(p.Sectors.Options, s):
			chosen = append(chosen, s)
		}
	}
	p.Sectors.Options = offer
	p.Sectors.SetSelected(chosen)
	if len(gone) > 0 {
		text := l10n.L("本大厅现在没有您的“{{.Sectors}}”板块（县里更新了大厅设置），请主管在人员管理中调整。", map[string]any{"Sectors": strings.Join(gone, "、")})
		if len(offer) > 0 {
			text += l10n.L("您仍可按其余板块叫号。")
		} else {
			text += l10n.L("在此之前本窗口不能叫号，受理不受影响。")
		}
		p.Gone.SetText(text)
		p.Gone.Show()
	} else {
		p.Gone.Hide()
	}
	var names []string
	for _, s := range hall {
		names = append(names, l10n.L(s))
	}
	p.TransferTo.SetOptions(names)
	p.refresh()
}

// sectors are the sectors the window opens for: the ones chosen.
func (p *Panel) sectors() []string { return slices.Clone(p.Sectors.Selected) }

func (p *Panel) showBanner(err error) {
	p.Banner.SetText(l10n.Error(err))
	p.Banner.Show()
}

// fail shows an error: a lost hub goes to the banner, a refusal beside the
// ticket.
func (p *Panel) fail(err error) {
	if errors.Is(err, queue.ErrHubDown) {
		p.showBanner(err)
		return
	}
	p.Banner.Hide()
	p.note = l10n.Error(err)
	p.refresh()
}

func (p *Panel) toggle() {
	var err error
	if p.opened {
		err = p.svc.CloseCounter(p.ctx, p.counter.Window)
	} else {
		c := p.counter
		c.Sectors = p.sectors()
		if len(c.Sectors) == 0 {
			p.fail(queue.ErrNoSector)
			return
		}
		if err = p.svc.OpenCounter(p.ctx, c); err == nil {
			p.counter = c
		}
	}
	if err != nil {
		p.fail(err)
		return
	}
	p.Banner.Hide()
	p.opened = !p.opened
	p.note = ""
	p.refresh()
}

func (p *Panel) call() {
	if p.pending == "" {
		p.pending = reqid.New()
	}
	t, err := p.svc.CallNext(p.ctx, p.pending, p.counter.Window)
	if err != nil {
		if !errors.Is(err, queue.ErrHubDown) {
			p.pending = ""
		}
		p.fail(err)
		return
	}
	p.pending = ""
	p.Banner.Hide()
	p.note = ""
	p.set(&t)
}

func (p *Panel) act(a queue.Action, sector string) {
	t := p.current()
	if t == nil {
		return
	}
	got, err := p.svc.Act(p.ctx, queue.ActRequest{RequestID: reqid.New(), Window: p.counter.Window, TicketID: t.ID, Action: a, Sector: sector})
	if err != nil {
		p.fail(err)
		return
	}
	p.Banner.Hide()
	p.note = ""
	switch got.Status {
	case queue.Done, queue.NoShow, queue.Waiting: // finished, absent or transferred away
		p.note = l10n.L("{{.Number}}：{{.Status}}", map[string]any{"Number": got.Number, "Status": l10n.L(queue.StatusName(got.Status))})
		p.set(nil)
		if got.Status == queue.Done && p.OnFinished != nil {
			p.OnFinished(got)
		}
	default:
		p.set(&got)
	}
}

func (p *Panel) set(t *queue.Ticket) {
	p.mu.Lock()
	p.ticket = t
	p.mu.Unlock()
	p.refresh()
}

// describe is what the Current label says for the panel's state: the
// ticket at the window, else the last outcome, else whether the window is
// open and for which sectors.
func (p *Panel) describe() string {
	t := p.current()
	if t == nil {
		switch {
		case !p.loaded:
			return l10n.L("正在读取本窗口的叫号状态…")
		case p.note != "":
			return p.note
		case p.opened:
			// The sectors show ticked just above; naming them here too
			// would widen the counter's bar with a 全科 clerk's ten.
			return l10n.L("已开启叫号，请按“叫号”")
		}
		return l10n.L("未开启叫号")
	}
	text := l10n.L("当前：{{.Number}}（{{.Sector}}）{{.Status}}，已呼叫{{.Calls}}次", map[string]any{
		"Number": t.Number, "Sector": l10n.L(t.Sector), "Status": l10n.L(queue.StatusName(t.Status)), "Calls": t.Calls})
	if t.Priority != "" {
		text += " · " + l10n.L("优先")
	}
	if t.ResidentID != "" {
		text += " · " + ids.MaskIDNumber(t.ResidentID)
	}
	if p.note != "" {
		text += " · " + p.note // a refused action on the ticket at the window
	}
	return text
}

// refresh rewrites the state line and enables only the buttons that make
// sense now; every action ends with it.
func (p *Panel) refresh() {
	t := p.current()
	p.Current.SetText(p.describe())
	if p.opened {
		p.Open.SetText(l10n.L("关闭叫号"))
	} else {
		p.Open.SetText(l10n.L("开启叫号"))
	}
	enable := func(b *widget.Button, on bool) {
		if on {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	enable(p.Open, p.loaded)
	st := queue.Status("")
	if t != nil {
		st = t.Status
	}
	enable(p.Call, p.opened && t == nil)
	// The sectors are chosen before opening; the hub keeps them until the
	// window closes.
	if p.opened || len(p.Sectors.Options) == 0 {
		p.Sectors.Disable()
	} else {
		p.Sectors.Enable()
	}
	enable(p.Recall, st == queue.Called)
	enable(p.Start, st == queue.Called || st == queue.Parked)
	enable(p.Park, st == queue.Serving)
	enable(p.NoShow, st == queue.Called)
	enable(p.Finish, st == queue.Called || st == queue.Serving)
	enable(p.Transfer, st == queue.Called || st == queue.Serving || st == queue.Parked)
	enable(p.Intake, t != nil)
}
