//go:build !cgo && !windows

package sdt

import (
	"fmt"
	"runtime"
)

// Supported says whether this build can load a reader library: a build
// without cgo cannot dlopen, so it reports no reader, saying why, and the
// counter types IDs as before.
const Supported = false

func loadLibrary(string) (library, error) {
	return nil, fmt.Errorf("this %s build has no cgo to load it with", runtime.GOOS)
}

func loadDecoder(string) (decoder, error) {
	return nil, fmt.Errorf("this %s build has no cgo to load it with", runtime.GOOS)
}
