package hallsync

import (
	"context"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/protocol"
)

// TestAgentMadeAtAMachineCarriesItsIDNumber: a supervisor at a machine of
// the hall adds an agent; the hub makes the account with the ID number
// (HallAccountRequest), answers with it, and its log brings it back to
// the machine, sealed there.
func TestAgentMadeAtAMachineCarriesItsIDNumber(t *testing.T) {
	ctx := context.Background()
	h := startTestHub(t)
	m := h.join(t, 2)
	eventually(t, "the machine following its hub", 10*time.Second, func() bool { return m.repl.State().Paired })
	st, err := m.repl.CreateAccount(ctx, protocol.HallAccountRequest{Actor: h.sup.ID, Login: "cun01", Name: "李网格", Role: "agent",
		Secret: "lw-2026-dq", IDNumber: "330522198512030042"})
	if err != nil {
		t.Fatal(err)
	}
	if st.IDNumber != "330522198512030042" {
		t.Errorf("hub's answer: got ID number %q, want the agent's", st.IDNumber)
	}
	if got, err := h.db.AccountIDNumber(ctx, st.ID); err != nil || got != "330522198512030042" {
		t.Errorf("at the hub: got %q, %v", got, err)
	}
	eventually(t, "the agent's ID number at the machine", 10*time.Second, func() bool {
		got, err := m.db.AccountIDNumber(ctx, st.ID)
		return err == nil && got == "330522198512030042"
	})
	if _, err := m.repl.CreateAccount(ctx, protocol.HallAccountRequest{Actor: h.sup.ID, Login: "cun02", Name: "钱网格", Role: "agent",
		Secret: "qw-2026-dq"}); err == nil {
		t.Error("the hub made an agent without an ID number")
	}
}
