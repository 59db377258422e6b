package hallsync

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/sync/protocol"
)

// TestAccountChangedAtAMachineHoldsInTheHall: a supervisor at a machine
// deactivates a clerk; the hub makes the change and answers with the new
// state, and its log brings it to the machine, which then refuses the
// clerk's sign-in on its own copy. A clerk may not make the change.
func TestAccountChangedAtAMachineHoldsInTheHall(t *testing.T) {
	ctx := context.Background()
	h := startTestHub(t)
	m := h.join(t, 2)
	eventually(t, "the machine following its hub", 10*time.Second, func() bool { return m.repl.State().Paired })
	clerk, err := h.db.CreateAccount(ctx, h.sup, clerks.Account{Login: "wangli", Name: "王丽", Role: clerks.Clerk, Window: 3}, "wl258147")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.repl.ChangeAccount(ctx, protocol.HallAccountChange{Actor: clerk.ID, Kind: "deactivate", ID: h.sup.ID}); !errors.Is(err, store.ErrNotSupervisor) {
		t.Errorf("a clerk deactivating the supervisor: got %v, want %v", err, store.ErrNotSupervisor)
	}
	st, err := m.repl.ChangeAccount(ctx, protocol.HallAccountChange{Actor: h.sup.ID, Kind: "deactivate", ID: clerk.ID})
	if err != nil {
		t.Fatal(err)
	}
	if st.Active {
		t.Errorf("hub's answer: got active %v, want false", st.Active)
	}
	eventually(t, "the deactivation at the machine", 10*time.Second, func() bool {
		_, err := m.db.Authenticate(ctx, "wangli", "wl258147")
		return errors.Is(err, clerks.ErrInactive)
	})
}
