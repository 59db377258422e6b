package ratelimit

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestLimiterBurstThenRate(t *testing.T) {
	l := &Limiter{Every: 12 * time.Second, Burst: 5}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		if ok, _ := l.Allow("10.0.0.7", now); !ok {
			t.Fatalf("try %d of the burst refused", i+1)
		}
	}
	ok, retry := l.Allow("10.0.0.7", now)
	if ok || retry != 12*time.Second {
		t.Fatalf("sixth try at once: ok %v, retry %v; want refused, retry 12s", ok, retry)
	}
	if ok, _ := l.Allow("10.0.0.8", now); !ok {
		t.Errorf("another key is refused by the first one's tries")
	}
	if ok, _ := l.Allow("10.0.0.7", now.Add(11*time.Second)); ok {
		t.Errorf("passed before Retry-After")
	}
	if ok, _ := l.Allow("10.0.0.7", now.Add(12*time.Second)); !ok {
		t.Errorf("refused at Retry-After")
	}
	l.Forget("10.0.0.7")
	for i := range 5 {
		if ok, _ := l.Allow("10.0.0.7", now.Add(12*time.Second)); !ok {
			t.Fatalf("after Forget, try %d refused", i+1)
		}
	}
}

func TestLimiterPenalty(t *testing.T) {
	l := &Limiter{Every: time.Second, Burst: 3}
	now := time.Unix(0, 0)
	for i := range 3 {
		if ok, _ := l.Check("guesser", now); !ok {
			t.Fatalf("check before failure %d refused", i+1)
		}
		l.Penalty("guesser", time.Second, now)
	}
	if ok, retry := l.Check("guesser", now); ok || retry != time.Second {
		t.Errorf("after 3 failures of a burst of 3: ok %v, retry %v; want refused for 1s", ok, retry)
	}
	l.Penalty("admin", 10*time.Second, now)
	ok, retry := l.Allow("admin", now)
	if ok || retry != 8*time.Second {
		t.Errorf("after a 10 s penalty with a burst of 3 s: ok %v, retry %v; want refused for 8s", ok, retry)
	}
}

// Check answers what Allow would, without taking anything: a limit
// counted on failures looks before the work and charges after it.
func TestLimiterCheckTakesNothing(t *testing.T) {
	l := &Limiter{Every: time.Minute, Burst: 3}
	now := time.Unix(0, 0)
	for i := range 10 {
		if ok, _ := l.Check("lishen", now); !ok {
			t.Fatalf("check %d refused though nothing was charged", i+1)
		}
	}
	if got := l.Keys(); got != 0 {
		t.Errorf("checks left %d keys, want 0", got)
	}
	for range 3 {
		l.Penalty("lishen", time.Minute, now)
	}
	ok, retry := l.Check("lishen", now)
	if ok || retry != time.Minute {
		t.Errorf("after 3 penalties with a burst of 3: ok %v, retry %v; want refused for 1m", ok, retry)
	}
	if aok, aretry := l.Allow("lishen", now); aok != ok || aretry != retry {
		t.Errorf("Allow says %v %v where Check said %v %v", aok, aretry, ok, retry)
	}
	if ok, _ := l.Check("lishen", now.Add(time.Minute)); !ok {
		t.Error("refused once a minute had passed")
	}
}

// However many keys come, the limiter holds at most MaxKeys, and keys that
// are over their rate are kept before keys with nothing against them.
func TestLimiterMemoryIsBounded(t *testing.T) {
	l := &Limiter{Every: time.Minute, Burst: 1, MaxKeys: 100}
	now := time.Unix(0, 0)
	l.Allow("busy", now)
	if ok, _ := l.Allow("busy", now); ok {
		t.Fatal("second try of a burst of one passed")
	}
	for i := range 100_000 {
		l.Allow(fmt.Sprint("addr-", i), now.Add(time.Duration(i)*time.Minute))
	}
	if got := l.Keys(); got > 100 {
		t.Errorf("holds %d keys, want at most 100", got)
	}
}

func TestGate(t *testing.T) {
	g := NewGate(10)
	if !g.Enter(6, 0) || !g.Enter(4, 0) {
		t.Fatal("ten units of ten refused")
	}
	if g.Enter(1, 0) {
		t.Fatal("an eleventh unit passed")
	}
	if g.Enter(11, time.Hour) {
		t.Fatal("more than the whole capacity passed")
	}
	var wg sync.WaitGroup
	wg.Add(1)
	got := make(chan bool, 1)
	go func() {
		defer wg.Done()
		got <- g.Enter(5, time.Minute)
	}()
	g.Leave(6)
	wg.Wait()
	if !<-got {
		t.Error("a waiter was not let in when units came free")
	}
	if g.InUse() != 9 {
		t.Errorf("in use %d, want 9", g.InUse())
	}
	if g.Enter(2, 10*time.Millisecond) {
		t.Error("passed though the gate stayed full")
	}
}
