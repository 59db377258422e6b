package setup

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/servicepoint"
)

// mark is the validation icon an entry shows: "ok" (the green ✓), "error"
// (the red mark) or "" (none).
func mark(e fyne.Widget) string {
	var found string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *canvas.Image:
			if x.Visible() && x.Resource != nil {
				if strings.Contains(x.Resource.Name(), "error") {
					found = "error"
				} else if found == "" {
					found = "ok"
				}
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	for _, o := range test.WidgetRenderer(e).Objects() {
		walk(o)
	}
	return found
}

// TestSetupMarksWhatItRefuses: a division code outside the national ranges
// never shows the green ✓, not even while typed; 保存 with fields never
// touched marks each failing one red whenever the summary asks to correct
// what is marked.
func TestSetupMarksWhatItRefuses(t *testing.T) {
	test.NewTempApp(t)
	s := New(context.Background(), &fakeConfigurer{}, servicepoint.Kiosk{}, func(servicepoint.Kiosk) {})
	w := test.NewTempWindow(t, s.Content())
	w.Resize(fyne.NewSize(1280, 800))

	w.Canvas().Focus(s.Code)
	test.Type(s.Code, "999999101000") // no province 99
	if got := mark(s.Code); got == "ok" {
		t.Errorf("a code outside the ranges, while typed: got mark %q, want no ✓", got)
	}
	s.Code.SetText("")
	w.Canvas().Focus(nil)

	s.Device.SetText("")
	test.Tap(s.Submit)
	if s.Message.Text != "请先改正标红的项目" {
		t.Fatalf("message %q", s.Message.Text)
	}
	for name, e := range map[string]fyne.Widget{"区划代码": s.Code, "服务点名称": s.Name, "本机编号": s.Device} {
		if got := mark(e); got != "error" {
			t.Errorf("%s: got mark %q, want the red mark", name, got)
		}
	}
}
