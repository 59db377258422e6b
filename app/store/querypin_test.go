package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/app/cases"
)

// TestHallQueryPINReset: a PIN reset at window 2 is one transaction with
// its event and an audit row (neither holding the PIN or its hash), ends
// the lock on the code's progress query, and reaches the terminal, where
// the old PIN stops working, the new one works and the lock the old
// guesses made there is gone.
func TestHallQueryPINReset(t *testing.T) {
	h := newTestHall(t, "a", "terminal")
	ctx := context.Background()
	a, term := h.ms["a"], h.ms["terminal"]
	oldPIN, hash, err := cases.NewQueryPIN(nil)
	if err != nil {
		t.Fatal(err)
	}
	wrong := "000000"
	if oldPIN == wrong {
		wrong = "000001"
	}
	c := sampleCase()
	c.Clerk = cases.Actor{ID: 2, Name: "王丽", Window: 2}
	c.QueryPINHash = hash
	c, err = a.CreateCase(ctx, c, c.Clerk)
	if err != nil {
		t.Fatal(err)
	}
	h.sync()
	// Someone who found the tracking code guesses at both machines.
	for _, db := range []*DB{a, term} {
		for i := 0; i < ProgressMaxFailures; i++ {
			db.VerifyProgress(ctx, c.Tracking, wrong)
		}
		if _, err := db.VerifyProgress(ctx, c.Tracking, oldPIN); !errors.Is(err, cases.ErrVerifyLocked) {
			t.Fatalf("after %d wrong PINs: got %v, want locked", ProgressMaxFailures, err)
		}
	}

	after, rec, err := cases.ResetQueryPIN(c, "330522199003150024", nil, h.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	newPIN := after.QueryPIN
	clerk := cases.Actor{ID: 2, Name: "王丽", Window: 2}
	if _, err := a.ResetQueryPIN(ctx, after, clerk, rec); err != nil {
		t.Fatal(err)
	}
	check := func(where string, db *DB) {
		t.Helper()
		if _, err := db.VerifyProgress(ctx, c.Tracking, oldPIN); !errors.Is(err, cases.ErrVerify) {
			t.Errorf("%s, old PIN: got %v, want %v", where, err, cases.ErrVerify)
		}
		if _, err := db.VerifyProgress(ctx, c.Tracking, newPIN); err != nil {
			t.Errorf("%s, new PIN: got %v, want the progress", where, err)
		}
		stored, err := db.CaseByTracking(ctx, c.Tracking)
		if err != nil {
			t.Fatal(err)
		}
		if stored.QueryPIN != "" || stored.QueryPINHash != after.QueryPINHash {
			t.Errorf("%s stores PIN %q hash %q, want no PIN and the new hash", where, stored.QueryPIN, stored.QueryPINHash)
		}
	}
	check("window 2", a)

	log, err := a.AuditLog(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range log {
		if e.Action != "case.query_pin_reset" {
			continue
		}
		found = true
		if e.Subject != c.Tracking || e.ActorID != 2 {
			t.Errorf("audit row %+v, want the code %s by clerk 2", e, c.Tracking)
		}
		for _, secret := range []string{newPIN, after.QueryPINHash, "330522199003150024"} {
			if strings.Contains(e.Subject+e.Detail, secret) {
				t.Errorf("the audit row %+v holds %q", e, secret)
			}
		}
	}
	if !found {
		t.Errorf("no audit row for the reset in %+v", log)
	}
	evs, err := a.CaseEvents(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := evs[len(evs)-1]; last.Kind != cases.EvQueryPINReset || strings.Contains(last.Data, newPIN) ||
		strings.Contains(last.Data, after.QueryPINHash) || last.Data != `{"as":"applicant"}` {
		t.Errorf("the reset's event: %s %s, want %s with only whom it was for", last.Kind, last.Data, cases.EvQueryPINReset)
	}

	h.sync()
	check("terminal", term)
}
