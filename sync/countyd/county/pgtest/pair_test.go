package pgtest

import (
	"os"
	"testing"
)

// KillPrimary finds the postmaster's children by their parent in
// /proc/<pid>/stat, whose command name may hold spaces and parentheses.
func TestParseStat(t *testing.T) {
	for _, tt := range []struct {
		stat      string
		wantPPID  int
		wantState string
	}{
		{"4242 (postgres) S 4200 4242 4242 0 -1", 4200, "S"},
		{"4243 (postgres: walwriter ) S 4242 4242 4242 0 -1", 4242, "S"},
		{"4244 (a) b (c)) Z 1 4244 4244 0 -1", 1, "Z"},
		{"garbage", 0, ""},
	} {
		gotPPID, gotState := parseStat(tt.stat)
		if gotPPID != tt.wantPPID || gotState != tt.wantState {
			t.Errorf("parseStat(%q): got %d %q, want %d %q", tt.stat, gotPPID, gotState, tt.wantPPID, tt.wantState)
		}
	}
}

// This test's own process is alive and is a child of its parent.
func TestAliveAndChildren(t *testing.T) {
	if !alive(os.Getpid()) {
		t.Errorf("alive(self): got false, want true")
	}
	found := false
	for _, c := range childrenOf(os.Getppid()) {
		found = found || c == os.Getpid()
	}
	if !found {
		t.Errorf("childrenOf(parent): got no %d, want this process among them", os.Getpid())
	}
}
