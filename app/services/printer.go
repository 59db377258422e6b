package services

import (
	"context"
	"errors"
	"log"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/printing"
	"github.com/yichuang/yichuang/printing/escpos"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Printer is the printer the kiosk's printer setting names (a system
// queue, or an ESC/POS thermal printer's address). What a thermal printer
// says of itself is kept in the store, so the status report after the next
// sync round carries it to the county's fleet page.
func Printer(db *store.DB, setting string) printing.Printer {
	return printing.OpenPrinter(setting, func(ctx context.Context, h printing.Health) {
		if err := db.SetPrinterHealth(ctx, PrinterStatus(h)); err != nil {
			// The job's own outcome still reaches the screen; only the
			// county's view of the printer waits for the next reading.
			log.Printf("record printer status: %v", err)
		}
	})
}

// PrinterStatus is a printer reading in the status report's terms.
func PrinterStatus(h printing.Health) protocol.PrinterStatus {
	st := protocol.PrinterStatus{Queue: h.Printer, State: "ok", Problem: string(h.Problem), Detail: h.Detail, At: h.At}
	if h.Problem != "" {
		st.State = "error"
	}
	return st
}

// Messages of the printer setting.
var (
	ErrThermalAddress = msg.New("热敏打印机地址有误，例如 escpos://192.168.1.50、escpos:/dev/usb/lp0 或 escpos:lp:队列名")
	ErrThermalPaper   = msg.New("热敏打印机只打印卷纸，请把纸张选为80毫米热敏卷纸")
)

// ConfigureKiosk checks a thermal printer's address before the setting is
// saved (a malformed one would only fail at the first citizen's slip), and
// that it is set up for roll paper: an A4 page shrunk onto a 72 mm line is
// unreadable, so Thermal refuses A4 jobs.
func (s Setup) ConfigureKiosk(ctx context.Context, k servicepoint.Kiosk) (servicepoint.Kiosk, error) {
	if escpos.IsAddress(k.PrinterQueue) {
		a, err := escpos.ParseAddress(k.PrinterQueue)
		if err != nil {
			return k, ErrThermalAddress
		}
		if k.Paper != servicepoint.PaperRoll80 {
			return k, ErrThermalPaper
		}
		k.PrinterQueue = a.String()
	}
	return s.DB.ConfigureKiosk(ctx, k)
}

// CheckPrinter reads the configured thermal printer's state between jobs
// and records it (Printer's readings): the status report then says the
// roll is empty before a citizen's slip finds out. A system queue or a raw
// CUPS queue has no such status and is left alone; so is a kiosk not set
// up yet. Failures are logged: the report goes on with what is known.
func CheckPrinter(ctx context.Context, db *store.DB) {
	cfg, ok, err := db.Kiosk(ctx)
	if err != nil || !ok {
		return
	}
	th, isThermal := Printer(db, cfg.PrinterQueue).(printing.Thermal)
	if !isThermal || th.Addr.Net == escpos.NetLP {
		return
	}
	if _, err := th.Check(ctx); err != nil && !errors.Is(err, printing.ErrNoStatus) {
		log.Printf("read the thermal printer's state: %v", err)
	}
}

// Thermal says whether a printer setting is a thermal printer's address,
// for the printer field in 设置.
func (s Setup) Thermal(setting string) bool { return escpos.IsAddress(setting) }
