// Package lockout is the one rule for guessing a secret: so many wrong
// tries in a row lock it for a while, a served lock starts a fresh count,
// and a right answer clears it. Staff sign-in (app/clerks) and the
// self-service progress query's check (app/store) each choose their
// numbers; the rule is kept here once.
package lockout

import "time"

// Policy is Max wrong tries in a row, then locked for For.
type Policy struct {
	Max int
	For time.Duration
}

// State is what is known of the recent wrong tries.
type State struct {
	Failures    int
	LockedUntil time.Time // zero: never locked
}

// Locked reports whether the state is locked at now.
func (s State) Locked(now time.Time) bool { return now.Before(s.LockedUntil) }

// Fail returns the state after one more wrong try at now.
func (p Policy) Fail(s State, now time.Time) State {
	if !s.LockedUntil.IsZero() && !now.Before(s.LockedUntil) {
		s = State{} // a served lock starts a fresh count
	}
	s.Failures++
	if s.Failures >= p.Max {
		s.LockedUntil = now.Add(p.For)
	}
	return s
}
