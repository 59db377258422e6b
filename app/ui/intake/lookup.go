package intake

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/cardread"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/ui/ratingui"
	"github.com/yichuang/yichuang/app/workday"
)

// Lookup is the screen for work on an existing case: find it by tracking
// code, then 补正, register an authorized collector, 出件, 邮寄, or reprint.
type Lookup struct {
	ctx   context.Context
	svc   Service
	actor clerks.Account
	cat   *catalog.Catalog

	Code *widget.Entry
	Find *widget.Button
	// IDQuery finds a citizen's cases by ID number (masked once typed);
	// Code also takes an applicant's name. TodayBtn, MineBtn and LateBtn
	// list the hall's cases to open one from; Found holds the list.
	IDQuery                    *privateEntry
	FindID                     *widget.Button
	TodayBtn, MineBtn, LateBtn *widget.Button
	Found                      *fyne.Container
	Hits                       []FoundCase
	Message                    *widget.Label
	Details                    *widget.Label
	Reveal                     *widget.Button

	// 补正: one check per deferred material and the state received.
	Supplied       []*widget.Check
	suppliedEntry  []cases.MaterialEntry
	SupplyAsCopy   *widget.Check
	SupplementDone *widget.Button

	// The 受托人's and the collector's ID numbers are private entries,
	// checked as typed.
	AuthName     *widget.Entry
	AuthID       *privateEntry
	AuthorizeBtn *widget.Button

	CollectorName *widget.Entry
	CollectorID   *privateEntry
	DeliverBtn    *widget.Button

	MailAddress, MailCarrier, MailNo *widget.Entry
	MailBtn                          *widget.Button

	// 重置查询密码: the ID number of the person at the counter, checked
	// against the applicant's and the 受托人's.
	ResetID     *privateEntry
	ResetPINBtn *widget.Button

	PrintBtn *widget.Button
	// Printed is what became of each paper of the last reprint.
	Printed *PaperList
	printed *fyne.Container
	// RateBtn asks the collector to rate the service once the result is
	// handed over; Rating is that screen once opened.
	RateBtn *widget.Button
	Rating  *ratingui.Screen

	// CardLine shows the ID-card reader's state and the card read
	// (UseCards); hidden while no reader has reported.
	CardLine *cardread.Line

	Case cases.Case
	now  func() time.Time
	// guard runs the reprint off the UI goroutine.
	guard   busy.Guard
	actions *fyne.Container
	content fyne.CanvasObject
}

// NewLookup builds the case look-up screen.
func NewLookup(ctx context.Context, svc Service, actor clerks.Account) *Lookup {
	l := &Lookup{ctx: ctx, svc: svc, actor: actor, now: time.Now}
	l.CardLine = cardread.NewLine(func() time.Time { return l.now() })
	l.cat, _ = svc.Catalog(ctx)
	l.Code = widget.NewEntry()
	l.Code.SetPlaceHolder(l10n.L("输入或扫描16位查询码，或输入申请人姓名"))
	l.Code.Validator = func(v string) error {
		if v == "" || isName(v) {
			return nil
		}
		_, err := tracking.Normalize(v)
		return l10nErr(err)
	}
	l.Find = widget.NewButtonWithIcon(l10n.L("查询"), theme.SearchIcon(), l.find)
	l.Code.OnSubmitted = func(string) { l.find() }
	l.IDQuery = newPrivateEntry()
	l.IDQuery.SetPlaceHolder(l10n.L("申请人证件号码（读卡或录入）"))
	l.FindID = widget.NewButtonWithIcon(l10n.L("按证件查找"), theme.SearchIcon(), func() {
		l.search(CaseQuery{By: ByIDNumber, Text: l.IDQuery.Text})
	})
	l.IDQuery.OnSubmitted = func(string) { l.FindID.OnTapped() }
	l.TodayBtn = widget.NewButton(l10n.L("今日受理"), func() { l.search(CaseQuery{By: Today}) })
	l.MineBtn = widget.NewButton(l10n.L("我受理的"), func() { l.search(CaseQuery{By: Mine}) })
	l.LateBtn = widget.NewButton(l10n.L("已超期/即将到期"), func() { l.search(CaseQuery{By: Late}) })
	l.Found = container.NewVBox()
	l.Message = widget.NewLabel("")
	l.Message.Wrapping = fyne.TextWrapWord
	l.Details = widget.NewLabel("")
	l.Details.Wrapping = fyne.TextWrapWord
	l.Reveal = widget.NewButton(l10n.L("显示完整证件号（留痕）"), l.reveal)
	l.Reveal.Hide()
	l.actions = container.NewVBox()
	// 好差评 after 出件: the clerk turns the screen to whoever collected.
	l.RateBtn = widget.NewButtonWithIcon(l10n.L("请群众评价"), theme.AccountIcon(), func() {
		matter := ""
		if len(l.Case.Matters) > 0 && l.cat != nil {
			if m, ok := l.cat.Matter(l.Case.Matters[0]); ok {
				matter = m.Name
			}
		}
		main := l.content.(*fyne.Container).Objects
		l.Rating = ratingui.New(l.ctx, l.svc, rating.Rating{Kind: rating.Pickup, Ref: l.Case.ID, ClerkID: l.actor.ID, ClerkName: l.actor.Name,
			Window: l.actor.Window, Matter: matter}, func() {
			l.content.(*fyne.Container).Objects = main
			l.content.Refresh()
		})
		l.content.(*fyne.Container).Objects = []fyne.CanvasObject{l.Rating.Content()}
		l.content.Refresh()
	})
	l.RateBtn.Hide()
	top := container.NewVBox(container.NewBorder(nil, nil, nil, l.Find, l.Code),
		container.NewBorder(nil, nil, nil, container.NewHBox(l.FindID, widget.NewSeparator(), l.TodayBtn, l.MineBtn, l.LateBtn), l.IDQuery),
		container.NewBorder(nil, nil, nil, l.RateBtn, l.Message), l.CardLine.Content())
	l.content = container.NewStack(container.NewBorder(top, nil, nil, nil,
		container.NewVScroll(container.NewVBox(l.Found, l.Details, container.NewHBox(l.Reveal), l.actions))))
	return l
}

