package services_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/queue"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/ui/selfservice"
	"github.com/yichuang/yichuang/app/ui/ticket"
)

// hub is the hall's queue as the booking screen sees it: one free slot.
type hub struct{ booked []queue.BookRequest }

func (h *hub) IssueTicket(context.Context, queue.TicketRequest) (queue.Slip, error) {
	return queue.Slip{}, nil
}
func (h *hub) CheckIn(context.Context, string, string) (queue.Slip, error) { return queue.Slip{}, nil }
func (h *hub) Book(_ context.Context, r queue.BookRequest) (queue.Booking, error) {
	h.booked = append(h.booked, r)
	return queue.Booking{Code: "1126B007", Sector: r.Sector, Day: r.Day, Half: r.Half}, nil
}
func (h *hub) FindBooking(_ context.Context, code, id string) (queue.Booking, error) {
	return queue.Booking{Code: "1126B007", Sector: "商事登记", Day: "2026-11-27", Half: queue.AM, ResidentID: id, Mobile: "13857201234", Status: queue.BookingActive}, nil
}
func (h *hub) CancelBooking(context.Context, string, string) (queue.Booking, error) {
	return queue.Booking{}, nil
}
func (h *hub) FreeSlots(context.Context, string) ([]queue.Slot, error) {
	return []queue.Slot{{Day: "2026-11-27", Half: queue.AM, Free: 20}}, nil
}
func (h *hub) PrintTicket(context.Context, queue.Slip) error     { return nil }
func (h *hub) PrintBooking(context.Context, queue.Booking) error { return nil }
func (h *hub) StaffCheck(context.Context, string, string) error  { return nil }
func (h *hub) Board(context.Context) (queue.Board, error)        { return queue.Board{}, nil }

// texts is every text in the widget tree under o — labels, entries (their
// value, typed or hidden), buttons, checkboxes, selections, canvas texts —
// and the name of every picture, hidden objects included.
func texts(o fyne.CanvasObject) []string {
	var out []string
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			out = append(out, texts(c)...)
		}
		return out
	case *widget.Label:
		out = append(out, x.Text)
	case *widget.Entry:
		out = append(out, x.Text)
	case *widget.Button:
		out = append(out, x.Text)
	case *widget.Check:
		if x.Checked {
			out = append(out, "☑"+x.Text)
		}
	case *widget.Select:
		out = append(out, x.Selected)
	case *canvas.Text:
		out = append(out, x.Text)
	case *canvas.Image:
		if x.Resource != nil {
			out = append(out, x.Resource.Name())
		}
	}
	if w, ok := o.(fyne.Widget); ok {
		for _, c := range test.WidgetRenderer(w).Objects() {
			out = append(out, texts(c)...)
		}
	}
	return out
}

