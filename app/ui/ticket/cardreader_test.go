package ticket

import (
	"context"
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/idcard/sdt/sdttest"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/ui/cardread"
)

// TestBookingByCard: at the terminal the resident ID comes from the card
// (刷身份证), shown as dots, and the keypad moves on to the mobile; an
// expired card is refused; an unplugged reader and a card taken away
// mid-read are said.
func TestBookingByCard(t *testing.T) {
	busytest.NewApp(t)
	sim := sdttest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &fakeHall{byReq: map[string]queue.Slip{}}
	b := NewTouchBooker(ctx, f, time.Now, func() {}, WithCards(cardread.Start(ctx, sim.Reader(), 5*time.Millisecond)))
	test.NewTempWindow(t, b.Content())
	says := func(want string, within func() string) {
		t.Helper()
		busytest.Until(t, "the booking page to say "+want, func() bool { return strings.Contains(within(), want) })
	}
	line := func() string { return b.CardLine.Status.Text }
	says("可刷身份证", line)

	sim.Put(sdttest.ExpiredCard(), color.RGBA{})
	says("过期证件不能用于预约", func() string { return b.Message.Text })
	if b.ResidentID.Text != "" {
		t.Errorf("an expired card filled the ID: %q", b.ResidentID.Text)
	}
	sim.Set(sdttest.Removed)
	says("读卡时身份证被移开", line)
	sim.Set(sdttest.Gone)
	says("未找到身份证阅读器", line)

	card := sdttest.Card()
	sim.Put(card, color.RGBA{})
	busytest.Until(t, "the ID from the card", func() bool { return b.ResidentID.Text != "" })
	if b.ResidentID.Text != card.IDNumber || b.IDField.Text != strings.Repeat("●", 18) || b.active != b.Mobile || b.Message.Text != "" {
		t.Errorf("got ID %q shown as %q (mobile next: %v, message %q); want the card's number as dots and the mobile next",
			b.ResidentID.Text, b.IDField.Text, b.active == b.Mobile, b.Message.Text)
	}
	if strings.Contains(line(), card.IDNumber) {
		t.Errorf("the line shows the full number: %q", line())
	}
	b.Sector.SetSelected("商事登记")
	b.Slot.SetSelected(b.Slot.Options[0])
	for _, r := range "13857201234" {
		b.Keypad.Press(string(r))
	}
	test.Tap(b.Submit)
	settle(t, b)
	if len(f.booked) != 1 || f.booked[0].ResidentID != card.IDNumber {
		t.Fatalf("booked %+v, want the card's number", f.booked)
	}
	if line() != "" {
		t.Errorf("the card stays on the line after the booking: %q", line())
	}
}

// TestTicketByCard: at the ticket page the optional resident ID comes from
// the card, as dots, so the window can call the citizen's case up; an
// expired card is not taken, and the ticket is still issued without a
// number; the next citizen sees neither the number nor the card's line.
func TestTicketByCard(t *testing.T) {
	busytest.NewApp(t)
	sim := sdttest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &fakeHall{byReq: map[string]queue.Slip{}}
	s := New(ctx, f, time.Now, func() {}, WithCards(cardread.Start(ctx, sim.Reader(), 5*time.Millisecond)))
	test.NewTempWindow(t, s.Content())
	settle(t, s)
	line := func() string { return s.CardLine.Status.Text }
	busytest.Until(t, "the reader's line", func() bool { return strings.Contains(line(), "可刷身份证") })

	sim.Put(sdttest.ExpiredCard(), color.RGBA{})
	busytest.Until(t, "the expired card refused", func() bool { return strings.Contains(s.Message.Text, "过期证件不能用于取号登记") })
	if s.ResidentID.Text != "" {
		t.Errorf("an expired card filled the ID: %q", s.ResidentID.Text)
	}
	sim.Set(sdttest.Gone)
	busytest.Until(t, "the reader gone", func() bool { return strings.Contains(line(), "未找到身份证阅读器") })

	card := sdttest.Card()
	sim.Put(card, color.RGBA{})
	busytest.Until(t, "the ID from the card", func() bool { return s.ResidentID.Text != "" })
	if s.ResidentID.Text != card.IDNumber || !s.ResidentID.Password || s.Message.Text != "" || strings.Contains(line(), card.IDNumber) {
		t.Errorf("got ID %q (dots %v), message %q, line %q; want the card's number as dots and the line masked",
			s.ResidentID.Text, s.ResidentID.Password, s.Message.Text, line())
	}
	test.Tap(s.Sectors[0])
	settle(t, s)
	if req := f.lastReq[len(f.lastReq)-1]; req.ResidentID != card.IDNumber {
		t.Errorf("ticket request %+v, want the card's number", req)
	}
	if s.ResidentID.Text != "" || line() != "" {
		t.Errorf("after the ticket: ID %q, line %q; want both gone before the next citizen", s.ResidentID.Text, line())
	}
}
