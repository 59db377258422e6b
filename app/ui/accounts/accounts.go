// Package accounts provides the screens around local accounts: signing in
// at a window, the one-time creation of the first supervisor, and the
// supervisor's list of people with their windows and the sectors they
// master (五星受理员: one star per sector).
package accounts

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/ui/checkgrid"
	"github.com/yichuang/yichuang/app/ui/l10n"
	"github.com/yichuang/yichuang/app/ui/private"
)

// Service is what the account screens need.
type Service interface {
	Authenticate(ctx context.Context, login, secret string) (clerks.Account, error)
	CreateFirstSupervisor(ctx context.Context, a clerks.Account, secret string) (clerks.Account, error)
	CreateAccount(ctx context.Context, actor clerks.Account, a clerks.Account, secret string) (clerks.Account, error)
	Accounts(ctx context.Context) ([]clerks.Account, error)
	// ChangeAccount edits, resets, unlocks, deactivates or reactivates an
	// account, or changes the actor's own secret (clerks.Change); in a
	// hall it is done at the hub.
	ChangeAccount(ctx context.Context, actor clerks.Account, c clerks.Change) (clerks.Account, error)
}

// framed is a form in a box of a fixed size that fits the smallest hall
// screen (1280×768 less the banner); what is taller scrolls inside the
// box instead of spilling out of it.
//
// The message and the action buttons stay below the scrolling body, always
// in view: a long form never hides its 保存 at the bottom of a scroll
// (issue 17: the first supervisor's 保存 showed as a sliver at the edge).
func framed(title string, message *widget.Label, actions fyne.CanvasObject, body ...fyne.CanvasObject) fyne.CanvasObject {
	t := widget.NewLabel(title)
	t.SizeName = theme.SizeNameHeadingText
	content := container.NewVBox(body...)
	foot := container.NewVBox(message, actions)
	form := container.NewPadded(container.NewBorder(t, foot, nil, nil, container.NewVScroll(content)))
	return container.NewCenter(container.New(&capped{max: fyne.NewSize(680, 600), parts: []fyne.CanvasObject{t, content, foot}}, form))
}

// capped sizes a framed form: 680 wide, as tall as its parts need, at most
// 600 (then its body scrolls). A short form keeps its buttons under its
// fields instead of at the foot of an empty box.
type capped struct {
	max   fyne.Size
	parts []fyne.CanvasObject
}

func (c *capped) MinSize([]fyne.CanvasObject) fyne.Size {
	h := 4 * theme.Padding() // the padding around the form and between its three parts
	for _, p := range c.parts {
		h += p.MinSize().Height
	}
	return fyne.NewSize(c.max.Width, min(h, c.max.Height))
}

func (c *capped) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func errLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	return l
}

// Login is the sign-in screen.
type Login struct {
	User, Secret *widget.Entry
	Submit       *widget.Button
	Message      *widget.Label
	content      fyne.CanvasObject
}

// NewLogin builds the sign-in screen; done gets the signed-in account,
// cancel (when not nil) goes back.
func NewLogin(ctx context.Context, svc Service, done func(clerks.Account), cancel func()) *Login {
	return newLogin(ctx, svc, l10n.L("窗口人员登录"), done, cancel)
}

// NewUnlock is the sign-in of a machine whose data is sealed (it just
// started): the same form, under its own title, with notes below it, and
// nowhere to go back to.
func NewUnlock(ctx context.Context, svc Service, done func(clerks.Account), notes ...fyne.CanvasObject) *Login {
	return newLogin(ctx, svc, l10n.L("开启本机数据"), done, nil, notes...)
}

