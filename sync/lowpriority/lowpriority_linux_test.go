package lowpriority

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestRunLowersTheThreadOnly: f runs at niceness Nice in the idle I/O
// class, and the goroutine that called Run keeps its thread's priority.
func TestRunLowersTheThreadOnly(t *testing.T) {
	prio := func() (nice, ioClass int) {
		tid := unix.Gettid()
		p, err := unix.Getpriority(unix.PRIO_PROCESS, tid)
		if err != nil {
			t.Fatal(err)
		}
		io, _, e := unix.Syscall(unix.SYS_IOPRIO_GET, 1, uintptr(tid), 0)
		if e != 0 {
			t.Fatal(e)
		}
		return 20 - p, int(io) >> 13
	}
	beforeNice, beforeIO := prio()
	var inNice, inIO int
	if err := Run(func() error { inNice, inIO = prio(); return nil }); err != nil {
		t.Fatal(err)
	}
	if inNice < Nice || inIO != 3 {
		t.Errorf("inside Run: got niceness %d, I/O class %d; want at least %d and 3 (idle)", inNice, inIO, Nice)
	}
	if n, io := prio(); n != beforeNice || io != beforeIO {
		t.Errorf("the caller's thread: got niceness %d, I/O class %d; want %d, %d as before", n, io, beforeNice, beforeIO)
	}
}
