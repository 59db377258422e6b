package main

import (
	"fmt"
	"os"

	"github.com/yichuang/yichuang/app/update"
)

// handOff runs the newest good release installed from the county in
// place of this process (update.Handoff decides, and rolls back a release
// that keeps failing). It returns only when this binary is the one to run.
func handOff(dataDir, keyFile string, start bool) {
	// No key file: nothing installed can be checked, so nothing installed
	// runs (Handoff rolls back to this binary and says why).
	keys, _ := update.PinnedKeys(keyFile)
	bin, err := update.Handoff(dataDir, Version(), keys, start)
	if err != nil {
		fmt.Fprintf(os.Stderr, "update launcher: %v\n", err)
	}
	if bin == "" {
		return
	}
	if err := execBinary(bin, os.Args); err != nil {
		// The installed release cannot even be started (a data directory
		// mounted noexec): this binary runs, the try is counted, and the
		// rollback will say why.
		fmt.Fprintf(os.Stderr, "update launcher: start %s: %v\n", bin, err)
		if err := update.StartFailed(dataDir, err); err != nil {
			fmt.Fprintf(os.Stderr, "update launcher: %v\n", err)
		}
	}
}
