package services_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/counter"
	"github.com/yichuang/yichuang/app/hall"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/ui/intake"
	"github.com/yichuang/yichuang/app/ui/ticket"
	"github.com/yichuang/yichuang/printing/escpos"
	"github.com/yichuang/yichuang/printing/escpos/escpostest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// TestThermalPrinterAtTheCounter sets a hall up with an ESC/POS printer on
// TCP 9100 (a simulated one) the way 设置 does, then accepts a case while
// the printer answers "paper out": the case is saved, the clerk's result
// screen says the printer is out of paper, nothing is sent to the printer,
// and the status report the next sync round sends names paper-out. With a
// new roll the reprint prints: the receipt decoded from the printer's
// bytes carries the case's tracking code in its QR, and the report says ok.
func TestThermalPrinterAtTheCounter(t *testing.T) {
	busytest.NewApp(t)
	ctx := context.Background()
	sim, err := escpostest.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	h, _, sup, clk := halltest.At(t, time.Date(2026, 11, 26, 10, 30, 0, 0, halltest.CST))

	// 设置: the printer's address in the printer field, on roll paper.
	setup := services.Setup{DB: h.DB}
	cfg, _, err := h.DB.Kiosk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		printer, paper string
		want           error
	}{
		{"escpos://" + sim.Addr(), servicepoint.PaperA4, services.ErrThermalPaper},
		{"escpos:COM3", servicepoint.PaperRoll80, services.ErrThermalAddress},
		{"escpos://" + sim.Addr(), servicepoint.PaperRoll80, nil},
	} {
		k := cfg
		k.PrinterQueue, k.Paper = tc.printer, tc.paper
		if _, err := setup.ConfigureKiosk(ctx, k); !errors.Is(err, tc.want) {
			t.Errorf("configure %s on %s: got %v, want %v", tc.printer, tc.paper, err, tc.want)
		}
	}
	svc := h.Intake(t) // wired from the saved setting, as the kiosk does
	clerk := h.Account(t, sup, clerks.Account{Login: "wangli", Name: "王丽", Role: clerks.Clerk, Window: 3}, "wl258147")

	sim.Set(escpos.Status{PaperOut: true, Offline: true})
	s := intake.New(ctx, svc, clerk, clk.Now, nil)
	test.NewTempWindow(t, s.Content())
	test.Type(s.Query, "gtgsh")
	if err := s.Choose("330000-SS-0001"); err != nil {
		t.Fatal(err)
	}
	test.Type(s.ApplicantName, "张小红")
	test.Type(s.ApplicantID, "330522199003150024")
	test.Type(s.Mobile, "13857201234")
	for key, v := range map[string]string{"business_address": "洪桥镇洪桥路18号", "business_scope": "餐饮服务", "registered_capital": "5", "employees": "3"} {
		test.Type(s.FieldEntries[key], v)
	}
	s.FieldChoices["organization_form"].SetSelected("个人经营")
	s.FieldChoices["delivery"].SetSelected("窗口领取")
	test.Tap(s.QuickFill)
	test.Tap(s.Accept)
	halltest.Settle(t, s)
	if s.Result == nil {
		t.Fatalf("no result: %q", s.Message.Text)
	}
	cs := s.Result.Case
	paperOut := counter.ErrPrintPaperOut.Error()
	for i, st := range s.Result.Statuses {
		if !strings.Contains(st.Text, paperOut) {
			t.Errorf("%s: got status %q, want it to say %q", s.Result.Papers[i].Title, st.Text, paperOut)
		}
	}
	if pages, err := escpostest.Decode(sim.Bytes()); err != nil || len(pages) != 0 {
		t.Errorf("an empty printer was sent %d slips (%v), want none", len(pages), err)
	}
	rep, err := h.DB.DeviceStatus(ctx, "test", "")
	if err != nil || rep.Printer.State != "error" || rep.Printer.Problem != protocol.PrinterPaperOut || !strings.HasPrefix(rep.Printer.Queue, "escpos://") {
		t.Errorf("status report: got %+v, %v; want the thermal printer in error, paper-out", rep.Printer, err)
	}

	// A new roll; the clerk reprints the receipt.
	sim.Set(escpos.Status{})
	clk.Advance(time.Minute)
	test.Tap(s.Result.Reprints[0])
	halltest.Settle(t, s)
	if got := s.Result.Statuses[0].Text; strings.Contains(got, paperOut) {
		t.Errorf("after the reprint: got %q, want it sent", got)
	}
	qr, err := escpostest.SlipQR(sim.Bytes(), t.TempDir(), "receipt.png")
	if err != nil {
		t.Fatalf("after the reprint: %v", err)
	}
	if qr != cs.Tracking {
		t.Errorf("receipt QR: got %q, want the case's tracking code %q", qr, cs.Tracking)
	}
	if rep, _ = h.DB.DeviceStatus(ctx, "test", ""); rep.Printer.State != "ok" {
		t.Errorf("status report after the reprint: got %+v, want ok", rep.Printer)
	}
}

// TestThermalTicketMachine: the ticket machine's slip goes to a thermal
// printer; out of paper, the citizen still gets a number and the screen
// says why the slip did not come (for the staff member fetched), and the
// status report carries paper-out. With paper, the slip printed is read
// back from the printer's bytes: its QR holds the ticket.
func TestThermalTicketMachine(t *testing.T) {
	busytest.NewApp(t)
	ctx := context.Background()
	sim, err := escpostest.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	h, _, _, clk := halltest.At(t, time.Date(2026, 11, 26, 10, 30, 0, 0, halltest.CST))
	addr := "escpos://" + sim.Addr()
	tickets := &services.Tickets{Service: hall.NewLocal(h.DB, clk, "公告"), DB: h.DB, Printer: services.Printer(h.DB, addr), Point: "洪桥镇便民服务中心"}

	sim.Set(escpos.Status{PaperOut: true, Offline: true})
	s := ticket.New(ctx, tickets, clk.Now, nil)
	test.NewTempWindow(t, s.Content())
	busytest.Settle(t, s)
	test.Tap(s.Sectors[1])
	busytest.Settle(t, s)
	if s.Number.Text == "" || !strings.Contains(s.Detail.Text, counter.ErrPrintPaperOut.Error()) {
		t.Errorf("out of paper: got number %q, detail %q; want a number and %q", s.Number.Text, s.Detail.Text, counter.ErrPrintPaperOut.Error())
	}
	rep, err := h.DB.DeviceStatus(ctx, "test", "")
	if err != nil || rep.Printer.Problem != protocol.PrinterPaperOut || rep.Printer.Queue != addr {
		t.Errorf("status report: got %+v, %v; want paper-out of %s", rep.Printer, err, addr)
	}
	first := s.Number.Text

	sim.Set(escpos.Status{})
	clk.Advance(time.Minute)
	test.Tap(s.Done)
	busytest.Settle(t, s)
	test.Tap(s.Sectors[1])
	busytest.Settle(t, s)
	qr, err := escpostest.SlipQR(sim.Bytes(), t.TempDir(), "ticket.png")
	if err != nil {
		t.Fatalf("with paper: %v", err)
	}
	if !strings.HasPrefix(qr, s.Number.Text+"-") || s.Number.Text == first {
		t.Errorf("slip QR: got %q, want the second ticket %q (the first was %q)", qr, s.Number.Text, first)
	}
	if rep, _ = h.DB.DeviceStatus(ctx, "test", ""); rep.Printer.State != "ok" {
		t.Errorf("status report with paper: got %+v, want ok", rep.Printer)
	}
}
