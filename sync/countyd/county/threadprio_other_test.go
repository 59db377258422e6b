//go:build !linux

package county_test

// threadPriority cannot be read here: only Linux lowers a backup's thread.
func threadPriority() (nice, ioClass int, ok bool) { return 0, 0, false }
