package ratelimit

import "time"

// Step is one use of a key's bucket, the whole of the algorithm: every
// limiter here, in memory or shared through a Store, turns Allow, Check
// and Penalty into a Step, so the in-memory and the shared limiters
// cannot count differently (ratelimittest holds a Store to Apply).
type Step struct {
	// Cost is how far the event pushes the moment the bucket is full
	// again (n × Every for n events, the penalty's length for a penalty).
	Cost time.Duration
	// Room is how far past now that moment may be pushed (Burst × Every);
	// a step that would push it further is refused and changes nothing.
	Room time.Duration
	// Keep says the step is taken when it passes; a Check only looks.
	Keep bool
}

// unbounded is the Room of a penalty, which is never refused: 146 years,
// far from overflowing the nanoseconds a Store may keep.
const unbounded = time.Duration(1 << 62)

func allowStep(every time.Duration, burst, n int) Step {
	return Step{Cost: time.Duration(n) * every, Room: time.Duration(max(burst, 1)) * every, Keep: true}
}

func checkStep(every time.Duration, burst int) Step {
	return Step{Cost: every, Room: time.Duration(max(burst, 1)) * every}
}

func penaltyStep(d time.Duration) Step {
	return Step{Cost: d, Room: unbounded, Keep: true}
}

// Apply takes the step at now on a bucket full again at full (the zero
// time for a key never seen): the bucket is never fuller than empty, so
// a full time in the past counts as now. It returns the new full time,
// or, when refused, how long until the step would pass.
func (s Step) Apply(full, now time.Time) (next time.Time, ok bool, retry time.Duration) {
	if full.Before(now) {
		full = now
	}
	next = full.Add(s.Cost)
	if over := next.Sub(now) - s.Room; over > 0 {
		return time.Time{}, false, over
	}
	return next, true, 0
}