// Content returns the screen's root object.
func (l *Lookup) Content() fyne.CanvasObject { return l.content }

// UseCards routes the ID-card reader's events to the look-up (a nil feed:
// no reader); now judges a card's validity and the number's birth date.
func (l *Lookup) UseCards(f *cardread.Feed, now func() time.Time) {
	l.now = now
	f.Route(l, l.ReadCard)
}

// ReadCard takes an event of the reader. With a finished case open, the
// card is the collector's for 出件: it fills the collector's fields and
// says at once whether its holder is the applicant (the legal
// representative), a registered 受托人, or nobody the case knows, and
// whether the card has expired; the clerk decides, and Deliver checks the
// number again. Otherwise the card finds its holder's cases.
func (l *Lookup) ReadCard(e idcard.Event) {
	l.CardLine.Show(e)
	if e.Err != nil {
		return
	}
	c := e.Card
	if l.Case.ID == "" || l.Case.Status != cases.StatusCompleted || l.CollectorID == nil {
		l.IDQuery.SetText(c.IDNumber)
		l.IDQuery.Conceal()
		l.search(CaseQuery{By: ByIDNumber, Text: c.IDNumber})
		return
	}
	l.CollectorName.SetText(c.Name)
	l.CollectorID.SetText(c.IDNumber)
	l.CollectorID.Conceal()
	if l.ResetID != nil {
		l.ResetID.SetText(c.IDNumber)
		l.ResetID.Conceal()
	}
	text, imp := cardread.CollectorCheck(l.Case, c, l.now())
	l.Message.Importance = imp
	l.Message.SetText(text)
}

// Wait blocks until a reprint in flight, if any, has shown its result, or
// ctx ends.
func (l *Lookup) Wait(ctx context.Context) error { return l.guard.Wait(ctx) }

// find looks up what was typed in Code: a tracking code opens its case; a
// name lists the applicant's cases; an ID number typed there is searched
// as one and moved to the private entry, out of sight.
func (l *Lookup) find() {
	text := strings.TrimSpace(l.Code.Text)
	if _, err := tracking.Normalize(text); err != nil && text != "" {
		if isIDNumber(text) {
			l.Code.SetText("")
			l.IDQuery.SetText(text)
			l.IDQuery.Conceal()
			l.search(CaseQuery{By: ByIDNumber, Text: text})
			return
		}
		if isName(text) {
			l.search(CaseQuery{By: ByName, Text: text})
			return
		}
	}
	l.RateBtn.Hide()
	l.clearFound()
	cs, err := l.svc.Lookup(l.ctx, l.Code.Text)
	if err != nil {
		l.fail(err)
		return
	}
	l.Message.SetText("")
	l.show(cs)
}

