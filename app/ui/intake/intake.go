package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/idcard"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/rating"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/busy"
	"github.com/yichuang/yichuang/app/ui/cardread"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/ui/ratingui"
	"github.com/yichuang/yichuang/app/workday"
)

// Screen is one errand at the window, from search to papers.
type Screen struct {
	ctx   context.Context
	svc   Service
	actor clerks.Account
	now   func() time.Time
	win   fyne.Window
	cat   *catalog.Catalog

	// Step 1: the matter.
	Query    *widget.Entry
	Hits     *widget.List
	hits     []catalog.Hit
	Selected *widget.Label
	bundle   string
	matters  []string

	// Step 2: the applicant.
	Kind                *widget.RadioGroup
	ApplicantName       *widget.Entry
	ApplicantID, Mobile *privateEntry
	LegalRepName        *widget.Entry
	LegalRepID          *privateEntry
	enterpriseRows      *fyne.Container
	// Mandate is the 代办委托, shown to village agents only.
	Mandate *MandateForm
	// CardLine shows the ID-card reader's state and the card read, with its
	// photo; hidden while no reader has reported (UseCards).
	CardLine *cardread.Line
	// cardAddress is the address on the card read for this errand, put
	// into the form's address fields once the matter's form is built.
	cardAddress string

	// ApplicantProblems says, after 下一步, what the applicant step still
	// lacks; the step is not left until it is empty.
	ApplicantProblems *widget.Label

	// Step 3: the combined form (keys the applicant answers are left out).
	// An ID number or mobile field is a private entry (FieldEntries holds
	// its inner entry for reading and typing).
	FieldEntries map[string]*widget.Entry
	FieldChoices map[string]*widget.Select
	// FormProblems is the form step's summary of what is missing or wrong.
	FormProblems *widget.Label
	formBox      *fyne.Container
	// formChecks are the form's fields in order, each able to check itself
	// and mark itself on the screen.
	formChecks []fieldCheck

	// Step 4: materials and scans.
	Materials []*MaterialRow
	// QuickFill marks every unchecked material shared-data or original
	// received; the clerk then changes the exceptions.
	QuickFill   *widget.Button
	materialBox *fyne.Container
	attachments []cases.Attachment
	attachList  *widget.Label

	// Step 5: the decision.
	Summary *widget.Label
	// SummaryLines is the card the clerk reads before deciding, rebuilt
	// each time the decide step is shown.
	SummaryLines                    []SummaryLine
	summaryBox                      *fyne.Container
	Reason                          *widget.Entry
	Accept, Complete, Defer, Refuse *widget.Button
	Message                         *widget.Label
	// Working says the decision is being saved and printed; the buttons
	// are disabled meanwhile.
	Working *widget.Label

	// After the decision.
	Result *Result

	// guard runs the screen's printing actions (the decision, a reprint,
	// the mandate letter) one at a time, off the UI goroutine.
	guard   busy.Guard
	tabs    *container.AppTabs
	content *fyne.Container
}

// MaterialRow is one line of the checklist; a material that several
// matters of a bundle ask for (the ID card) is one row for all of them.
type MaterialRow struct {
	Name    string
	Entries []cases.MaterialEntry
	States  []cases.MaterialState
	Select  *widget.Select
}

// SetState chooses a state by value (for keyboards, barcode guns and tests).
func (r *MaterialRow) SetState(s cases.MaterialState) {
	r.Select.SetSelected(l10n.L(cases.StateName(s)))
}

func (r *MaterialRow) state() cases.MaterialState {
	for _, s := range r.States {
		if l10n.L(cases.StateName(s)) == r.Select.Selected {
			return s
		}
	}
	return cases.Pending
}

// New builds the intake screen for a signed-in clerk. win is used for file
// and confirmation dialogs; it may be nil in tests.
func New(ctx context.Context, svc Service, actor clerks.Account, now func() time.Time, win fyne.Window) *Screen {
	s := &Screen{ctx: ctx, svc: svc, actor: actor, now: now, win: win,
		FieldEntries: map[string]*widget.Entry{}, FieldChoices: map[string]*widget.Select{}}
	s.content = container.NewStack()
	s.CardLine = cardread.NewLine(now)
	s.reset()
	return s
}

