// Package ticket provides the ticket machine (取号) of the self-service
// terminal: a sector in two taps at most, an optional resident ID to link
// the ticket to a booking and later to the case, booking check-in, the
// staff-set 绿色通道, and making an appointment (预约).
package ticket

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/reqid"
	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/cardread"
	"github.com/yichuang/yichuang/app/ui/keypad"
	"github.com/yichuang/yichuang/app/ui/kiosktheme"
	"github.com/yichuang/yichuang/app/ui/private"

	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// Service is what the ticket machine needs.
type Service interface {
	IssueTicket(ctx context.Context, req queue.TicketRequest) (queue.Slip, error)
	CheckIn(ctx context.Context, requestID, code string) (queue.Slip, error)
	Book(ctx context.Context, req queue.BookRequest) (queue.Booking, error)
	FindBooking(ctx context.Context, code, residentID string) (queue.Booking, error)
	CancelBooking(ctx context.Context, code, residentID string) (queue.Booking, error)
	FreeSlots(ctx context.Context, sector string) ([]queue.Slot, error)
	// PrintTicket prints the slip on the terminal's roll printer.
	PrintTicket(ctx context.Context, s queue.Slip) error
	PrintBooking(ctx context.Context, b queue.Booking) error
	// StaffCheck verifies a staff member's login and PIN (for 绿色通道).
	StaffCheck(ctx context.Context, login, secret string) error
	// Board gives the hall's sectors and, while no ticket can be
	// issued, why (lunch break, service over, a closed day).
	Board(ctx context.Context) (queue.Board, error)
}

// Screen is the ticket machine.
type Screen struct {
	ctx context.Context
	svc Service
	now func() time.Time
	// back returns to the home screen; nil hides the button.
	back func()

	Sectors []*widget.Button
	// Closed says why no ticket can be taken now (午间休息, 今日服务已结束
	// …), with BookNow offering an appointment instead; hidden while the
	// hall is open.
	Closed  *widget.Label
	BookNow *widget.Button
	// ResidentID is the optional 身份证号, filled on the on-screen IDPad
	// (the terminal has no keyboard), which shows only while the field is
	// being filled; the number shows as dots once complete.
	ResidentID *private.Entry
	IDPad      *keypad.Pad
	// CardLine shows the ID-card reader's state and the card read
	// (WithCards): 刷身份证 fills ResidentID instead of the keypad.
	CardLine   *cardread.Line
	idPad      fyne.CanvasObject
	staff      fyne.CanvasObject // the green channel, for staff
	Booking    *widget.Entry
	CheckIn    *widget.Button
	Green      *widget.Check
	StaffLogin *widget.Entry
	StaffPIN   *widget.Entry
	StaffOK    *widget.Button
	Message    *widget.Label

	// After a ticket: the slip shown on screen.
	Number *canvas.Text
	Detail *widget.Label
	Done   *widget.Button

	// held is set from a tap until the next citizen's screen: a ticket is
	// on its way or shown. guard runs the hub's answer and the slip's
	// printing off the UI goroutine.
	held    bool
	guard   busy.Guard
	pending map[string]string // sector → request id of an unanswered tap
	green   bool
	slip    *fyne.Container
	main    *fyne.Container
	content *fyne.Container
	timer   *time.Timer
	grid    *fyne.Container
	// shut is set while the board says the hall is closed.
	shut bool
	// suggest is the sector asked for by WithSector; Suggested is set once
	// the hall's board showed it and its button is marked.
	suggest   string
	Suggested string
	names     []string // the sectors of the buttons, in their order
}

