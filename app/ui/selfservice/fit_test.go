package selfservice

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestElderlyPagesFit: in 长辈模式 (1.5× text) at 1280×800 every terminal
// page asks for no more than the screen — a page that asks for more grows
// the window past it, and its bottom row (下一页, 工作人员退出) is lost —
// and the guide pages as many results as fit, with 下一页 on screen.
func TestElderlyPagesFit(t *testing.T) {
	screen := fyne.NewSize(1280, 800)
	_, f, _ := newTerminal(t)
	j := newJammed(t)
	term := New(context.Background(), f, Options{After: (&timers{}).after, Filing: j,
		SetElderly: func(on bool) {
			if on {
				fyne.CurrentApp().Settings().SetTheme(ElderlyTheme())
			}
		},
		Ticket:  func(func(), string) fyne.CanvasObject { return widget.NewLabel("取号") },
		Booking: func(func(), string) fyne.CanvasObject { return widget.NewLabel("预约") }})
	w := test.NewTempWindow(t, term.Content())
	w.Resize(screen)
	term.SetElderly(true)
	onScreen := func(what string, o fyne.CanvasObject) {
		t.Helper()
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
		if !o.Visible() || pos.X < 0 || pos.Y < 0 || pos.X+o.Size().Width > screen.Width || pos.Y+o.Size().Height > screen.Height {
			t.Errorf("%s is off the screen: at %v, size %v, visible %v", what, pos, o.Size(), o.Visible())
		}
	}
	fits := func(page string) {
		t.Helper()
		term.Content().Refresh()
		if got := term.Content().MinSize(); got.Width > screen.Width || got.Height > screen.Height {
			t.Errorf("%s in 长辈模式 needs %v, more than the screen %v", page, got, screen)
		}
	}
	fits("home")
	onScreen("工作人员退出", term.exit)
	test.Tap(term.Tiles["guide"])
	fits("guide")
	g := term.Guide
	test.Tap(g.Sectors[0]) // 不动产登记
	fits("guide: 不动产登记")
	if len(g.Results) == 0 || len(g.Results) >= len(g.Hits()) || g.Next.Disabled() {
		t.Fatalf("不动产登记: %d of %d results on the page, 下一页 disabled %v", len(g.Results), len(g.Hits()), g.Next.Disabled())
	}
	onScreen("下一页", g.Next)
	onScreen("the last result", g.Results[len(g.Results)-1])
	test.Tap(g.Next)
	onScreen("上一页", g.Prev)
	test.Tap(g.Results[0])
	fits("guide: matter page")
	term.Home()
	fits("home after the guide")
	onScreen("工作人员退出 after the guide", term.exit)
	for _, tile := range []string{"progress", "ticket", "booking", "filing"} {
		test.Tap(term.Tiles[tile])
		fits(tile)
		term.Home()
	}
}