// UseCards routes the ID-card reader's events to this errand (a nil feed:
// no reader, IDs are typed).
func (s *Screen) UseCards(f *cardread.Feed) { f.Route(s, s.ReadCard) }

// ReadCard takes an event of the reader: a card fills the applicant's name
// and number (the legal representative's for an enterprise) and the form's
// address; an expired card fills them too, but the line says in red that
// it is no valid proof of identity, for the clerk to decide.
func (s *Screen) ReadCard(e idcard.Event) {
	s.CardLine.Show(e)
	if e.Err != nil {
		return
	}
	c := e.Card
	if s.isEnterprise() {
		s.LegalRepName.SetText(c.Name)
		s.LegalRepID.SetText(c.IDNumber)
		s.LegalRepID.Conceal()
		return
	}
	s.ApplicantName.SetText(c.Name)
	s.ApplicantID.SetText(c.IDNumber)
	s.ApplicantID.Conceal()
	s.cardAddress = c.Address
	s.fillAddress()
}

// fillAddress puts the card's address (the 户籍 address) into the form's
// address fields the clerk has not filled yet.
func (s *Screen) fillAddress() {
	if s.cardAddress == "" {
		return
	}
	for _, key := range []string{"address", "hukou_address"} {
		if e, ok := s.FieldEntries[key]; ok && strings.TrimSpace(e.Text) == "" {
			e.SetText(s.cardAddress)
		}
	}
}

// Content returns the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

// Wait blocks until the action in flight, if any (a decision, a reprint,
// the mandate letter), has shown its result, or ctx ends.
func (s *Screen) Wait(ctx context.Context) error { return s.guard.Wait(ctx) }

// Prefill puts a resident ID taken with the ticket into the applicant step,
// so the citizen is not asked again.
func (s *Screen) Prefill(residentID string) {
	if residentID != "" {
		s.ApplicantID.SetText(residentID)
		s.ApplicantID.Conceal()
	}
}

// reset starts a new errand.
func (s *Screen) reset() {
	s.bundle, s.matters, s.attachments, s.Result = "", nil, nil, nil
	s.cardAddress = ""
	s.CardLine.Clear() // the last citizen's card and photo go with the errand
	s.FieldEntries, s.FieldChoices, s.Materials = map[string]*widget.Entry{}, map[string]*widget.Select{}, nil
	cat, err := s.svc.Catalog(s.ctx)
	s.cat = cat
	s.tabs = container.NewAppTabs(
		container.NewTabItem(l10n.L("1 事项"), s.matterStep()),
		container.NewTabItem(l10n.L("2 申请人"), s.applicantStep()),
		container.NewTabItem(l10n.L("3 表单"), container.NewVScroll(s.formStep())),
		container.NewTabItem(l10n.L("4 材料"), container.NewVScroll(s.materialStep())),
		container.NewTabItem(l10n.L("5 决定"), s.decisionStep()),
	)
	s.tabs.SetTabLocation(container.TabLocationLeading)
	s.tabs.OnSelected = func(it *container.TabItem) {
		if s.tabs.SelectedIndex() == 4 {
			s.refreshSummary()
		}
	}
	for i := 1; i < 5; i++ {
		s.tabs.DisableIndex(i)
	}
	if err != nil {
		s.Message.SetText(l10n.Error(err))
	}
	// The reader's line stays above every step: the citizen may put the
	// card down while the clerk is still choosing the matter.
	s.content.Objects = []fyne.CanvasObject{container.NewBorder(s.CardLine.Content(), nil, nil, nil, s.tabs)}
	s.content.Refresh()
}

func (s *Screen) matterStep() fyne.CanvasObject {
	s.Query = widget.NewEntry()
	s.Query.SetPlaceHolder(l10n.L("输入事项名称、简称或拼音首字母，如：开餐馆、gtgsh"))
	s.Selected = widget.NewLabel(l10n.L("尚未选择事项"))
	s.Selected.Wrapping = fyne.TextWrapWord
	s.Hits = widget.NewList(func() int { return len(s.hits) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			h := s.hits[i]
			label := h.Name + "  ·  " + h.Sector
			if h.Bundle {
				label = h.Name + "  ·  " + l10n.L("一件事")
			}
			o.(*widget.Label).SetText(label)
		})
	s.Hits.OnSelected = func(i widget.ListItemID) { s.choose(s.hits[i]) }
	s.Query.OnChanged = func(q string) {
		hits, err := s.svc.Search(s.ctx, q)
		if err != nil {
			s.Selected.SetText(l10n.Error(err))
			return
		}
		s.hits = hits
		s.Hits.UnselectAll()
		s.Hits.Refresh()
	}
	return container.NewBorder(container.NewVBox(s.Query), s.Selected, nil, nil, s.Hits)
}

