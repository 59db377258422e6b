package idcard

import (
	"context"
	"errors"
	"time"
)

// Event is what a Poller reports: a card put on the reader (Card set, Err
// nil) or the reader's state without one (Err is ErrNoCard, ErrNoReader,
// ErrRemoved, or a read failure).
type Event struct {
	Card Card
	Err  error
}

// Poller reads a Reader over and over, off the UI goroutine, and reports
// each change: the first state, a new card, the card taken away, the
// reader gone or back. A card left on the reader is reported once.
type Poller struct {
	Reader Reader
	// Every is the pause between reads while a reader answers (default
	// 300 ms: a card is read about as soon as it is put down).
	Every time.Duration
	// MaxBackoff caps the pause while there is no reader (default 30 s):
	// the pause doubles from Every so a kiosk without a reader does not
	// call into a library that cannot open a port three times a second.
	MaxBackoff time.Duration
	// Wait pauses for d or until ctx ends (false then); nil is a timer.
	// Tests replace it to record the pauses without waiting.
	Wait func(ctx context.Context, d time.Duration) bool
}

// Run polls until ctx ends, calling report from its own goroutine (a
// screen hands the event to the UI with fyne.Do).
func (p Poller) Run(ctx context.Context, report func(Event)) {
	every, most := p.Every, p.MaxBackoff
	if every <= 0 {
		every = 300 * time.Millisecond
	}
	if most < every {
		most = max(30*time.Second, every)
	}
	wait := p.Wait
	if wait == nil {
		wait = sleep
	}
	last, pause := "", every
	for ctx.Err() == nil {
		c, err := p.Reader.Read(ctx)
		if ctx.Err() != nil {
			return
		}
		state := stateOf(c, err)
		if state != last {
			last = state
			report(Event{Card: c, Err: err})
		}
		if errors.Is(err, ErrNoReader) {
			pause = min(pause*2, most)
		} else {
			pause = every
		}
		if !wait(ctx, pause) {
			return
		}
	}
}

// stateOf names an outcome so that a repeat is not reported again: the
// card by its number, an error by its kind.
func stateOf(c Card, err error) string {
	switch {
	case err == nil:
		return "card " + c.IDNumber
	case errors.Is(err, ErrNoCard):
		return "none"
	case errors.Is(err, ErrNoReader):
		return "no reader"
	case errors.Is(err, ErrRemoved):
		return "removed"
	}
	return "failed"
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