// New builds the ticket machine.
func New(ctx context.Context, svc Service, now func() time.Time, back func(), opts ...Option) *Screen {
	o := collect(opts)
	s := &Screen{ctx: ctx, svc: svc, now: now, back: back, pending: map[string]string{}, suggest: o.sector, CardLine: cardread.NewLine(now)}
	title := widget.NewLabel(l10n.L("请选择办理的业务，取号后请留意叫号"))
	if s.suggest != "" {
		title.SetText(l10n.L("您的事项请在“{{.Sector}}”取号（已用颜色标出），取号后请留意叫号", map[string]any{"Sector": l10n.L(s.suggest)}))
		title.Wrapping = fyne.TextWrapWord
	}
	title.SizeName = theme.SizeNameHeadingText
	s.grid = container.NewGridWithColumns(4)
	s.Closed = widget.NewLabel("")
	s.Closed.Wrapping = fyne.TextWrapWord
	s.Closed.SizeName = theme.SizeNameSubHeadingText
	s.Closed.Importance = widget.WarningImportance
	s.BookNow = widget.NewButtonWithIcon(l10n.L("预约其他时段"), theme.CalendarIcon(), s.book)
	s.BookNow.Importance = widget.HighImportance
	s.Closed.Hide()
	s.BookNow.Hide()
	s.ResidentID = private.NewEntry()
	s.ResidentID.SetPlaceHolder(l10n.L("身份证号（可不填；填写后窗口可直接调出）"))
	s.ResidentID.Validator = func(v string) error {
		if strings.TrimSpace(v) == "" {
			return nil
		}
		_, err := ids.NormalizePersonID(v, s.now())
		return errOf(err)
	}
	s.IDPad = keypad.New(keypad.Digits, s.typeID)
	s.idPad = container.NewCenter(s.IDPad.Content())
	s.idPad.Hide()
	s.ResidentID.OnFocus = s.showPad
	s.Booking = widget.NewEntry()
	s.Booking.SetPlaceHolder(l10n.L("预约码，如 1010B017"))
	s.CheckIn = widget.NewButtonWithIcon(l10n.L("预约签到取号"), theme.ConfirmIcon(), s.checkIn)
	s.Message = widget.NewLabel("")
	s.Message.Wrapping = fyne.TextWrapWord
	s.Message.Importance = widget.DangerImportance

	s.Green = widget.NewCheck(l10n.L("绿色通道（老年人、残疾人优先，由工作人员开启）"), nil)
	s.Green.Disable()
	s.StaffLogin = widget.NewEntry()
	s.StaffLogin.SetPlaceHolder(l10n.L("工作人员登录名"))
	s.StaffPIN = widget.NewPasswordEntry()
	s.StaffPIN.SetPlaceHolder(l10n.L("PIN"))
	s.StaffOK = widget.NewButton(l10n.L("开启"), func() {
		err := s.svc.StaffCheck(s.ctx, strings.TrimSpace(strings.ToLower(s.StaffLogin.Text)), s.StaffPIN.Text)
		s.StaffPIN.SetText("")
		if err != nil {
			s.Message.SetText(l10n.Error(err))
			return
		}
		s.green = true
		s.Green.Enable()
		s.Green.SetChecked(true)
		s.Message.SetText("")
	})
	staff := container.NewBorder(nil, nil, nil, s.StaffOK, container.NewGridWithColumns(2, s.StaffLogin, s.StaffPIN))
	bookingRow := container.NewBorder(nil, nil, nil, s.CheckIn, s.Booking)
	var top []fyne.CanvasObject
	if back != nil {
		// Leaving wipes what the citizen typed, for the next one.
		top = append(top, container.NewHBox(widget.NewButtonWithIcon(l10n.L("返回"), theme.NavigateBackIcon(), func() { s.clear(); back() })))
	}
	// The keypad opens beside the fields, not under them, and the staff's
	// green channel steps aside meanwhile: in 长辈模式 a keypad under the
	// fields ran past the bottom of a 768 px screen and its last row had
	// to be scrolled to (TestEveryScreenFits).
	s.staff = container.NewVBox(widget.NewSeparator(), s.Green, staff)
	s.main = container.NewVBox(append(top, title, s.Closed, container.NewHBox(s.BookNow), s.grid, widget.NewSeparator(),
		s.CardLine.Content(),
		container.NewBorder(nil, nil, nil, s.idPad,
			widget.NewForm(widget.NewFormItem(l10n.L("身份证号"), s.ResidentID), widget.NewFormItem(l10n.L("已预约"), bookingRow))),
		s.Message, layout.NewSpacer(), s.staff)...)

	s.Number = canvas.NewText("", kiosktheme.Primary)
	s.Number.TextSize = 120
	s.Number.Alignment = fyne.TextAlignCenter
	s.Detail = widget.NewLabel("")
	s.Detail.Alignment = fyne.TextAlignCenter
	s.Detail.Wrapping = fyne.TextWrapWord
	s.Done = widget.NewButton(l10n.L("完成"), s.reset)
	s.Done.Importance = widget.HighImportance
	yours := widget.NewLabel(l10n.L("您的号码"))
	yours.Alignment = fyne.TextAlignCenter
	s.slip = container.NewCenter(container.NewGridWrap(fyne.NewSize(640, 460),
		container.NewVBox(yours, s.Number, s.Detail, container.NewCenter(s.Done))))
	// In 长辈模式 the sectors, the booking row and the staff's green
	// channel are taller than a 768 px screen: the page scrolls rather
	// than growing the window.
	s.content = container.NewStack(container.NewPadded(container.NewVScroll(s.main)))
	s.refresh()
	o.cards.Route(s, s.ReadCard)
	return s
}

