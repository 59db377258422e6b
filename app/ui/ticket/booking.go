package ticket

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/reqid"
	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/keypad"

	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/ui/cardread"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// Booker is the appointment screen: sector, a free half-day, resident ID
// and mobile; the answer is a booking code and a slip.
type Booker struct {
	Sector     *widget.Select
	Slot       *widget.Select
	ResidentID *widget.Entry
	Mobile     *widget.Entry
	Submit     *widget.Button
	Message    *widget.Label
	Result     *widget.Label

	CancelCode, CancelID *widget.Entry
	Cancel               *widget.Button
	// CardLine shows the ID-card reader's state and the card read
	// (WithCards); hidden while no reader has reported.
	CardLine *cardread.Line
	now      func() time.Time

	// At a touch-only terminal: the fields are buttons that choose what
	// the on-screen keypad fills, and the numbers are shown only while
	// being typed (dots otherwise); Done goes home after a booking.
	IDField, MobileField *widget.Button
	Keypad               *keypad.Pad
	Done                 *widget.Button
	active               *widget.Entry
	touch                bool
	// OpenCancel (touch only) turns the page to Canceller, 取消预约 on the
	// keypad; its 返回预约 turns it back.
	OpenCancel *widget.Button
	Canceller  *Canceller
	letters    string // the hall's sector letters, for booking codes

	slots   []queue.Slot
	sectors []string
	request string
	// guard runs booking (and its slip) and cancelling off the UI
	// goroutine: both go to the hub across the LAN.
	guard   busy.Guard
	content fyne.CanvasObject
}

// Wait blocks until a booking or cancellation in flight, if any, has shown
// its answer, or ctx ends.
func (b *Booker) Wait(ctx context.Context) error { return b.guard.Wait(ctx) }

// slotLabel names a slot as a citizen plans a visit: the date with its
// weekday and the half-day's opening hours, "12月3日 星期四 上午
// 8:30–12:00（余5个）", not an ISO date and a bare 上午.
func slotLabel(s queue.Slot) string {
	d, err := time.Parse(time.DateOnly, s.Day)
	if err != nil {
		return l10n.L("{{.Day}} {{.Half}}（余{{.Free}}个）", map[string]any{"Day": s.Day, "Half": l10n.L(queue.HalfName(s.Half)), "Free": s.Free})
	}
	span := ""
	if s.From != "" && s.To != "" {
		span = " " + strings.TrimPrefix(s.From, "0") + "–" + strings.TrimPrefix(s.To, "0")
	}
	return l10n.L("{{.Month}}月{{.Date}}日 {{.Weekday}} {{.Half}}{{.Span}}（余{{.Free}}个）", map[string]any{
		"Month": int(d.Month()), "Date": d.Day(), "Weekday": l10n.Weekday(d.Weekday()),
		"Half": l10n.L(queue.HalfName(s.Half)), "Span": span, "Free": s.Free})
}

// NewBooker builds the appointment screen for a screen with a keyboard.
func NewBooker(ctx context.Context, svc Service, now func() time.Time, back func(), opts ...Option) *Booker {
	b := newBooker(ctx, svc, now, back, false)
	o := collect(opts)
	b.preselect(o.sector)
	o.cards.Route(b, b.ReadCard)
	return b
}

// NewTouchBooker builds the appointment screen for the self-service
// terminal, which has a touch screen and no keyboard: an on-screen keypad
// for the ID number and the mobile, each shown only while typed, and a
// 完成 that goes back after the booking. Cancelling needs the booking code
// typed too: it is offered at the counter, not here.
func NewTouchBooker(ctx context.Context, svc Service, now func() time.Time, back func(), opts ...Option) *Booker {
	b := newBooker(ctx, svc, now, back, true)
	o := collect(opts)
	b.preselect(o.sector)
	o.cards.Route(b, b.ReadCard)
	return b
}

