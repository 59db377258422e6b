package services_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/internal/lantest"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/ui/hallui"
	"github.com/yichuang/yichuang/app/ui/intake"
)

// TestHallLookupAtTwoWindows: a result completed on the spot at window 2 is
// looked up at window 3, another machine of the hall with its own database
// file, and handed out there. Window 2, still showing the case as it was,
// then tries to hand it out too: it is told, in words, that window 3 did
// it, and sees the case as it now stands. Screenshots of the three screens.
func TestHallLookupAtTwoWindows(t *testing.T) {
	test.NewTempApp(t) // screenshots need the plain test app (see busytest)
	ctx := context.Background()
	lan := lantest.StartLAN(t)
	a, b := lan.Join(t, 2), lan.Join(t, 3)
	clerkA := clerks.Account{ID: 1, Name: "王丽", Role: clerks.Supervisor, Window: 2}
	clerkB := clerks.Account{ID: 1, Name: "李华", Role: clerks.Supervisor, Window: 3}

	// The hub's supervisor sees the hall's machines and makes a code for
	// the next one.
	sup := lan.Hub.Supervisor(t)
	admin := lan.Hub.HallService()
	admin.Actor = func() clerks.Account { return sup }
	ms := hallui.NewMachines(ctx, admin, time.Now, func() {})
	mw := test.NewTempWindow(t, ms.Content())
	test.Tap(ms.MakeCode)
	halltest.Settle(t, ms)
	if len(ms.Removes) != 2 || !ms.Code.Visible() || len(strings.ReplaceAll(ms.Code.Text, "-", "")) != 20 {
		t.Fatalf("大厅设备: %d machines listed, code %q", len(ms.Removes), ms.Code.Text)
	}
	shootAt(t, mw, "hall-machines.png", 1000, 520)

	svcA, svcB := a.Intake(t), b.Intake(t)
	o, err := svcA.Decide(ctx, clerkA, a.RestaurantDraft(t, ""), cases.Decision{Kind: cases.Complete})
	if err != nil {
		t.Fatal(err)
	}
	code := o.Case.Tracking
	b.Eventually(t, "the case at window 3", 2*time.Second, func() bool { return b.Holds(code) })

	// Each window as its clerk sees it: the workspace with its bar, on 查询办件.
	windows := map[*intake.Lookup]fyne.Window{}
	open := func(svc intake.Service, who clerks.Account, name string) *intake.Lookup {
		w := test.NewTempWindow(t, nil)
		ws := intake.NewWorkspace(ctx, svc, who, time.Now, w, intake.Nav{Home: func() {}, Logout: func() {}})
		w.SetContent(ws.Content())
		test.Tap(ws.Find)
		l := ws.Lookup
		windows[l] = w
		test.Type(l.Code, tracking.Format(code))
		test.Tap(l.Find)
		if !strings.Contains(l.Details.Text, tracking.Format(code)) || !strings.Contains(l.Details.Text, "已办结，待领取") ||
			strings.Contains(l.Details.Text, "330522199003150024") {
			t.Fatalf("%s shows:\n%s", name, l.Details.Text)
		}
		shootAt(t, w, name, 1000, 620)
		return l
	}
	la := open(svcA, clerkA, "hall-lookup-window2.png")
	lb := open(svcB, clerkB, "hall-lookup-window3.png")

	test.Type(lb.CollectorName, "张小红")
	test.Type(lb.CollectorID, "330522199003150024")
	test.Tap(lb.DeliverBtn)
	busytest.Settle(t, lb)
	if lb.Message.Text != "已出件" {
		t.Fatalf("出件 at window 3: %q", lb.Message.Text)
	}
	a.Eventually(t, "the hand-over at window 2", 2*time.Second, func() bool {
		cs, err := a.DB.CaseByTracking(ctx, code)
		return err == nil && cs.Status == cases.StatusDelivered
	})

	// Window 2's screen still shows the case as it was.
	test.Type(la.CollectorName, "张小红")
	test.Type(la.CollectorID, "330522199003150024")
	test.Tap(la.DeliverBtn)
	busytest.Settle(t, la)
	if !strings.Contains(la.Message.Text, "由3号窗口出件") || !strings.Contains(la.Details.Text, "已领取") {
		t.Errorf("window 2 after window 3's 出件: %q\n%s", la.Message.Text, la.Details.Text)
	}
	shootAt(t, windows[la], "hall-conflict.png", 1000, 620)
	for _, m := range []*lantest.Machine{lan.Hub, a, b} {
		evs, _ := m.DB.CaseEvents(ctx, o.Case.ID)
		n := 0
		for _, e := range evs {
			if e.Kind == cases.EvDelivered {
				n++
			}
		}
		if n != 1 {
			t.Errorf("a machine holds %d hand-overs of the case, want 1", n)
		}
	}
}
