package idcard

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// script is a Reader that answers from a list, then cancels the run.
type script struct {
	answers []error // nil: the card
	card    Card
	n       int
	stop    context.CancelFunc
}

func (s *script) Read(ctx context.Context) (Card, error) {
	if s.n >= len(s.answers) {
		s.stop()
		return Card{}, ErrNoCard
	}
	err := s.answers[s.n]
	s.n++
	if err == nil {
		return s.card, nil
	}
	return Card{}, err
}

func TestPollerReportsChangesAndBacksOff(t *testing.T) {
	failed := fmt.Errorf("SDT_ReadBaseMsg returned 0x41: %w", ErrReadFailed)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &script{card: Card{IDNumber: "330522199003071234"}, stop: cancel, answers: []error{
		ErrNoReader, ErrNoReader, ErrNoReader, ErrNoReader, ErrNoReader, ErrNoReader, ErrNoReader, ErrNoReader,
		ErrNoCard, ErrNoCard, nil, nil, nil, ErrNoCard, ErrRemoved, failed, nil,
	}}
	var pauses []time.Duration
	var got []string
	Poller{Reader: r, Every: 100 * time.Millisecond, MaxBackoff: 2 * time.Second,
		Wait: func(_ context.Context, d time.Duration) bool { pauses = append(pauses, d); return true },
	}.Run(ctx, func(e Event) { got = append(got, stateOf(e.Card, e.Err)) })

	want := []string{"no reader", "none", "card 330522199003071234", "none", "removed", "failed", "card 330522199003071234"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got reports %q, want %q", got, want)
	}
	ms := time.Millisecond
	wantPauses := []time.Duration{200 * ms, 400 * ms, 800 * ms, 1600 * ms, 2000 * ms, 2000 * ms, 2000 * ms, 2000 * ms, 100 * ms}
	if !reflect.DeepEqual(pauses[:len(wantPauses)], wantPauses) {
		t.Errorf("got pauses %v, want %v (doubling without a reader, capped, back to Every once it answers)", pauses[:len(wantPauses)], wantPauses)
	}
}

func TestPollerStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	reads := 0
	go func() {
		defer close(done)
		Poller{Reader: readerFunc(func(context.Context) (Card, error) { reads++; return Card{}, ErrNoCard }), Every: time.Millisecond}.
			Run(ctx, func(Event) {})
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("the poller ran on after its context ended")
	}
	if reads == 0 {
		t.Error("the poller never read")
	}
}

type readerFunc func(context.Context) (Card, error)

func (f readerFunc) Read(ctx context.Context) (Card, error) { return f(ctx) }

func TestSameHolder(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"33052219900307123x", "33052219900307123X", true},
		{" 330522199003071234", "330522199003071234", true},
		{"330522199003071234", "330522199003071235", false},
		{"", "", false},
	} {
		if got := SameHolder(tc.a, tc.b); got != tc.want {
			t.Errorf("SameHolder(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	if !errors.Is(fmt.Errorf("x: %w", ErrNoCard), ErrNoCard) {
		t.Fatal("wrapped ErrNoCard is not ErrNoCard")
	}
}
