// Package clock provides the time source every time-based rule takes, so that
// deadlines, backups and queue windows can be tested at any chosen moment.
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// System is the machine's clock.
type System struct{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

// Manual is a clock for tests: it stands still until Set or Advance.
type Manual struct {
	mu  sync.Mutex
	now time.Time
}

// NewManual returns a clock standing at t.
func NewManual(t time.Time) *Manual { return &Manual{now: t} }

// Now returns the clock's current time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Set moves the clock to t.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	m.now = t
	m.mu.Unlock()
}

// Advance moves the clock forward by d.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	m.now = m.now.Add(d)
	m.mu.Unlock()
}

// Shifted is the machine's clock moved by a fixed offset: a demonstration
// or a screenshot of the hall at 10:30 taken at night (YICHUANG_CLOCK).
type Shifted struct{ By time.Duration }

// Now returns time.Now() moved by the offset.
func (s Shifted) Now() time.Time { return time.Now().Add(s.By) }
