// Package lantest provides a hall of several machines in one test process,
// joined over the LAN as the kiosk joins them.
package lantest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/kiosk"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/assets"
)

// LAN is a hall of several machines in one test process, each with its own
// data directory and database file, joined as the kiosk joins them: the
// hub serves the hall over TLS on loopback (kiosk.StartHall), the others
// are paired with a one-time code and follow it.
type LAN struct {
	Hub     *Machine
	HubAddr string
}

// Machine is one machine of a LAN hall.
type Machine struct {
	*halltest.Hall
	Side *kiosk.HallSide
}

// StartLAN starts a hall's hub (machine 1) with its first supervisor.
func StartLAN(t testing.TB) *LAN {
	t.Helper()
	dir := halltest.ConfiguredData(t)
	h := halltest.Open(t, dir, clock.System{})
	addr := freeAddr(t)
	cfg, _, err := h.DB.Kiosk(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cfg.QueueRole = servicepoint.QueueHub
	if cfg, err = h.DB.ConfigureKiosk(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	side := kiosk.StartHall(context.Background(), h.DB, clock.System{}, dir, addr, cfg, func() {})
	t.Cleanup(side.Stop)
	if side.Problem() != nil {
		t.Fatal(side.Problem())
	}
	return &LAN{Hub: &Machine{Hall: h, Side: side}, HubAddr: addr}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Join sets up another machine of the hall with a number, pairs it with a
// code the hub's supervisor makes, and waits until it holds the hall's
// accounts.
func (l *LAN) Join(t testing.TB, device int) *Machine {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	h := halltest.Open(t, dir, clock.System{})
	if _, err := h.DB.LoadCatalog(ctx, assets.DemoCatalog()); err != nil {
		t.Fatal(err)
	}
	hubCfg, _, _ := l.Hub.DB.Kiosk(ctx)
	cfg, err := h.DB.ConfigureKiosk(ctx, servicepoint.Kiosk{Point: hubCfg.Point, Device: device, QueueRole: servicepoint.QueueClient, HubAddr: l.HubAddr})
	if err != nil {
		t.Fatal(err)
	}
	sup := l.Hub.Supervisor(t)
	code, _, err := services.Hall{DB: l.Hub.DB, Role: servicepoint.QueueHub, Identity: l.Hub.Side.Server().Identity,
		Actor: func() clerks.Account { return sup }, Now: time.Now}.NewCode(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := (services.Hall{DB: h.DB, Role: servicepoint.QueueClient}).Pair(ctx, l.HubAddr, code); err != nil {
		t.Fatal(err)
	}
	side := kiosk.StartHall(context.Background(), h.DB, clock.System{}, dir, "", cfg, func() {})
	t.Cleanup(side.Stop)
	m := &Machine{Hall: h, Side: side}
	m.Eventually(t, "the hall's accounts", 10*time.Second, func() bool { ok, _ := h.DB.HasSupervisor(ctx); return ok })
	return m
}

// Intake is the counter's service on this machine, taking its actions to
// the hub as the kiosk does (no printer: papers are archived).
func (m *Machine) Intake(t testing.TB) *services.Intake {
	t.Helper()
	svc := m.Hall.Intake(t)
	svc.Counter.Printer = nil
	if r := m.Side.Replicator(); r != nil {
		svc.Hall, svc.Committed = r, r.Kick
	}
	return svc
}

// HallService is this machine's place in the hall, for the banner.
func (m *Machine) HallService() services.Hall {
	s := services.Hall{DB: m.DB, Role: m.Side.Role(), Repl: m.Side.Replicator(), HubProblem: m.Side.Problem(), Now: time.Now}
	if srv := m.Side.Server(); srv != nil {
		s.Identity = srv.Identity
	}
	return s
}

// Eventually waits for ok, failing the test after within.
func (m *Machine) Eventually(t testing.TB, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Holds says whether the machine holds a case.
func (m *Machine) Holds(tracking string) bool {
	_, err := m.DB.CaseByTracking(context.Background(), tracking)
	return err == nil
}
