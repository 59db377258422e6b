package county_test

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// asBackupTimer runs f on a thread of its own at the priority
// countyd-backup.service gives the nightly backup (Nice=10,
// IOSchedulingClass=idle): SQLite's copy and check run on the calling
// thread, so they get it. The thread is ended afterwards rather than
// handed back to the runtime with that priority.
func asBackupTimer(f func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // not unlocked: the thread dies with the goroutine
		tid := unix.Gettid()
		if err := unix.Setpriority(unix.PRIO_PROCESS, tid, 10); err != nil {
			done <- err
			return
		}
		const ioprioWhoProcess, ioprioClassIdle = 1, 3
		if _, _, e := unix.Syscall(unix.SYS_IOPRIO_SET, ioprioWhoProcess, uintptr(tid), ioprioClassIdle<<13); e != 0 {
			done <- e
			return
		}
		done <- f()
	}()
	return <-done
}
