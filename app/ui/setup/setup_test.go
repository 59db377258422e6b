package setup

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
)

type fakeConfigurer struct {
	got     []servicepoint.Kiosk
	err     error
	pairs   []string // addr|code
	pairErr error
	paired  bool
}

func (f *fakeConfigurer) Pair(_ context.Context, addr, code string) error {
	f.pairs = append(f.pairs, addr+"|"+code)
	if f.pairErr != nil {
		return f.pairErr
	}
	f.paired = true
	return nil
}

func (f *fakeConfigurer) Paired(context.Context) bool { return f.paired }

func (f *fakeConfigurer) ConfigureKiosk(_ context.Context, k servicepoint.Kiosk) (servicepoint.Kiosk, error) {
	f.got = append(f.got, k)
	if f.err != nil {
		return k, f.err
	}
	return k.Normalize()
}

func TestSetupValidatesAsTypedAndSaves(t *testing.T) {
	test.NewTempApp(t)
	c := &fakeConfigurer{}
	var done *servicepoint.Kiosk
	s := New(context.Background(), c, servicepoint.Kiosk{}, func(k servicepoint.Kiosk) { done = &k })
	test.NewTempWindow(t, s.Content())

	test.Type(s.Code, "3305221012")
	if err := s.Code.Validate(); err == nil || err.Error() != servicepoint.ErrCodeFormat.Key {
		t.Errorf("10-digit code: validation = %v, want %q", err, servicepoint.ErrCodeFormat.Key)
	}
	test.Type(s.Code, "01")
	if err := s.Code.Validate(); err == nil || err.Error() != servicepoint.ErrCodeTownship.Key {
		t.Errorf("village code with township level: validation = %v, want %q", err, servicepoint.ErrCodeTownship.Key)
	}
	s.Level.SetSelected("村（社区）便民服务站")
	if err := s.Code.Validate(); err != nil {
		t.Errorf("village code with village level: validation = %v, want nil", err)
	}

	test.Tap(s.Submit) // name still empty
	if len(c.got) != 0 || done != nil {
		t.Fatal("submitted with an empty name")
	}
	if s.Message.Text != "请先改正标红的项目" {
		t.Errorf("message = %q", s.Message.Text)
	}

	test.Type(s.Name, " 洪桥村便民服务站 ")
	s.Device.SetText("36")
	test.Tap(s.Submit)
	if done != nil || len(c.got) != 0 {
		t.Fatal("saved with device number 36")
	}
	s.Device.SetText("2")
	s.Paper.SetSelected("80毫米热敏卷纸")
	test.Type(s.Printer, "Counter2")
	test.Tap(s.Submit)
	if done == nil {
		t.Fatalf("not saved; message %q", s.Message.Text)
	}
	want := servicepoint.Kiosk{Point: servicepoint.ServicePoint{Code: "330522101201", Name: "洪桥村便民服务站", Level: catalog.Village},
		Device: 2, PrinterQueue: "Counter2", Paper: servicepoint.PaperRoll80, QueueRole: servicepoint.QueueLocal}
	if *done != want {
		t.Errorf("saved %+v, want %+v", *done, want)
	}
}

func TestSetupKeepsInputWhenSavingFails(t *testing.T) {
	test.NewTempApp(t)
	c := &fakeConfigurer{err: errors.New("database is locked")}
	s := New(context.Background(), c, servicepoint.Kiosk{}, func(servicepoint.Kiosk) { t.Error("done called after a failed save") })
	test.NewTempWindow(t, s.Content())
	test.Type(s.Code, "330522101000")
	test.Type(s.Name, "洪桥镇便民服务中心")
	test.Tap(s.Submit)
	if len(c.got) != 1 {
		t.Fatalf("configure called %d times, want 1", len(c.got))
	}
	if s.Message.Text == "" || s.Message.Text == "database is locked" {
		t.Errorf("message = %q, want a sentence for the clerk, not the Go error", s.Message.Text)
	}
	if s.Code.Text != "330522101000" || s.Name.Text != "洪桥镇便民服务中心" {
		t.Errorf("input lost after failure: %q, %q", s.Code.Text, s.Name.Text)
	}
}