func newLogin(ctx context.Context, svc Service, title string, done func(clerks.Account), cancel func(), notes ...fyne.CanvasObject) *Login {
	l := &Login{User: widget.NewEntry(), Secret: widget.NewPasswordEntry(), Message: errLabel()}
	l.User.SetPlaceHolder(l10n.L("登录名"))
	l.Secret.SetPlaceHolder(l10n.L("密码或PIN"))
	l.Submit = widget.NewButtonWithIcon(l10n.L("登录"), theme.LoginIcon(), func() {
		a, err := svc.Authenticate(ctx, strings.TrimSpace(strings.ToLower(l.User.Text)), l.Secret.Text)
		l.Secret.SetText("") // never leave a secret on screen
		if err != nil {
			l.Message.SetText(l10n.Error(err))
			return
		}
		l.Message.SetText("")
		done(a)
	})
	l.Submit.Importance = widget.HighImportance
	l.Secret.OnSubmitted = func(string) { l.Submit.OnTapped() }
	buttons := container.NewHBox(layout.NewSpacer(), l.Submit)
	if cancel != nil {
		buttons.Objects = append([]fyne.CanvasObject{widget.NewButton(l10n.L("返回"), cancel)}, buttons.Objects...)
	}
	body := []fyne.CanvasObject{widget.NewForm(widget.NewFormItem(l10n.L("登录名"), l.User), widget.NewFormItem(l10n.L("密码"), l.Secret))}
	l.content = framed(title, l.Message, buttons, append(body, notes...)...)
	return l
}

// Content returns the screen's root object.
func (l *Login) Content() fyne.CanvasObject { return l.content }

// Show puts the sign-in on a window (wrapped by wrap, if not nil) with the
// cursor in the login field, so a clerk can type at once.
func (l *Login) Show(w fyne.Window, wrap func(fyne.CanvasObject) fyne.CanvasObject) {
	c := l.content
	if wrap != nil {
		c = wrap(c)
	}
	w.SetContent(c)
	w.Canvas().Focus(l.User)
}

// AccountForm creates an account: the first supervisor on first start, or
// any account by a supervisor.
type AccountForm struct {
	Name, User, Window, Secret, Confirm *widget.Entry
	// IDNumber is an agent's own ID number, asked only when the role is
	// 代办员 (the 代办委托书 names the agent by it); hidden like every
	// ID number once typed.
	IDNumber *private.Entry
	Role     *widget.RadioGroup
	Sectors  *checkgrid.Group
	Submit   *widget.Button
	Message  *widget.Label
	roles    map[string]clerks.Role
	// editing leaves out the secret (changed by its own forms) and keeps
	// the login as it is.
	editing bool
	// fields holds the form, built again when the role changes so the ID
	// number's row comes and goes with its label.
	fields  *fyne.Container
	content fyne.CanvasObject
}

// NewFirstSupervisor builds the one-time screen that creates the first
// supervisor. There is no built-in password anywhere: whoever installs the
// kiosk chooses it here.
//
// hall are the hall's sectors (its county's config, or the default one
// before the county sent any), for all three account screens.
func NewFirstSupervisor(ctx context.Context, svc Service, hall []string, done func(clerks.Account)) *AccountForm {
	f := newAccountForm(false, hall)
	f.Submit.OnTapped = func() {
		a, secret, ok := f.read(clerks.Supervisor)
		if !ok {
			return
		}
		created, err := svc.CreateFirstSupervisor(ctx, a, secret)
		if err != nil {
			f.Message.SetText(l10n.Error(err))
			return
		}
		done(created)
	}
	intro := widget.NewLabel(l10n.L("首次使用：请建立主管账号。主管可以添加窗口人员和代办员、修改设置。密码只保存其不可逆的摘要，请牢记。"))
	intro.Wrapping = fyne.TextWrapWord
	f.content = framed(l10n.L("建立主管账号"), f.Message, container.NewHBox(layout.NewSpacer(), f.Submit), intro, f.form(false))
	return f
}

