package lockout

import (
	"testing"
	"time"
)

func TestPolicy(t *testing.T) {
	p := Policy{Max: 3, For: time.Minute}
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var s State
	steps := []struct {
		at       time.Duration
		failures int
		locked   bool
	}{
		{0, 1, false},
		{time.Second, 2, false},
		{2 * time.Second, 3, true},              // the third wrong try locks
		{2*time.Second + time.Minute, 1, false}, // a served lock starts a fresh count
		{2*time.Second + time.Minute + 1, 2, false},
	}
	for i, st := range steps {
		now := t0.Add(st.at)
		s = p.Fail(s, now)
		if s.Failures != st.failures || s.Locked(now) != st.locked {
			t.Errorf("step %d: got %d failures, locked %v; want %d, %v", i, s.Failures, s.Locked(now), st.failures, st.locked)
		}
	}
	if (State{}).Locked(t0) {
		t.Error("a fresh state is locked")
	}
}