// Choose selects a search hit, as tapping it in the list does.
func (s *Screen) Choose(code string) error {
	for _, h := range s.hits {
		if h.Code == code {
			s.choose(h)
			return nil
		}
	}
	return fmt.Errorf("no search hit %s", code)
}

func (s *Screen) choose(h catalog.Hit) {
	if s.cat == nil {
		return
	}
	s.bundle, s.matters = "", []string{h.Code}
	if b, ok := s.cat.Bundle(h.Code); ok {
		s.bundle, s.matters = b.Code, slices.Clone(b.Matters)
	}
	var names []string
	for _, code := range s.matters {
		if m, ok := s.cat.Matter(code); ok {
			names = append(names, m.Name)
		}
	}
	s.Selected.SetText(l10n.L("已选择：{{.Name}}（{{.N}}个事项：{{.List}}）", map[string]any{"Name": h.Name, "N": len(names), "List": strings.Join(names, "、")}))
	s.buildForm()
	s.buildChecklist()
	for i := 1; i < 5; i++ {
		s.tabs.EnableIndex(i)
	}
	s.tabs.SelectIndex(1)
}

func (s *Screen) applicantStep() fyne.CanvasObject {
	person, enterprise := l10n.L("个人"), l10n.L("企业（单位）")
	// ID numbers and mobiles show only while typed (privateEntry).
	s.ApplicantName, s.ApplicantID, s.Mobile = widget.NewEntry(), newPrivateEntry(), newPrivateEntry()
	s.LegalRepName, s.LegalRepID = widget.NewEntry(), newPrivateEntry()
	today := func() time.Time { return s.now() }
	s.ApplicantID.Validator = func(v string) error {
		var err error
		if s.isEnterprise() {
			_, err = ids.NormalizeUSCC(v)
		} else {
			_, err = ids.NormalizePersonID(v, today())
		}
		return l10nErr(err)
	}
	s.LegalRepID.Validator = func(v string) error {
		if !s.isEnterprise() {
			return nil
		}
		_, err := ids.NormalizePersonID(v, today())
		return l10nErr(err)
	}
	s.Mobile.Validator = func(v string) error { _, err := ids.NormalizeMobile(v); return l10nErr(err) }
	s.ApplicantName.Validator = func(v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New(l10n.L("必填"))
		}
		return nil
	}
	s.LegalRepName.Validator = func(v string) error {
		if s.isEnterprise() && strings.TrimSpace(v) == "" {
			return errors.New(l10n.L("必填"))
		}
		return nil
	}
	nameItem := widget.NewFormItem(l10n.L("姓名"), s.ApplicantName)
	idItem := widget.NewFormItem(l10n.L("证件号码"), s.ApplicantID)
	personHint := l10n.L("居民身份证或外国人永久居留身份证")
	idItem.HintText = personHint
	mobileItem := widget.NewFormItem(l10n.L("手机号"), s.Mobile)
	repNameItem := widget.NewFormItem(l10n.L("法定代表人"), s.LegalRepName)
	repIDItem := widget.NewFormItem(l10n.L("法定代表人身份证号"), s.LegalRepID)
	for _, it := range []*widget.FormItem{nameItem, mobileItem, repNameItem, repIDItem} {
		reserveHint(it)
	}
	form := widget.NewForm(nameItem, idItem, mobileItem)
	repForm := widget.NewForm(repNameItem, repIDItem)
	s.enterpriseRows = container.NewVBox(repForm)
	s.enterpriseRows.Hide()
	s.Kind = widget.NewRadioGroup([]string{person, enterprise}, func(v string) {
		if v == enterprise {
			nameItem.Text, idItem.Text, idItem.HintText = l10n.L("单位名称"), l10n.L("统一社会信用代码"), ""
			s.enterpriseRows.Show()
		} else {
			nameItem.Text, idItem.Text, idItem.HintText = l10n.L("姓名"), l10n.L("证件号码"), personHint
			s.enterpriseRows.Hide()
		}
		reserveHint(idItem)
		form.Refresh()
		if s.ApplicantID.Text != "" {
			s.ApplicantID.Validate()
		}
	})
	s.Kind.Horizontal = true
	s.Kind.SetSelected(person)
	s.ApplicantProblems = problemLabel()
	next := widget.NewButtonWithIcon(l10n.L("下一步：填写表单"), theme.NavigateNextIcon(), func() {
		checks := []fieldCheck{entryCheck(nameItem, s.ApplicantName), entryCheck(idItem, &s.ApplicantID.Entry), entryCheck(mobileItem, &s.Mobile.Entry)}
		if s.isEnterprise() {
			checks = append(checks, entryCheck(repNameItem, s.LegalRepName), entryCheck(repIDItem, &s.LegalRepID.Entry))
		}
		if s.checkStep(checks, s.ApplicantProblems) {
			s.tabs.SelectIndex(2)
		}
	})
	note := widget.NewLabel(l10n.L("证件号码和手机号只在录入和核对时显示；纸面上的证件号码按县中心规定遮盖，不印出生日期和性别位。"))
	note.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(s.Kind, form, s.enterpriseRows, note, s.ApplicantProblems)
	s.Mandate = nil
	if s.actor.Role == clerks.Agent {
		s.Mandate = s.mandateForm()
		box.Add(s.Mandate.content)
	}
	box.Add(container.NewHBox(layout.NewSpacer(), next))
	return container.NewVScroll(box)
}