// search runs a search or list off the UI goroutine (it opens sealed
// cases) and shows what it found as a list to open a case from.
func (l *Lookup) search(q CaseQuery) {
	busy.Run(&l.guard, func() {
		l.RateBtn.Hide()
		l.clearCase()
		l.clearFound()
		l.Message.Importance = widget.MediumImportance
		l.Message.SetText(l10n.L("正在查找…"))
	}, func() ([]FoundCase, error) { return l.svc.FindCases(l.ctx, l.actor, q) }, func(found []FoundCase, err error) {
		l.showFound(found)
		switch {
		case err != nil:
			l.fail(err)
		case len(found) == 0:
			l.Message.Importance = widget.MediumImportance
			l.Message.SetText(l10n.L("没有找到办件"))
		default:
			l.Message.Importance = widget.MediumImportance
			l.Message.SetText(l10n.L("找到{{.N}}件，请点选要办理的一件", map[string]any{"N": len(found)}))
		}
	})
}

// showFound lists found cases, one button each: code, applicant (the
// number masked), matters, status and promised date.
func (l *Lookup) showFound(found []FoundCase) {
	l.Hits = found
	var rows []fyne.CanvasObject
	for _, f := range found {
		cs := f.Case
		line := tracking.Format(cs.Tracking) + "  " + cs.Applicant.Name + "（" + maskID(cs.Applicant) + "）  " +
			l.matterNames(cs) + "  " + l10n.L(cases.StatusName(cs.Status))
		if !f.Due.IsZero() {
			line += "  " + l10n.L("承诺办结日期") + "：" + f.Due.Format("2006-01-02")
		}
		b := widget.NewButton(line, func() { l.open(cs) })
		b.Alignment = widget.ButtonAlignLeading
		if f.Late {
			b.Importance = widget.DangerImportance
			b.SetText(l10n.L("【已超期】") + line)
		}
		rows = append(rows, b)
	}
	l.Found.Objects = rows
	l.Found.Refresh()
}

// open shows a case picked from a list.
func (l *Lookup) open(cs cases.Case) {
	l.clearFound()
	l.Message.SetText("")
	l.show(cs)
}

func (l *Lookup) clearFound() {
	l.Hits = nil
	l.Found.Objects = nil
	l.Found.Refresh()
}

// clearCase takes the shown case off the screen.
func (l *Lookup) clearCase() {
	l.Case = cases.Case{}
	l.Details.SetText("")
	l.Reveal.Hide()
	l.actions.Objects = nil
	l.actions.Refresh()
}

// personIDValidator checks a person's ID number as it is typed (the
// store checks it again with the date).
func personIDValidator(v string) error {
	if v == "" {
		return nil
	}
	_, err := ids.NormalizePersonID(v, time.Now())
	return l10nErr(err)
}

// isName says whether a typed query is a name: it holds a character no
// code or number has.
func isName(s string) bool {
	for _, r := range s {
		if r > 0x7f {
			return true
		}
	}
	return false
}

// isIDNumber says whether a typed query is a resident ID number or USCC.
func isIDNumber(s string) bool {
	_, err := ids.NormalizePersonID(s, time.Now())
	return err == nil || ids.ValidateUSCC(s) == nil
}

func (l *Lookup) fail(err error) {
	l.Message.Importance = widget.DangerImportance
	l.Message.SetText(l10n.Error(err))
}

func (l *Lookup) done(cs cases.Case, what string) {
	l.Message.Importance = widget.SuccessImportance
	l.Message.SetText(what)
	l.show(cs)
}

// act runs a later action (补正, 受托人, 出件, 邮寄) off the UI goroutine: it
// goes to the hall's hub and waits for its word, which can take a moment.
// What was typed stays on a refusal; if the case changed under the clerk
// (another window came first) the case is shown as it now stands, with
// what happened.
func (l *Lookup) act(work func() (cases.Case, error), ok string, after func()) {
	busy.Run(&l.guard, func() {
		l.setActions(false)
		l.Message.Importance = widget.MediumImportance
		l.Message.SetText(l10n.L("正在办理…"))
	}, work, func(cs cases.Case, err error) {
		l.setActions(true)
		var stale *StaleError
		switch {
		case errors.As(err, &stale):
			l.show(stale.Case)
			l.fail(stale.Err)
		case err != nil:
			l.fail(err)
		default:
			l.done(cs, ok)
			if after != nil {
				after()
			}
		}
	})
}