// ReadCard takes an event of the reader: a valid card fills the ID (as
// dots) so the window can call the citizen's case up; an expired card is
// not taken, saying so, and a ticket can still be taken without a number.
func (s *Screen) ReadCard(e idcard.Event) {
	if s.held {
		s.CardLine.Show(e)
		return
	}
	card, ok := s.CardLine.Take(e, s.Message, l10n.L("过期证件不能用于取号登记；可不填证件号直接取号"))
	if !ok {
		return
	}
	s.ResidentID.SetText(card.IDNumber)
	s.doneID()
}

// refresh reads the hall's sectors and hours from the hub, off the UI
// goroutine, and redraws the buttons: a config the county sent shows with
// the next citizen, without a restart. The hub checks the hours again at
// every ticket; this only spares a citizen a tap that would be refused.
func (s *Screen) refresh() {
	busy.Run(&s.guard, func() { s.setButtons(false) }, func() (queue.Board, error) {
		return s.svc.Board(s.ctx)
	}, func(b queue.Board, err error) {
		if err == nil {
			s.apply(b)
		}
		s.setButtons(true)
	})
}

// apply draws the board's sectors and its closed notice.
func (s *Screen) apply(b queue.Board) {
	if len(b.Sectors) > 0 {
		s.Sectors, s.names = s.Sectors[:0], s.names[:0]
		s.grid.Objects = nil
		for _, sec := range b.Sectors {
			name := sec.Name
			btn := widget.NewButton(fmt.Sprintf("%s  %s", sec.Letter, l10n.L(name)), func() { s.take(name) })
			s.names = append(s.names, name)
			btn.Importance = widget.HighImportance
			s.Sectors = append(s.Sectors, btn)
			s.grid.Add(container.NewGridWrap(fyne.NewSize(250, 110), btn))
		}
		s.highlight()
		s.grid.Refresh()
	}
	s.shut = b.Closed != nil
	if s.shut {
		for _, btn := range s.Sectors {
			btn.Disable()
		}
		s.Closed.SetText(l10n.Error(&msg.Error{Key: b.Closed.Key, Data: b.Closed.Data}))
		s.Closed.Show()
		s.BookNow.Show()
	} else {
		s.Closed.SetText("")
		s.Closed.Hide()
		s.BookNow.Hide()
	}
}

// book shows the appointment screen in place of the sector buttons; its
// back button returns here.
func (s *Screen) book() {
	bk := NewBooker(s.ctx, s.svc, s.now, s.reset)
	s.content.Objects = []fyne.CanvasObject{bk.Content()}
	s.content.Refresh()
}

// Content returns the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

// Wait blocks until a ticket on its way, if any, is shown, or ctx ends.
func (s *Screen) Wait(ctx context.Context) error { return s.guard.Wait(ctx) }

func errOf(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s", l10n.Error(err))
}

// take issues a ticket for a sector. A second tap while the first is on its
// way does nothing, and a tap after a failed one reuses its request id, so
// neither a double tap nor a lost answer gives two tickets.
func (s *Screen) take(sector string) {
	if s.held {
		return
	}
	if err := s.ResidentID.Validate(); err != nil {
		s.Message.SetText(err.Error())
		return
	}
	s.doneID()
	rid, ok := s.pending[sector]
	if !ok {
		rid = reqid.New()
		s.pending[sector] = rid
	}
	req := queue.TicketRequest{RequestID: rid, Sector: sector,
		ResidentID: strings.TrimSpace(s.ResidentID.Text), Green: s.green && s.Green.Checked}
	s.issue(sector, func() (queue.Slip, error) { return s.svc.IssueTicket(s.ctx, req) })
}

func (s *Screen) checkIn() {
	if s.held || strings.TrimSpace(s.Booking.Text) == "" {
		return
	}
	key := "checkin:" + strings.ToUpper(strings.TrimSpace(s.Booking.Text))
	rid, ok := s.pending[key]
	if !ok {
		rid = reqid.New()
		s.pending[key] = rid
	}
	code := s.Booking.Text
	s.issue(key, func() (queue.Slip, error) { return s.svc.CheckIn(s.ctx, rid, code) })
}

// printed is a ticket and what the printer said.
type printed struct {
	slip     queue.Slip
	printErr error
}

