//go:build unix

package main

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"syscall"

	"github.com/yichuang/yichuang/app/update"
)

// handOver replaces this process with the release to run, if any: the same
// process id, so the service manager that started the kiosk keeps
// watching it and restarts it when it ends (each start counted).
func handOver(dataDir string, keys []ed25519.PublicKey, start bool) error {
	bin, err := update.Handoff(dataDir, Version(), keys, start)
	if bin == "" {
		return err
	}
	self, _ := os.Executable()
	err = syscall.Exec(bin, append([]string{bin}, os.Args[1:]...), append(os.Environ(), update.LauncherEnv+"="+self))
	// The installed release cannot even be started (a data directory
	// mounted noexec): this binary runs, the try is counted, and the
	// rollback will say why.
	if serr := update.StartFailed(dataDir, err); serr != nil {
		return serr
	}
	return fmt.Errorf("start %s: %w", bin, err)
}
