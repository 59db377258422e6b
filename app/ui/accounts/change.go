package accounts

import (
	"context"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/ui/l10n"
)

// ChangeForm is one of the forms that change an existing account: 编辑
// (Account is the account form, without the secret), 重置密码 (Secret and
// Confirm) and 修改我的密码 (Old, Secret and Confirm).
type ChangeForm struct {
	Account              *AccountForm
	Old, Secret, Confirm *widget.Entry
	Submit               *widget.Button
	Message              *widget.Label
	content              fyne.CanvasObject
}

// Content returns the screen's root object.
func (f *ChangeForm) Content() fyne.CanvasObject { return f.content }

// NewEditAccount edits a person's name, role, window, sectors (and an
// agent's ID number); the login stays. done goes back to the list.
func NewEditAccount(ctx context.Context, svc Service, actor, a clerks.Account, hall []string, done func()) *ChangeForm {
	af := newAccountForm(true, hall)
	af.editing = true
	af.Name.SetText(a.Name)
	af.User.SetText(a.Login)
	af.User.Disable()
	af.Window.SetText(strconv.Itoa(a.Window))
	af.IDNumber.SetText(a.IDNumber)
	af.IDNumber.Conceal()
	af.Sectors.SetSelected(a.Sectors)
	for name, r := range af.roles {
		if r == a.Role {
			af.Role.SetSelected(name)
		}
	}
	f := &ChangeForm{Account: af, Submit: af.Submit, Message: af.Message}
	af.Submit.OnTapped = func() {
		edited, _, ok := af.read("")
		if !ok {
			return
		}
		edited.ID = a.ID
		if _, err := svc.ChangeAccount(ctx, actor, clerks.Change{Kind: clerks.Edit, Account: edited}); err != nil {
			f.Message.SetText(l10n.Error(err))
			return
		}
		done()
	}
	f.content = framed(l10n.L("编辑人员：{{.Name}}", map[string]any{"Name": a.Name}), f.Message,
		container.NewHBox(widget.NewButton(l10n.L("返回"), done), layout.NewSpacer(), f.Submit), af.form(true))
	return f
}

// NewResetSecret lets a supervisor set a temporary secret for a person who
// forgot theirs; it also ends a lock.
func NewResetSecret(ctx context.Context, svc Service, actor, a clerks.Account, done func()) *ChangeForm {
	f := newSecretForm(false)
	f.Submit.OnTapped = func() {
		if !f.confirmed() {
			return
		}
		if _, err := svc.ChangeAccount(ctx, actor, clerks.Change{Kind: clerks.ResetSecret, Account: a, Secret: f.Secret.Text}); err != nil {
			f.Message.SetText(l10n.Error(err))
			return
		}
		done()
	}
	note := widget.NewLabel(l10n.L("设置一个临时密码，当面告诉本人；请本人登录后用“修改我的密码”换成只有自己知道的密码。"))
	note.Wrapping = fyne.TextWrapWord
	f.content = framed(l10n.L("重置密码：{{.Name}}", map[string]any{"Name": a.Name}), f.Message,
		container.NewHBox(widget.NewButton(l10n.L("返回"), done), layout.NewSpacer(), f.Submit), note,
		widget.NewForm(widget.NewFormItem(l10n.L("临时密码"), f.Secret), widget.NewFormItem(l10n.L("再输一次"), f.Confirm)))
	return f
}

// NewOwnSecret is 修改我的密码 for the person signed in: the current secret,
// then the new one twice.
func NewOwnSecret(ctx context.Context, svc Service, actor clerks.Account, done func()) *ChangeForm {
	f := newSecretForm(true)
	f.Submit.OnTapped = func() {
		if !f.confirmed() {
			return
		}
		_, err := svc.ChangeAccount(ctx, actor, clerks.Change{Kind: clerks.OwnSecret, Account: actor, OldSecret: f.Old.Text, Secret: f.Secret.Text})
		f.Old.SetText("") // never leave a secret on screen
		if err != nil {
			f.Message.SetText(l10n.Error(err))
			return
		}
		done()
	}
	f.content = framed(l10n.L("修改我的密码"), f.Message, container.NewHBox(widget.NewButton(l10n.L("返回"), done), layout.NewSpacer(), f.Submit),
		widget.NewForm(widget.NewFormItem(l10n.L("原密码"), f.Old),
			&widget.FormItem{Text: l10n.L("新密码"), Widget: f.Secret, HintText: l10n.L("至少6位，不要用123456这类")},
			widget.NewFormItem(l10n.L("再输一次"), f.Confirm)))
	return f
}

func newSecretForm(withOld bool) *ChangeForm {
	f := &ChangeForm{Secret: widget.NewPasswordEntry(), Confirm: widget.NewPasswordEntry(), Message: errLabel()}
	if withOld {
		f.Old = widget.NewPasswordEntry()
	}
	f.Submit = widget.NewButton(l10n.L("保存"), nil)
	f.Submit.Importance = widget.HighImportance
	return f
}

// confirmed checks the new secret typed twice and its strength before the
// store is asked (it checks again).
func (f *ChangeForm) confirmed() bool {
	if f.Secret.Text != f.Confirm.Text {
		f.Message.SetText(l10n.L("两次输入的密码不一致"))
		return false
	}
	if err := clerks.CheckSecret(f.Secret.Text); err != nil {
		f.Message.SetText(l10n.Error(err))
		return false
	}
	return true
}