// NewAccount builds the supervisor's form for adding a person.
func NewAccount(ctx context.Context, svc Service, actor clerks.Account, hall []string, done func(clerks.Account), cancel func()) *AccountForm {
	f := newAccountForm(true, hall)
	f.Submit.OnTapped = func() {
		a, secret, ok := f.read("")
		if !ok {
			return
		}
		created, err := svc.CreateAccount(ctx, actor, a, secret)
		if err != nil {
			f.Message.SetText(l10n.Error(err))
			return
		}
		done(created)
	}
	f.content = framed(l10n.L("添加人员"), f.Message, container.NewHBox(widget.NewButton(l10n.L("返回"), cancel), layout.NewSpacer(), f.Submit), f.form(true))
	return f
}

func newAccountForm(withRole bool, hall []string) *AccountForm {
	f := &AccountForm{Name: widget.NewEntry(), User: widget.NewEntry(), Window: widget.NewEntry(), IDNumber: private.NewEntry(),
		Secret: widget.NewPasswordEntry(), Confirm: widget.NewPasswordEntry(), Message: errLabel(), fields: container.NewStack()}
	f.Window.SetText("1")
	// Three to a row: a county's seven sectors in one row are wider than
	// the form (issue 17: the 7th was cut off).
	f.Sectors = checkgrid.New(hall, 3, nil)
	if withRole {
		names := []string{l10n.L("受理员"), l10n.L("主管"), l10n.L("代办员")}
		f.roles = map[string]clerks.Role{names[0]: clerks.Clerk, names[1]: clerks.Supervisor, names[2]: clerks.Agent}
		f.Role = widget.NewRadioGroup(names, nil)
		f.Role.Horizontal = true
		f.Role.SetSelected(names[0])
		f.Role.OnChanged = func(string) {
			f.fields.Objects = []fyne.CanvasObject{f.buildForm(true)}
			f.fields.Refresh()
		}
	}
	f.Submit = widget.NewButtonWithIcon(l10n.L("保存"), theme.ConfirmIcon(), nil)
	f.Submit.Importance = widget.HighImportance
	return f
}

func (f *AccountForm) form(withRole bool) fyne.CanvasObject {
	f.fields.Objects = []fyne.CanvasObject{f.buildForm(withRole)}
	return f.fields
}

// agent says whether the form is for a village agent now.
func (f *AccountForm) agent() bool {
	return f.Role != nil && f.roles[f.Role.Selected] == clerks.Agent
}

func (f *AccountForm) buildForm(withRole bool) *widget.Form {
	items := []*widget.FormItem{
		widget.NewFormItem(l10n.L("姓名"), f.Name),
		{Text: l10n.L("登录名"), Widget: f.User, HintText: l10n.L("小写字母、数字或下划线")},
	}
	if withRole {
		items = append(items, widget.NewFormItem(l10n.L("角色"), f.Role))
	}
	if f.agent() {
		items = append(items, &widget.FormItem{Text: l10n.L("代办员身份证号"), Widget: f.IDNumber,
			HintText: l10n.L("居民身份证或外国人永久居留身份证号码，印在代办委托书上（遮挡显示）")})
	}
	items = append(items,
		widget.NewFormItem(l10n.L("窗口号"), f.Window),
		&widget.FormItem{Text: l10n.L("掌握板块"), Widget: f.Sectors, HintText: l10n.L("每个板块一颗星（五星受理员）")})
	if !f.editing {
		items = append(items,
			&widget.FormItem{Text: l10n.L("密码或PIN"), Widget: f.Secret, HintText: l10n.L("至少6位，不要用123456这类")},
			widget.NewFormItem(l10n.L("再输一次"), f.Confirm))
	}
	return widget.NewForm(items...)
}

