// Package busytest gives Fyne's test app a UI goroutine: the test's own.
//
// With Fyne's test driver, fyne.Do runs a worker's callback at once, on the
// worker, beside whatever the test goroutine is doing to the same widgets;
// in the real app the callback waits for the UI goroutine. An app from
// NewApp queues those callbacks instead, and Settle runs them on the test
// goroutine until a screen's action has shown its result, as the real
// event loop would. So a test sees exactly what a person would: a second
// tap lands before the first one's answer, never in the middle of it.
package busytest

import (
	"context"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

type app struct {
	fyne.App
	drv *driver
}

func (a *app) Driver() fyne.Driver { return a.drv }

type driver struct {
	fyne.Driver
	mu     sync.Mutex
	queued []func()
	// ready gets a value when a call is queued.
	ready chan struct{}
}

// DoFromGoroutine queues fyne.Do's call for Settle. A call that waits for
// its answer (fyne.DoAndWait) runs at once, as the test driver runs it: it
// may come from the test goroutine itself.
func (d *driver) DoFromGoroutine(f func(), wait bool) {
	if wait {
		f()
		return
	}
	d.mu.Lock()
	d.queued = append(d.queued, f)
	d.mu.Unlock()
	select {
	case d.ready <- struct{}{}:
	default:
	}
}

func (d *driver) runQueued() {
	for {
		d.mu.Lock()
		if len(d.queued) == 0 {
			d.mu.Unlock()
			return
		}
		f := d.queued[0]
		d.queued = d.queued[1:]
		d.mu.Unlock()
		f()
	}
}

// NewApp returns Fyne's test app, torn down at the end of the test, whose
// fyne.Do calls wait for Settle. (test.ApplyTheme needs the plain test
// app; screenshots are taken with it.)
func NewApp(t testing.TB) fyne.App {
	a := &app{App: test.NewTempApp(t), drv: nil}
	a.drv = &driver{Driver: a.App.Driver(), ready: make(chan struct{}, 1)}
	fyne.SetCurrentApp(a)
	return a
}

// Settle runs the queued UI calls on the test goroutine until screen's
// action in flight, if any, has shown its result, and fails the test after
// 30 s. With the plain test app (whose fyne.Do runs at once) it only waits.
func Settle(t testing.TB, screen interface{ Wait(context.Context) error }) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, ok := fyne.CurrentApp().(*app)
	if !ok {
		if err := screen.Wait(ctx); err != nil {
			t.Fatalf("the screen's action did not finish: %v", err)
		}
		return
	}
	done := make(chan error, 1)
	go func() { done <- screen.Wait(ctx) }()
	for {
		a.drv.runQueued()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("the screen's action did not finish: %v", err)
			}
			return
		case <-a.drv.ready:
		}
	}
}

// Until runs the queued UI calls on the test goroutine until done (called
// there, between them) says so, and fails the test after 30 s: for work
// that reports through fyne.Do on its own, such as the ID-card reader's
// poller, rather than through a screen's Wait.
func Until(t testing.TB, what string, done func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	a, queued := fyne.CurrentApp().(*app)
	for {
		if queued {
			a.drv.runQueued()
		}
		if done() {
			return
		}
		var ready <-chan struct{}
		if queued {
			ready = a.drv.ready
		}
		select {
		case <-deadline:
			t.Fatalf("waited 30 s for %s", what)
		case <-ready:
		case <-time.After(10 * time.Millisecond):
		}
	}
}
