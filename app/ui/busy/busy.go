// Package busy runs a screen's slow action — printing, the network, a scan
// of the document camera's folder — off the UI goroutine, one at a time,
// and hands its result back on the UI goroutine through fyne.Do.
//
// A jammed printer (CUPS lp waits up to 30 s a paper) must not freeze the
// window, and a second tap while the first action is on its way must not
// start a second one: a double tap at the counter would otherwise commit two
// cases. A screen keeps one Guard for its actions, disables its buttons
// while Busy, and re-enables them in done.
package busy

import (
	"context"
	"sync"

	"fyne.io/fyne/v2"
)

// Guard lets one action run at a time. The zero Guard is ready to use.
type Guard struct {
	mu sync.Mutex
	// running is set from Run until done starts.
	running bool
	// idle is closed once the action's done has returned; nil when
	// nothing runs.
	idle chan struct{}
}

// Busy reports whether an action is running (its done not yet called).
func (g *Guard) Busy() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.running
}

// Run starts an action unless one of g is still running, and reports
// whether it did. begin (may be nil) runs first, on the caller's goroutine:
// it disables the buttons and says what is happening. work then runs on its
// own goroutine, and done gets its result on the UI goroutine; the guard is
// free again as done starts, so done may start the next action. Call Run
// from the UI goroutine.
//
// begin runs before work starts because done may run as soon as work
// returns: with Fyne's test driver, even before Run itself has returned.
func Run[T any](g *Guard, begin func(), work func() (T, error), done func(T, error)) bool {
	g.mu.Lock()
	if g.running {
		g.mu.Unlock()
		return false
	}
	idle := make(chan struct{})
	g.running, g.idle = true, idle
	g.mu.Unlock()
	if begin != nil {
		begin()
	}
	go func() {
		v, err := work()
		fyne.Do(func() {
			defer func() {
				g.mu.Lock()
				if g.idle == idle { // done did not start another action
					g.idle = nil
				}
				g.mu.Unlock()
				close(idle)
			}()
			g.mu.Lock()
			g.running = false
			g.mu.Unlock()
			done(v, err)
		})
	}()
	return true
}

// RunErr is Run for work that returns only an error.
func RunErr(g *Guard, begin func(), work func() error, done func(error)) bool {
	return Run(g, begin, func() (struct{}, error) { return struct{}{}, work() }, func(_ struct{}, err error) { done(err) })
}

// Wait blocks until the action running when it was called, if any, has
// handed back its result (its done has returned), or ctx ends. Tests use it
// instead of sleeping; what done wrote is visible to the caller after it.
func (g *Guard) Wait(ctx context.Context) error {
	g.mu.Lock()
	idle := g.idle
	g.mu.Unlock()
	if idle == nil {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