func (s *Screen) isEnterprise() bool {
	return s.Kind != nil && s.Kind.Selected == l10n.L("企业（单位）")
}

func l10nErr(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(l10n.Error(err))
}

func (s *Screen) formStep() fyne.CanvasObject {
	s.formBox = container.NewVBox(widget.NewLabel(l10n.L("请先选择事项")))
	return s.formBox
}

// buildForm lays out the one combined form of the chosen matters, leaving
// out what the applicant step answers.
func (s *Screen) buildForm() {
	s.FieldEntries, s.FieldChoices = map[string]*widget.Entry{}, map[string]*widget.Select{}
	fields, err := s.cat.CombinedForm(s.matters...)
	if err != nil {
		s.formBox.Objects = []fyne.CanvasObject{widget.NewLabel(l10n.Error(err))}
		return
	}
	answered := cases.Applicant{Kind: cases.Individual}.FormValues()
	enterpriseAnswered := cases.Applicant{Kind: cases.Enterprise}.FormValues()
	form := widget.NewForm()
	s.formChecks = nil
	for _, f := range fields {
		_, a := answered[f.Key]
		_, b := enterpriseAnswered[f.Key]
		if a && b { // answered in the applicant step whoever applies
			continue
		}
		label := f.Label
		if f.Required {
			label += " *"
		}
		field := f
		if f.Type == catalog.Choice {
			sel := widget.NewSelect(f.Choices, nil)
			sel.PlaceHolder = l10n.L("请选择")
			s.FieldChoices[f.Key] = sel
			// A drop-down has no error mark of its own: a red word beside
			// it says it is missing.
			missing := widget.NewLabel("")
			missing.Importance = widget.DangerImportance
			item := widget.NewFormItem(label, container.NewBorder(nil, nil, nil, missing, sel))
			form.AppendItem(item)
			s.formChecks = append(s.formChecks, choiceCheck(item, sel, missing, field, s.now))
			continue
		}
		// A person's number (a parent's ID, a contact's mobile) is
		// private as the applicant's is.
		var w fyne.CanvasObject
		var e *widget.Entry
		switch f.Type {
		case catalog.ResidentID, catalog.Mobile:
			p := newPrivateEntry()
			w, e = p, &p.Entry
		default:
			e = widget.NewEntry()
			w = e
		}
		auto := !a && b
		e.Validator = func(v string) error {
			if auto && s.isEnterprise() && strings.TrimSpace(v) == "" {
				return nil // filled in from the applicant step
			}
			_, err := cases.CheckField(field, v, s.now())
			return l10nErr(err)
		}
		switch f.Type {
		case catalog.Date:
			e.SetPlaceHolder("2026-01-31")
		case catalog.Number:
			e.SetPlaceHolder(l10n.L("数字"))
		}
		s.FieldEntries[f.Key] = e
		item := widget.NewFormItem(label, w)
		if auto {
			item.HintText = l10n.L("企业申请时由申请人信息自动填写")
		}
		reserveHint(item)
		form.AppendItem(item)
		s.formChecks = append(s.formChecks, entryCheck(item, e))
	}
	s.FormProblems = problemLabel()
	next := widget.NewButtonWithIcon(l10n.L("下一步：核验材料"), theme.NavigateNextIcon(), func() {
		if s.checkStep(s.formChecks, s.FormProblems) {
			s.tabs.SelectIndex(3)
		}
	})
	s.formBox.Objects = []fyne.CanvasObject{form, s.FormProblems, container.NewHBox(layout.NewSpacer(), next)}
	s.formBox.Refresh()
	s.fillAddress()
}

