// Package writeback starts a file's writeback without waiting for it: the
// kiosk's and the county's backups write their copy without syncs and
// start its writeback every few megabytes, so that a clerk's or a push's
// commit, which waits for its own fsync, never queues behind the whole
// copy at once (issue 18).
package writeback

import (
	"os"

	"golang.org/x/sys/unix"
)

// Start asks the kernel to start writing f's dirty pages to disk now,
// without waiting for them. A backup copy is written without syncs of its
// own; on a machine with gigabytes of RAM the kernel would otherwise keep
// the whole copy in memory and write it all at the copy's final fsync,
// and a commit, which waits for its own fsync, would queue behind that
// flood (738 ms at 250,000 kiosk cases). Started a few megabytes at a
// time, the copy goes out while it is made, at the disk's pace.
func Start(f *os.File) {
	_ = unix.SyncFileRange(int(f.Fd()), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
}

// Range writes the dirty pages of f in [off, off+n) to the disk and waits
// for them, leaving the rest of the file alone: a file's dirty pages sent
// a few megabytes at a time rather than all at once by one fsync.
func Range(f *os.File, off, n int64) error {
	return unix.SyncFileRange(int(f.Fd()), off, n,
		unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER)
}
