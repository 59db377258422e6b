package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
)

// TestChangeAccount is 人员管理 beyond adding: a supervisor edits a clerk,
// sets a temporary secret, unlocks, deactivates and reactivates; a person
// changes their own secret with the old one; the hall keeps one active
// supervisor; each change is audited.
func TestChangeAccount(t *testing.T) {
	ctx := context.Background()
	db, clk := openTemp(t)
	sup, _ := newAgent(t, db)
	clerk, err := db.CreateAccount(ctx, sup, clerks.Account{Login: "wangli", Name: "王丽", Role: clerks.Clerk, Window: 3}, "wl258147")
	if err != nil {
		t.Fatal(err)
	}
	change := func(actor clerks.Account, c clerks.Change) (clerks.Account, error) {
		t.Helper()
		return db.ChangeAccount(ctx, actor, c)
	}

	// Edit: the name, window and role change, the login does not.
	got, err := change(sup, clerks.Change{Kind: clerks.Edit, Account: clerks.Account{ID: clerk.ID, Login: "other", Name: "王丽华", Role: clerks.Supervisor, Window: 5}})
	if err != nil || got.Name != "王丽华" || got.Window != 5 || got.Role != clerks.Supervisor || got.Login != "wangli" {
		t.Fatalf("edit: got %+v, %v; want 王丽华 at window 5, supervisor, login wangli", got, err)
	}
	if _, err := change(clerk, clerks.Change{Kind: clerks.Unlock, Account: clerks.Account{ID: sup.ID}}); err != nil {
		t.Errorf("the new supervisor may act: %v", err)
	}
	got, err = change(sup, clerks.Change{Kind: clerks.Edit, Account: clerks.Account{ID: clerk.ID, Name: "王丽华", Role: clerks.Clerk, Window: 5}})
	if err != nil || got.Role != clerks.Clerk {
		t.Fatalf("back to clerk: got %+v, %v", got, err)
	}

	for _, tc := range []struct {
		name  string
		actor clerks.Account
		c     clerks.Change
		want  error
	}{
		{"a clerk may not edit", clerk, clerks.Change{Kind: clerks.Unlock, Account: clerks.Account{ID: sup.ID}}, ErrNotSupervisor},
		{"the last supervisor stays", sup, clerks.Change{Kind: clerks.Edit, Account: clerks.Account{ID: sup.ID, Name: "陈主管", Role: clerks.Clerk, Window: 1}}, clerks.ErrOwnAccount},
		{"no one deactivates themselves", sup, clerks.Change{Kind: clerks.Deactivate, Account: clerks.Account{ID: sup.ID}}, clerks.ErrOwnAccount},
		{"a weak temporary secret", sup, clerks.Change{Kind: clerks.ResetSecret, Account: clerks.Account{ID: clerk.ID}, Secret: "123456"}, clerks.ErrSecretWeak},
		{"the wrong old secret", clerk, clerks.Change{Kind: clerks.OwnSecret, Account: clerks.Account{ID: clerk.ID}, OldSecret: "wrong-one", Secret: "new-2026-wl"}, clerks.ErrOldSecret},
		{"not someone else's secret", clerk, clerks.Change{Kind: clerks.OwnSecret, Account: clerks.Account{ID: sup.ID}, OldSecret: "hq-2026-chen", Secret: "new-2026-wl"}, clerks.ErrChange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := change(tc.actor, tc.c); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}

	// Locked by wrong secrets, unlocked by the supervisor.
	for range clerks.MaxFailures {
		db.Authenticate(ctx, "wangli", "wrong-wrong")
	}
	if _, err := db.Authenticate(ctx, "wangli", "wl258147"); err == nil {
		t.Fatal("not locked after five wrong secrets")
	}
	if _, err := change(sup, clerks.Change{Kind: clerks.Unlock, Account: clerks.Account{ID: clerk.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, "wangli", "wl258147"); err != nil {
		t.Fatalf("after unlock: %v", err)
	}

	// A temporary secret, then the clerk's own.
	if _, err := change(sup, clerks.Change{Kind: clerks.ResetSecret, Account: clerks.Account{ID: clerk.ID}, Secret: "tmp-2026-x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, "wangli", "wl258147"); err == nil {
		t.Error("the old secret still signs in after a reset")
	}
	if _, err := change(clerk, clerks.Change{Kind: clerks.OwnSecret, Account: clerks.Account{ID: clerk.ID}, OldSecret: "tmp-2026-x", Secret: "mine-2026-wl"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, "wangli", "mine-2026-wl"); err != nil {
		t.Fatalf("own new secret: %v", err)
	}

	// Deactivated: no sign-in; reactivated: signs in again.
	if _, err := change(sup, clerks.Change{Kind: clerks.Deactivate, Account: clerks.Account{ID: clerk.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, "wangli", "mine-2026-wl"); !errors.Is(err, clerks.ErrInactive) {
		t.Errorf("deactivated: got %v, want %v", err, clerks.ErrInactive)
	}
	if _, err := change(sup, clerks.Change{Kind: clerks.Reactivate, Account: clerks.Account{ID: clerk.ID}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if _, err := db.Authenticate(ctx, "wangli", "mine-2026-wl"); err != nil {
		t.Errorf("reactivated: %v", err)
	}

	log, err := db.AuditLog(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range log {
		seen[e.Action]++
	}
	for action, want := range map[string]int{"account.edit": 2, "account.reset": 1, "account.own_secret": 1, "account.unlock": 2,
		"account.deactivate": 1, "account.reactivate": 1} {
		if seen[action] != want {
			t.Errorf("audit %s: got %d, want %d", action, seen[action], want)
		}
	}
}

// The last active supervisor cannot be deactivated by another who is then
// demoted: one always stays.
func TestLastSupervisorStays(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	sup, _ := newAgent(t, db)
	second, err := db.CreateAccount(ctx, sup, clerks.Account{Login: "fuzhu", Name: "副主管", Role: clerks.Supervisor, Window: 2}, "fz258147")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ChangeAccount(ctx, second, clerks.Change{Kind: clerks.Deactivate, Account: clerks.Account{ID: sup.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ChangeAccount(ctx, second, clerks.Change{Kind: clerks.Edit, Account: clerks.Account{ID: second.ID, Name: "副主管", Role: clerks.Clerk, Window: 2}}); !errors.Is(err, clerks.ErrOwnAccount) {
		t.Errorf("demoting oneself: got %v, want %v", err, clerks.ErrOwnAccount)
	}
	if _, err := db.ChangeAccount(ctx, second, clerks.Change{Kind: clerks.Reactivate, Account: clerks.Account{ID: sup.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ChangeAccount(ctx, sup, clerks.Change{Kind: clerks.Deactivate, Account: clerks.Account{ID: second.ID}}); err != nil {
		t.Fatal(err)
	}
	// sup is now the only one: another supervisor (made and deactivated)
	// cannot take sup's role away either.
	if _, err := db.ChangeAccount(ctx, sup, clerks.Change{Kind: clerks.Reactivate, Account: clerks.Account{ID: second.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ChangeAccount(ctx, second, clerks.Change{Kind: clerks.Deactivate, Account: clerks.Account{ID: sup.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ChangeAccount(ctx, sup, clerks.Change{Kind: clerks.Unlock, Account: clerks.Account{ID: second.ID}}); !errors.Is(err, ErrNotSupervisor) {
		t.Errorf("a deactivated supervisor acts: got %v, want %v", err, ErrNotSupervisor)
	}
}
