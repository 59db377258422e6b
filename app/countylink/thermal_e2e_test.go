package countylink_test

import (
	"context"
	"testing"

	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/countylink"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/printing/escpos"
	"github.com/yichuang/yichuang/printing/escpos/escpostest"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
)

// TestThermalPaperOutReachesTheCounty: a kiosk with a thermal printer whose
// roll ran out, and nobody printing: the link reads the printer before it
// reports (Config.BeforeStatus, as the kiosk wires it), and the real
// county's record of the device — what its fleet page shows — says
// paper-out, for that printer; once the roll is changed the next round
// says ok.
func TestThermalPaperOutReachesTheCounty(t *testing.T) {
	ctx := context.Background()
	sim, err := escpostest.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	cd := halltest.StartCountyd(t, t.TempDir(), "127.0.0.1:0")
	h, _, sup := halltest.Enrolled(t, cd, cd.URL)
	cfg, _, err := h.DB.Kiosk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg.PrinterQueue, cfg.Paper = "escpos://"+sim.Addr(), servicepoint.PaperRoll80
	if _, err := (services.Setup{DB: h.DB}).ConfigureKiosk(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	l := countylink.New(countylink.Config{Store: h.DB, Files: h.Files(), Clock: clock.System{}, Version: halltest.Version,
		Actor: func() int64 { return sup.ID }, Manual: true,
		BeforeStatus: func(ctx context.Context) { services.CheckPrinter(ctx, h.DB) }})

	// The county's database is read beside the running countyd (WAL: a
	// reader in another process sees what it committed).
	var countyDB interface {
		DeviceStatuses(context.Context) (map[string]county.DeviceReport, error)
	}
	printerAtCounty := func() protocol.PrinterStatus {
		t.Helper()
		halltest.Round(t, l)
		if countyDB == nil {
			countyDB = halltest.CountyStore(t, cd.Data)
		}
		reports, err := countyDB.DeviceStatuses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e, _, _ := h.DB.Enrollment(ctx)
		return reports[e.DeviceID].Status.Printer
	}
	sim.Set(escpos.Status{PaperOut: true, Offline: true})
	if got := printerAtCounty(); got.State != "error" || got.Problem != protocol.PrinterPaperOut || got.Queue != "escpos://"+sim.Addr() {
		t.Errorf("roll empty: the county has %+v, want paper-out of escpos://%s", got, sim.Addr())
	}
	sim.Set(escpos.Status{})
	if got := printerAtCounty(); got.State != "ok" {
		t.Errorf("new roll: the county has %+v, want ok", got)
	}
}