// issue asks the hall for a ticket and prints its slip, both off the UI
// goroutine (the hub is across the LAN, the roll printer can stall); the
// buttons are disabled until the number is shown. key is the tap's entry
// in pending.
func (s *Screen) issue(key string, ask func() (queue.Slip, error)) {
	busy.Run(&s.guard, func() {
		s.held = true
		s.setButtons(false)
		s.Message.SetText("")
	}, func() (printed, error) {
		slip, err := ask()
		if err != nil {
			return printed{}, err
		}
		return printed{slip: slip, printErr: s.svc.PrintTicket(s.ctx, slip)}, nil
	}, func(p printed, err error) {
		s.setButtons(true)
		if err != nil {
			s.held = false
			if !errors.Is(err, queue.ErrHubDown) {
				delete(s.pending, key) // refused: the corrected tap is a new request
			}
			s.Message.SetText(l10n.Error(err))
			if m, ok := msg.As(err); ok && closedNow(m) {
				s.apply(queue.Board{Closed: &queue.ClosedNotice{Key: m.Key, Data: m.Data}})
			}
			return
		}
		delete(s.pending, key)
		s.show(p.slip, p.printErr)
	})
}

// closedNow says whether the hub refused a ticket for the hall's hours.
func closedNow(m *msg.Error) bool {
	return m.Is(queue.ErrLunch) || m.Is(queue.ErrNotYetOpen) || m.Is(queue.ErrServiceEnd) || m.Is(queue.ErrClosedDay)
}

// setButtons enables or disables the buttons that ask for a ticket.
func (s *Screen) setButtons(on bool) {
	for _, b := range append(append([]*widget.Button(nil), s.Sectors...), s.CheckIn) {
		if on && (!s.shut || b == s.CheckIn) {
			b.Enable()
		} else {
			b.Disable()
		}
	}
}

func (s *Screen) show(slip queue.Slip, printErr error) {
	s.Message.SetText("")
	// The ticket carries the ID now: it does not wait on the screen for
	// the next citizen to read.
	s.ResidentID.SetText("")
	s.CardLine.Clear()
	s.Number.Text = slip.Ticket.Number
	s.Number.Refresh()
	detail := l10n.L("{{.Sector}}  前面还有 {{.Ahead}} 人，预计等候约 {{.Min}} 分钟", map[string]any{
		"Sector": l10n.L(slip.Ticket.Sector), "Ahead": slip.Ahead, "Min": int(slip.Wait.Round(time.Minute) / time.Minute)})
	if slip.Ticket.Priority != "" {
		detail += "\n" + l10n.L("优先办理")
	}
	if printErr != nil {
		// The citizen needs the number, not the printer's words; staff see
		// them in the log and on the counter.
		log.Printf("ticket slip %s not printed: %v", slip.Ticket.Number, printErr)
		detail += "\n" + l10n.L("凭条没有打印出来，请记住您的号码（工作人员请检查打印机）")
		// What the printer said of itself (缺纸, 纸仓盖未合上), in the hall's
		// words: the staff member the citizen fetches knows what to do.
		if m, ok := msg.As(printErr); ok {
			detail += "\n" + l10n.Error(m)
		}
	} else {
		detail += "\n" + l10n.L("请取走凭条")
	}
	s.Detail.SetText(detail)
	s.content.Objects = []fyne.CanvasObject{s.slip}
	s.content.Refresh()
	// Back to the buttons by itself, for the next citizen.
	s.timer = time.AfterFunc(15*time.Second, func() { fyne.Do(s.reset) })
}

// reset shows the sector buttons again for the next citizen.
func (s *Screen) reset() {
	if s.timer != nil {
		s.timer.Stop()
	}
	s.clear()
	s.content.Objects = []fyne.CanvasObject{container.NewPadded(s.main)}
	s.content.Refresh()
	s.refresh()
}

// Reset clears what the citizen typed and shows the sector buttons: the
// terminal calls it when the citizen leaves.
func (s *Screen) Reset() { s.reset() }

// clear wipes what the citizen typed — the ID, the booking code, the
// green channel — and puts the ID keypad away.
func (s *Screen) clear() {
	s.held, s.green = false, false
	s.ResidentID.SetText("")
	s.CardLine.Clear()
	s.idPad.Hide()
	s.Booking.SetText("")
	s.Green.SetChecked(false)
	s.Green.Disable()
	s.staff.Show()
}

// showPad opens the ID keypad for a tap on the ID field.
func (s *Screen) showPad() {
	s.staff.Hide()
	s.idPad.Show()
}

// typeID applies an on-screen key to the ID number. A tap on a key takes
// the focus from the field, so the number is kept readable here while it
// is typed; once 18 characters pass the check it turns to dots and the
// keypad goes away.
func (s *Screen) typeID(key string) {
	next := keypad.Edit(s.ResidentID.Text, key)
	if len([]rune(next)) > 18 {
		return
	}
	s.ResidentID.Password = false
	s.ResidentID.SetText(next)
	if len([]rune(next)) == 18 && s.ResidentID.Validate() == nil {
		s.doneID()
	}
}

// doneID puts the keypad away and shows the number as dots.
func (s *Screen) doneID() {
	s.idPad.Hide()
	s.staff.Show()
	s.ResidentID.Conceal()
}
