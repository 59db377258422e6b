package queue

import (
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/workday"
)

// TestNoTicketsAtNightOnAUTCMachine: the hall's hours are Beijing's even
// when the machine runs in UTC (issue 17 found a ticket issued at 22:25).
func TestNoTicketsAtNightOnAUTCMachine(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.UTC
	c, cal := DefaultHallConfig(), workday.Default()
	for _, tc := range []struct {
		utc  time.Time
		want *msg.Error // nil: open
	}{
		{time.Date(2026, 11, 26, 14, 25, 0, 0, time.UTC), ErrServiceEnd}, // Thursday 22:25 in Beijing
		{time.Date(2026, 11, 26, 22, 25, 0, 0, time.UTC), ErrNotYetOpen}, // Friday 06:25
		{time.Date(2026, 11, 26, 1, 30, 0, 0, time.UTC), nil},            // Thursday 09:30
	} {
		err := c.CheckOpen(cal, tc.utc)
		m, _ := msg.As(err)
		switch {
		case tc.want == nil && err != nil:
			t.Errorf("%v: got %v, want open", tc.utc, err)
		case tc.want != nil && (err == nil || !m.Is(tc.want)):
			t.Errorf("%v: got %v, want %s", tc.utc, err, tc.want.Key)
		}
	}
}