func newBooker(ctx context.Context, svc Service, now func() time.Time, back func(), touch bool) *Booker {
	b := &Booker{Message: widget.NewLabel(""), Result: widget.NewLabel(""), touch: touch, now: now, CardLine: cardread.NewLine(now)}
	b.Message.Wrapping = fyne.TextWrapWord
	b.Message.Importance = widget.DangerImportance
	b.Result.Wrapping = fyne.TextWrapWord
	b.Result.SizeName = theme.SizeNameSubHeadingText
	b.Slot = widget.NewSelect(nil, nil)
	b.Slot.PlaceHolder = l10n.L("请先选择业务")
	// The hall's sectors from its config; the default hall's until the
	// hub answers (like the slots below, read when the screen opens).
	b.sectors = queue.DefaultHallConfig().SectorNames()
	for _, s := range queue.DefaultHallConfig().Sectors {
		b.letters += s.Letter
	}
	if bd, err := svc.Board(ctx); err == nil && len(bd.Sectors) > 0 {
		b.sectors, b.letters = nil, ""
		for _, s := range bd.Sectors {
			b.sectors = append(b.sectors, s.Name)
			b.letters += s.Letter
		}
	}
	var names []string
	for _, s := range b.sectors {
		names = append(names, l10n.L(s))
	}
	b.Sector = widget.NewSelect(names, func(name string) {
		slots, err := svc.FreeSlots(ctx, b.sectorOf(name))
		if err != nil {
			b.Message.SetText(l10n.Error(err))
			return
		}
		b.showSlots(slots)
	})
	b.Sector.PlaceHolder = l10n.L("请选择")
	b.ResidentID, b.Mobile = widget.NewEntry(), widget.NewEntry()
	b.ResidentID.Validator = func(v string) error { _, err := ids.NormalizePersonID(v, now()); return errOf(err) }
	b.Mobile.Validator = func(v string) error { _, err := ids.NormalizeMobile(v); return errOf(err) }
	b.Submit = widget.NewButtonWithIcon(l10n.L("预约"), theme.ConfirmIcon(), func() {
		var slot *queue.Slot
		for i := range b.slots {
			if slotLabel(b.slots[i]) == b.Slot.Selected {
				slot = &b.slots[i]
			}
		}
		if slot == nil {
			b.Message.SetText(l10n.L("请选择业务和时段"))
			return
		}
		if b.request == "" {
			b.request = reqid.New() // reused if the answer is lost and the button pressed again
		}
		req := queue.BookRequest{RequestID: b.request, Sector: b.sectorOf(b.Sector.Selected), Day: slot.Day, Half: slot.Half,
			ResidentID: b.ResidentID.Text, Mobile: b.Mobile.Text}
		type booked struct {
			bk       queue.Booking
			printErr error
			// slots are the sector's free slots as the hub counts them
			// after this booking: the list is read again, never
			// adjusted here, so it says what the hub will accept.
			slots    []queue.Slot
			slotsErr error
		}
		busy.Run(&b.guard, func() {
			b.Submit.Disable()
			b.Cancel.Disable()
			b.Message.SetText("")
		}, func() (booked, error) {
			bk, err := svc.Book(ctx, req)
			if err != nil {
				return booked{}, err
			}
			r := booked{bk: bk, printErr: svc.PrintBooking(ctx, bk)}
			r.slots, r.slotsErr = svc.FreeSlots(ctx, req.Sector)
			return r, nil
		}, func(r booked, err error) {
			b.Submit.Enable()
			b.Cancel.Enable()
			if err != nil {
				if !errors.Is(err, queue.ErrHubDown) {
					b.request = "" // refused for a reason: a corrected try is a new request
				}
				b.Message.SetText(l10n.Error(err))
				return
			}
			b.request = ""
			b.Message.SetText("")
			if r.slotsErr == nil {
				b.showSlots(r.slots)
			} else {
				b.showSlots(nil) // counts no longer known: none offered until the sector is chosen again
			}
			bk := r.bk
			text := l10n.L("预约成功。预约码 {{.Code}}，{{.Day}} {{.Half}}，{{.Sector}}。请在时段开始前30分钟内到取号机签到。",
				map[string]any{"Code": bk.Code, "Day": bk.Day, "Half": l10n.L(queue.HalfName(bk.Half)), "Sector": l10n.L(bk.Sector)})
			// The numbers leave the fields; the screen keeps only their
			// masked form, for the citizen to recognise their own.
			text += "\n" + l10n.L("身份证号 {{.ID}}，手机号 {{.Mobile}}", map[string]any{"ID": ids.MaskResidentID(req.ResidentID), "Mobile": ids.MaskMobile(req.Mobile)})
			b.ResidentID.SetText("")
			b.Mobile.SetText("")
			b.CardLine.Clear()
			b.renderFields()
			if b.Done != nil {
				b.Done.Show()
			}
			if r.printErr != nil {
				text += "\n" + l10n.L("凭条没有打印出来，请记下预约码")
			}
			b.Result.SetText(text)
		})
	})
	b.Submit.Importance = widget.HighImportance
	b.CancelCode, b.CancelID = widget.NewEntry(), widget.NewEntry()
	b.CancelCode.SetPlaceHolder(l10n.L("预约码，如 1010B017"))
	b.CancelID.SetPlaceHolder(l10n.L("身份证号"))
	b.Cancel = widget.NewButton(l10n.L("取消预约"), func() {
		code, id := b.CancelCode.Text, b.CancelID.Text
		sector := ""
		if b.Sector.Selected != "" {
			sector = b.sectorOf(b.Sector.Selected)
		}
		type cancelled struct {
			bk       queue.Booking
			slots    []queue.Slot
			slotsErr error
		}
		busy.Run(&b.guard, func() {
			b.Submit.Disable()
			b.Cancel.Disable()
		}, func() (cancelled, error) {
			bk, err := svc.CancelBooking(ctx, code, id)
			if err != nil || sector == "" {
				return cancelled{bk: bk}, err
			}
			// A freed place shows in the list at once.
			r := cancelled{bk: bk}
			r.slots, r.slotsErr = svc.FreeSlots(ctx, sector)
			return r, nil
		}, func(r cancelled, err error) {
			b.Submit.Enable()
			b.Cancel.Enable()
			if err != nil {
				b.Message.SetText(l10n.Error(err))
				return
			}
			if sector != "" && r.slotsErr == nil {
				b.showSlots(r.slots)
			}
			bk := r.bk
			b.Message.SetText("")
			b.Result.SetText(l10n.L("已取消预约 {{.Code}}", map[string]any{"Code": bk.Code}))
		})
	})
	title := widget.NewLabel(l10n.L("预约办事（可预约7个工作日内）"))
	title.SizeName = theme.SizeNameHeadingText
	top := container.NewHBox()
	if back != nil {
		top.Add(widget.NewButtonWithIcon(l10n.L("返回"), theme.NavigateBackIcon(), back))
	}
	if touch {
		book := b.touchContent(top, title, back)
		page := container.NewStack(book)
		b.Canceller = b.newCanceller(ctx, svc, b.letters, func() {
			page.Objects = []fyne.CanvasObject{book}
			page.Refresh()
		}, func(queue.Booking) {
			if b.Sector.Selected != "" {
				b.Sector.OnChanged(b.Sector.Selected) // the freed place shows at once
			}
		})
		b.OpenCancel.OnTapped = func() {
			page.Objects = []fyne.CanvasObject{b.Canceller.Content()}
			page.Refresh()
		}
		b.content = page
		return b
	}
	form := widget.NewForm(widget.NewFormItem(l10n.L("业务"), b.Sector), widget.NewFormItem(l10n.L("时段"), b.Slot),
		widget.NewFormItem(l10n.L("身份证号"), b.ResidentID), widget.NewFormItem(l10n.L("手机号"), b.Mobile))
	cancel := container.NewBorder(nil, nil, nil, b.Cancel, container.NewGridWithColumns(2, b.CancelCode, b.CancelID))
	b.content = container.NewPadded(container.NewVBox(top, title, form, b.CardLine.Content(), container.NewHBox(layout.NewSpacer(), b.Submit), b.Message, b.Result,
		widget.NewSeparator(), widget.NewLabel(l10n.L("取消预约")), cancel))
	return b
}