// setActions enables or disables the case's action buttons.
func (l *Lookup) setActions(on bool) {
	for _, b := range []*widget.Button{l.SupplementDone, l.AuthorizeBtn, l.DeliverBtn, l.MailBtn, l.PrintBtn, l.ResetPINBtn} {
		if b == nil {
			continue
		}
		if on {
			b.Enable()
		} else {
			b.Disable()
		}
	}
}

func (l *Lookup) matterNames(cs cases.Case) string {
	var names []string
	for _, code := range cs.Matters {
		if m, ok := l.cat.Matter(code); ok {
			names = append(names, m.Name)
		}
	}
	return strings.Join(names, "、")
}

// show lays out the case and the actions its status allows.
func (l *Lookup) show(cs cases.Case) {
	l.Case = cs
	if cat, err := l.svc.CaseCatalog(l.ctx, cs); err == nil {
		l.cat = cat
	}
	lines := []string{
		l10n.L("查询码") + "：" + tracking.Format(cs.Tracking),
		l10n.L("状态") + "：" + l10n.L(cases.StatusName(cs.Status)),
		l10n.L("申请人") + "：" + cs.Applicant.Name + "（" + maskID(cs.Applicant) + "）",
		l10n.L("事项") + "：" + l.matterNames(cs),
	}
	if !cs.Due.IsZero() && cs.Status != cases.StatusRejected {
		due := cs.Due
		if moved, err := l.svc.DueAt(l.ctx, cs); err == nil {
			due = moved
		}
		line := l10n.L("承诺办结日期") + "：" + due.In(workday.China).Format("2006-01-02")
		if !due.Equal(cs.Due) {
			line += l10n.L("（原承诺{{.Date}}，补正等时间不计入）", map[string]any{"Date": cs.Due.In(workday.China).Format("2006-01-02")})
		}
		lines = append(lines, line)
		if s, ok := cs.Suspended(); ok && !cs.Status.Closed() && cs.Status != cases.StatusCompleted {
			lines = append(lines, l10n.L(cases.SuspensionLabel(s)))
		}
	}
	if !cs.SupplementBy.IsZero() {
		lines = append(lines, l10n.L("补正期限")+"："+cs.SupplementBy.In(workday.China).Format("2006-01-02"))
	}
	for _, a := range cs.Authorized {
		lines = append(lines, l10n.L("受托人")+"："+a.Name+"（"+ids.MaskIDNumber(a.IDNumber)+"）")
	}
	l.Details.SetText(strings.Join(lines, "\n"))
	l.Reveal.Show()

	var acts []fyne.CanvasObject
	if deferred := cs.MaterialsIn(cases.Deferred); len(deferred) > 0 {
		acts = append(acts, l.supplementBox(deferred))
	}
	if cs.Status == cases.StatusCompleted {
		acts = append(acts, l.authorizeBox(), l.deliverBox(), l.mailBox())
	}
	l.ResetID, l.ResetPINBtn = nil, nil
	if l.actor.Role != clerks.Agent {
		// Not for agents: the new PIN is handed over across a counter.
		acts = append(acts, l.resetPINBox())
	}
	l.PrintBtn = widget.NewButtonWithIcon(l10n.L("重新打印回执和通知书"), theme.DocumentPrintIcon(), l.print)
	l.Printed, l.printed = nil, container.NewVBox()
	acts = append(acts, container.NewHBox(l.PrintBtn), l.printed)
	l.actions.Objects = acts
	l.actions.Refresh()
}

// print makes the case's papers again, off the UI goroutine: a printer
// that takes its time leaves the screen usable, and the button disabled.
func (l *Lookup) print() {
	cs, btn := l.Case, l.PrintBtn
	busy.Run(&l.guard, func() {
		btn.Disable()
		l.Message.Importance = widget.MediumImportance
		l.Message.SetText(l10n.L("正在打印…"))
	}, func() ([]Paper, error) { return l.svc.Print(l.ctx, cs) }, func(papers []Paper, err error) {
		btn.Enable()
		if err != nil {
			l.fail(err)
			return
		}
		// Each paper's fate in a row of its own, as after a decision: a
		// failed one says why in one short line, with 详情 and 重新打印.
		l.Printed = newPaperList(l.ctx, l.svc, &l.guard, nil, nil, papers)
		l.printed.Objects = []fyne.CanvasObject{l.Printed.Content()}
		l.printed.Refresh()
		if l.Printed.Failed() {
			l.Message.Importance = widget.DangerImportance
			l.Message.SetText(l10n.L("有文件未打印，已存档；见下方各行"))
			return
		}
		l.Message.Importance = widget.SuccessImportance
		l.Message.SetText(l10n.L("已送打印机"))
	})
}

