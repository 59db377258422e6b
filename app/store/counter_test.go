package store

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/tracking"
	"github.com/yichuang/yichuang/app/workday"
)

func TestFirstSupervisorOnlyOnce(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	if ok, _ := db.HasSupervisor(ctx); ok {
		t.Fatal("a new database has a supervisor")
	}
	sup, err := db.CreateFirstSupervisor(ctx, clerks.Account{Login: "zhuguan", Name: "陈主管", Window: 1}, "hq-2026-chen")
	if err != nil {
		t.Fatal(err)
	}
	if sup.Role != clerks.Supervisor || sup.ID == 0 {
		t.Errorf("first supervisor = %+v", sup)
	}
	if _, err := db.CreateFirstSupervisor(ctx, clerks.Account{Login: "other", Name: "某人", Window: 2}, "another-2026"); !errors.Is(err, clerks.ErrSupervisorOK) {
		t.Errorf("second first-supervisor: %v, want ErrSupervisorOK", err)
	}
	clerk, err := db.CreateAccount(ctx, sup, clerks.Account{Login: "wangli", Name: "王丽", Role: clerks.Clerk, Window: 3, Sectors: []string{"商事登记"}}, "wl258147")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateAccount(ctx, clerk, clerks.Account{Login: "x2", Name: "某", Role: clerks.Clerk, Window: 4}, "pin258147"); !errors.Is(err, ErrNotSupervisor) {
		t.Errorf("clerk adding an account: %v, want ErrNotSupervisor", err)
	}
	if _, err := db.CreateAccount(ctx, sup, clerks.Account{Login: "wangli", Name: "王丽二", Role: clerks.Clerk, Window: 5}, "pin258147"); !errors.Is(err, ErrLoginTaken) {
		t.Errorf("duplicate login: %v", err)
	}
	if _, err := db.CreateAccount(ctx, sup, clerks.Account{Login: "weak", Name: "弱", Role: clerks.Clerk, Window: 5}, "123456"); !errors.Is(err, clerks.ErrSecretWeak) {
		t.Errorf("weak secret: %v", err)
	}
	accts, _ := db.Accounts(ctx)
	if len(accts) != 2 || accts[0].Login != "zhuguan" || accts[1].Stars() != 1 {
		t.Errorf("accounts = %+v", accts)
	}
	evs, _ := db.PendingEvents(ctx, 10)
	for _, e := range evs {
		if json.Valid(e.Payload) && string(e.Kind) == "account.created" && (strings.Contains(string(e.Payload), "argon2") || strings.Contains(string(e.Payload), "258147")) {
			t.Errorf("account event leaks the secret: %s", e.Payload)
		}
	}
}

