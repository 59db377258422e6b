// Package ratelimit bounds how often and how much at once: a keyed limiter
// (per address, per account, per device) whose memory stays bounded however
// many keys an attacker invents, and a gate on work done at the same time.
// The county's API and back office and the hall hub share it, so every
// "429 with Retry-After" of the protocol means the same thing.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter lets Burst events through at once per key and then one every
// Every (a generic cell rate algorithm: per key it keeps one time, the
// moment the key's bucket would be full again).
type Limiter struct {
	Every   time.Duration
	Burst   int
	MaxKeys int // 0: 10,000

	mu   sync.Mutex
	full map[string]time.Time
}

// Allow takes one event for key at now. When the key is over its rate it
// says how long until the next event would pass, and nothing is taken.
func (l *Limiter) Allow(key string, now time.Time) (ok bool, retry time.Duration) {
	return l.AllowN(key, 1, now)
}

// AllowN takes n events at once (a costlier request counts for more).
func (l *Limiter) AllowN(key string, n int, now time.Time) (ok bool, retry time.Duration) {
	return l.take(key, allowStep(l.Every, l.Burst, n), now)
}

// Check says whether one event for key would pass at now, taking nothing:
// for limits counted on failures only (a login is checked before the
// password is, and charged with Penalty only when it was wrong).
func (l *Limiter) Check(key string, now time.Time) (ok bool, retry time.Duration) {
	return l.take(key, checkStep(l.Every, l.Burst), now)
}

// Penalty pushes key back by d without taking an event: a failed login
// costs more than a successful one.
func (l *Limiter) Penalty(key string, d time.Duration, now time.Time) {
	l.take(key, penaltyStep(d), now)
}

// take applies one step to key's bucket in memory.
func (l *Limiter) take(key string, s Step, now time.Time) (ok bool, retry time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at, known := l.full[key]
	next, ok, retry := s.Apply(at, now)
	if !ok || !s.Keep {
		return ok, retry
	}
	if l.full == nil {
		l.full = map[string]time.Time{}
	}
	if !known {
		l.makeRoom(now)
	}
	l.full[key] = next
	return true, 0
}

// Forget drops what the limiter holds for key (after a good login).
func (l *Limiter) Forget(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.full, key)
}

// makeRoom keeps the map under MaxKeys: keys whose bucket is full again
// carry nothing and go first; if an attacker keeps more keys than that
// busy, arbitrary ones go (which only lets those keys start afresh).
func (l *Limiter) makeRoom(now time.Time) {
	limit := l.MaxKeys
	if limit <= 0 {
		limit = 10000
	}
	if len(l.full) < limit {
		return
	}
	for k, at := range l.full {
		if !at.After(now) {
			delete(l.full, k)
		}
	}
	for k := range l.full {
		if len(l.full) < limit {
			break
		}
		delete(l.full, k)
	}
}

// Keys is how many keys the limiter holds (for tests and metrics).
func (l *Limiter) Keys() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.full)
}

// Gate bounds work done at the same time, in units (requests, bytes).
type Gate struct {
	mu   sync.Mutex
	cap  int64
	used int64
	wake chan struct{}
}

// NewGate makes a gate of capacity units.
func NewGate(capacity int64) *Gate {
	return &Gate{cap: capacity, wake: make(chan struct{})}
}

// Enter takes n units, waiting at most wait for them. It says false when
// they did not come free in time (or n is over the whole capacity); the
// caller answers 429 or 503 then, rather than queueing without bound.
func (g *Gate) Enter(n int64, wait time.Duration) bool {
	if n > g.cap {
		return false
	}
	var deadline <-chan time.Time
	for {
		g.mu.Lock()
		if g.used+n <= g.cap {
			g.used += n
			g.mu.Unlock()
			return true
		}
		wake := g.wake
		g.mu.Unlock()
		if wait <= 0 {
			return false
		}
		if deadline == nil {
			t := time.NewTimer(wait)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-wake:
		case <-deadline:
			return false
		}
	}
}

// Leave gives n units back.
func (g *Gate) Leave(n int64) {
	g.mu.Lock()
	g.used -= n
	close(g.wake)
	g.wake = make(chan struct{})
	g.mu.Unlock()
}

// InUse is how many units are taken.
func (g *Gate) InUse() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.used
}
