package accounts

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/queue"
)

type fakeService struct {
	created []clerks.Account
	logins  []string
	changes []clerks.Change
}

// ChangeAccount applies a change to the account kept here.
func (f *fakeService) ChangeAccount(_ context.Context, actor clerks.Account, c clerks.Change) (clerks.Account, error) {
	if c.Kind != clerks.OwnSecret && actor.Role != clerks.Supervisor {
		return c.Account, errors.New("not a supervisor")
	}
	f.changes = append(f.changes, c)
	for i, a := range f.created {
		if a.ID != c.Account.ID {
			continue
		}
		switch c.Kind {
		case clerks.Edit:
			f.created[i].Name, f.created[i].Window, f.created[i].Role, f.created[i].Sectors = c.Account.Name, c.Account.Window, c.Account.Role, c.Account.Sectors
		case clerks.Deactivate, clerks.Reactivate:
			f.created[i].Active = c.Kind == clerks.Reactivate
		case clerks.Unlock:
			f.created[i].LockedUntil = time.Time{}
		}
		return f.created[i], nil
	}
	return c.Account, nil
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
	f := NewFirstSupervisor(context.Background(), svc, queue.DefaultHallConfig().SectorNames(), func(a clerks.Account) { got = a })
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

// TestAccountFormOffersTheHallsSectors: the form offers the hall's
// configured sectors (长兴's 公积金), not a fixed list, and refuses one the
// hall lacks before asking the store.
func TestAccountFormOffersTheHallsSectors(t *testing.T) {
	test.NewTempApp(t)
	hall := []string{"不动产登记", "商事登记", "税务服务", "医保社保", "公积金"}
	svc := &fakeService{}
	var got clerks.Account
	f := NewAccount(context.Background(), svc, clerks.Account{ID: 1, Role: clerks.Supervisor}, hall, func(a clerks.Account) { got = a }, func() {})
	test.NewTempWindow(t, f.Content())
	if !slices.Equal(f.Sectors.Options, hall) {
		t.Fatalf("sectors offered: got %v, want the hall's %v", f.Sectors.Options, hall)
	}
	test.Type(f.Name, "沈公积")
	test.Type(f.User, "gjj")
	f.Window.SetText("9")
	test.Type(f.Secret, "gjj-2026-shen")
	test.Type(f.Confirm, "gjj-2026-shen")
	f.Sectors.Selected = []string{"公积金", "社会事务"} // as a stale screen could hold
	test.Tap(f.Submit)
	if len(svc.created) != 0 || !strings.Contains(f.Message.Text, "社会事务") {
		t.Fatalf("a sector the hall lacks: got created %v, message %q; want refused naming 社会事务", svc.created, f.Message.Text)
	}
	f.Sectors.SetSelected([]string{"公积金"})
	test.Tap(f.Submit)
	if !slices.Equal(got.Sectors, []string{"公积金"}) {
		t.Errorf("created: got %+v (message %q), want a 公积金 clerk", got, f.Message.Text)
	}
}

// TestPeopleMarksSectorsTheHallDropped: after the county's config drops a
// sector, the list says whose sector it was.
func TestPeopleMarksSectorsTheHallDropped(t *testing.T) {
	test.NewTempApp(t)
	svc := &fakeService{created: []clerks.Account{
		{ID: 2, Login: "gjj", Name: "沈公积", Role: clerks.Clerk, Window: 9, Sectors: []string{"公积金", "商事登记"}, Active: true},
		{ID: 3, Login: "wangli", Name: "王丽", Role: clerks.Clerk, Window: 3, Sectors: []string{"商事登记"}, Active: true}}}
	p := NewPeople(context.Background(), svc, clerks.Account{ID: 1, Role: clerks.Supervisor}, queue.DefaultHallConfig().SectorNames(), func(fyne.CanvasObject) {}, func() {}, func() {})
	test.NewTempWindow(t, p.Content())
	line := func(i int) string {
		o := p.List.CreateItem()
		p.List.UpdateItem(i, o)
		return o.(*widget.Label).Text
	}
	if got := line(0); !strings.Contains(got, "公积金（本大厅已无此板块）") || strings.Contains(got, "商事登记（") {
		t.Errorf("clerk of a dropped sector: got %q, want 公积金 marked, 商事登记 not", got)
	}
	if got := line(1); strings.Contains(got, "已无此板块") {
		t.Errorf("clerk of kept sectors: got %q, want nothing marked", got)
	}
}

// visible says whether o is in the form on screen (the ID number's row
// comes and goes with the role).
func visible(f *AccountForm, o fyne.CanvasObject) bool {
	form := f.fields.Objects[0].(*widget.Form)
	for _, it := range form.Items {
		if it.Widget == o {
			return true
		}
	}
	return false
}

// TestAgentAccountNeedsItsIDNumber: the ID number is asked only for an
// agent, is required there, hides once typed, and reaches the service
// normalized; a number typed before switching to another role is not sent.
func TestAgentAccountNeedsItsIDNumber(t *testing.T) {
	test.NewTempApp(t)
	svc := &fakeService{}
	var got clerks.Account
	f := NewAccount(context.Background(), svc, clerks.Account{ID: 1, Role: clerks.Supervisor}, queue.DefaultHallConfig().SectorNames(),
		func(a clerks.Account) { got = a }, func() {})
	w := test.NewTempWindow(t, f.Content())
	if visible(f, f.IDNumber) {
		t.Fatal("a clerk is asked for an ID number")
	}
	test.Type(f.Name, "李网格")
	test.Type(f.User, "cun01")
	test.Type(f.Secret, "dq-2026-li")
	test.Type(f.Confirm, "dq-2026-li")
	f.Role.SetSelected("代办员")
	if !visible(f, f.IDNumber) {
		t.Fatal("an agent is not asked for an ID number")
	}
	test.Tap(f.Submit)
	if len(svc.created) != 0 || f.Message.Text != clerks.ErrAgentID.Key {
		t.Fatalf("agent without ID number: got created %v, message %q; want refused", svc.created, f.Message.Text)
	}
	w.Canvas().Focus(f.IDNumber)
	test.Type(f.IDNumber, "33052219851203004x")
	w.Canvas().Focus(f.Name)
	if !f.IDNumber.Password {
		t.Error("the agent's ID number stays readable after moving on")
	}
	test.Tap(f.Submit)
	if len(svc.created) != 0 || !strings.Contains(f.Message.Text, "校验位") {
		t.Fatalf("wrong check digit: got created %v, message %q; want refused", svc.created, f.Message.Text)
	}
	f.IDNumber.SetText("330522198512030042")
	test.Tap(f.Submit)
	if got.Role != clerks.Agent || got.IDNumber != "330522198512030042" {
		t.Fatalf("agent: got %+v (message %q), want an agent with the ID number", got, f.Message.Text)
	}

	svc.created = nil
	f.User.SetText("wangli")
	f.Role.SetSelected("受理员")
	if visible(f, f.IDNumber) {
		t.Error("the ID number's row stays after choosing 受理员")
	}
	test.Tap(f.Submit)
	if len(svc.created) != 1 || svc.created[0].IDNumber != "" {
		t.Errorf("clerk: got %+v, want created without an ID number", svc.created)
	}
}

// TestPeopleShowsAgentsIDMasked: an agent's number is masked; an agent
// from before the number was asked is marked so a supervisor knows.
func TestPeopleShowsAgentsIDMasked(t *testing.T) {
	test.NewTempApp(t)
	svc := &fakeService{created: []clerks.Account{
		{ID: 4, Login: "cun01", Name: "李网格", Role: clerks.Agent, IDNumber: "330522198512030042", Active: true},
		{ID: 5, Login: "cun02", Name: "钱网格", Role: clerks.Agent, Active: true},
		{ID: 3, Login: "wangli", Name: "王丽", Role: clerks.Clerk, Window: 3, Active: true}}}
	p := NewPeople(context.Background(), svc, clerks.Account{ID: 1, Role: clerks.Supervisor}, queue.DefaultHallConfig().SectorNames(), func(fyne.CanvasObject) {}, func() {}, func() {})
	test.NewTempWindow(t, p.Content())
	line := func(i int) string {
		o := p.List.CreateItem()
		p.List.UpdateItem(i, o)
		return o.(*widget.Label).Text
	}
	tests := []struct {
		i        int
		want     string
		notWants []string
	}{
		{0, "居民身份证 " + ids.MaskIDNumber("330522198512030042"), []string{"330522198512030042", "未登记"}},
		{1, "未登记身份证号", nil},
		{2, "", []string{"未登记", "身份证"}},
	}
	for _, tt := range tests {
		got := line(tt.i)
		if !strings.Contains(got, tt.want) {
			t.Errorf("line %d: got %q, want %q in it", tt.i, got, tt.want)
		}
		for _, not := range tt.notWants {
			if strings.Contains(got, not) {
				t.Errorf("line %d: got %q, want no %q", tt.i, got, not)
			}
		}
	}
}
