package ratelimit

import (
	"context"
	"fmt"
	"time"
)

// Store keeps the buckets of limiters shared by several processes (the
// county's instances on one PostgreSQL). Take must apply the step
// atomically: two processes taking the last slot of a key at once must
// not both pass.
type Store interface {
	// Take applies s to key's bucket at now, as Step.Apply does.
	Take(ctx context.Context, key string, s Step, now time.Time) (ok bool, retry time.Duration, err error)
	// Forget drops key's bucket.
	Forget(ctx context.Context, key string) error
}

// Shared is a Limiter whose buckets live in a Store, so a limit holds
// across every process that uses the store: an attacker who reaches N
// instances behind a load balancer gets the budget of one, not N. A nil
// Store keeps the buckets in this process's memory, as Limiter does.
type Shared struct {
	Every  time.Duration
	Burst  int
	Prefix string // names the limit in a store shared by several
	Store  Store

	mem Limiter
}

// Allow takes one event for key at now (see Limiter.Allow).
func (l *Shared) Allow(ctx context.Context, key string, now time.Time) (ok bool, retry time.Duration, err error) {
	return l.take(ctx, key, allowStep(l.Every, l.Burst, 1), now)
}

// Check says whether one event would pass, taking nothing (see
// Limiter.Check).
func (l *Shared) Check(ctx context.Context, key string, now time.Time) (ok bool, retry time.Duration, err error) {
	return l.take(ctx, key, checkStep(l.Every, l.Burst), now)
}

// Penalty pushes key back by d (see Limiter.Penalty).
func (l *Shared) Penalty(ctx context.Context, key string, d time.Duration, now time.Time) error {
	_, _, err := l.take(ctx, key, penaltyStep(d), now)
	return err
}

// Forget drops what the limiter holds for key.
func (l *Shared) Forget(ctx context.Context, key string) error {
	if l.Store == nil {
		l.mem.Forget(key)
		return nil
	}
	if err := l.Store.Forget(ctx, l.Prefix+key); err != nil {
		return fmt.Errorf("forget rate limit %s: %w", l.Prefix, err)
	}
	return nil
}

func (l *Shared) take(ctx context.Context, key string, s Step, now time.Time) (bool, time.Duration, error) {
	if l.Store == nil {
		ok, retry := l.mem.take(key, s, now)
		return ok, retry, nil
	}
	ok, retry, err := l.Store.Take(ctx, l.Prefix+key, s, now)
	if err != nil {
		return false, 0, fmt.Errorf("rate limit %s: %w", l.Prefix, err)
	}
	return ok, retry, nil
}

// Memory is a Store in this process's memory: what Shared uses without
// one, and the reference the ratelimittest suite holds other stores to.
type Memory struct{ l Limiter }

// Take applies s to key's bucket.
func (m *Memory) Take(_ context.Context, key string, s Step, now time.Time) (bool, time.Duration, error) {
	ok, retry := m.l.take(key, s, now)
	return ok, retry, nil
}

// Forget drops key's bucket.
func (m *Memory) Forget(_ context.Context, key string) error {
	m.l.Forget(key)
	return nil
}