// ReadCard takes an event of the reader: a valid card fills the resident
// ID (shown as dots at the terminal) and moves on to the mobile; an
// expired card is refused, saying so.
func (b *Booker) ReadCard(e idcard.Event) {
	card, ok := b.CardLine.Take(e, b.Message, l10n.L("过期证件不能用于预约，请使用有效证件"))
	if !ok {
		return
	}
	b.ResidentID.SetText(card.IDNumber)
	if b.touch {
		b.active = b.Mobile
		b.renderFields()
	}
}

// touchContent lays the screen out for the terminal: the form on the left,
// the keypad on the right.
func (b *Booker) touchContent(top *fyne.Container, title fyne.CanvasObject, back func()) fyne.CanvasObject {
	b.active = b.ResidentID
	b.IDField = widget.NewButton("", func() { b.active = b.ResidentID; b.renderFields() })
	b.MobileField = widget.NewButton("", func() { b.active = b.Mobile; b.renderFields() })
	b.IDField.Alignment, b.MobileField.Alignment = widget.ButtonAlignLeading, widget.ButtonAlignLeading
	b.Keypad = keypad.New(keypad.Digits, func(key string) {
		limit := 18
		if b.active == b.Mobile {
			limit = 11
			if key == "X" {
				return // a mobile has digits only
			}
		}
		if next := keypad.Edit(b.active.Text, key); len([]rune(next)) <= limit {
			b.active.SetText(next)
		}
		if b.active == b.ResidentID && len(b.ResidentID.Text) == 18 {
			b.active = b.Mobile // ID complete: go on to the mobile
		}
		b.renderFields()
	})
	done := back
	if done == nil {
		done = func() {}
	}
	b.Done = widget.NewButtonWithIcon(l10n.L("完成"), theme.HomeIcon(), done)
	b.Done.Hide()
	form := widget.NewForm(widget.NewFormItem(l10n.L("业务"), b.Sector), widget.NewFormItem(l10n.L("时段"), b.Slot),
		widget.NewFormItem(l10n.L("身份证号"), b.IDField), widget.NewFormItem(l10n.L("手机号"), b.MobileField))
	b.renderFields()
	b.OpenCancel = widget.NewButtonWithIcon(l10n.L("取消预约"), theme.CancelIcon(), nil)
	left := container.NewVBox(top, title, form, b.CardLine.Content(), container.NewHBox(layout.NewSpacer(), b.Submit), b.Message, b.Result,
		container.NewHBox(layout.NewSpacer(), b.Done), widget.NewSeparator(), container.NewHBox(b.OpenCancel))
	return container.NewPadded(container.NewGridWithColumns(2, left, container.NewVBox(layout.NewSpacer(), b.Keypad.Content(), layout.NewSpacer())))
}

