//go:build !unix

package main

import "errors"

// execBinary: Windows has no exec; the kiosk there does not take updates
// from the county yet (docs/updates.md), so Handoff finds nothing to run.
func execBinary(string, []string) error {
	return errors.New("handing over to another binary is not supported on this OS")
}
