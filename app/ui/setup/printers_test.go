package setup

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
)

// printerConfigurer is a Configurer whose system has printers.
type printerConfigurer struct {
	fakeConfigurer
	list    []Printer
	printed []string // queues a test page went to
}

func (p *printerConfigurer) Printers(context.Context) ([]Printer, error) { return p.list, nil }
func (p *printerConfigurer) TestPage(_ context.Context, queue, paper string) error {
	p.printed = append(p.printed, queue+"/"+paper)
	return nil
}

// Thermal takes the kiosk's address form of a thermal printer.
func (p *printerConfigurer) Thermal(setting string) bool {
	return strings.HasPrefix(setting, "escpos:")
}

func TestPrinterPickerListsWarnsAndPrintsATestPage(t *testing.T) {
	busytest.NewApp(t)
	c := &printerConfigurer{list: []Printer{{Name: "Counter3", Ready: true}, {Name: "Roll80", Ready: false}}}
	var saved *servicepoint.Kiosk
	s := New(context.Background(), c, servicepoint.Kiosk{}, func(k servicepoint.Kiosk) { saved = &k })
	test.NewTempWindow(t, s.Content())
	busytest.Settle(t, s)
	if got := len(s.PrinterOptions); got != 2 {
		t.Fatalf("picker offers %d printers, want 2", got)
	}
	if got, want := s.PrinterNote.Text, "系统没有默认打印机：请从列表中选择一台，否则无法打印"; got != want {
		t.Errorf("note with no default and none chosen %q, want %q", got, want)
	}
	s.Printer.SetText("Roll80")
	if got, want := s.PrinterNote.Text, "这台打印机已暂停或离线"; got != want {
		t.Errorf("note for a paused printer %q, want %q", got, want)
	}
	s.Printer.SetText("Counter3")
	if s.PrinterNote.Text != "" {
		t.Errorf("note with a printer chosen %q, want none", s.PrinterNote.Text)
	}
	test.Tap(s.TestPage)
	busytest.Settle(t, s)
	if len(c.printed) != 1 || c.printed[0] != "Counter3/"+servicepoint.PaperA4 {
		t.Errorf("test pages %v, want one to Counter3 on A4", c.printed)
	}
	s.Code.SetText("330522101000")
	s.Name.SetText("洪桥镇便民服务中心")
	test.Tap(s.Submit)
	busytest.Settle(t, s)
	if saved == nil || saved.PrinterQueue != "Counter3" {
		t.Errorf("saved %+v, want printer Counter3", saved)
	}
}

func TestDefaultPrinterIsMarkedAndNotWarned(t *testing.T) {
	busytest.NewApp(t)
	c := &printerConfigurer{list: []Printer{{Name: "Counter3", Default: true, Ready: true}}}
	s := New(context.Background(), c, servicepoint.Kiosk{}, func(servicepoint.Kiosk) {})
	test.NewTempWindow(t, s.Content())
	busytest.Settle(t, s)
	if len(s.PrinterOptions) != 1 || s.PrinterOptions[0] != "Counter3"+defaultMark() {
		t.Errorf("options %v, want Counter3 marked default", s.PrinterOptions)
	}
	if s.PrinterNote.Text != "" {
		t.Errorf("note %q with a system default, want none", s.PrinterNote.Text)
	}
	if got := printerName("Counter3" + defaultMark()); got != "Counter3" {
		t.Errorf("printerName = %q, want Counter3", got)
	}
}

// TestThermalAddressIsNotWarned: a thermal printer's address is in no
// system list; on a machine without system printers the field says what
// it is instead of 系统里没有打印机, and the address is saved as typed.
func TestThermalAddressIsNotWarned(t *testing.T) {
	busytest.NewApp(t)
	c := &printerConfigurer{}
	var saved *servicepoint.Kiosk
	s := New(context.Background(), c, servicepoint.Kiosk{}, func(k servicepoint.Kiosk) { saved = &k })
	test.NewTempWindow(t, s.Content())
	busytest.Settle(t, s)
	if got, want := s.PrinterNote.Text, "系统里没有打印机：请先安装打印机，否则回执只能存档、不能打印"; got != want {
		t.Errorf("note with no printers and none typed: got %q, want %q", got, want)
	}
	s.Printer.SetText("escpos://192.168.1.50")
	if got, want := s.PrinterNote.Text, "热敏打印机（ESC/POS）：不经系统打印队列直接发送；纸张请选80毫米热敏卷纸"; got != want {
		t.Errorf("note for a thermal address: got %q, want %q", got, want)
	}
	s.Code.SetText("330522101000")
	s.Name.SetText("洪桥镇便民服务中心")
	test.Tap(s.Submit)
	busytest.Settle(t, s)
	if saved == nil || saved.PrinterQueue != "escpos://192.168.1.50" {
		t.Errorf("saved %+v, want the thermal address", saved)
	}
}
