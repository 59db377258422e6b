package store

import (
	"context"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"
)

// checkLog records the checks Options.Checked hears of, and whether each
// ran inside Open or in the background.
type checkLog struct {
	mu  sync.Mutex
	got []string
}

func (l *checkLog) opts(build string, mode CheckMode) Options {
	return Options{Build: build, Check: mode, Checked: func(k CheckKind, _ time.Duration, err error) {
		// Where the check ran is read from the goroutine that tells of it,
		// not from whether Open had returned yet: a background check of a
		// small file can end before Open returns, which made this test
		// flaky when it judged by the time.
		when := "in Open"
		if strings.Contains(string(debug.Stack()), "checkInBackground") {
			when = "background"
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if err != nil {
			when += " failed"
		}
		l.got = append(l.got, string(k)+" "+when)
	}}
}

// open opens path, waits for its check and returns the checks heard of.
func (l *checkLog) open(t *testing.T, path, build string, mode CheckMode) (*DB, []string) {
	t.Helper()
	l.mu.Lock()
	l.got = nil
	l.mu.Unlock()
	db, err := Open(context.Background(), path, l.opts(build, mode))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Checked(context.Background()); err != nil {
		t.Fatalf("Checked = %v", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return db, append([]string(nil), l.got...)
}

func TestOpenChecksFullyOnlyAfterAnUncleanEndOrAnUpgrade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	var l checkLog
	steps := []struct {
		name  string
		build string
		mode  CheckMode
		close bool // false: left open, as kill -9 or a power cut leaves it
		want  string
	}{
		{"new file: migrating, so checked fully first", "1.0", CheckInBackground, true, "integrity_check in Open"},
		{"clean close, same release", "1.0", CheckInBackground, true, "quick_check background"},
		{"another release", "1.1", CheckInBackground, false, "integrity_check background"},
		{"after a start that never closed", "1.1", CheckInBackground, true, "integrity_check background"},
		{"that full check answered for it", "1.1", CheckInBackground, true, "quick_check background"},
		{"self-check: full, in Open, once", "1.1", CheckFullNow, true, "integrity_check in Open"},
	}
	var leftOpen []*DB
	for _, s := range steps {
		db, got := l.open(t, path, s.build, s.mode)
		if len(got) != 1 || got[0] != s.want {
			t.Errorf("%s: checks %q, want [%s]", s.name, got, s.want)
		}
		if s.close {
			db.Close()
		} else {
			leftOpen = append(leftOpen, db)
		}
	}
	for _, db := range leftOpen {
		db.Close()
	}
}
