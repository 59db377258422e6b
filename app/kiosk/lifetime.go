package kiosk

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// lifetime is the kiosk's root context and the goroutines started under
// it. Close cancels the root and waits for them before the database they
// use is closed: a backup or a status read left running would otherwise
// write to (or fail on) a closed store, and a loop with its own
// context.Background() would never end (issue 17: the daily backup loop).
type lifetime struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	closed  bool
	wg      sync.WaitGroup
	running atomic.Int32 // goroutines not yet ended, for tests and the close log
}

func newLifetime() *lifetime {
	ctx, cancel := context.WithCancel(context.Background())
	return &lifetime{ctx: ctx, cancel: cancel}
}

// Go runs f in its own goroutine with the root context, counted so that
// close can wait for it. Once closing began it runs nothing and says so:
// a WaitGroup must not grow while it is waited on.
func (l *lifetime) Go(f func(ctx context.Context)) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.wg.Add(1)
	l.running.Add(1)
	go func() {
		defer l.wg.Done()
		defer l.running.Add(-1)
		f(l.ctx)
	}()
	return true
}

// close cancels the root context and waits up to within for the
// goroutines (and for more, the parts with their own goroutines, such as
// the county link); it reports whether everything ended in time.
func (l *lifetime) close(within time.Duration, more ...func()) bool {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.cancel()
	done := make(chan struct{})
	go func() {
		for _, wait := range more {
			wait()
		}
		l.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(within):
		return false
	}
}
