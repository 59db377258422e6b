package store

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/servicepoint"
)

const agentID = "330522198512030042"

// newAgent makes the first supervisor and, by them, an agent with agentID.
func newAgent(t *testing.T, db *DB) (sup, agent clerks.Account) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.CreateFirstSupervisor(ctx, clerks.Account{Login: "zhuguan", Name: "陈主管", Window: 1}, "hq-2026-chen"); err != nil {
		t.Fatal(err)
	}
	sup, err := db.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	if err != nil {
		t.Fatal(err)
	}
	agent, err = db.CreateAccount(ctx, sup, clerks.Account{Login: "cun01", Name: "李网格", Role: clerks.Agent, IDNumber: " 33052219851203004２"}, "dq-2026-li")
	if err != nil {
		t.Fatal(err)
	}
	return sup, agent
}

// TestAgentIDNumberSealedAtRest: an agent's ID number reads back in clear
// through the store, but no file of the data folder holds it — not the
// clerks table, the hall's log, the outbox's account event or the audit.
func TestAgentIDNumberSealedAtRest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openAt(t, dir, clock.NewManual(t0))
	configure(t, db, 1, servicepoint.QueueHub) // a hub logs the account for the hall too
	_, agent := newAgent(t, db)
	if got, err := db.AccountIDNumber(ctx, agent.ID); err != nil || got != agentID {
		t.Fatalf("AccountIDNumber: got %q, %v; want %q", got, err, agentID)
	}
	all, err := db.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		want := ""
		if a.Role == clerks.Agent {
			want = agentID
		}
		if a.IDNumber != want {
			t.Errorf("Accounts: %s has ID number %q, want %q", a.Login, a.IDNumber, want)
		}
	}
	st, err := db.AccountState(ctx, agent.ID)
	if err != nil || st.IDNumber != agentID {
		t.Errorf("AccountState: got %q, %v; want %q", st.IDNumber, err, agentID)
	}
	log, err := db.AuditLog(ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range log {
		if bytes.Contains([]byte(e.Subject+e.Detail), []byte(agentID)) {
			t.Errorf("audit row %s names the agent's ID number: %q %q", e.Action, e.Subject, e.Detail)
		}
	}
	db.Close()
	files := 0
	filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		files++
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("read %s: %v", path, err)
		} else if bytes.Contains(raw, []byte(agentID)) {
			t.Errorf("%s holds the agent's ID number in clear", filepath.Base(path))
		}
		return nil
	})
	if files == 0 {
		t.Fatal("no file looked at")
	}
}

// TestAgentIDNumberReachesTheHall: the number goes with the account to
// every machine of the hall (sealed there with that machine's key); a
// state without it — from a hub of the previous release, or a hub whose
// data was still sealed — leaves the number a machine has.
func TestAgentIDNumberReachesTheHall(t *testing.T) {
	ctx := context.Background()
	h := newTestHall(t, "a", "b")
	sup, err := h.hub.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	if err != nil {
		t.Fatal(err)
	}
	agent, err := h.hub.CreateAccount(ctx, sup, clerks.Account{Login: "cun01", Name: "李网格", Role: clerks.Agent, IDNumber: agentID}, "dq-2026-li")
	if err != nil {
		t.Fatal(err)
	}
	h.sync()
	for _, name := range []string{"a", "b"} {
		if got, err := h.ms[name].AccountIDNumber(ctx, agent.ID); err != nil || got != agentID {
			t.Errorf("%s: got %q, %v; want the agent's ID number", name, got, err)
		}
	}

	a := h.ms["a"]
	st, err := a.AccountState(ctx, agent.ID)
	if err != nil {
		t.Fatal(err)
	}
	older := st
	older.IDNumber, older.Rev, older.Failures = "", st.Rev+1, 1
	if err := a.KeepAccount(ctx, older); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.AccountIDNumber(ctx, agent.ID); got != agentID {
		t.Errorf("after a state without the number: got %q, want %q kept", got, agentID)
	}
	if got, _ := a.AccountState(ctx, agent.ID); got.Failures != 1 {
		t.Errorf("after a state without the number: failures %d, want the rest of the state kept (1)", got.Failures)
	}

	// Machine b's data is sealed (it just started): the hall's log waits
	// for it to open, a sign-in at the hub still keeps the account.
	b := h.ms["b"]
	other, err := h.hub.CreateAccount(ctx, sup, clerks.Account{Login: "cun02", Name: "钱网格", Role: clerks.Agent, IDNumber: "933392198507010015"}, "dq-2026-qian")
	if err != nil {
		t.Fatal(err)
	}
	b.Lock()
	epoch, after, err := b.HallCursor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := h.hub.HallLog(ctx, after, 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.HallApply(ctx, epoch, items); !errors.Is(err, ErrLocked) {
		t.Errorf("log applied while sealed: got %v, want ErrLocked (the item waits)", err)
	}
	st2, err := h.hub.AccountState(ctx, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.KeepAccount(ctx, st2); err != nil {
		t.Errorf("sign-in while sealed: %v", err)
	}
	if err := unlockForTest(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.AccountIDNumber(ctx, other.ID); got != "" {
		t.Errorf("kept while sealed: got %q, want none yet", got)
	}
	h.pull("b")
	if got, _ := b.AccountIDNumber(ctx, other.ID); got != "933392198507010015" {
		t.Errorf("after the data opened: got %q, want the foreign permanent resident ID", got)
	}
}

// A hub whose data is sealed answers with the account but not the number.
func TestAccountStateOfASealedHubOmitsTheNumber(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	configure(t, db, 1, servicepoint.QueueLocal)
	_, agent := newAgent(t, db)
	db.Lock()
	st, err := db.AccountState(ctx, agent.ID)
	if err != nil || st.Login != "cun01" || st.IDNumber != "" {
		t.Errorf("sealed: got %+v, %v; want the account without the number", st, err)
	}
}

// A machine the county revoked keeps its accounts, not the agents'
// numbers: they were sealed with the key the wipe destroyed.
func TestWipeForgetsAgentsIDNumbers(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	configure(t, db, 1, servicepoint.QueueLocal)
	_, agent := newAgent(t, db)
	if err := db.Wipe(ctx, "revoked"); err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := db.r.QueryRowContext(ctx, `SELECT id_number FROM clerks WHERE id = ?`, agent.ID).Scan(&stored); err != nil || stored != "" {
		t.Errorf("after the wipe: got %q, %v; want the sealed number gone", stored, err)
	}
}
