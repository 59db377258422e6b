package selfservice

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/cardread"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/workday"
)

// ProgressScreen is 进度查询 (一码全知): the tracking code from the keypad or
// the QR scanner, the last four characters of the ID number or mobile,
// then the case's stage — and nothing else about it.
type ProgressScreen struct {
	t *Terminal

	CodeField, Last4Field *widget.Button // tap to choose which one the keypad fills
	Keypad                *Keyboard
	Query                 *widget.Button
	Message               *widget.Label
	Timeline              *widget.Label
	Details               *widget.Label
	// CardLine shows the reader's state and the card read (masked), when
	// the terminal has a reader.
	CardLine *cardread.Line

	code, last4 string
	active      *string

	content fyne.CanvasObject
}

func newProgress(t *Terminal) *ProgressScreen {
	p := &ProgressScreen{t: t}
	p.active = &p.code
	p.CodeField = widget.NewButton("", func() { t.Touch(); p.active = &p.code; p.render() })
	p.Last4Field = widget.NewButton("", func() { t.Touch(); p.active = &p.last4; p.render() })
	p.CodeField.Alignment = widget.ButtonAlignLeading
	p.Last4Field.Alignment = widget.ButtonAlignLeading
	p.Keypad = newKeyboard([]string{"1234567890", "QWERTYUP", "ASDFGHJKL", "ZXCVBNM"}, func(key string) {
		t.Touch()
		limit := tracking.Length
		if p.active == &p.last4 {
			// The query PIN has 6 digits; a receipt from before the PIN
			// is checked by 4 characters, so up to 6 are taken.
			limit = cases.QueryPINDigits
		}
		next := edit(*p.active, key)
		if len([]rune(next)) <= limit {
			*p.active = next
		}
		if p.active == &p.code && len(p.code) == tracking.Length {
			p.active = &p.last4 // code complete: go on to the check
		}
		p.render()
	})
	p.Query = widget.NewButtonWithIcon(l10n.L("查询"), theme.SearchIcon(), func() { t.Touch(); p.run() })
	p.Query.Importance = widget.HighImportance
	p.Message = widget.NewLabel("")
	p.Message.Wrapping = fyne.TextWrapWord
	p.Message.Importance = widget.DangerImportance
	p.Timeline = widget.NewLabel("")
	p.Timeline.SizeName = theme.SizeNameSubHeadingText
	p.Timeline.Wrapping = fyne.TextWrapWord
	p.Details = widget.NewLabel("")
	p.Details.Wrapping = fyne.TextWrapWord
	p.CardLine = cardread.NewLine(func() time.Time { return t.opts.Now() })
	hint := widget.NewLabel(l10n.L("请将受理回执上的二维码对准扫描口，或输入16位查询码；再输入回执申请人联上的6位查询密码（旧回执输入证件号或手机号后4位）"))
	hint.Wrapping = fyne.TextWrapWord
	home := widget.NewButtonWithIcon(l10n.L("首页"), theme.HomeIcon(), func() { t.Touch(); t.Home() })
	form := widget.NewForm(widget.NewFormItem(l10n.L("查询码"), tall(p.CodeField, MinTouch)), widget.NewFormItem(l10n.L("查询密码"), tall(p.Last4Field, MinTouch)))
	left := container.NewVBox(container.NewHBox(touch(home)), hint, form, p.Keypad.Content(), container.NewHBox(layout.NewSpacer(), touch(p.Query)))
	right := container.NewVBox(p.CardLine.Content(), p.Message, p.Timeline, p.Details)
	p.content = container.NewPadded(container.NewGridWithColumns(2, left, right))
	p.render()
	return p
}

func (p *ProgressScreen) render() {
	code := tracking.Format(p.code)
	if p.code == "" {
		code = l10n.L("点此输入查询码")
	}
	mask := strings.Repeat("●", len([]rune(p.last4)))
	if mask == "" {
		mask = l10n.L("点此输入查询密码")
	}
	p.CodeField.SetText(code)
	p.Last4Field.SetText(mask)
	p.CodeField.Importance, p.Last4Field.Importance = widget.MediumImportance, widget.MediumImportance
	if p.active == &p.code {
		p.CodeField.Importance = widget.HighImportance
	} else {
		p.Last4Field.Importance = widget.HighImportance
	}
	p.CodeField.Refresh()
	p.Last4Field.Refresh()
}

// setCode puts a scanned code in and moves on to the check.
func (p *ProgressScreen) setCode(code string) {
	p.code = code
	p.active = &p.last4
	p.Message.SetText("")
	p.render()
}

// Code and Last4 return what is entered (for tests).
func (p *ProgressScreen) Code() string  { return p.code }
func (p *ProgressScreen) Last4() string { return p.last4 }

func (p *ProgressScreen) run() {
	p.Timeline.SetText("")
	p.Details.SetText("")
	pr, err := p.t.svc.Progress(p.t.ctx, p.code, p.last4)
	p.last4 = "" // the check is typed again for every query
	p.render()
	if err != nil {
		p.Message.SetText(l10n.Error(err))
		return
	}
	p.Message.SetText("")
	p.show(pr)
}

