package main

import (
	"context"
	"crypto/tls"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/hallnet"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/services"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/app/tracking"
)

// TestKioskWindowHallOfTwo runs two real kiosk windows, each its own
// process with its own data directory: the hall's hub, and window 2 paired
// with it. A case taken in at the hub is looked up at window 2 by a clerk
// who signs in with the hall's account (the look-up's reveal button, which
// only shows for a found case, leaves its audit row in window 2's own
// database); then the hub is killed and window 2 says so.
func TestKioskWindowHallOfTwo(t *testing.T) {
	if testing.Short() {
		t.Skip("two real kiosk windows under Xvfb")
	}
	need(t, "Xvfb", "xdotool", "import")
	ctx := context.Background()

	// The hub: the set-up hall, made the hall's hub.
	hubDir := halltest.ConfiguredData(t)
	listen := freeLoopback(t)
	hubDB, err := store.Open(ctx, filepath.Join(hubDir, "yichuang.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, _ := hubDB.Kiosk(ctx)
	cfg.QueueRole = servicepoint.QueueHub
	if _, err := hubDB.ConfigureKiosk(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	hubDB.Close()
	hubDisplay := startX(t)
	hub := launch(t, hubDisplay, hubDir, "-hub-listen", listen)
	waitWindow(t, hubDisplay, hub)
	settle()
	// Its data is sealed: the supervisor signs in once after it starts.
	signIn(t, hubDisplay, halltest.SupervisorLogin, halltest.SupervisorSecret)
	waitTLS(t, listen)

	// Pairing, as the supervisor does it: a code at the hub (its database,
	// while it runs), typed at the new machine's setup.
	hubDB, err = store.Open(ctx, filepath.Join(hubDir, "yichuang.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer hubDB.Close()
	sup, err := hubDB.Authenticate(ctx, halltest.SupervisorLogin, halltest.SupervisorSecret)
	if err != nil {
		t.Fatal(err)
	}
	cert, key, ok, err := hubDB.HubIdentity(ctx)
	if err != nil || !ok {
		t.Fatalf("the hub made no identity: %v", err)
	}
	code, _, err := services.Hall{DB: hubDB, Role: servicepoint.QueueHub, Identity: hallnet.Identity{CertPEM: cert, KeyPEM: key},
		Actor: func() clerks.Account { return sup }, Now: time.Now}.NewCode(ctx)
	if err != nil {
		t.Fatal(err)
	}
	winDir := t.TempDir()
	winDB, err := store.Open(ctx, filepath.Join(winDir, "yichuang.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := winDB.ConfigureKiosk(ctx, servicepoint.Kiosk{Point: cfg.Point, Device: 2, QueueRole: servicepoint.QueueClient, HubAddr: listen}); err != nil {
		t.Fatal(err)
	}
	if err := (services.Hall{DB: winDB, Role: servicepoint.QueueClient}).Pair(ctx, listen, code); err != nil {
		t.Fatal(err)
	}
	winDB.Close()

	// A case taken in at the hub's counter.
	h := &halltest.Hall{Dir: hubDir, DB: hubDB, Clock: clock.System{}}
	svc := h.Intake(t)
	svc.Counter.Printer = nil
	o, err := svc.Decide(ctx, sup, h.RestaurantDraft(t, ""), cases.Decision{Kind: cases.Complete})
	if err != nil {
		t.Fatal(err)
	}

	// Window 2, its own process: it takes the hall's accounts and cases
	// from the hub by itself.
	display := startX(t)
	r, shot := walkThrough(t, display, winDir, time.Second)
	clickAt(t, display, 828, 310) // 窗口受理
	signIn(t, display, halltest.SupervisorLogin, halltest.SupervisorSecret)
	clickAt(t, display, 290, 25) // 查询办件
	time.Sleep(500 * time.Millisecond)
	clickAt(t, display, 600, 224) // the code field (below the calling panel and its 叫号板块 row)
	typeText(t, display, tracking.Format(o.Case.Tracking))
	xdo(t, display, "key", "Return")
	time.Sleep(time.Second)
	clickAt(t, display, 108, 479) // 显示完整证件号（留痕）
	time.Sleep(time.Second)
	winDB, err = store.Open(ctx, filepath.Join(winDir, "yichuang.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer winDB.Close()
	audit, _ := winDB.AuditLog(ctx, 20)
	found := false
	for _, e := range audit {
		found = found || (e.Action == "reveal.id_number" && e.Subject == o.Case.Tracking)
	}
	if !found {
		t.Errorf("window 2 did not show the hub's case %s (no reveal in its audit log: %+v)", o.Case.Tracking, audit)
	}

	clickAt(t, display, 600, 224) // look the case up again: the full number goes off the screen
	xdo(t, display, "key", "Return")
	time.Sleep(500 * time.Millisecond)

	// The hub dies: window 2 says so and keeps working.
	hub.cmd.Process.Kill()
	hub.cmd.Wait()
	time.Sleep(3 * time.Second)
	shot("hall-window2-hub-away.png")
	if !strings.Contains(r.stderr.String(), "hall link") {
		t.Errorf("window 2 did not notice the hub going:\n%s", r.stderr.String())
	}
	checkLog(t, r)
}

func freeLoopback(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitTLS waits until the hub answers TLS on addr.
func waitTLS(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the hub does not serve on %s", addr)
}