func TestSetupIsPrefilled(t *testing.T) {
	test.NewTempApp(t)
	cur := servicepoint.Kiosk{Point: servicepoint.ServicePoint{Code: "330522101000", Name: "洪桥镇便民服务中心", Level: catalog.Township},
		Device: 4, PrinterQueue: "HP", Paper: servicepoint.PaperRoll80}
	s := New(context.Background(), &fakeConfigurer{}, cur, func(servicepoint.Kiosk) {})
	if s.Code.Text != cur.Point.Code || s.Name.Text != cur.Point.Name || s.Device.Text != "4" || s.Printer.Text != "HP" || s.Paper.Selected != "80毫米热敏卷纸" {
		t.Errorf("prefilled: %q %q %q %q %q", s.Code.Text, s.Name.Text, s.Device.Text, s.Printer.Text, s.Paper.Selected)
	}
}

func TestSetupQueueRoles(t *testing.T) {
	busytest.NewApp(t)
	c := &fakeConfigurer{}
	var done *servicepoint.Kiosk
	s := New(context.Background(), c, servicepoint.Kiosk{}, func(k servicepoint.Kiosk) { done = &k })
	test.NewTempWindow(t, s.Content())
	test.Type(s.Code, "330522101000")
	test.Type(s.Name, "洪桥镇便民服务中心")
	s.Queue.SetSelected("连接大厅主机")
	test.Tap(s.Submit)
	if done != nil || s.Message.Text != servicepoint.ErrHub.Key {
		t.Fatalf("no hub address: %q", s.Message.Text)
	}
	test.Type(s.Hub, "192.168.1.10")
	test.Tap(s.Submit)
	busytest.Settle(t, s)
	if done != nil || len(c.pairs) != 0 || s.Message.Text == "" {
		t.Fatalf("no pairing code yet: done %+v, pairs %v, message %q", done, c.pairs, s.Message.Text)
	}
	// The hub refuses the code: the form keeps what was typed.
	c.pairErr = errors.New("配对码不对或已过期，请在大厅主机上重新生成配对码")
	test.Type(s.PairCode, "7Q3M-X2KA-9PDB-C4TE-RW1H")
	test.Tap(s.Submit)
	busytest.Settle(t, s)
	if done != nil || s.PairCode.Text == "" || s.Hub.Text != "192.168.1.10" {
		t.Fatalf("after a refused pairing: done %+v, code %q, hub %q", done, s.PairCode.Text, s.Hub.Text)
	}
	c.pairErr = nil
	test.Tap(s.Submit)
	busytest.Settle(t, s)
	if done == nil || done.QueueRole != servicepoint.QueueClient || done.HubAddr != "192.168.1.10:8730" {
		t.Fatalf("client config: %+v (%q)", done, s.Message.Text)
	}
	if got := c.pairs[len(c.pairs)-1]; got != "192.168.1.10:8730|7Q3M-X2KA-9PDB-C4TE-RW1H" {
		t.Errorf("paired with %q", got)
	}
	// Saved again later (a new printer): no code needed, no pairing again.
	done = nil
	n := len(c.pairs)
	s2 := New(context.Background(), c, *c.gotLast(), func(k servicepoint.Kiosk) { done = &k })
	test.Tap(s2.Submit)
	if done == nil || len(c.pairs) != n {
		t.Errorf("re-saving a paired machine: done %+v, pairings %d → %d", done, n, len(c.pairs))
	}
}

func (f *fakeConfigurer) gotLast() *servicepoint.Kiosk {
	k, _ := f.got[len(f.got)-1].Normalize()
	return &k
}