func (p *ProgressScreen) show(pr cases.Progress) {
	var steps []string
	for _, s := range pr.Steps {
		mark := "○"
		switch {
		case s.Current:
			mark = "●"
		case s.Done:
			mark = "✓"
		}
		steps = append(steps, mark+" "+l10n.L(s.Name))
	}
	p.Timeline.SetText(strings.Join(steps, "  →  "))
	var lines []string
	lines = append(lines, l10n.L("查询码 {{.Code}}：{{.Status}}", map[string]any{"Code": tracking.Format(pr.Tracking), "Status": l10n.L(cases.StatusName(pr.Status))}))
	if p.t.cat != nil {
		for _, code := range pr.Matters {
			if m, ok := p.t.cat.Matter(code); ok {
				lines = append(lines, "· "+m.Name)
			}
		}
	}
	if len(pr.Supplements)+len(pr.MoreSupplements) > 0 {
		if pr.SupplyBy.IsZero() {
			lines = append(lines, "", l10n.L("请补交以下材料："))
		} else {
			lines = append(lines, "", l10n.L("请于{{.Date}}前补交以下材料：", map[string]any{"Date": pr.SupplyBy.In(workday.China).Format("2006-01-02")}))
		}
		for _, e := range pr.Supplements {
			lines = append(lines, "· "+cases.MaterialName(p.t.cat, e.Matter, e.Material))
		}
		for _, name := range pr.MoreSupplements {
			lines = append(lines, "· "+name)
		}
	}
	switch pr.Status {
	case cases.StatusAccepted, cases.StatusDeferred, cases.StatusReviewing, cases.StatusCorrection:
		if pr.Paused != "" {
			// The time limit is stopped while materials are owed or a
			// 特别程序 runs: the date below moves on until it restarts.
			lines = append(lines, "", l10n.L(pr.Paused))
		}
		if !pr.Due.IsZero() {
			lines = append(lines, "", l10n.L("承诺办结日期：{{.Date}}，办结后到受理窗口领取或免费邮寄", map[string]any{"Date": pr.Due.In(workday.China).Format("2006-01-02")}))
		}
	case cases.StatusTerminated, cases.StatusWithdrawn:
		lines = append(lines, "", l10n.L("未在补正期限内补齐材料：{{.Reason}}。如需办理请重新申请", map[string]any{"Reason": pr.Reason}))
	case cases.StatusCompleted:
		if pr.Pickup != "" {
			lines = append(lines, "", l10n.L("已办结：{{.Pickup}}", map[string]any{"Pickup": pr.Pickup}))
		} else {
			lines = append(lines, "", l10n.L("已办结，请携带回执和身份证到受理窗口领取"))
		}
	case cases.StatusReturned:
		lines = append(lines, "", l10n.L("预审退回，请按以下意见补正后重新提交：{{.Reason}}", map[string]any{"Reason": pr.Reason}))
	case cases.StatusPrereview:
		lines = append(lines, "", l10n.L("已提交，工作人员预审后会通知您"))
	case cases.StatusRejected, cases.StatusDenied:
		if pr.Reason != "" {
			lines = append(lines, "", l10n.L("原因：{{.Reason}}", map[string]any{"Reason": pr.Reason}))
		}
		lines = append(lines, l10n.L("如有疑问，请携带回执到受理窗口咨询"))
	}
	switch {
	case pr.Synced:
		lines = append(lines, "", l10n.L("状态更新于 {{.Time}}", map[string]any{"Time": pr.Updated.In(workday.China).Format("2006-01-02 15:04")}))
	case !pr.Updated.IsZero():
		lines = append(lines, "", l10n.L("本机记录于 {{.Time}}，尚未收到县中心的最新状态", map[string]any{"Time": pr.Updated.In(workday.China).Format("2006-01-02 15:04")}))
	}
	p.Details.SetText(strings.Join(lines, "\n"))
}

// ReadCard takes an event of the terminal's reader: the holder's valid
// card stands for the code and PIN and shows their cases; an expired card
// is refused, saying so.
func (p *ProgressScreen) ReadCard(e idcard.Event) {
	p.t.Touch()
	if e.Err == nil {
		p.Timeline.SetText("")
		p.Details.SetText("")
	}
	card, ok := p.CardLine.Take(e, p.Message, l10n.L("过期证件不能用于查询：请使用有效证件，或输入回执上的查询码和查询密码"))
	if !ok {
		return
	}
	list, err := p.t.svc.ProgressByCard(p.t.ctx, card.IDNumber)
	switch {
	case err != nil:
		p.Message.SetText(l10n.Error(err))
		return
	case len(list) == 0:
		p.Message.SetText(l10n.L("本大厅没有您名下的办件；其他大厅受理的办件请用回执上的查询码查询"))
		return
	}
	p.Message.SetText("")
	p.show(list[0])
	if len(list) > 1 {
		more := []string{p.Details.Text, "", l10n.L("您名下的其他办件：")}
		for _, pr := range list[1:] {
			more = append(more, l10n.L("查询码 {{.Code}}：{{.Status}}", map[string]any{"Code": tracking.Format(pr.Tracking), "Status": l10n.L(cases.StatusName(pr.Status))}))
		}
		p.Details.SetText(strings.Join(more, "\n"))
	}
}

// Reset forgets the code, the check and the answer.
func (p *ProgressScreen) Reset() {
	p.t.opts.Cards.Release(p)
	p.CardLine.Clear()
	p.code, p.last4 = "", ""
	p.active = &p.code
	p.Message.SetText("")
	p.Timeline.SetText("")
	p.Details.SetText("")
	p.render()
}
