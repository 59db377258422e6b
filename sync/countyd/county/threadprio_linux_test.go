package county_test

import "golang.org/x/sys/unix"

// threadPriority is the calling thread's CPU niceness and I/O class
// (3: idle); ok is false where it cannot be read.
func threadPriority() (nice, ioClass int, ok bool) {
	tid := unix.Gettid()
	p, err := unix.Getpriority(unix.PRIO_PROCESS, tid)
	if err != nil {
		return 0, 0, false
	}
	io, _, e := unix.Syscall(unix.SYS_IOPRIO_GET, 1, uintptr(tid), 0)
	if e != 0 {
		return 0, 0, false
	}
	return 20 - p, int(io) >> 13, true
}
