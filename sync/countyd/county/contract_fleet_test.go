package county_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
)

// fleetStore is the fleet page's part of the store (county.Fleet) with
// what the test needs to set devices up.
type fleetStore interface {
	county.Store
	county.Fleet
}

// contractFleetPages: the fleet page's pages and filters (fleetlist.go)
// mean the same on both stores: service point order with the device id as
// tie, every filter, the counts, and the enrollment codes' two views.
func contractFleetPages(t *testing.T, open opener) {
	ctx := context.Background()
	clk := newStepClock()
	st, ok := open(t, clk.now).(fleetStore)
	if !ok {
		t.Fatal("the store has no fleet methods")
	}
	a := county.ServicePoint{Code: "330522101000", Name: "和平镇", Level: county.LevelTownship}
	b := county.ServicePoint{Code: "330522102000", Name: "泗安镇", Level: county.LevelTownship}
	v := county.ServicePoint{Code: "330522101201", Name: "溪口村", Level: county.LevelVillage}
	// Enrolled out of point order; two of b's in one moment (the id tells
	// them apart).
	var devs []county.Device
	for i, p := range []county.ServicePoint{b, a, v, a, b, b, a} {
		if i != 5 {
			clk.add(time.Minute)
		}
		devs = append(devs, mustDevice(t, st, p, "hall"))
	}
	want := slices.Clone(devs)
	slices.SortFunc(want, func(x, y county.Device) int {
		if c := strings.Compare(x.Point.Code, y.Point.Code); c != 0 {
			return c
		}
		if c := x.Created.Compare(y.Created); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	idsOf := func(ds []county.Device) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	page := func(f county.FleetFilter) []string {
		t.Helper()
		f.Now = clk.now()
		list, err := st.DevicePage(ctx, f)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		var out []string
		for _, d := range list {
			if d.Secret != "" {
				t.Errorf("device %s listed with its secret", d.ID)
			}
			out = append(out, d.ID)
		}
		return out
	}

	// Paging forward by threes, then back from the last page.
	var got []string
	var after string
	for range 5 {
		p := page(county.FleetFilter{Limit: 3, After: after})
		got = append(got, p...)
		if len(p) < 3 {
			break
		}
		after = p[len(p)-1]
	}
	if w := idsOf(want); !slices.Equal(got, w) {
		t.Errorf("pages forward: got %v, want %v", got, w)
	}
	if got, w := page(county.FleetFilter{Limit: 3, Before: want[6].ID}), idsOf(want[3:6]); !slices.Equal(got, w) {
		t.Errorf("page before the last: got %v, want %v", got, w)
	}
	if got, w := page(county.FleetFilter{Limit: 3, Before: want[3].ID}), idsOf(want[0:3]); !slices.Equal(got, w) {
		t.Errorf("first page, from the second: got %v, want %v", got, w)
	}

	// By point.
	var wantB []county.Device
	for _, d := range want {
		if d.Point.Code == b.Code {
			wantB = append(wantB, d)
		}
	}
	if got, w := page(county.FleetFilter{Point: b.Code}), idsOf(wantB); !slices.Equal(got, w) {
		t.Errorf("point %s: got %v, want %v", b.Code, got, w)
	}
	if got, w := page(county.FleetFilter{Point: b.Code, Limit: 2, After: wantB[1].ID}), idsOf(wantB[2:]); !slices.Equal(got, w) {
		t.Errorf("point %s, second page: got %v, want %v", b.Code, got, w)
	}

	// Reports: the version, refused events and the printer are kept on the
	// device; a report without a version keeps the one known.
	report := func(d county.Device, s protocol.DeviceStatus) {
		t.Helper()
		if err := st.SetDeviceStatus(ctx, d.ID, s); err != nil {
			t.Fatal(err)
		}
	}
	report(devs[0], protocol.DeviceStatus{AppVersion: "1.0.0", Pending: 4})
	report(devs[1], protocol.DeviceStatus{AppVersion: "1.0.0", Quarantined: 2})
	report(devs[2], protocol.DeviceStatus{Printer: protocol.PrinterStatus{State: "error", Problem: protocol.PrinterNoSpooler}})
	report(devs[3], protocol.DeviceStatus{AppVersion: "1.0.0", Quarantined: 1})
	report(devs[3], protocol.DeviceStatus{Quarantined: 0})
	if got, w := page(county.FleetFilter{Version: "1.0.0"}), idsOf([]county.Device{devs[1], devs[3], devs[0]}); !slices.Equal(got, w) {
		t.Errorf("version 1.0.0: got %v, want %v (point order)", got, w)
	}
	if got, w := page(county.FleetFilter{Version: "1.0.0", Point: a.Code}), idsOf([]county.Device{devs[1], devs[3]}); !slices.Equal(got, w) {
		t.Errorf("version 1.0.0 at %s: got %v, want %v", a.Code, got, w)
	}
	var old []county.Device
	for _, d := range want {
		if d.ID != devs[0].ID && d.ID != devs[1].ID && d.ID != devs[3].ID {
			old = append(old, d)
		}
	}
	if got, w := page(county.FleetFilter{Version: "0.9.0"}), idsOf(old); !slices.Equal(got, w) {
		t.Errorf("version 0.9.0: got %v, want %v", got, w)
	}
	if got, w := page(county.FleetFilter{State: county.FleetRefused}), idsOf(devs[1:2]); !slices.Equal(got, w) {
		t.Errorf("refused: got %v, want %v (a later report of none clears it)", got, w)
	}
	if got, w := page(county.FleetFilter{State: county.FleetPrinter}), idsOf(devs[2:3]); !slices.Equal(got, w) {
		t.Errorf("printer fault: got %v, want %v", got, w)
	}
	vs, err := st.DeviceVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w := []string{"0.9.0", "1.0.0"}; !slices.Equal(vs, w) {
		t.Errorf("versions: got %v, want %v", vs, w)
	}
	counts, err := st.FleetCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w := (county.FleetCounts{Devices: 7, Refused: 1, PrinterFaults: 1}); counts != w {
		t.Errorf("counts: got %+v, want %+v", counts, w)
	}
	list, err := st.DevicePage(ctx, county.FleetFilter{Point: devs[0].Point.Code, Limit: 1, Now: clk.now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != devs[0].ID || !list[0].HasReport || list[0].Report.Status.Pending != 4 || list[0].AppVersion != "1.0.0" {
		t.Errorf("first of %s: got %+v, want %s with its report", b.Code, list, devs[0].ID)
	}

	// Online and silent: a day without contact.
	for _, d := range devs[:3] {
		if err := st.UseNonce(ctx, d.ID, "n-"+d.ID); err != nil {
			t.Fatal(err)
		}
	}
	clk.add(county.SilentAfter - time.Minute)
	if err := st.UseNonce(ctx, devs[4].ID, "later"); err != nil {
		t.Fatal(err)
	}
	clk.add(2 * time.Minute)
	if got, w := page(county.FleetFilter{State: county.FleetOnline}), idsOf(devs[4:5]); !slices.Equal(got, w) {
		t.Errorf("online: got %v, want %v", got, w)
	}
	var silent []county.Device
	for _, d := range want {
		if d.ID != devs[4].ID {
			silent = append(silent, d)
		}
	}
	if got, w := page(county.FleetFilter{State: county.FleetSilent}), idsOf(silent); !slices.Equal(got, w) {
		t.Errorf("silent: got %v, want %v (never seen counts as silent)", got, w)
	}

	// One device, without its secret.
	d, err := st.FleetDevice(ctx, devs[2].ID)
	if err != nil || d.ID != devs[2].ID || d.Secret != "" || d.Point != v {
		t.Errorf("fleet device: got %+v, %v, want %s of %s without secret", d, err, devs[2].ID, v.Code)
	}
	if _, err := st.FleetDevice(ctx, "d_none"); !errors.Is(err, county.ErrNotFound) {
		t.Errorf("unknown device: got %v, want ErrNotFound", err)
	}
	var inv *county.InvalidError
	if _, err := st.DevicePage(ctx, county.FleetFilter{State: "broken"}); !errors.As(err, &inv) {
		t.Errorf("unknown state: got %v, want InvalidError", err)
	}
	if _, err := st.DevicePage(ctx, county.FleetFilter{After: "d_none"}); !errors.As(err, &inv) {
		t.Errorf("unknown boundary: got %v, want InvalidError", err)
	}

	// Codes: the seven used ones are spent; three made in one moment
	// (told apart across a page boundary) still enroll, until they expire.
	clk.add(time.Minute)
	var fresh []string
	for range 3 {
		fresh = append(fresh, mustCode(t, st, v))
	}
	slices.Sort(fresh)
	slices.Reverse(fresh) // newest first, then by code, descending
	codes := func(spent bool, limit int) ([]string, int) {
		t.Helper()
		var out []string
		pages := 0
		f := county.CodeFilter{Spent: spent, Limit: limit, Now: clk.now()}
		for {
			list, next, err := st.CodePage(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, c := range list {
				out = append(out, c.Code)
			}
			if next == "" || pages > 20 {
				return out, pages
			}
			if strings.Contains(next, strings.ReplaceAll(list[0].Code, "-", "")) || strings.Contains(next, list[0].Code) {
				t.Errorf("cursor %q carries a code", next)
			}
			f.After = next
		}
	}
	if got, pages := codes(false, 2); !slices.Equal(got, fresh) || pages != 2 {
		t.Errorf("unused codes by twos: got %v in %d pages, want %v in 2", got, pages, fresh)
	}
	if got, _ := codes(true, 3); len(got) != 7 {
		t.Errorf("spent codes: got %d, want the 7 used ones", len(got))
	}
	clk.add(county.EnrollTTL)
	if got, _ := codes(false, 2); len(got) != 0 {
		t.Errorf("unused codes after they expired: got %v, want none", got)
	}
	got, pages := codes(true, 2)
	if len(got) != 10 || pages != 5 || !slices.Equal(got[:3], fresh) {
		t.Errorf("spent codes by twos: got %v in %d pages, want the 3 expired first, then the 7 used, in 5", got, pages)
	}
	if _, _, err := st.CodePage(ctx, county.CodeFilter{After: "2026-03-02T01:00:00.000000Z"}); !errors.As(err, &inv) {
		t.Errorf("cursor without a count: got %v, want InvalidError", err)
	}
}
