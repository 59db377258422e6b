package store

import (
	"context"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/yichuang/yichuang/sync/lowpriority"
)

// TestDailyBackupRunsBelowTheCounter: the daily backup copies at niceness
// lowpriority.Nice in the idle I/O class (the counter's commits come
// first), and the clerks' goroutines keep their priority (issue 18).
func TestDailyBackupRunsBelowTheCounter(t *testing.T) {
	ctx := context.Background()
	db := casesDB(t, t.TempDir(), 500)
	prio := func() (nice, ioClass int) {
		tid := unix.Gettid()
		p, err := unix.Getpriority(unix.PRIO_PROCESS, tid)
		if err != nil {
			t.Error(err)
		}
		io, _, _ := unix.Syscall(unix.SYS_IOPRIO_GET, 1, uintptr(tid), 0)
		return 20 - p, int(io) >> 13
	}
	callerNice, _ := prio()
	nice, ioClass, steps := 0, 0, 0
	db.backupPaused = func() {
		steps++
		nice, ioClass = prio()
	}
	if _, err := db.DailyBackup(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if steps == 0 {
		t.Fatal("the copy went in one step: nothing to look at")
	}
	if nice < lowpriority.Nice || ioClass != 3 {
		t.Errorf("the copy ran at niceness %d, I/O class %d; want at least %d and 3 (idle)", nice, ioClass, lowpriority.Nice)
	}
	if n, _ := prio(); n != callerNice {
		t.Errorf("the caller's niceness: got %d, want %d as before", n, callerNice)
	}
}
