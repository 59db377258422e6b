//go:build !unix

package main

import (
	"crypto/ed25519"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/yichuang/yichuang/app/update"
)

// handOver, where there is no exec and no service manager (Windows): this
// packaged binary starts the release as its child and supervises it
// (update.Supervisor), then ends with its exit code. A kiosk restarting
// into an update it installed starts this launcher again and names itself
// in YICHUANG_AFTER_PID: the launcher waits for it to end first, so two
// kiosks never run on one data directory.
func handOver(dataDir string, keys []ed25519.PublicKey, start bool) error {
	waitForPrevious()
	self, _ := os.Executable()
	code, handed, err := update.Supervisor{DataDir: dataDir, Running: Version(), Keys: keys,
		Run: func(bin string, args []string) (int, error) {
			cmd := exec.Command(bin, args[1:]...)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
			cmd.Env = append(os.Environ(), update.LauncherEnv+"="+self)
			err := cmd.Run()
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				return exit.ExitCode(), nil
			}
			return 0, err
		}}.Launch(os.Args, start)
	if handed {
		os.Exit(code)
	}
	return err
}

// waitForPrevious waits, up to a minute, for the kiosk that started this
// launcher to restart into an update to end.
func waitForPrevious() {
	pid, err := strconv.Atoi(os.Getenv(update.AfterPIDEnv))
	os.Unsetenv(update.AfterPIDEnv)
	if err != nil {
		return
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return
	}
	done := make(chan struct{})
	go func() { p.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
	}
}
