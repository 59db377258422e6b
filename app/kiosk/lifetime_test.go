package kiosk

import (
	"context"
	"net"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/internal/halltest"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/ui/busy/busytest"
	"github.com/yichuang/yichuang/app/voice"
)

// TestCloseEndsEveryGoroutine: the kiosk's goroutines (the daily backup
// loop, the status bar's refresh, the board's, the county link) run under
// one root context; Close ends them all before it closes the database,
// and nothing starts after it.
func TestCloseEndsEveryGoroutine(t *testing.T) {
	dir := halltest.ConfiguredData(t)
	a := busytest.NewApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	before := runtime.NumGoroutine()
	k := New(a, w, Options{Dir: dir, KeepBackups: 7, Clock: clock.System{}, Version: "0.0.0-test"})
	k.Start()
	unlock(t, k, w)
	k.showHome()
	k.showBoard()
	k.showHome()
	if n := k.life.running.Load(); n < 2 {
		t.Fatalf("%d goroutines under the root context, want the backup loop and the status refresh at least", n)
	}
	k.Close()
	if n := k.life.running.Load(); n != 0 {
		t.Errorf("%d goroutines still running after Close", n)
	}
	if k.life.ctx.Err() == nil {
		t.Error("the root context is not cancelled after Close")
	}
	ran := make(chan struct{}, 1)
	if k.life.Go(func(context.Context) { ran <- struct{}{} }) {
		t.Error("the root started a goroutine after Close")
	}
	select {
	case <-ran:
		t.Error("a backup loop (or anything) ran after Close")
	case <-time.After(100 * time.Millisecond):
	}
	// Nothing of the kiosk's is left: the process is back to what it ran
	// before (Fyne's test driver keeps its own few).
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > before {
		t.Errorf("got %d goroutines 5 s after Close, want at most the %d before the kiosk's started", got, before)
	}
}

// TestRootContextStopsTheHub: the hall hub's server runs under the
// context StartHall is given; when it ends, the server has ended and its
// port is free again.
func TestRootContextStopsTheHub(t *testing.T) {
	dir := halltest.ConfiguredData(t)
	h := halltest.Open(t, dir, clock.System{})
	listen := "127.0.0.1:" + freePort(t)
	cfg, _, err := h.DB.Kiosk(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cfg.QueueRole = servicepoint.QueueHub
	ctx, cancel := context.WithCancel(context.Background())
	side := StartHall(ctx, h.DB, clock.System{}, dir, listen, cfg, func() {})
	if side.Problem() != nil {
		t.Fatal(side.Problem())
	}
	cancel()
	done := make(chan struct{})
	go func() { side.running.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the hub's server still runs 5 s after its context ended")
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatalf("the hub's port is still taken: %v", err)
	}
	ln.Close()
	side.Stop() // after the context: returns at once
}

// TestBoardSaysWhenNoSoundDevice: the board tells the hall staff when
// calls cannot be heard instead of "语音播报：开".
func TestBoardSaysWhenNoSoundDevice(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Fatal("espeak-ng not found: install espeak-ng (make test does)")
	}
	for _, tc := range []struct {
		name  string
		sound bool
		want  string
	}{
		{"no sound output", false, "语音播报：无声音设备"},
		{"a loudspeaker", true, "语音播报：开"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, w := start(t, halltest.ConfiguredData(t), "")
			unlock(t, k, w)
			k.speaker = &voice.Speaker{HasSound: func() bool { return tc.sound }}
			k.speaker.SetEnabled(true)
			k.showBoard()
			if got := shown(w); !strings.Contains(got, tc.want) {
				t.Errorf("board shows:\n%s\nwant %q on it", got, tc.want)
			}
		})
	}
	// This machine, as it is: the board says what its sound output is.
	k, w := start(t, halltest.ConfiguredData(t), "")
	unlock(t, k, w)
	k.showBoard()
	want := "语音播报：无声音设备"
	if voice.HasSoundOutput() {
		want = "语音播报：开"
	}
	if got := shown(w); !strings.Contains(got, want) {
		t.Errorf("board on this machine shows:\n%s\nwant %q on it", got, want)
	}
}
