package update

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Runner starts bin with args, waits for it and returns its exit code; an
// error means it could not be started at all.
type Runner func(bin string, args []string) (int, error)

// Supervisor is the launcher where the OS has no exec and no service
// manager restarts the kiosk (Windows): the packaged binary starts the
// newest good release as its child and waits for it, starts it again
// when it ends with an error (each start counted by Handoff until the
// release is healthy, so one that never gets there is rolled back after
// MaxTries), and ends with the child's code otherwise.
type Supervisor struct {
	DataDir string
	Running string // this binary's version
	Keys    []ed25519.PublicKey
	Run     Runner
	// Pause is waited between a child's failure and its next start (nil:
	// time.Sleep); MaxCrashes bounds the restarts of a release that is
	// healthy but keeps failing (0: 5), as a service manager's start
	// limit does.
	Pause      func(time.Duration)
	MaxCrashes int
}

// LauncherEnv names, in a release's environment, the launcher that
// started it: the one to start again to restart into an update.
// AfterPIDEnv names, in a launcher started that way, the kiosk it must
// wait for.
const (
	LauncherEnv = "YICHUANG_LAUNCHER"
	AfterPIDEnv = "YICHUANG_AFTER_PID"
)

// Relaunch starts the launcher again (the one named by LauncherEnv, else
// this binary) with this process's arguments, telling it to wait for this
// process to end: the restart into an installed update where no service
// manager restarts the kiosk.
func Relaunch() error {
	exe := os.Getenv(LauncherEnv)
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return err
		}
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, LauncherEnv+"=") && !strings.HasPrefix(kv, NoHandoff+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, AfterPIDEnv+"="+strconv.Itoa(os.Getpid()))
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("restart the launcher %s: %w", exe, err)
	}
	return cmd.Process.Release()
}

// RestartPause is the wait before a failed child is started again.
const RestartPause = 5 * time.Second

// Launch runs the release that should run instead of this binary, for
// as long as it should. handedOver false means this binary is the one to
// run (nothing installed, or a release rolled back); otherwise code is
// the exit code to end with. start says whether this is the kiosk
// starting (starts count) or a command such as --version (run once).
func (s Supervisor) Launch(args []string, start bool) (code int, handedOver bool, err error) {
	pause, limit := s.Pause, s.MaxCrashes
	if pause == nil {
		pause = time.Sleep
	}
	if limit == 0 {
		limit = 5
	}
	for crashes := 0; ; {
		bin, err := Handoff(s.DataDir, s.Running, s.Keys, start)
		if bin == "" {
			return 0, false, err
		}
		code, err := s.Run(bin, args)
		if err != nil {
			// Counted already: the next Handoff rolls back once it has
			// failed MaxTries times, and says why.
			if serr := StartFailed(s.DataDir, err); serr != nil {
				return 1, true, serr
			}
			if !start {
				return 1, true, err
			}
			continue
		}
		if !start || code == 0 {
			return code, true, nil
		}
		// A release not yet healthy is bounded by its tries (Handoff rolls
		// it back); a healthy one by the crash limit.
		if st, _ := LoadState(s.DataDir); st.Healthy {
			if crashes++; crashes > limit {
				return code, true, nil
			}
		}
		pause(RestartPause)
	}
}
