// Package lowpriority runs work, such as a backup, at a priority below
// the work people wait for: the kiosk's daily backup beside the clerks'
// commits, the county's beside the pushes (issue 18: no commit waits more
// than 100 ms for a backup).
package lowpriority

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// Nice is the CPU niceness Run gives its work, as countyd-backup.service
// gives the county's nightly backup (Nice=10): it takes the CPU a commit
// leaves, and still finishes on a busy machine.
const Nice = 10

// Run runs f on an OS thread of its own, at CPU niceness Nice (or lower
// still, if the process already is) and in the idle I/O class, and
// returns its error. SQLite's copy and check run in the calling thread's
// cgo calls, so they get the thread's priority; the thread is ended
// afterwards rather than handed back to the Go runtime with it. Lowering
// a priority needs no privilege; where the kernel refuses, f runs as it is.
func Run(f func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		lower()
		done <- f()
	}()
	return <-done
}

// lower lowers the calling thread's CPU and I/O priority, best effort.
func lower() {
	tid := unix.Gettid()
	// getpriority's raw syscall answers 20 - nice (1 … 40).
	if p, err := unix.Getpriority(unix.PRIO_PROCESS, tid); err == nil && 20-p < Nice {
		_ = unix.Setpriority(unix.PRIO_PROCESS, tid, Nice)
	}
	const ioprioWhoProcess, ioprioClassIdle, ioprioClassShift = 1, 3, 13
	_, _, _ = unix.Syscall(unix.SYS_IOPRIO_SET, ioprioWhoProcess, uintptr(tid), ioprioClassIdle<<ioprioClassShift)
}