func maskID(a cases.Applicant) string {
	if a.Kind == cases.Enterprise {
		return a.IDNumber
	}
	if ids.KindOf(a.IDNumber) == ids.ForeignPermanent {
		return l10n.L("外国人永久居留身份证") + " " + ids.MaskIDNumber(a.IDNumber)
	}
	return ids.MaskIDNumber(a.IDNumber)
}

func (l *Lookup) reveal() {
	full, err := l.svc.Reveal(l.ctx, l.actor, l.Case)
	if err != nil {
		l.fail(err)
		return
	}
	l.Message.Importance = widget.MediumImportance
	l.Message.SetText(l10n.L("完整证件号：{{.ID}}（本次查看已记录）", map[string]any{"ID": full}))
}

func (l *Lookup) supplementBox(deferred []cases.MaterialEntry) fyne.CanvasObject {
	l.Supplied, l.suppliedEntry = nil, deferred
	box := container.NewVBox(widget.NewLabel(l10n.L("补正：勾选本次收到的材料")))
	for _, e := range deferred {
		c := widget.NewCheck(cases.MaterialName(l.cat, e.Matter, e.Material), nil)
		l.Supplied = append(l.Supplied, c)
		box.Add(c)
	}
	agent := l.actor.Role == clerks.Agent
	if agent {
		hint := widget.NewLabel(l10n.L("代为补正：身份证、户口簿、银行卡等个人证件原件留在村民手中，拍照后记为“电子副本（已核验）”"))
		hint.Wrapping = fyne.TextWrapWord
		box.Add(hint)
	}
	l.SupplyAsCopy = widget.NewCheck(l10n.L("收到的是复印件"), nil)
	l.SupplementDone = widget.NewButton(l10n.L("记录补正"), func() {
		state := cases.Original
		if l.SupplyAsCopy.Checked {
			state = cases.Copy
		}
		var got []cases.MaterialEntry
		for i, c := range l.Supplied {
			if c.Checked {
				e := l.suppliedEntry[i]
				e.State = state
				// An agent takes no personal original (cases.AgentStates):
				// what they bring of it is its photo.
				if agent && e.State == cases.Original && !l.agentMayTake(e) {
					e.State = cases.ECopy
				}
				got = append(got, e)
			}
		}
		cs := l.Case
		l.act(func() (cases.Case, error) { return l.svc.Supplement(l.ctx, l.actor, cs, got) }, l10n.L("补正已记录"), nil)
	})
	box.Add(container.NewHBox(l.SupplyAsCopy, l.SupplementDone))
	return widget.NewCard("", "", box)
}

// agentMayTake says whether an agent may record a material's original as
// received: not a personal original the catalog marks.
func (l *Lookup) agentMayTake(e cases.MaterialEntry) bool {
	if l.cat == nil {
		return true
	}
	if m, ok := l.cat.Matter(e.Matter); ok {
		for _, mat := range m.Materials {
			if mat.ID == e.Material {
				return slices.Contains(cases.AgentStates(mat), cases.Original)
			}
		}
	}
	return true // an unknown material: the counter's check decides
}

func (l *Lookup) authorizeBox() fyne.CanvasObject {
	l.AuthName, l.AuthID = widget.NewEntry(), newPrivateEntry()
	l.AuthID.Validator = personIDValidator
	l.AuthName.SetPlaceHolder(l10n.L("受托人姓名"))
	l.AuthID.SetPlaceHolder(l10n.L("受托人身份证号"))
	l.AuthorizeBtn = widget.NewButton(l10n.L("登记受托人（已核验授权委托书）"), func() {
		cs, p := l.Case, cases.Person{Name: l.AuthName.Text, IDNumber: l.AuthID.Text}
		l.act(func() (cases.Case, error) { return l.svc.Authorize(l.ctx, l.actor, cs, p) }, l10n.L("受托人已登记"), nil)
	})
	return widget.NewCard("", "", container.NewVBox(widget.NewLabel(l10n.L("委托他人领取")),
		container.NewGridWithColumns(2, l.AuthName, l.AuthID), container.NewHBox(l.AuthorizeBtn)))
}

