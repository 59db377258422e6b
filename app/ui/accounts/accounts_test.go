package accounts

import (
	"context"
	"errors"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/clerks"
)

type fakeService struct {
	created []clerks.Account
	logins  []string
}

func (f *fakeService) Authenticate(_ context.Context, login, secret string) (clerks.Account, error) {
	f.logins = append(f.logins, login)
	if login == "wangli" && secret == "wl258147" {
		return clerks.Account{ID: 2, Login: login, Name: "王丽", Role: clerks.Clerk, Window: 3}, nil
	}
	return clerks.Account{}, clerks.ErrBadSecret
}

func (f *fakeService) CreateFirstSupervisor(_ context.Context, a clerks.Account, _ string) (clerks.Account, error) {
	if len(f.created) > 0 {
		return a, clerks.ErrSupervisorOK
	}
	a.ID = 1
	f.created = append(f.created, a)
	return a, nil
}

func (f *fakeService) CreateAccount(_ context.Context, actor clerks.Account, a clerks.Account, _ string) (clerks.Account, error) {
	if actor.Role != clerks.Supervisor {
		return a, errors.New("not a supervisor")
	}
	f.created = append(f.created, a)
	return a, nil
}

func (f *fakeService) Accounts(context.Context) ([]clerks.Account, error) { return f.created, nil }

func TestLogin(t *testing.T) {
	test.NewTempApp(t)
	svc := &fakeService{}
	var got clerks.Account
	l := NewLogin(context.Background(), svc, func(a clerks.Account) { got = a }, func() {})
	test.NewTempWindow(t, l.Content())
	test.Type(l.User, "WangLi ")
	test.Type(l.Secret, "wrong-pin")
	test.Tap(l.Submit)
	if got.ID != 0 || l.Message.Text != "登录名或密码不对" || l.Secret.Text != "" {
		t.Errorf("wrong secret: got %+v, message %q, secret left %q", got, l.Message.Text, l.Secret.Text)
	}
	if svc.logins[0] != "wangli" {
		t.Errorf("login sent as %q, want it trimmed and lowercased", svc.logins[0])
	}
	test.Type(l.Secret, "wl258147")
	test.Tap(l.Submit)
	if got.Name != "王丽" {
		t.Errorf("right secret: got %+v, message %q", got, l.Message.Text)
	}
}

func TestFirstSupervisor(t *testing.T) {
	test.NewTempApp(t)
	svc := &fakeService{}
	var got clerks.Account
	f := NewFirstSupervisor(context.Background(), svc, func(a clerks.Account) { got = a })
	test.NewTempWindow(t, f.Content())
	test.Type(f.Name, "陈主管")
	test.Type(f.User, "zhuguan")
	test.Type(f.Secret, "hq-2026-chen")
	test.Type(f.Confirm, "hq-2026-che")
	test.Tap(f.Submit)
	if got.ID != 0 || f.Message.Text != "两次输入的密码不一致" {
		t.Fatalf("mismatch: %+v %q", got, f.Message.Text)
	}
	f.Secret.SetText("123456")
	f.Confirm.SetText("123456")
	test.Tap(f.Submit)
	if got.ID != 0 || f.Message.Text != clerks.ErrSecretWeak.Key {
		t.Fatalf("weak secret: %+v %q", got, f.Message.Text)
	}
	f.Secret.SetText("hq-2026-chen")
	f.Confirm.SetText("hq-2026-chen")
	f.Sectors.SetSelected([]string{"商事登记", "不动产登记"})
	test.Tap(f.Submit)
	if got.Role != clerks.Supervisor || got.Login != "zhuguan" || got.Stars() != 2 {
		t.Errorf("created %+v (message %q)", got, f.Message.Text)
	}
}
