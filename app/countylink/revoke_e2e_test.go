package countylink_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/countylink"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/services"
)

// A device the county revoked wipes its data at its next contact: the
// cases, their scans and papers, and the keys, so a stolen laptop that is
// switched on and signed into yields nothing more (issue 15).
func TestRevokedDeviceWipesItsData(t *testing.T) {
	ctx := context.Background()
	cd := halltest.StartCountyd(t, t.TempDir(), "127.0.0.1:0")
	h, l, sup := halltest.Enrolled(t, cd, cd.URL)
	cs := h.CaseWithScan(t, sup, 4<<10)
	svc := h.Intake(t)
	svc.Counter.Printer = nil
	if _, err := svc.Decide(ctx, sup, h.RestaurantDraft(t, ""), cases.Decision{Kind: cases.Complete}); err != nil {
		t.Fatal(err)
	}
	halltest.Round(t, l)
	e, _, _ := h.DB.Enrollment(ctx)
	cd.Admin(t, "revoke", "-device", e.DeviceID)

	// The link as the kiosk wires it: a revocation wipes the machine.
	wiped := make(chan error, 1)
	revoked := countylink.New(countylink.Config{Store: h.DB, Files: h.Files(), Clock: clock.System{}, Version: halltest.Version, Manual: true,
		Revoked: func(ctx context.Context) { wiped <- services.WipeRevoked(ctx, h.DB, h.Dir) }})
	if _, err := revoked.Round(ctx); err == nil {
		t.Fatal("a round of a revoked device went through")
	}
	select {
	case err := <-wiped:
		if err != nil {
			t.Fatalf("wipe: %v", err)
		}
	default:
		t.Fatal("the revocation did not wipe the machine")
	}
	if _, err := h.DB.CaseByID(ctx, cs.ID); err == nil {
		t.Error("the case is still on the machine")
	}
	if n, _ := h.DB.CaseCount(ctx); n != 0 {
		t.Errorf("%d cases left", n)
	}
	if keyed, _ := h.DB.Keyed(ctx); keyed || !h.DB.Locked() {
		t.Errorf("after the wipe: keyed %v, locked %v", keyed, h.DB.Locked())
	}
	if _, ok, _ := h.DB.Enrollment(ctx); ok {
		t.Error("the device's credential is still on the machine")
	}
	for _, dir := range []string{"files", "prints", "backups"} {
		if entries, _ := os.ReadDir(filepath.Join(h.Dir, dir)); len(entries) > 0 {
			t.Errorf("%s/ still holds %d entries", dir, len(entries))
		}
	}
	if _, seen, _ := h.DB.Wiped(ctx); !seen {
		t.Error("the machine does not say its data was wiped")
	}
	// The staff can still sign in, to read what happened and enroll again.
	if _, err := h.DB.Authenticate(ctx, halltest.SupervisorLogin, halltest.SupervisorSecret); err != nil {
		t.Errorf("the supervisor after the wipe: %v", err)
	}
}