// TestRenumberingAPairedMachineNeedsACode: the hub knows each machine by
// its number, so a paired machine does not save a new one without pairing
// again.
func TestRenumberingAPairedMachineNeedsACode(t *testing.T) {
	busytest.NewApp(t)
	c := &fakeConfigurer{paired: true}
	cur := servicepoint.Kiosk{Point: servicepoint.ServicePoint{Code: "330522101000", Name: "洪桥镇便民服务中心", Level: catalog.Township},
		Device: 2, QueueRole: servicepoint.QueueClient, HubAddr: "192.168.1.10:8730"}
	var done *servicepoint.Kiosk
	s := New(context.Background(), c, cur, func(k servicepoint.Kiosk) { done = &k })
	test.NewTempWindow(t, s.Content())
	s.Device.SetText("5")
	test.Tap(s.Submit)
	if done != nil || len(c.got) != 0 || !strings.Contains(s.Message.Text, "重新配对") {
		t.Fatalf("renumbered without a code: done %+v, saved %d, message %q", done, len(c.got), s.Message.Text)
	}
	test.Type(s.PairCode, "7Q3M-X2KA-9PDB-C4TE-RW1H")
	test.Tap(s.Submit)
	busytest.Settle(t, s)
	if done == nil || done.Device != 5 || len(c.pairs) != 1 {
		t.Errorf("with a code: done %+v, pairings %v", done, c.pairs)
	}
}

// TestSetupCancelAndEscLeaveUnsaved: opened from the counter, 设置 has a
// 取消, and Esc does the same; neither saves what was typed. On first
// start (no OnCancel) there is nothing to go back to and Esc does nothing.
func TestSetupCancelAndEscLeaveUnsaved(t *testing.T) {
	current := servicepoint.Kiosk{Point: servicepoint.ServicePoint{Code: "330522101000", Name: "洪桥镇便民服务中心", Level: catalog.Township}, Device: 1}
	for _, tc := range []struct {
		name  string
		leave func(s *Screen)
	}{
		{"取消", func(s *Screen) { test.Tap(s.Cancel) }},
		{"Esc", func(s *Screen) { s.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			test.NewTempApp(t)
			c := &fakeConfigurer{}
			saved, left := 0, 0
			s := New(context.Background(), c, current, func(servicepoint.Kiosk) { saved++ })
			s.OnCancel(func() { left++ })
			test.NewTempWindow(t, s.Content())
			if !s.Cancel.Visible() {
				t.Fatal("no 取消 on the settings screen")
			}
			s.Name.SetText("改过的名字")
			tc.leave(s)
			tc.leave(s) // a second press does not leave twice
			if left != 1 || saved != 0 || len(c.got) != 0 {
				t.Errorf("got left %d, saved %d, configured %v; want left 1, nothing saved", left, saved, c.got)
			}
		})
	}
	t.Run("first start", func(t *testing.T) {
		test.NewTempApp(t)
		s := New(context.Background(), &fakeConfigurer{}, servicepoint.Kiosk{}, func(servicepoint.Kiosk) {})
		test.NewTempWindow(t, s.Content())
		s.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		if s.Cancel.Visible() || s.left {
			t.Errorf("first start: 取消 shown %v, left %v; want neither", s.Cancel.Visible(), s.left)
		}
	})
}

// TestSetupEscFromAFieldLeaves: the window gets a key only when nothing
// has the focus, so Esc pressed while a text field has the cursor must be
// handed up by the field itself — from every field, the printer picker
// too — and, on first start, still leave nothing and keep the key's
// other work (the typed text stays).
func TestSetupEscFromAFieldLeaves(t *testing.T) {
	current := servicepoint.Kiosk{Point: servicepoint.ServicePoint{Code: "330522101000", Name: "洪桥镇便民服务中心", Level: catalog.Township},
		Device: 1, QueueRole: servicepoint.QueueClient, HubAddr: "192.168.1.10:8730"}
	fields := []struct {
		name  string
		field func(s *Screen) fyne.Focusable
	}{
		{"区划代码", func(s *Screen) fyne.Focusable { return s.Code }},
		{"服务点名称", func(s *Screen) fyne.Focusable { return s.Name }},
		{"本机编号", func(s *Screen) fyne.Focusable { return s.Device }},
		{"打印机", func(s *Screen) fyne.Focusable { return s.Printer }},
		{"主机地址", func(s *Screen) fyne.Focusable { return s.Hub }},
		{"配对码", func(s *Screen) fyne.Focusable { return s.PairCode }},
	}
	for _, tc := range fields {
		t.Run(tc.name, func(t *testing.T) {
			test.NewTempApp(t)
			c := &fakeConfigurer{}
			saved, left := 0, 0
			s := New(context.Background(), c, current, func(servicepoint.Kiosk) { saved++ })
			s.OnCancel(func() { left++ })
			w := test.NewTempWindow(t, s.Content())
			w.Canvas().Focus(tc.field(s))
			test.Type(tc.field(s), "9")
			focused := w.Canvas().Focused()
			if focused == nil {
				t.Fatal("the field did not take the focus")
			}
			// As the driver does: a key goes to the focused widget only.
			focused.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
			if left != 1 || saved != 0 || len(c.got) != 0 {
				t.Errorf("got left %d, saved %d, configured %v; want left 1, nothing saved", left, saved, c.got)
			}
		})
	}
	t.Run("first start", func(t *testing.T) {
		test.NewTempApp(t)
		s := New(context.Background(), &fakeConfigurer{}, servicepoint.Kiosk{}, func(servicepoint.Kiosk) {})
		w := test.NewTempWindow(t, s.Content())
		w.Canvas().Focus(s.Name)
		test.Type(s.Name, "洪桥")
		w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		if s.left || s.Name.Text != "洪桥" {
			t.Errorf("first start: got left %v, name %q; want not left, %q", s.left, s.Name.Text, "洪桥")
		}
		// Other keys still reach the field.
		w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
		if got, want := s.Name.Text, "洪"; got != want {
			t.Errorf("backspace: got %q, want %q", got, want)
		}
	})
}