// fieldCheck is one field of a step: check says what is wrong with it
// (nil when nothing) and marks it on the screen; name is its label for the
// summary; focus takes the cursor to it.
type fieldCheck struct {
	name  string
	check func() error
	focus fyne.Focusable
}

// entryCheck checks an entry with its validator and marks it red when it
// fails, also a field never touched (fyne marks those only once typed in).
func entryCheck(item *widget.FormItem, e *widget.Entry) fieldCheck {
	return fieldCheck{name: strings.TrimSuffix(item.Text, " *"), focus: e, check: func() error {
		err := e.Validate()
		if err != nil && !e.AlwaysShowValidationError {
			e.AlwaysShowValidationError = true
			e.SetValidationError(err)
		}
		return err
	}}
}

// choiceCheck checks a drop-down of the combined form: a required one must
// be chosen; missing says so beside it until it is.
func choiceCheck(item *widget.FormItem, sel *widget.Select, missing *widget.Label, f catalog.Field, now func() time.Time) fieldCheck {
	sel.OnChanged = func(string) { missing.SetText("") }
	return fieldCheck{name: strings.TrimSuffix(item.Text, " *"), focus: sel, check: func() error {
		_, err := cases.CheckField(f, sel.Selected, now())
		if err != nil {
			missing.SetText(l10n.L("必填，请选择"))
		}
		return err
	}}
}

// reserveHint keeps the line under a form field whether or not it shows a
// hint or an error: a message coming and going would move the fields below
// it, and a tap meant for one would land on another.
func reserveHint(item *widget.FormItem) {
	if item.HintText == "" {
		item.HintText = " "
	}
}

func problemLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	l.Hide()
	return l
}

// checkStep checks every field of a step before 下一步 leaves it: on a
// problem the step stays, each failing field is marked, the summary names
// them, and the cursor goes to the first.
func (s *Screen) checkStep(checks []fieldCheck, summary *widget.Label) bool {
	var bad []string
	var first fyne.Focusable
	for _, c := range checks {
		if c.check() != nil {
			bad = append(bad, c.name)
			if first == nil {
				first = c.focus
			}
		}
	}
	if len(bad) == 0 {
		summary.SetText("")
		summary.Hide()
		return true
	}
	summary.SetText(l10n.L("请先填写或改正标红的项目：{{.List}}", map[string]any{"List": strings.Join(bad, "、")}))
	summary.Show()
	if s.win != nil {
		s.win.Canvas().Focus(first)
	}
	return false
}

func (s *Screen) materialStep() fyne.CanvasObject {
	s.materialBox = container.NewVBox(widget.NewLabel(l10n.L("请先选择事项")))
	return s.materialBox
}

