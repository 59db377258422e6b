package recovery

import (
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

func TestRecoveryWithoutBackupOffersNothingToRestore(t *testing.T) {
	test.NewTempApp(t)
	s := New(Problem{Path: "/data/yichuang.db", Reason: "这个文件不是一窗的数据库", Detail: "the file is not an SQLite database"},
		func() (string, error) { t.Error("restore called"); return "", nil }, func() {})
	test.NewTempWindow(t, s.Content())
	if !s.Restore.Disabled() {
		t.Error("restore enabled with no backup")
	}
}

func TestRecoveryRestoresNewestBackup(t *testing.T) {
	test.NewTempApp(t)
	calls := 0
	fail := true
	s := New(Problem{Path: "/data/yichuang.db", Detail: "integrity check: page 3", Newest: time.Date(2026, 11, 25, 0, 0, 0, 0, time.Local), NewestSize: 3 << 20},
		func() (string, error) {
			calls++
			if fail {
				return "", errors.New("disk full")
			}
			return "/data/yichuang.db.corrupt-20261126T101500", nil
		}, func() {})
	test.NewTempWindow(t, s.Content())
	test.Tap(s.Restore)
	if calls != 1 || s.Restore.Disabled() || !strings.HasPrefix(s.Message.Text, "恢复没有成功") {
		t.Errorf("after a failed restore: calls %d, disabled %v, message %q", calls, s.Restore.Disabled(), s.Message.Text)
	}
	fail = false
	test.Tap(s.Restore)
	if !strings.Contains(s.Message.Text, "corrupt-20261126T101500") || !s.Restore.Disabled() {
		t.Errorf("after restore: message %q, disabled %v", s.Message.Text, s.Restore.Disabled())
	}
}
