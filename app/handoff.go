package main

import (
	"fmt"
	"os"

	"github.com/yichuang/yichuang/app/update"
)

// handOff runs the newest good release installed from the county in
// place of this process (update.Handoff decides, and rolls back a release
// that keeps failing). It returns only when this binary is the one to run.
// How it hands over is the OS's: exec where there is one (handoff_unix.go),
// a supervised child elsewhere (handoff_other.go).
func handOff(dataDir, keyFile string, start bool) {
	if os.Getenv(update.NoHandoff) != "" || os.Getenv(update.LauncherEnv) != "" {
		// A release the launcher started never hands over again: one
		// whose binary says an older version than its signed manifest
		// would otherwise start itself for ever.
		return
	}
	// No key file: nothing installed can be checked, so nothing installed
	// runs (Handoff rolls back to this binary and says why).
	keys, _ := update.PinnedKeys(keyFile)
	if err := handOver(dataDir, keys, start); err != nil {
		fmt.Fprintf(os.Stderr, "update launcher: %v\n", err)
	}
}
