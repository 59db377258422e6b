package voice

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestCallText(t *testing.T) {
	tests := []struct {
		number string
		window int
		want   string
	}{
		{"B012", 3, "请 B 零一二 号，到 3 号窗口办理"},
		{"A100", 12, "请 A 一零零 号，到 12 号窗口办理"},
	}
	for _, tt := range tests {
		if got := CallText(tt.number, tt.window); got != tt.want {
			t.Errorf("CallText(%s, %d) = %q, want %q", tt.number, tt.window, got, tt.want)
		}
	}
}

// TestSpeaksWithEspeak runs the real espeak-ng Mandarin voice into a WAV
// file (make test installs espeak-ng) and checks sound was produced.
func TestSpeaksWithEspeak(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Fatal("espeak-ng not found: install espeak-ng (make test does)")
	}
	wav := filepath.Join(t.TempDir(), "call.wav")
	s := &Speaker{Args: []string{"-v", "cmn", "-w", wav}}
	s.SetEnabled(true)
	s.Say(CallText("B012", 3))
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if st, err := os.Stat(wav); err == nil && st.Size() > 10000 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("espeak-ng wrote no sound for the call")
}

func TestDisabledSaysNothing(t *testing.T) {
	s := &Speaker{Command: "definitely-not-a-speech-program"}
	s.SetEnabled(true)
	if s.Enabled() {
		t.Error("enabled without the program installed")
	}
	s.Say("x") // must not panic or block
}