func TestAuthenticateLocksAfterFiveFailuresAndSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	clk := clock.NewManual(t0)
	db, err := Open(ctx, path, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateFirstSupervisor(ctx, clerks.Account{Login: "zhuguan", Name: "陈主管", Window: 1}, "hq-2026-chen"); err != nil {
		t.Fatal(err)
	}
	if a, err := db.Authenticate(ctx, "zhuguan", "hq-2026-chen"); err != nil || a.Name != "陈主管" {
		t.Fatalf("right secret: %+v, %v", a, err)
	}
	if _, err := db.Authenticate(ctx, "nobody", "x"); !errors.Is(err, clerks.ErrBadSecret) {
		t.Errorf("unknown login: %v, want the same message as a wrong secret", err)
	}
	for i := 1; i <= 4; i++ {
		if _, err := db.Authenticate(ctx, "zhuguan", "wrong"); !errors.Is(err, clerks.ErrBadSecret) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	if _, err := db.Authenticate(ctx, "zhuguan", "wrong"); !errors.Is(err, clerks.ErrLocked) {
		t.Fatalf("fifth failure: %v, want locked", err)
	}
	db.Close()
	// A restart does not unlock it.
	db, err = Open(ctx, path, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Authenticate(ctx, "zhuguan", "hq-2026-chen"); !errors.Is(err, clerks.ErrLocked) {
		t.Errorf("right secret while locked after restart: %v, want locked", err)
	}
	clk.Advance(clerks.LockFor)
	if _, err := db.Authenticate(ctx, "zhuguan", "hq-2026-chen"); err != nil {
		t.Errorf("right secret after the lock: %v", err)
	}
	log, _ := db.AuditLog(ctx, 20)
	var fails, logins int
	for _, e := range log {
		switch e.Action {
		case "login.failed":
			fails++
		case "login":
			logins++
		}
	}
	if fails != 5 || logins != 2 {
		t.Errorf("audit: %d failed and %d successful logins, want 5 and 2", fails, logins)
	}
}

func sampleCase() cases.Case {
	return cases.Case{
		ServicePoint: "330522101000",
		Draft: cases.Draft{Matters: []string{"330000-SS-0001"},
			Applicant:   cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13857201234"},
			Fields:      map[string]string{"business_scope": "餐饮服务"},
			Materials:   []cases.MaterialEntry{{Matter: "330000-SS-0001", Material: "id_card", State: cases.Shared}},
			Attachments: []cases.Attachment{{SHA256: strings.Repeat("ab", 32), Name: "scan.pdf", Size: 10, Type: "application/pdf"}}},
		Decision: cases.Accept, Status: cases.StatusAccepted,
		Due:   time.Date(2026, 12, 1, 0, 0, 0, 0, workday.China),
		Clerk: cases.Actor{Name: "王丽", Window: 3},
	}
}

func TestCreateCaseTrackingAndEvents(t *testing.T) {
	db, clk := openTemp(t)
	ctx := context.Background()
	if _, err := db.CreateCase(ctx, sampleCase(), cases.Actor{Name: "王丽"}); !errors.Is(err, ErrNoDevice) {
		t.Fatalf("without a device number: %v, want ErrNoDevice", err)
	}
	if err := db.SetDeviceNumber(ctx, 2); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var first cases.Case
	for i := 0; i < 60; i++ {
		c, err := db.CreateCase(ctx, sampleCase(), cases.Actor{Name: "王丽", Window: 3})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = c
		}
		if seen[c.Tracking] {
			t.Fatalf("tracking code %s issued twice", c.Tracking)
		}
		seen[c.Tracking] = true
		p, err := tracking.Decode(c.Tracking)
		if err != nil || p.ServicePoint != "330522101000" || p.Device != 2 {
			t.Fatalf("code %s decodes to %+v, %v", c.Tracking, p, err)
		}
	}
	// A new day starts the sequence again; codes stay unique by their date.
	clk.Advance(24 * time.Hour)
	c, err := db.CreateCase(ctx, sampleCase(), cases.Actor{Name: "王丽"})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := tracking.Decode(c.Tracking); p.Seq > 1 || seen[c.Tracking] {
		t.Errorf("next day's first code %s has sequence %d", c.Tracking, p.Seq)
	}

	got, err := db.CaseByTracking(ctx, tracking.Format(first.Tracking))
	if err != nil || got.ID != first.ID || got.Version != 1 || got.Applicant.Name != "张小红" {
		t.Fatalf("CaseByTracking = %+v, %v", got, err)
	}
	evs, err := db.CaseEvents(ctx, first.ID)
	if err != nil || len(evs) != 1 || evs[0].Kind != cases.EvAccepted || evs[0].Actor != "王丽" {
		t.Fatalf("events = %+v, %v", evs, err)
	}
	var outboxKind string
	db.r.QueryRowContext(ctx, `SELECT kind FROM outbox WHERE event_id = ?`, evs[0].EventID).Scan(&outboxKind)
	if outboxKind != "case.accepted" {
		t.Errorf("outbox row for the event has kind %q", outboxKind)
	}

	// Later action with the right version, then a stale one.
	after := got
	after.Status = cases.StatusCompleted
	updated, err := db.UpdateCase(ctx, after, cases.EvCompleted, cases.Actor{Name: "王丽"}, map[string]string{"note": "x"})
	if err != nil || updated.Version != 2 {
		t.Fatalf("UpdateCase: %d, %v", updated.Version, err)
	}
	// The clerk with the stale copy is told what happened, where and when.
	if _, err := db.UpdateCase(ctx, after, cases.EvCompleted, cases.Actor{Name: "李"}, nil); !errors.Is(err, ErrCaseChangedBy) ||
		!strings.Contains(err.Error(), "09:00由王丽当场办结") {
		t.Errorf("stale update: %v, want ErrCaseChangedBy naming 王丽's 当场办结 at 09:00", err)
	}
	if evs, _ := db.CaseEvents(ctx, first.ID); len(evs) != 2 {
		t.Errorf("%d events after one update and one refused, want 2", len(evs))
	}
	if _, err := db.CaseByTracking(ctx, "0000 0000 0000 0000"); err == nil {
		t.Error("looking up a code with a bad check character succeeded")
	}
}
