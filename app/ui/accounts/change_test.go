package accounts

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/internal/shot"
	"github.com/yichuang/yichuang/app/queue"
)

// TestPeopleChangesAnAccount: in 人员管理 the supervisor selects a person
// and edits them (the login stays, no secret asked), sets a temporary
// secret, unlocks a locked account, deactivates and reactivates; nothing
// can be done before a person is selected; 修改我的密码 asks the old secret
// and the new one twice.
func TestPeopleChangesAnAccount(t *testing.T) {
	test.NewTempApp(t)
	ctx := context.Background()
	sup := clerks.Account{ID: 1, Login: "zhuguan", Name: "陈主管", Role: clerks.Supervisor, Window: 1, Active: true}
	svc := &fakeService{created: []clerks.Account{sup,
		{ID: 2, Login: "wangli", Name: "王丽", Role: clerks.Clerk, Window: 3, Active: true, LockedUntil: time.Now().Add(time.Minute)}}}
	hall := queue.DefaultHallConfig().SectorNames()
	var shown fyne.CanvasObject
	show := func(o fyne.CanvasObject) { shown = o }
	p := NewPeople(ctx, svc, sup, hall, show, func() {}, func() {})
	w := test.NewTempWindow(t, p.Content())
	if !p.Edit.Disabled() || !p.Toggle.Disabled() {
		t.Fatal("actions offered before a person is selected")
	}
	p.List.Select(1)
	if p.Selected.ID != 2 || p.Unlock.Disabled() || p.Toggle.Text != "停用" {
		t.Fatalf("selected %d, unlock disabled %v, toggle %q; want 王丽, unlock offered, 停用", p.Selected.ID, p.Unlock.Disabled(), p.Toggle.Text)
	}
	shot.Take(t, w, "people-actions.png", 1280, 800)

	test.Tap(p.Unlock)
	test.Tap(p.Toggle)
	if p.Toggle.Text != "启用" || !p.Unlock.Disabled() {
		t.Errorf("after unlock and 停用: toggle %q, unlock disabled %v; want 启用, no unlock", p.Toggle.Text, p.Unlock.Disabled())
	}
	test.Tap(p.Toggle)

	test.Tap(p.Edit)
	f := p.Form
	if shown != f.Content() || f.Account.User.Text != "wangli" || !f.Account.User.Disabled() || f.Account.Name.Text != "王丽" {
		t.Fatalf("edit form: login %q (disabled %v), name %q", f.Account.User.Text, f.Account.User.Disabled(), f.Account.Name.Text)
	}
	f.Account.Window.SetText("7")
	test.Tap(f.Submit)

	p.List.Select(1)
	test.Tap(p.Reset)
	r := p.Form
	r.Secret.SetText("tmp-2026-x")
	r.Confirm.SetText("tmp-2026-y")
	test.Tap(r.Submit)
	if r.Message.Text != "两次输入的密码不一致" {
		t.Errorf("a mistyped temporary secret: message %q", r.Message.Text)
	}
	r.Confirm.SetText("tmp-2026-x")
	test.Tap(r.Submit)

	test.Tap(p.Own)
	o := p.Form
	o.Old.SetText("hq-2026-chen")
	o.Secret.SetText("new-2026-chen")
	o.Confirm.SetText("new-2026-chen")
	test.Tap(o.Submit)
	if o.Old.Text != "" {
		t.Error("the old secret stays on screen")
	}

	want := []clerks.ChangeKind{clerks.Unlock, clerks.Deactivate, clerks.Reactivate, clerks.Edit, clerks.ResetSecret, clerks.OwnSecret}
	if len(svc.changes) != len(want) {
		t.Fatalf("got %d changes %+v, want %v", len(svc.changes), svc.changes, want)
	}
	for i, c := range svc.changes {
		if c.Kind != want[i] {
			t.Errorf("change %d: got %s, want %s", i, c.Kind, want[i])
		}
	}
	if e := svc.changes[3]; e.Account.ID != 2 || e.Account.Window != 7 || e.Account.Name != "王丽" || e.Secret != "" {
		t.Errorf("edit: got %+v, want 王丽 (ID 2) at window 7, no secret", e)
	}
	if r := svc.changes[4]; r.Account.ID != 2 || r.Secret != "tmp-2026-x" {
		t.Errorf("reset: got %+v", r)
	}
	if o := svc.changes[5]; o.Account.ID != 1 || o.OldSecret != "hq-2026-chen" || o.Secret != "new-2026-chen" {
		t.Errorf("own secret: got %+v", o)
	}
}

// The sign-in screen opens with the cursor in the login field.
func TestLoginFocusesTheLoginField(t *testing.T) {
	test.NewTempApp(t)
	l := NewLogin(context.Background(), &fakeService{}, func(clerks.Account) {}, nil)
	w := test.NewTempWindow(t, nil)
	l.Show(w, nil)
	if got := w.Canvas().Focused(); got != l.User {
		t.Errorf("focused %v, want the login field", got)
	}
}