// read collects and pre-checks the form; the store checks again.
func (f *AccountForm) read(role clerks.Role) (clerks.Account, string, bool) {
	if role == "" {
		role = f.roles[f.Role.Selected]
	}
	if !f.editing && f.Secret.Text != f.Confirm.Text {
		f.Message.SetText(l10n.L("两次输入的密码不一致"))
		return clerks.Account{}, "", false
	}
	window, _ := strconv.Atoi(strings.TrimSpace(f.Window.Text))
	a := clerks.Account{Name: f.Name.Text, Login: f.User.Text, Role: role, Window: window, Sectors: f.Sectors.Selected}
	if role == clerks.Agent {
		a.IDNumber = f.IDNumber.Text // a number typed before choosing another role is not sent
	}
	// A check before the hub is asked, by this machine's time: the store
	// checks again against its own clock.
	if _, err := a.Normalize(time.Now()); err != nil {
		f.Message.SetText(l10n.Error(err))
		return a, "", false
	}
	if err := a.CheckSectors(f.Sectors.Options); err != nil {
		f.Message.SetText(l10n.Error(err))
		return a, "", false
	}
	if f.editing {
		return a, "", true
	}
	if err := clerks.CheckSecret(f.Secret.Text); err != nil {
		f.Message.SetText(l10n.Error(err))
		return a, "", false
	}
	return a, f.Secret.Text, true
}

// Content returns the screen's root object.
func (f *AccountForm) Content() fyne.CanvasObject { return f.content }

// People is the supervisor's list of accounts, with what can be done to
// the one selected: 编辑, 重置密码, 解锁, 停用 or 启用; and 修改我的密码.
type People struct {
	List                             *widget.List
	Add                              *widget.Button
	Edit, Reset, Unlock, Toggle, Own *widget.Button
	Message                          *widget.Label
	Accounts                         []clerks.Account
	// Selected is the account the actions apply to (ID 0: none).
	Selected clerks.Account
	// Form is the edit, reset or own-secret form while one is open.
	Form    *ChangeForm
	reopen  func()
	content fyne.CanvasObject
}

// NewPeople lists the accounts with their sectors; a sector the hall no
// longer has (hall: its sectors now) is marked, so the supervisor sees
// whose sectors the county's new config left behind. show puts a screen on
// the window (the edit and secret forms, and this list again after them).
func NewPeople(ctx context.Context, svc Service, actor clerks.Account, hall []string, show func(fyne.CanvasObject), add, back func()) *People {
	p := &People{Message: errLabel()}
	p.reopen = func() { show(NewPeople(ctx, svc, actor, hall, show, add, back).Content()) }
	accts, err := svc.Accounts(ctx)
	if err != nil {
		p.Message.SetText(l10n.Error(err))
	}
	p.Accounts = accts
	p.List = widget.NewList(func() int { return len(p.Accounts) }, func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(accountLine(p.Accounts[i], hall))
		})
	open := func(f *ChangeForm) {
		p.Form = f
		show(f.Content())
	}
	p.Edit = widget.NewButtonWithIcon(l10n.L("编辑"), theme.DocumentCreateIcon(), func() {
		open(NewEditAccount(ctx, svc, actor, p.Selected, hall, p.reopen))
	})
	p.Reset = widget.NewButtonWithIcon(l10n.L("重置密码"), theme.ViewRefreshIcon(), func() {
		open(NewResetSecret(ctx, svc, actor, p.Selected, p.reopen))
	})
	p.Unlock = widget.NewButton(l10n.L("解锁"), func() { p.change(ctx, svc, actor, clerks.Unlock, l10n.L("已解锁")) })
	p.Toggle = widget.NewButton(l10n.L("停用"), func() {
		if p.Selected.Active {
			p.change(ctx, svc, actor, clerks.Deactivate, l10n.L("已停用"))
		} else {
			p.change(ctx, svc, actor, clerks.Reactivate, l10n.L("已启用"))
		}
	})
	p.Own = widget.NewButtonWithIcon(l10n.L("修改我的密码"), theme.AccountIcon(), func() {
		open(NewOwnSecret(ctx, svc, actor, p.reopen))
	})
	p.List.OnSelected = func(i widget.ListItemID) { p.selectAccount(p.Accounts[i]) }
	p.selectAccount(clerks.Account{})
	p.Add = widget.NewButtonWithIcon(l10n.L("添加人员"), theme.ContentAddIcon(), add)
	t := widget.NewLabel(l10n.L("人员管理"))
	t.SizeName = theme.SizeNameHeadingText
	actions := container.NewHBox(p.Edit, p.Reset, p.Unlock, p.Toggle, layout.NewSpacer(), p.Own)
	p.content = container.NewBorder(container.NewVBox(t, p.Message),
		container.NewVBox(actions, container.NewHBox(widget.NewButton(l10n.L("返回"), back), layout.NewSpacer(), p.Add)), nil, nil, p.List)
	return p
}

