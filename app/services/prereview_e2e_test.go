package services_test

import (
	"context"
	"github.com/yichuang/yichuang/app/internal/shot"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/ui/intake"
	"github.com/yichuang/yichuang/app/workday"
)

// TestPrereviewAtTheCounter: two citizens filed 个体工商户设立登记 at the
// terminal (two scans and a written commitment each); the clerk opens the
// pre-review list, accepts the first — its receipt is printed and its event
// waits in the outbox — and returns the second with a reason, which is
// all its progress query shows.
func TestPrereviewAtTheCounter(t *testing.T) {
	busytest.NewApp(t) // the photos load off the UI goroutine, and show on it
	ctx := context.Background()
	h, svc, sup, clk := halltest.At(t, time.Date(2026, 11, 26, 21, 30, 0, 0, halltest.CST))
	db := h.DB
	clerk := h.Account(t, sup, clerks.Account{Login: "wangli", Name: "王丽", Role: clerks.Clerk, Window: 3}, "wl258147")
	var filed []cases.Case
	for i := 0; i < 2; i++ { // filed at night at the 24-hour terminal
		d := h.RestaurantDraft(t, "")
		cat, _ := db.ActiveCatalog(ctx)
		m, _ := cat.Matter("330000-SS-0001")
		d.Materials = nil
		for _, mat := range m.Materials {
			st := cases.ECopy // photographed at the terminal
			if slices.Contains(cases.AllowedStates(mat), cases.Committed) {
				st = cases.Committed
			}
			d.Materials = append(d.Materials, cases.MaterialEntry{Matter: m.Code, Material: mat.ID, State: st})
		}
		for _, name := range []string{"申请书.jpg", "租赁协议.pdf"} {
			a, err := svc.Counter.Attach(strings.NewReader("%PDF-1.4 "+name), name)
			if err != nil {
				t.Fatal(err)
			}
			d.Attachments = append(d.Attachments, a)
		}
		cs, err := svc.Counter.SubmitSelf(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		filed = append(filed, cs)
		clk.Advance(10 * time.Minute)
	}

	clk.Set(time.Date(2026, 11, 27, 8, 40, 0, 0, workday.China))
	p := intake.NewPrereview(ctx, svc, clerk)
	w := test.NewTempWindow(t, p.Content())
	shoot(t, w, "prereview-list.png")
	test.Tap(p.Open[filed[0].Tracking])
	halltest.Settle(t, p)
	shoot(t, w, "prereview-open.png")
	if text := allText(p.Content()); strings.Contains(text, "330522199003150024") || strings.Contains(text, "13857201234") {
		t.Errorf("the pre-review page shows a full ID number or mobile:\n%s", text)
	}
	p.Reload()
	if len(p.Items) != 2 || p.Items[0].ID != filed[0].ID {
		t.Fatalf("list: %d items", len(p.Items))
	}
	test.Tap(p.Open[filed[0].Tracking])
	halltest.Settle(t, p)
	test.Tap(p.Accept)
	halltest.Settle(t, p)
	if !strings.Contains(p.Message.Text, "已受理") || len(p.Papers) == 0 || len(p.Items) != 1 {
		t.Fatalf("accept: %q, %d papers, %d left", p.Message.Text, len(p.Papers), len(p.Items))
	}
	got, _ := db.CaseByID(ctx, filed[0].ID)
	if got.Status != cases.StatusAccepted || got.Clerk.Name != "王丽" || got.Due.IsZero() {
		t.Errorf("accepted case: %s %q %v", got.Status, got.Clerk.Name, got.Due)
	}
	evs, _ := db.SendableEvents(ctx, 100)
	found := false
	for _, e := range evs {
		found = found || (e.Kind == "case.accepted" && strings.Contains(string(e.Payload), filed[0].ID))
	}
	if !found {
		t.Error("no case.accepted event in the outbox for the accepted filing")
	}

	test.Tap(p.Open[filed[1].Tracking])
	halltest.Settle(t, p)
	test.Tap(p.Return)
	if !strings.Contains(p.Message.Text, "原因") {
		t.Errorf("return without a reason: %q", p.Message.Text)
	}
	test.Type(p.ReturnReason, "租赁协议照片不清楚，请重新拍照上传")
	test.Tap(p.Return)
	if len(p.Items) != 0 {
		t.Fatalf("still listed: %d", len(p.Items))
	}
	pr, err := (&services.SelfService{DB: db, Clock: clk}).Progress(ctx, filed[1].Tracking, filed[1].QueryPIN)
	if err != nil || pr.Status != cases.StatusReturned || pr.Reason != "租赁协议照片不清楚，请重新拍照上传" || len(pr.Matters) == 0 || len(pr.Supplements) != 0 {
		t.Errorf("progress of the returned filing: %+v, %v", pr, err)
	}
}

// shoot keeps a picture of a test window, in the kiosk's theme, when
// YICHUANG_SCREENSHOTS names a directory (make screenshots).
func shoot(t *testing.T, w fyne.Window, name string) { shootAt(t, w, name, 1100, 640) }

// shootAt is shoot at a given window size.
func shootAt(t *testing.T, w fyne.Window, name string, width, height float32) {
	shot.Take(t, w, name, width, height)
}

// allText gathers the text of every label under o.
func allText(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			b.WriteString(x.Text + "\n")
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case *container.Scroll:
			walk(x.Content)
		}
	}
	walk(o)
	return b.String()
}