func (s *Screen) buildChecklist() {
	s.Materials = nil
	list := container.NewVBox()
	// One line per paper: a bundle asks for the same 居民身份证 or 户口簿
	// once (cases.ChecklistLines), and the line's state is recorded for
	// every matter's entry.
	allowed := cases.AllowedStates
	if s.actor.Role == clerks.Agent {
		// An agent never takes a resident's ID or bank card away: those
		// are photographed (电子副本（已核验）).
		allowed = cases.AgentStates
	}
	lines, err := cases.ChecklistLinesFor(s.cat, s.matters, allowed)
	if err != nil {
		lines = nil
	}
	for _, line := range lines {
		row := &MaterialRow{Name: line.Name, Entries: line.Entries, States: line.States}
		var opts []string
		for _, st := range line.States {
			opts = append(opts, l10n.L(cases.StateName(st)))
		}
		row.Select = widget.NewSelect(opts, nil)
		row.Select.PlaceHolder = l10n.L("未核验")
		label := line.Name
		if line.Required {
			label = "* " + label
		}
		if len(s.matters) > 1 {
			label += "（" + strings.Join(line.Matters, "、") + "）"
		}
		l := widget.NewLabel(label)
		l.Wrapping = fyne.TextWrapWord
		// The state picker has a fixed width so the material's name
		// gets the rest and wraps inside it.
		pick := container.NewGridWrap(fyne.NewSize(230, row.Select.MinSize().Height), row.Select)
		list.Add(container.NewBorder(nil, nil, nil, container.NewCenter(pick), l))
		s.Materials = append(s.Materials, row)
	}
	quick := widget.NewButton(l10n.L("快速填写：可共享的免提交，其余已收原件"), func() {
		for _, r := range s.Materials {
			switch {
			case r.Select.Selected != "":
			case slices.Contains(r.States, cases.Shared):
				r.SetState(cases.Shared)
			case slices.Contains(r.States, cases.Original):
				r.SetState(cases.Original)
			case slices.Contains(r.States, cases.ECopy):
				r.SetState(cases.ECopy) // an agent's photo of a personal original
			}
		}
	})
	s.QuickFill = quick
	s.attachList = widget.NewLabel(l10n.L("尚无扫描件"))
	add := widget.NewButtonWithIcon(l10n.L("添加扫描件"), theme.FileIcon(), s.pickFile)
	next := widget.NewButtonWithIcon(l10n.L("下一步：作出决定"), theme.NavigateNextIcon(), func() { s.tabs.SelectIndex(4) })
	s.materialBox.Objects = []fyne.CanvasObject{container.NewHBox(quick), list, widget.NewSeparator(), container.NewHBox(add, s.attachList), container.NewHBox(layout.NewSpacer(), next)}
	s.materialBox.Refresh()
}

func (s *Screen) pickFile() {
	s.openFile(s.attached, func(err error) { dialog.ShowError(errors.New(l10n.Error(err)), s.win) })
}

// errStillSaving: the clerk chose a file while the last one (or a paper)
// was still being handled.
var errStillSaving = msg.New("上一个文件还在处理，请稍候再添加")

// openFile lets the clerk choose a file and stores it off the UI
// goroutine (a photo is normalised as it is stored, a second or two for a
// camera's 12 MP); done gets its record on the UI goroutine, fail hears
// why it was refused.
func (s *Screen) openFile(done func(cases.Attachment), fail func(error)) {
	if s.win == nil {
		return
	}
	dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		name := rc.URI().Name()
		started := busy.Run(&s.guard, nil, func() (cases.Attachment, error) {
			defer rc.Close()
			return s.svc.Attach(rc, name)
		}, func(a cases.Attachment, err error) {
			if err != nil {
				fail(err)
				return
			}
			done(a)
		})
		if !started {
			rc.Close()
			fail(errStillSaving)
		}
	}, s.win).Show()
}

// AddAttachment stores a scanned file with the errand (the file dialog's
// path; also used by tests and scanners that drop files).
func (s *Screen) AddAttachment(r io.Reader, name string) error {
	a, err := s.svc.Attach(r, name)
	if err != nil {
		return err
	}
	s.attached(a)
	return nil
}

// attached lists a stored file with the errand.
func (s *Screen) attached(a cases.Attachment) {
	s.attachments = append(s.attachments, a)
	var names []string
	for _, a := range s.attachments {
		names = append(names, fmt.Sprintf("%s（%dKB）", a.Name, (a.Size+1023)/1024))
	}
	s.attachList.SetText(strings.Join(names, "、"))
}