// selectAccount makes the actions apply to an account (ID 0: none) and
// offers only those that make sense for it.
func (p *People) selectAccount(a clerks.Account) {
	p.Selected = a
	for _, b := range []*widget.Button{p.Edit, p.Reset, p.Unlock, p.Toggle} {
		if a.ID == 0 {
			b.Disable()
		} else {
			b.Enable()
		}
	}
	if a.ID == 0 {
		return
	}
	if a.LockedUntil.IsZero() {
		p.Unlock.Disable()
	}
	if a.Active {
		p.Toggle.SetText(l10n.L("停用"))
	} else {
		p.Toggle.SetText(l10n.L("启用"))
	}
}

// change makes a one-tap change to the selected account and shows the
// list as it now is.
func (p *People) change(ctx context.Context, svc Service, actor clerks.Account, kind clerks.ChangeKind, done string) {
	got, err := svc.ChangeAccount(ctx, actor, clerks.Change{Kind: kind, Account: p.Selected})
	if err != nil {
		p.Message.Importance = widget.DangerImportance
		p.Message.SetText(l10n.Error(err))
		return
	}
	if accts, err := svc.Accounts(ctx); err == nil {
		p.Accounts = accts
	}
	p.List.Refresh()
	p.selectAccount(got)
	p.Message.Importance = widget.SuccessImportance
	p.Message.SetText(got.Name + " " + done)
}

// accountLine is one person in the list.
func accountLine(a clerks.Account, hall []string) string {
	line := a.Name + "  " + a.Login + "  " + l10n.L(clerks.RoleName(a.Role))
	if a.Window > 0 {
		line += "  " + l10n.L("{{.N}}号窗口", map[string]any{"N": a.Window})
	}
	line += "  " + strings.Repeat("★", a.Stars())
	if len(a.Sectors) > 0 {
		line += "  " + sectorsLine(a.Sectors, hall)
	}
	if a.Role == clerks.Agent {
		line += "  " + agentIDLine(a.IDNumber)
	}
	if !a.LockedUntil.IsZero() {
		line += "  " + l10n.L("（输错密码已锁定）")
	}
	if !a.Active {
		line += "  " + l10n.L("（已停用）")
	}
	return line
}

// agentIDLine shows an agent's ID number masked, or says that the account
// has none (made before it was asked): the supervisor should then make
// the agent a new account, or the agent writes it on every letter by hand.
func agentIDLine(id string) string {
	if id == "" {
		return l10n.L("未登记身份证号")
	}
	return ids.KindName(ids.KindOf(id)) + " " + ids.MaskIDNumber(id) // the card's own name, as printed on it
}

// sectorsLine names an account's sectors, marking those the hall lacks.
func sectorsLine(sectors, hall []string) string {
	out := make([]string, len(sectors))
	for i, s := range sectors {
		out[i] = l10n.L(s)
		if !slices.Contains(hall, s) {
			out[i] += l10n.L("（本大厅已无此板块）")
		}
	}
	return strings.Join(out, "、")
}

// Content returns the screen's root object.
func (p *People) Content() fyne.CanvasObject { return p.content }
