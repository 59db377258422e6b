package agent

import (
	"context"
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/idcard/sdt/sdttest"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/ui/cardread"
	"github.com/yichuang/yichuang/assets"
)

// TestDeliveryByCard: at the resident's door the agent's reader fills the
// collector from the card, the number as dots; a neighbour's card and the
// resident's expired card are said in red, the resident's own in green;
// the delivery then records the card's number. Leaving the form lets go
// of the reader.
func TestDeliveryByCard(t *testing.T) {
	busytest.NewApp(t)
	cat, err := catalog.Parse(assets.DemoCatalog())
	if err != nil {
		t.Fatal(err)
	}
	resident := sdttest.Card()
	f := &slowDisk{cat: cat, release: make(chan struct{}), cs: cases.Case{ID: "case-1", Tracking: "47U8BPC821Y100HJ", Status: cases.StatusCompleted,
		Draft: cases.Draft{Matters: []string{"330000-SS-0001"}, Applicant: cases.Applicant{Kind: cases.Individual, Name: resident.Name, IDNumber: resident.IDNumber}}}}
	f.free()
	sim := sdttest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := New(ctx, f, clerks.Account{ID: 7, Name: "李网格", Role: clerks.Agent}, time.Now, nil)
	s.Cards = cardread.Start(ctx, sim.Reader(), 5*time.Millisecond)
	test.NewTempWindow(t, s.Content())
	test.Tap(s.DeliverBtns["47U8BPC821Y100HJ"])
	d := s.Delivery
	busytest.Until(t, "the reader's state", func() bool { return strings.Contains(d.CardLine.Status.Text, "可刷身份证") })

	neighbour := sdttest.Card()
	neighbour.Name, neighbour.IDNumber = "李四", "11010519491231002X"
	for _, tc := range []struct {
		name string
		card func()
		want string
		imp  widget.Importance
	}{
		{"neighbour", func() { sim.Put(neighbour, color.RGBA{}) }, "都不一致", widget.DangerImportance},
		{"expired", func() { sim.Put(sdttest.ExpiredCard(), color.RGBA{}) }, "领取人证件已过期", widget.DangerImportance},
		{"resident", func() { sim.Put(resident, color.RGBA{}) }, "领取人是申请人本人", widget.SuccessImportance},
	} {
		sim.Set(sdttest.NoCard)
		busytest.Until(t, "no card", func() bool { return strings.Contains(d.CardLine.Status.Text, "可刷身份证") })
		tc.card()
		busytest.Until(t, tc.name+"'s check", func() bool { return strings.Contains(d.Message.Text, tc.want) && d.Message.Importance == tc.imp })
		if d.Message.Importance != tc.imp || !d.ID.Password {
			t.Errorf("%s: %q is %v (number as dots %v), want %v and dots", tc.name, d.Message.Text, d.Message.Importance, d.ID.Password, tc.imp)
		}
	}
	s.SetReceiptPhoto([]byte("%PDF-1.4 签收回执"), "签收.pdf")
	test.Tap(d.ConfirmBtn)
	busytest.Settle(t, s)
	if f.cs.Status != cases.StatusDelivered || s.Delivery != nil {
		t.Fatalf("got status %s (form open %v), want delivered", f.cs.Status, s.Delivery != nil)
	}
	sim.Set(sdttest.Gone)
	deadline := time.Now().Add(200 * time.Millisecond)
	busytest.Until(t, "a few polls", func() bool { return time.Now().After(deadline) })
	if strings.Contains(d.CardLine.Status.Text, "未找到") {
		t.Error("the closed form still takes the reader's events")
	}
}
