package ticket

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/ui/keypad"
)

// press types a string on a pad, key by key, as a finger does.
func press(p *keypad.Pad, s string) {
	for _, r := range s {
		p.Press(string(r))
	}
}

// TestTouchCancelBooking: at the touch terminal a citizen cancels their own
// booking on the keypad — code (with its sector letter) and ID number; a
// wrong code is told in Chinese and cancels nothing; the right one shows
// the booking masked, and only 确认取消 cancels it; the place is offered
// again (余N个 goes up) and no full number stays on the screen.
func TestTouchCancelBooking(t *testing.T) {
	busytest.NewApp(t)
	f := &fakeHall{byReq: map[string]queue.Slip{}}
	b := NewTouchBooker(context.Background(), f, now, func() {})
	w := test.NewTempWindow(t, b.Content())
	w.Resize(fyne.NewSize(1280, 800))
	b.Sector.SetSelected("商事登记")
	b.Slot.SetSelected(b.Slot.Options[0])
	press(b.Keypad, "33052219900315002413857201234")
	test.Tap(b.Submit)
	settle(t, b)
	if len(f.booked) != 1 {
		t.Fatalf("booked %+v: %q", f.booked, b.Message.Text)
	}
	before := strings.Join(b.Slot.Options, "|")

	test.Tap(b.OpenCancel)
	c := b.Canceller
	if !shows(b.Content(), c.Find) {
		t.Fatal("取消预约 did not open the cancel page")
	}
	if _, ok := c.Keypad.Keys["B"]; !ok {
		t.Fatal("the keypad has no key for the sector letter B of a booking code")
	}
	// A wrong code: told, nothing cancelled, nothing to confirm.
	press(c.Keypad, "1010B002330522199003150024")
	test.Tap(c.Find)
	settle(t, b)
	if got := c.Message.Text; !strings.Contains(got, "没有找到预约码") {
		t.Errorf("wrong code: got message %q, want 没有找到预约码…", got)
	}
	if c.Confirm.Visible() || f.cancelled != 0 {
		t.Errorf("wrong code: got confirm shown %v, cancelled %d; want neither", c.Confirm.Visible(), f.cancelled)
	}
	// Correct the code: the ID typed stays.
	test.Tap(c.CodeField)
	c.Keypad.Press(keypad.Backspace)
	c.Keypad.Press("1")
	if c.Message.Text != "" {
		t.Errorf("the old error stays after the code changed: %q", c.Message.Text)
	}
	test.Tap(c.Find)
	settle(t, b)
	for _, want := range []string{"1010B001", "10月10日", "上午", "商事登记", "330522********0024", "138****1234"} {
		if !strings.Contains(c.Found.Text, want) {
			t.Errorf("found %q lacks %q", c.Found.Text, want)
		}
	}
	if !c.Confirm.Visible() || f.cancelled != 0 {
		t.Fatalf("before 确认取消: got confirm shown %v, cancelled %d; want shown, none", c.Confirm.Visible(), f.cancelled)
	}
	test.Tap(c.Confirm)
	settle(t, b)
	if f.cancelled != 1 || !strings.Contains(c.Result.Text, "已取消预约 1010B001") {
		t.Fatalf("confirm: got cancelled %d, result %q (message %q)", f.cancelled, c.Result.Text, c.Message.Text)
	}
	all := texts(b.Content())
	if len(all) < 10 {
		t.Fatalf("got %d texts on the page, want the whole page: the walk misses it", len(all))
	}
	for _, s := range append(all, c.code.Text, c.id.Text) {
		if strings.Contains(s, "199003150024") || strings.Contains(s, "57201234") {
			t.Errorf("a full number stays on the public screen: %q", s)
		}
	}
	if after := strings.Join(b.Slot.Options, "|"); after == before || !strings.Contains(after, "余3个") {
		t.Errorf("slots after the cancellation: got %q, want the freed place back (was %q)", after, before)
	}
}

// shows says whether o is in the visible tree under root.
func shows(root fyne.CanvasObject, o fyne.CanvasObject) bool {
	for _, x := range test.LaidOutObjects(root) {
		if x == o && x.Visible() {
			return true
		}
	}
	return false
}

// texts is every text in the visible tree under root: labels, buttons and
// the canvas texts they draw.
func texts(root fyne.CanvasObject) []string {
	var out []string
	for _, x := range test.LaidOutObjects(root) {
		switch v := x.(type) {
		case *widget.Label:
			out = append(out, v.Text)
		case *widget.Button:
			out = append(out, v.Text)
		case *canvas.Text:
			out = append(out, v.Text)
		}
	}
	return out
}
