package voice

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
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

// needEspeak fails, not skips, without espeak-ng: make test installs it
// (packaging/deps.sh), and a hall without it would call in silence.
func needEspeak(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Fatal("espeak-ng not found: install espeak-ng (make test does)")
	}
}

// TestIsMandarin: transcriptions as espeak-ng 1.51 (Debian 12) writes them
// for "请 零": voice cmn hands both characters to English ("king three",
// "ling two"), cmn-latn-pinyin reads them in Mandarin.
func TestIsMandarin(t *testing.T) {
	for _, tc := range []struct {
		phonemes string
		want     bool
	}{
		{"(en)kI55NTr'i:55(cmn)_| lI55Nt'u:55(cmn)_|", false},
		{"tS;h'i21N_| l'i35N_|", true},
		{"ts.hw'A55N_| (cmn)kh'ou21_|", true},
		{"", false},
	} {
		if got := IsMandarin(tc.phonemes); got != tc.want {
			t.Errorf("IsMandarin(%q) = %v, want %v", tc.phonemes, got, tc.want)
		}
	}
}

// TestBoardVoiceReadsMandarin: the voice the board speaks with reads 请 and
// 零, and a whole call, in Mandarin: 请 as qǐng (tS;h'i…N), 零 as líng
// (l'i…N), not as English letter names.
func TestBoardVoiceReadsMandarin(t *testing.T) {
	needEspeak(t)
	ctx := context.Background()
	v := Voice(ctx, "espeak-ng")
	for _, tc := range []struct {
		text string
		want []string // sounds the Mandarin reading has
	}{
		{"请", []string{"h'i", "N"}},
		{"零", []string{"l'i", "N"}},
		{CallText("B012", 3), []string{"l'i"}},
	} {
		got, err := Phonemes(ctx, "espeak-ng", v, tc.text)
		if err != nil {
			t.Fatalf("espeak-ng -v %s: %v", v, err)
		}
		if !IsMandarin(got) {
			t.Errorf("voice %s reads %q as %q: not Mandarin", v, tc.text, got)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("voice %s reads %q as %q, want it to contain %q", v, tc.text, got, w)
			}
		}
	}
	// The check can fail: where the plain cmn voice still reads Chinese as
	// English (Debian 12), it must not be the one chosen.
	if ph, err := Phonemes(ctx, "espeak-ng", "cmn", "请"); err == nil && !IsMandarin(ph) && v == "cmn" {
		t.Errorf("chose cmn, which reads 请 as %q", ph)
	}
}

// TestSpeaksWithEspeak runs the real espeak-ng Mandarin voice into a WAV
// file and checks sound was produced.
func TestSpeaksWithEspeak(t *testing.T) {
	needEspeak(t)
	wav := filepath.Join(t.TempDir(), "call.wav")
	s := &Speaker{Args: []string{"-v", Voice(context.Background(), "espeak-ng"), "-w", wav}, HasSound: func() bool { return true }}
	defer s.Close()
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
	if s.Enabled() || s.State() != NotInstalled {
		t.Errorf("state %v without the program installed, want NotInstalled", s.State())
	}
	s.Say("x") // must not panic or block
	s.Close()
}

func TestHasSoundOutput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	none := write("none", "--- no soundcards ---\n")
	card := write("card", " 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n                      HDA Intel PCH at 0xf7f10000 irq 32\n")
	run := filepath.Join(dir, "run")
	if err := os.MkdirAll(filepath.Join(run, "pulse"), 0o700); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(run, "pulse", "native"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, tc := range []struct {
		name  string
		cards string
		dirs  []string
		want  bool
	}{
		{"no ALSA at all", filepath.Join(dir, "missing"), nil, false},
		{"ALSA without cards", none, []string{dir}, false},
		{"a sound card", card, nil, true},
		{"a PulseAudio server", none, []string{run}, true},
	} {
		if got := hasSoundOutput(tc.cards, tc.dirs); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestNoSoundDeviceIsNoticedWhenSpeaking: espeak-ng exits 0 when it cannot
// open the sound output; the speaker reads its stderr and says NoDevice.
// With the real espeak-ng on a machine without sound (as here, in CI) and
// with a stand-in that prints what espeak-ng prints there.
func TestNoSoundDeviceIsNoticedWhenSpeaking(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "espeak-ng")
	script := "#!/bin/sh\necho \"ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM default\" >&2\necho 'error: No such file or directory' >&2\nexit 0\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	commands := []string{fake}
	if _, err := exec.LookPath("espeak-ng"); err == nil && !HasSoundOutput() {
		commands = append(commands, "espeak-ng")
	} else {
		t.Log("this machine has a sound output (or no espeak-ng): only the stand-in is run")
	}
	for _, command := range commands {
		var told atomic.Int32
		s := &Speaker{Command: command, Args: []string{"-v", "cmn-latn-pinyin"}, HasSound: func() bool { return true }}
		s.OnChange(func() { told.Add(1) })
		s.SetEnabled(true)
		if got := s.State(); got != On {
			t.Fatalf("%s: state before speaking %v, want On", command, got)
		}
		s.Say(CallText("A001", 1))
		deadline := time.Now().Add(20 * time.Second)
		for s.State() != NoDevice && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if got := s.State(); got != NoDevice {
			t.Errorf("%s: state after a call with no sound output %v, want NoDevice", command, got)
		}
		if told.Load() != 1 {
			t.Errorf("%s: OnChange told %d times, want 1", command, told.Load())
		}
		s.Close()
	}
}

// TestMissingSoundOutputIsNoDevice: with no output found, the speaker is
// not On even before it speaks, and says nothing.
func TestMissingSoundOutputIsNoDevice(t *testing.T) {
	needEspeak(t)
	s := &Speaker{HasSound: func() bool { return false }}
	s.SetEnabled(true)
	if got := s.State(); got != NoDevice {
		t.Errorf("state %v, want NoDevice", got)
	}
	s.SetEnabled(false)
	if got := s.State(); got != Off {
		t.Errorf("switched off: state %v, want Off", got)
	}
}

// TestCloseEndsTheSpeaker: Close stops a long announcement and the
// speaker's goroutine; Say afterwards does nothing.
func TestCloseEndsTheSpeaker(t *testing.T) {
	slow := filepath.Join(t.TempDir(), "slow")
	if err := os.WriteFile(slow, []byte("#!/bin/sh\nexec sleep 30\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	s := &Speaker{Command: slow, Args: []string{}, HasSound: func() bool { return true }}
	s.SetEnabled(true)
	s.Say("x")
	time.Sleep(100 * time.Millisecond)
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the speaker within 5 s")
	}
	s.Say("y") // must not panic or block
}