// TestNoCitizenDataLeftBehind: after each terminal flow — self-filing with
// photos, the progress query, a booking, the guide — going home, and the
// idle wipe, leave no code, digit, name, timeline or photo of the last
// citizen anywhere in the terminal's pages or in the camera's drop folder.
func TestNoCitizenDataLeftBehind(t *testing.T) {
	test.NewTempApp(t)
	ctx := context.Background()
	h, svc, _, clk := halltest.At(t, time.Date(2026, 11, 26, 22, 15, 0, 0, halltest.CST))
	scans := filepath.Join(t.TempDir(), "scans-in")
	os.MkdirAll(scans, 0o700)
	hall := &hub{}
	var bk *ticket.Booker
	term := selfservice.New(ctx, &services.SelfService{DB: h.DB, Clock: clk}, selfservice.Options{After: noTimers{}.after, Now: clk.Now,
		Filing: &services.Filing{Counter: svc.Counter, ScanDir: scans},
		Booking: func(back func(), _ string) fyne.CanvasObject {
			bk = ticket.NewTouchBooker(ctx, hall, clk.Now, back)
			return bk.Content()
		}})
	w := test.NewTempWindow(t, term.Content())
	w.Resize(fyne.NewSize(1280, 800))

	secrets := []string{"张小红", "330522199003150024", "150024", "13857201234", "57201234", "IMG_0001.jpg", "IMG_0002.jpg", "IMG_0009.jpg", "●", "✓", "1126B007", "0024"}
	// clean fails if any page of the terminal — the one on screen and each
	// one a tile opens — or the drop folder holds something of the last
	// citizen.
	clean := func(when string) {
		t.Helper()
		look := func(page string) {
			for _, s := range texts(w.Content()) {
				for _, secret := range secrets {
					if s != "" && strings.Contains(s, secret) {
						t.Errorf("%s, %s shows %q (has %q)", when, page, s, secret)
					}
				}
			}
		}
		look("home")
		for _, tile := range []string{"guide", "progress", "filing", "booking"} {
			test.Tap(term.Tiles[tile])
			look(tile)
			term.Home()
		}
		if left, _ := os.ReadDir(scans); len(left) != 0 {
			t.Errorf("%s, the drop folder holds %v", when, left)
		}
	}
	// drop is the document camera writing a photo into its folder.
	drop := func(name string) {
		var b bytes.Buffer
		img := image.NewGray(image.Rect(0, 0, 8, 8))
		img.SetGray(1, 1, color.Gray{Y: uint8(len(name))}) // a different picture per name
		if err := jpeg.Encode(&b, img, nil); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(scans, name), b.Bytes(), 0o600)
	}

	// 自助申报 with a photo, left with 首页 after one more photo was shot.
	file := func() (string, string) {
		test.Tap(term.Tiles["filing"])
		f := term.Filing
		test.Tap(f.Matters["330000-SS-0001"])
		test.Type(f.Name, "张小红")
		test.Type(f.ID, "330522199003150024")
		test.Type(f.Mobile, "13857201234")
		for key, v := range map[string]string{"business_address": "洪桥镇洪桥路18号", "business_scope": "餐饮服务", "registered_capital": "5", "employees": "3"} {
			test.Type(f.Fields[key], v)
		}
		f.Choices["organization_form"].SetSelected("个人经营")
		f.Choices["delivery"].SetSelected("窗口领取")
		f.Materials["premises_proof"].SetSelected("告知承诺")
		f.Materials["family_members"].SetSelected("不适用")
		drop("IMG_0001.jpg")
		drop("IMG_0002.jpg")
		test.Tap(f.ScanBtn)
		halltest.Settle(t, term)
		if len(f.Photos) != 2 {
			t.Fatalf("photos: %d, %q", len(f.Photos), f.Message.Text)
		}
		f.Photos[0].Material.SetSelected("经营者居民身份证")
		f.Photos[1].Material.SetSelected("个体工商户登记（备案）申请书")
		test.Tap(f.SubmitBtn)
		halltest.Settle(t, term)
		if f.Result == nil {
			t.Fatalf("filing: %q", f.Message.Text)
		}
		return f.Result.Tracking, f.Result.QueryPIN
	}
	code, pin := file()
	secrets = append(secrets, code, tracking.Format(code), pin)
	drop("IMG_0009.jpg")
	term.Home()
	clean("after a filing and 首页")

	// 进度查询 with the code and the ID's last four: the timeline shows.
	query := func() {
		test.Tap(term.Tiles["progress"])
		p := term.Progress
		for _, r := range code {
			p.Keypad.Press(string(r))
		}
		for _, r := range pin {
			p.Keypad.Press(string(r))
		}
		test.Tap(p.Query)
		if !strings.Contains(p.Timeline.Text, "✓") && !strings.Contains(p.Timeline.Text, "●") {
			t.Fatalf("progress: %q %q", p.Message.Text, p.Timeline.Text)
		}
		p.Keypad.Press("1") // a digit typed for the next query
	}
	query()
	term.Home()
	clean("after 进度查询 and 首页")
	query()
	term.Wipe()
	clean("after 进度查询 and the idle wipe")

	// 预约 on the keypad, left with 完成, then again left to the idle wipe.
	book := func() {
		test.Tap(term.Tiles["booking"])
		bk.Sector.SetSelectedIndex(0)
		bk.Slot.SetSelectedIndex(0)
		for _, r := range "33052219900315002413857201234" {
			bk.Keypad.Press(string(r))
		}
		test.Tap(bk.Submit)
		halltest.Settle(t, bk)
		if len(hall.booked) == 0 || !strings.Contains(bk.Result.Text, "1126B007") {
			t.Fatalf("booking: %q %q", bk.Message.Text, bk.Result.Text)
		}
	}
	book()
	test.Tap(bk.Done)
	clean("after a booking and 完成")
	book()
	term.Wipe()
	clean("after a booking and the idle wipe")

	// 取消预约 on the keypad: the booking found and shown (masked), left
	// before confirming with 首页, then again left to the idle wipe.
	unbook := func() {
		test.Tap(term.Tiles["booking"])
		test.Tap(bk.OpenCancel)
		c := bk.Canceller
		for _, r := range "1126B007330522199003150024" {
			c.Keypad.Press(string(r))
		}
		test.Tap(c.Find)
		halltest.Settle(t, bk)
		if !c.Confirm.Visible() || !strings.Contains(c.Found.Text, "1126B007") {
			t.Fatalf("取消预约: %q %q", c.Message.Text, c.Found.Text)
		}
	}
	unbook()
	term.Home()
	clean("after 取消预约 and 首页")
	unbook()
	term.Wipe()
	clean("after 取消预约 and the idle wipe")

	// 办事指南: a search typed and a matter's page open.
	secrets = append(secrets, "gtgsh", "需要的材料")
	test.Tap(term.Tiles["guide"])
	for _, k := range []string{"g", "t", "g", "s", "h"} {
		term.Guide.Keyboard.Press(k)
	}
	if len(term.Guide.Results) == 0 {
		t.Fatal("gtgsh: no results")
	}
	test.Tap(term.Guide.Results[0])
	term.Home()
	clean("after the guide and 首页")

	// A filing left half-done to the idle wipe, with a photo not yet read.
	test.Tap(term.Tiles["filing"])
	test.Tap(term.Filing.Matters["330000-SS-0001"])
	test.Type(term.Filing.Name, "张小红")
	drop("IMG_0009.jpg")
	term.Wipe()
	clean("after a half-done filing and the idle wipe")
}
