package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/store"
)

// cst is Beijing time, the halls' clock.
var cst = time.FixedZone("CST", 8*3600)

// hallAt opens a set-up hall's database (see configuredData) with its clock
// at a given time, and the counter over it with no printer: papers are
// archived, the CUPS path has its own test. It returns the kiosk, the
// counter service, the supervisor and the clock.
func hallAt(t testing.TB, at time.Time) (*kiosk, *intakeService, clerks.Account, *clock.Manual) {
	t.Helper()
	ctx := context.Background()
	dir := configuredData(t)
	clk := clock.NewManual(at)
	db, err := store.Open(ctx, filepath.Join(dir, "yichuang.db"), store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sup, err := db.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	if err != nil {
		t.Fatal(err)
	}
	k := &kiosk{dir: dir, db: db, clock: clk}
	svc, err := k.counterService(ctx)
	if err != nil {
		t.Fatal(err)
	}
	svc.c.Printer = nil
	return k, svc, sup, clk
}

// account adds a staff account to the hall, as the supervisor does.
func account(t testing.TB, k *kiosk, sup clerks.Account, a clerks.Account, secret string) clerks.Account {
	t.Helper()
	got, err := k.db.CreateAccount(context.Background(), sup, a, secret)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// signIn fills the login form under Xvfb and waits for the workspace
// (sign-in checks argon2id, then builds it).
func signIn(t *testing.T, display, login, secret string) {
	clickAt(t, display, 676, 199)
	typeText(t, display, login)
	clickAt(t, display, 660, 243)
	typeText(t, display, secret)
	xdo(t, display, "key", "Return")
	time.Sleep(2 * time.Second)
}

// finish waits, with a deadline, until a screen's action (a decision with
// its papers, a filing with its slip, a delivery) has shown its result:
// those run off the UI goroutine.
func finish(t testing.TB, screen interface{ Wait(context.Context) error }) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := screen.Wait(ctx); err != nil {
		t.Fatalf("the screen's action did not finish: %v", err)
	}
}
