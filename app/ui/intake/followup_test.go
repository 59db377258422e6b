package intake

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/assets"
)

// shows says whether a button with the text is on the screen.
func shows(o fyne.CanvasObject, text string) bool {
	found := false
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			found = found || x.Text == text
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return found
}

// TestFollowUpEntries: a supervisor lands on the count of bad ratings
// waiting and has 差评回访; a clerk has 我的评价 and no count.
func TestFollowUpEntries(t *testing.T) {
	busytest.NewApp(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	nav := Nav{Home: func() {}, Logout: func() {}, FollowUps: func() {}, OwnRatings: func() {},
		FollowUpBadge: func() string { return "差评待回访整改 2 条，其中 1 条已超期" }}
	for _, tc := range []struct {
		role               clerks.Role
		badge, follow, own bool
	}{
		{clerks.Supervisor, true, true, false},
		{clerks.Clerk, false, false, true},
	} {
		w := NewWorkspace(context.Background(), &fakeService{cat: cat}, clerks.Account{ID: 1, Name: "陈主管", Role: tc.role}, time.Now, nil, nav)
		test.NewTempWindow(t, w.Content())
		if got := w.FollowUpBadge != nil && w.FollowUpBadge.Text == "差评待回访整改 2 条，其中 1 条已超期"; got != tc.badge {
			t.Errorf("%s: got badge %v, want %v", tc.role, got, tc.badge)
		}
		if got := shows(w.Content(), "差评回访"); got != tc.follow {
			t.Errorf("%s: got 差评回访 %v, want %v", tc.role, got, tc.follow)
		}
		if got := shows(w.Content(), "我的评价"); got != tc.own {
			t.Errorf("%s: got 我的评价 %v, want %v", tc.role, got, tc.own)
		}
	}
	nav.FollowUpBadge = func() string { return "" }
	w := NewWorkspace(context.Background(), &fakeService{cat: cat}, clerks.Account{ID: 1, Name: "陈主管", Role: clerks.Supervisor}, time.Now, nil, nav)
	if w.FollowUpBadge != nil {
		t.Error("a badge with nothing waiting")
	}
}