// renderFields shows the field being typed in full, for the citizen to
// check digit by digit, and the other as dots, like the counter's private
// entries: a passer-by sees a number only while it is being typed.
func (b *Booker) renderFields() {
	if !b.touch {
		return
	}
	for _, f := range []struct {
		btn   *widget.Button
		e     *widget.Entry
		empty string
	}{{b.IDField, b.ResidentID, l10n.L("点此输入身份证号")}, {b.MobileField, b.Mobile, l10n.L("点此输入手机号")}} {
		text := f.e.Text
		switch {
		case text == "":
			text = f.empty
		case b.active != f.e:
			text = strings.Repeat("●", len([]rune(text)))
		}
		f.btn.SetText(text)
		f.btn.Importance = widget.MediumImportance
		if b.active == f.e {
			f.btn.Importance = widget.HighImportance
		}
		f.btn.Refresh()
	}
}

// showSlots offers the free slots of the chosen sector, each with its free
// count as given; the choice is cleared (a slot just taken may be gone).
func (b *Booker) showSlots(slots []queue.Slot) {
	b.slots = slots
	var opts []string
	for _, s := range slots {
		if s.Free > 0 {
			opts = append(opts, slotLabel(s))
		}
	}
	b.Slot.SetOptions(opts)
	b.Slot.PlaceHolder = l10n.L("请选择时段")
	b.Slot.ClearSelected()
}

// Content returns the screen's root object.
func (b *Booker) Content() fyne.CanvasObject { return b.content }

func (b *Booker) sectorOf(label string) string {
	for _, s := range b.sectors {
		if l10n.L(s) == label {
			return s
		}
	}
	return label
}
