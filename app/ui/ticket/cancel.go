package ticket

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/keypad"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// Canceller is 取消预约 at the touch-only terminal: the booking code and
// the ID number it was made with, both on the on-screen keypad; then the
// booking as the hub holds it (ID and mobile masked) to check, and only
// then 确认取消. The code alone never cancels: anyone may read it off a
// slip left on the counter. The freed place is counted again by the hub
// (CancelBooking writes the cancellation and its outbox event in one
// transaction), so the slot list shows it at once.
type Canceller struct {
	CodeField, IDField *widget.Button
	Keypad             *keypad.Pad
	Find, Confirm      *widget.Button
	// Found is the booking to be cancelled, masked; Result the answer.
	Found, Message, Result *widget.Label

	code, id *widget.Entry
	active   *widget.Entry
	found    queue.Booking
	content  fyne.CanvasObject
}

// codeLength is a booking code's: month, day, sector letter, number.
const codeLength = 8

// newCanceller builds the panel; letters are the hall's sector letters
// (a code's fifth character), cancelled is told of the freed booking.
func (b *Booker) newCanceller(ctx context.Context, svc Service, letters string, back func(), cancelled func(queue.Booking)) *Canceller {
	c := &Canceller{code: widget.NewEntry(), id: widget.NewEntry(),
		Found: widget.NewLabel(""), Message: widget.NewLabel(""), Result: widget.NewLabel("")}
	c.active = c.code
	for _, l := range []*widget.Label{c.Found, c.Message, c.Result} {
		l.Wrapping = fyne.TextWrapWord
	}
	c.Message.Importance = widget.DangerImportance
	c.Result.SizeName = theme.SizeNameSubHeadingText
	c.CodeField = widget.NewButton("", func() { c.active = c.code; c.render() })
	c.IDField = widget.NewButton("", func() { c.active = c.id; c.render() })
	c.CodeField.Alignment, c.IDField.Alignment = widget.ButtonAlignLeading, widget.ButtonAlignLeading
	rows := append([]string{}, keypad.Digits...)
	// X is on the digit rows already (the ID's check character).
	if extra := strings.ReplaceAll(letters, "X", ""); extra != "" {
		rows = append(rows, extra)
	}
	c.Keypad = keypad.New(rows, func(key string) {
		limit := 18
		if c.active == c.code {
			limit = codeLength
		} else if len(key) == 1 && key[0] >= 'A' && key[0] <= 'Z' && key != "X" {
			return // an ID number has digits and X only
		}
		if next := keypad.Edit(c.active.Text, key); len([]rune(next)) <= limit {
			c.active.SetText(next)
		}
		if c.active == c.code && len(c.code.Text) == codeLength {
			c.active = c.id // code complete: go on to the ID
		}
		c.forget() // what was found belonged to what was typed before
		c.render()
	})
	c.Find = widget.NewButtonWithIcon(l10n.L("查询预约"), theme.SearchIcon(), func() {
		code, id := c.code.Text, c.id.Text
		busy.Run(&b.guard, func() {
			c.Find.Disable()
			c.Message.SetText("")
		}, func() (queue.Booking, error) {
			return svc.FindBooking(ctx, code, id)
		}, func(bk queue.Booking, err error) {
			c.Find.Enable()
			if err != nil {
				c.Message.SetText(l10n.Error(err))
				return
			}
			c.found = bk
			c.Found.SetText(bookingText(bk))
			c.Confirm.Show()
		})
	})
	c.Confirm = widget.NewButtonWithIcon(l10n.L("确认取消"), theme.DeleteIcon(), func() {
		code, id := c.found.Code, c.id.Text
		busy.Run(&b.guard, func() {
			c.Confirm.Disable()
			c.Find.Disable()
		}, func() (queue.Booking, error) {
			return svc.CancelBooking(ctx, code, id)
		}, func(bk queue.Booking, err error) {
			c.Confirm.Enable()
			c.Find.Enable()
			if err != nil {
				c.Message.SetText(l10n.Error(err))
				return
			}
			// The numbers leave the fields; the answer names only the code.
			c.code.SetText("")
			c.id.SetText("")
			c.active = c.code
			c.forget()
			c.render()
			c.Result.SetText(l10n.L("已取消预约 {{.Code}}，该时段已空出", map[string]any{"Code": bk.Code}))
			if cancelled != nil {
				cancelled(bk)
			}
		})
	})
	c.Confirm.Importance = widget.DangerImportance
	c.Confirm.Hide()
	title := widget.NewLabel(l10n.L("取消预约"))
	title.SizeName = theme.SizeNameHeadingText
	form := widget.NewForm(widget.NewFormItem(l10n.L("预约码"), c.CodeField), widget.NewFormItem(l10n.L("身份证号"), c.IDField))
	left := container.NewVBox(container.NewHBox(widget.NewButtonWithIcon(l10n.L("返回预约"), theme.NavigateBackIcon(), back)), title,
		widget.NewLabel(l10n.L("请输入预约凭条上的预约码和预约时填写的身份证号")), form,
		container.NewHBox(layout.NewSpacer(), c.Find), c.Message, c.Found, container.NewHBox(layout.NewSpacer(), c.Confirm), c.Result)
	c.render()
	c.content = container.NewPadded(container.NewGridWithColumns(2, left, container.NewVBox(layout.NewSpacer(), c.Keypad.Content(), layout.NewSpacer())))
	return c
}

// bookingText is a found booking as the citizen checks it: code, day with
// weekday, half-day, sector, and the ID and mobile masked.
func bookingText(bk queue.Booking) string {
	day := bk.Day
	if d, err := time.Parse(time.DateOnly, bk.Day); err == nil {
		day = l10n.L("{{.Month}}月{{.Date}}日 {{.Weekday}}", map[string]any{"Month": int(d.Month()), "Date": d.Day(), "Weekday": l10n.Weekday(d.Weekday())})
	}
	return l10n.L("预约码 {{.Code}}：{{.Day}} {{.Half}}，{{.Sector}}", map[string]any{
		"Code": bk.Code, "Day": day, "Half": l10n.L(queue.HalfName(bk.Half)), "Sector": l10n.L(bk.Sector)}) +
		"\n" + l10n.L("身份证号 {{.ID}}，手机号 {{.Mobile}}", map[string]any{"ID": ids.MaskResidentID(bk.ResidentID), "Mobile": ids.MaskMobile(bk.Mobile)})
}

// forget drops a found booking (and its confirm button) once the fields
// change, so 确认取消 always cancels what is shown.
func (c *Canceller) forget() {
	c.found = queue.Booking{}
	c.Found.SetText("")
	c.Confirm.Hide()
	c.Message.SetText("")
	c.Result.SetText("")
}

// render shows the field being typed in full and the ID as dots otherwise,
// as the booking form does.
func (c *Canceller) render() {
	for _, f := range []struct {
		btn   *widget.Button
		e     *widget.Entry
		empty string
	}{{c.CodeField, c.code, l10n.L("点此输入预约码")}, {c.IDField, c.id, l10n.L("点此输入身份证号")}} {
		text := f.e.Text
		switch {
		case text == "":
			text = f.empty
		case c.active != f.e && f.e == c.id:
			text = strings.Repeat("●", len([]rune(text)))
		}
		f.btn.SetText(text)
		f.btn.Importance = widget.MediumImportance
		if c.active == f.e {
			f.btn.Importance = widget.HighImportance
		}
		f.btn.Refresh()
	}
}

// Content returns the panel.
func (c *Canceller) Content() fyne.CanvasObject { return c.content }