func (s *Screen) decisionStep() fyne.CanvasObject {
	s.Summary = widget.NewLabel("")
	s.Summary.Wrapping = fyne.TextWrapWord
	s.Message = widget.NewLabel("")
	s.Message.Wrapping = fyne.TextWrapWord
	s.Message.Importance = widget.DangerImportance
	s.Working = widget.NewLabel(l10n.L("正在保存并打印…"))
	s.Working.Hide()
	s.Reason = widget.NewMultiLineEntry()
	s.Reason.SetPlaceHolder(l10n.L("不予受理时写明理由，将打印在告知书上"))
	s.Reason.SetMinRowsVisible(2)
	s.Accept = widget.NewButton(l10n.L("受理"), func() { s.decide(cases.Accept) })
	s.Accept.Importance = widget.HighImportance
	s.Complete = widget.NewButton(l10n.L("即办件当场办结"), func() { s.decide(cases.Complete) })
	s.Defer = widget.NewButton(l10n.L("容缺受理"), func() { s.decide(cases.AcceptDeferred) })
	s.Refuse = widget.NewButton(l10n.L("不予受理"), func() { s.decide(cases.Reject) })
	s.Refuse.Importance = widget.DangerImportance
	help := widget.NewLabel(l10n.L("受理：材料齐全（含告知承诺）。容缺受理：主要材料齐全，次要材料标为“容缺待补”。不予受理：必须写明理由。"))
	help.Wrapping = fyne.TextWrapWord
	bottom := container.NewVBox(s.Summary, help, widget.NewForm(widget.NewFormItem(l10n.L("理由"), s.Reason)),
		container.NewHBox(s.Accept, s.Complete, s.Defer, layout.NewSpacer(), s.Refuse), s.Working, s.Message)
	return container.NewBorder(nil, bottom, nil, nil, s.summaryCard())
}

// Draft collects what the screen holds.
func (s *Screen) Draft() cases.Draft {
	kind := cases.Individual
	if s.isEnterprise() {
		kind = cases.Enterprise
	}
	d := cases.Draft{Bundle: s.bundle, Matters: slices.Clone(s.matters), Fields: map[string]string{},
		Applicant: cases.Applicant{Kind: kind, Name: s.ApplicantName.Text, IDNumber: s.ApplicantID.Text, Mobile: s.Mobile.Text,
			LegalRepName: s.LegalRepName.Text, LegalRepID: s.LegalRepID.Text},
		Attachments: slices.Clone(s.attachments)}
	for k, e := range s.FieldEntries {
		d.Fields[k] = e.Text
	}
	for k, sel := range s.FieldChoices {
		d.Fields[k] = sel.Selected
	}
	for _, r := range s.Materials {
		for _, e := range r.Entries {
			e.State = r.state()
			d.Materials = append(d.Materials, e)
		}
	}
	d.Proxy = s.proxy(d)
	return d
}

// decide is one counter action, off the UI goroutine: the case is
// committed, then its papers are rendered, archived and printed. The draft
// is taken as it stands at the tap; the buttons stay disabled until the
// result is shown, so a double tap cannot make a second case.
func (s *Screen) decide(kind cases.Kind) {
	d, dec := s.Draft(), cases.Decision{Kind: kind, Reason: s.Reason.Text}
	busy.Run(&s.guard, func() {
		s.Message.SetText("")
		s.setBusy(true)
		s.Working.Show()
	}, func() (Outcome, error) { return s.svc.Decide(s.ctx, s.actor, d, dec) }, func(o Outcome, err error) {
		s.setBusy(false)
		s.Working.Hide()
		if err != nil {
			s.showError(err)
			return
		}
		s.Result = newResult(s, o)
		s.content.Objects = []fyne.CanvasObject{s.Result.content}
		s.content.Refresh()
	})
}