// TestSetupEscFromAnyFocusLeaves: the window gets a key only when nothing
// has the focus, so every part of the screen that can take the focus — a
// radio option tapped by the user as much as a text field — must hand Esc
// up. The test walks the whole widget tree rather than a list of fields,
// so a focusable widget added later without Esc fails here.
func TestSetupEscFromAnyFocusLeaves(t *testing.T) {
	current := servicepoint.Kiosk{Point: servicepoint.ServicePoint{Code: "330522101000", Name: "洪桥镇便民服务中心", Level: catalog.Township},
		Device: 1, QueueRole: servicepoint.QueueClient, HubAddr: "192.168.1.10:8730"}
	test.NewTempApp(t)
	probe := New(context.Background(), &fakeConfigurer{}, current, func(servicepoint.Kiosk) {})
	test.NewTempWindow(t, probe.Content())
	count := 0
	for _, o := range test.LaidOutObjects(probe.Content()) {
		if _, ok := o.(fyne.Focusable); ok && o.Visible() {
			count++
		}
	}
	if count < 9 { // six text fields and at least one option per radio group
		t.Fatalf("got %d focusable objects, want at least 9: the walk does not reach the form", count)
	}
	for i := 0; i < count; i++ {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			test.NewTempApp(t)
			saved, left := 0, 0
			s := New(context.Background(), &fakeConfigurer{}, current, func(servicepoint.Kiosk) { saved++ })
			s.OnCancel(func() { left++ })
			w := test.NewTempWindow(t, s.Content())
			var target fyne.Focusable
			n := 0
			for _, o := range test.LaidOutObjects(s.Content()) {
				if f, ok := o.(fyne.Focusable); ok && o.Visible() {
					if n == i {
						target = f
					}
					n++
				}
			}
			// As the user does: a tap (which is how a radio option takes the
			// focus), or the Tab key's focus for what is not tappable.
			if tp, ok := target.(fyne.Tappable); ok {
				test.Tap(tp)
			}
			if w.Canvas().Focused() == nil {
				w.Canvas().Focus(target)
			}
			focused := w.Canvas().Focused()
			if focused == nil {
				t.Fatalf("%T did not take the focus", target)
			}
			// As the driver does: a key goes to the focused widget only, or
			// to the window when none has it. A tap that opened a menu (the
			// printer list) has put the focus in it: the first Esc closes
			// the menu, as everywhere, and the next one leaves.
			press := func() {
				if f := w.Canvas().Focused(); f != nil {
					f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
				} else {
					s.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
				}
			}
			press()
			if left == 0 && w.Canvas().Overlays().Top() != nil {
				t.Errorf("Esc with %T focused: the menu is still open", focused)
			}
			if _, menu := focused.(*widget.PopUpMenu); menu && left == 0 {
				press()
			}
			if left != 1 || saved != 0 {
				t.Errorf("Esc with %T focused: got left %d, saved %d; want left 1, nothing saved", focused, left, saved)
			}
		})
	}
}