func (l *Lookup) deliverBox() fyne.CanvasObject {
	l.CollectorName, l.CollectorID = widget.NewEntry(), newPrivateEntry()
	l.CollectorID.Validator = personIDValidator
	l.CollectorName.SetPlaceHolder(l10n.L("领取人姓名"))
	l.CollectorID.SetPlaceHolder(l10n.L("领取人身份证号（读卡或录入）"))
	l.DeliverBtn = widget.NewButton(l10n.L("核验并出件"), func() {
		cs, p := l.Case, cases.Person{Name: l.CollectorName.Text, IDNumber: l.CollectorID.Text}
		l.act(func() (cases.Case, error) { return l.svc.Deliver(l.ctx, l.actor, cs, p) }, l10n.L("已出件"), l.RateBtn.Show)
	})
	l.DeliverBtn.Importance = widget.HighImportance
	return widget.NewCard("", "", container.NewVBox(widget.NewLabel(l10n.L("出件：核对领取人身份证")),
		container.NewGridWithColumns(2, l.CollectorName, l.CollectorID), container.NewHBox(l.DeliverBtn)))
}

func (l *Lookup) mailBox() fyne.CanvasObject {
	l.MailAddress, l.MailCarrier, l.MailNo = widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	l.MailAddress.SetPlaceHolder(l10n.L("收件地址"))
	l.MailCarrier.SetPlaceHolder(l10n.L("快递公司（默认中国邮政EMS）"))
	l.MailNo.SetPlaceHolder(l10n.L("快递单号"))
	l.MailBtn = widget.NewButton(l10n.L("登记邮寄"), func() {
		cs, m := l.Case, cases.MailRecord{Address: l.MailAddress.Text, Carrier: l.MailCarrier.Text, Tracking: l.MailNo.Text}
		l.act(func() (cases.Case, error) { return l.svc.Mail(l.ctx, l.actor, cs, m) }, l10n.L("已登记邮寄"), nil)
	})
	return widget.NewCard("", "", container.NewVBox(widget.NewLabel(l10n.L("邮寄送达（证照快递免费寄送）")), l.MailAddress,
		container.NewGridWithColumns(2, l.MailCarrier, l.MailNo), container.NewHBox(layout.NewSpacer(), l.MailBtn)))
}

// resetPINBox offers 重置查询密码 for a citizen who lost the applicant's
// copy of the receipt: the clerk reads or types the ID number from the card
// of the person at the counter. The new PIN is printed, never shown here.
func (l *Lookup) resetPINBox() fyne.CanvasObject {
	l.ResetID = newPrivateEntry()
	l.ResetID.SetPlaceHolder(l10n.L("来人证件号码（读卡或录入）"))
	l.ResetPINBtn = widget.NewButton(l10n.L("核验证件并重置查询密码"), l.resetPIN)
	return widget.NewCard("", "", container.NewVBox(
		widget.NewLabel(l10n.L("重置查询密码：申请人联遗失时，核对申请人（单位为法定代表人）或受托人本人证件后重新生成，原密码作废")),
		container.NewBorder(nil, nil, nil, l.ResetPINBtn, l.ResetID)))
}

// resetPIN runs the reset off the UI goroutine: it goes to the hall's hub
// and then to the printer.
func (l *Lookup) resetPIN() {
	cs, id := l.Case, l.ResetID.Text
	type result struct {
		cs    cases.Case
		paper Paper
	}
	busy.Run(&l.guard, func() {
		l.setActions(false)
		l.Message.Importance = widget.MediumImportance
		l.Message.SetText(l10n.L("正在办理…"))
	}, func() (result, error) {
		got, p, err := l.svc.ResetQueryPIN(l.ctx, l.actor, cs, id)
		return result{got, p}, err
	}, func(r result, err error) {
		l.setActions(true)
		var stale *StaleError
		switch {
		case errors.As(err, &stale):
			l.show(stale.Case)
			l.fail(stale.Err)
		case err != nil:
			l.fail(err)
		default:
			// The number typed belonged to this citizen only.
			l.show(r.cs)
			if r.paper.Err != nil {
				l.fail(r.paper.Err)
				return
			}
			l.Message.Importance = widget.SuccessImportance
			l.Message.SetText(l10n.L("查询密码已重置，原密码作废；新密码在打印的通知上，请交给来人"))
		}
	})
}