// setBusy disables every button that would start another action while one
// is in flight, and enables them again.
func (s *Screen) setBusy(on bool) {
	buttons := []*widget.Button{s.Accept, s.Complete, s.Defer, s.Refuse}
	if s.Mandate != nil {
		buttons = append(buttons, s.Mandate.PrintBtn)
	}
	if s.Result != nil {
		buttons = append(buttons, s.Result.Reprints...)
	}
	for _, b := range buttons {
		if on {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

// showError puts each field's message beside its field and says where to
// look; nothing was written.
func (s *Screen) showError(err error) {
	var fe cases.FieldErrors
	if !errors.As(err, &fe) {
		s.Message.SetText(l10n.Error(err))
		return
	}
	firstTab := 4
	for key, ferr := range fe {
		text := errors.New(l10n.Error(ferr))
		switch key {
		case cases.KeyApplicantName:
			s.ApplicantName.SetValidationError(text)
			firstTab = min(firstTab, 1)
		case cases.KeyApplicantID:
			s.ApplicantID.SetValidationError(text)
			firstTab = min(firstTab, 1)
		case cases.KeyApplicantMobile:
			s.Mobile.SetValidationError(text)
			firstTab = min(firstTab, 1)
		case cases.KeyLegalRepName:
			s.LegalRepName.SetValidationError(text)
			firstTab = min(firstTab, 1)
		case cases.KeyLegalRepID:
			s.LegalRepID.SetValidationError(text)
			firstTab = min(firstTab, 1)
		default:
			if e, ok := s.FieldEntries[key]; ok {
				e.SetValidationError(text)
			}
			firstTab = min(firstTab, 2)
		}
	}
	s.Message.SetText(l10n.Error(err))
	s.tabs.SelectIndex(firstTab)
}

// Result is the screen after a decision: the tracking code and the papers.
type Result struct {
	Case cases.Case
	Code *widget.Label
	// PaperList is a row per paper with 详情 and 重新打印.
	*PaperList
	NextCase *widget.Button
	// RateBtn turns the screen to the citizen for 好差评; Rating is that
	// screen once opened.
	RateBtn *widget.Button
	Rating  *ratingui.Screen
	content fyne.CanvasObject
}

func newResult(s *Screen, o Outcome) *Result {
	cs, papers := o.Case, o.Papers
	r := &Result{Case: cs}
	title := widget.NewLabel(l10n.L("办理结果：{{.Status}}", map[string]any{"Status": l10n.L(cases.StatusName(cs.Status))}))
	title.SizeName = theme.SizeNameSubHeadingText
	r.Code = widget.NewLabel(l10n.L("查询码") + "  " + tracking.Format(cs.Tracking))
	r.Code.SizeName = theme.SizeNameHeadingText
	r.PaperList = newPaperList(s.ctx, s.svc, &s.guard, s.setBusy, s.win, papers)
	rows := container.NewVBox(r.PaperList.Content())
	if o.PrintErr != nil {
		l := widget.NewLabel(l10n.L("纸质文件生成失败，案件已保存：{{.Why}}", map[string]any{"Why": l10n.Error(o.PrintErr)}))
		l.Importance = widget.DangerImportance
		l.Wrapping = fyne.TextWrapWord
		rows.Add(l)
	}
	r.NextCase = widget.NewButtonWithIcon(l10n.L("办理下一件"), theme.ContentAddIcon(), s.reset)
	r.NextCase.Importance = widget.HighImportance
	// 好差评: the clerk turns the screen to the citizen.
	r.RateBtn = widget.NewButtonWithIcon(l10n.L("请群众评价"), theme.AccountIcon(), func() {
		// The errand as the citizen knew it: the bundle (一件事) or the matter.
		matter := ""
		if s.cat != nil {
			if b, ok := s.cat.Bundle(cs.Bundle); ok && cs.Bundle != "" {
				matter = b.Name
			} else if len(cs.Matters) > 0 {
				if m, ok := s.cat.Matter(cs.Matters[0]); ok {
					matter = m.Name
				}
			}
		}
		r.Rating = ratingui.New(s.ctx, s.svc, rating.Rating{Kind: rating.Case, Ref: cs.ID, ClerkID: s.actor.ID, ClerkName: s.actor.Name,
			Window: s.actor.Window, Matter: matter}, func() {
			s.content.Objects = []fyne.CanvasObject{r.content}
			s.content.Refresh()
		})
		s.content.Objects = []fyne.CanvasObject{r.Rating.Content()}
		s.content.Refresh()
	})
	due := ""
	if !cs.Due.IsZero() && cs.Status != cases.StatusRejected {
		due = l10n.L("承诺办结日期：{{.Date}}", map[string]any{"Date": cs.Due.In(workday.China).Format("2006-01-02")})
	}
	r.content = container.NewVBox(title, r.Code, widget.NewLabel(due), widget.NewSeparator(), rows, container.NewHBox(r.RateBtn, layout.NewSpacer(), r.NextCase))
	return r
}
