package ratelimit

import (
	"context"
	"testing"
	"time"
)

// Step.Apply is the whole algorithm, in memory and in the county's
// database alike.
func TestStepApply(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	allow := allowStep(time.Second, 3, 1)
	for _, c := range []struct {
		name      string
		step      Step
		full      time.Time
		wantNext  time.Time
		wantOK    bool
		wantRetry time.Duration
	}{
		{"unknown key", allow, time.Time{}, now.Add(time.Second), true, 0},
		{"full in the past counts as now", allow, now.Add(-time.Hour), now.Add(time.Second), true, 0},
		{"last slot of the burst", allow, now.Add(2 * time.Second), now.Add(3 * time.Second), true, 0},
		{"past the burst", allow, now.Add(3 * time.Second), time.Time{}, false, time.Second},
		{"more than the burst at once", allowStep(time.Second, 3, 4), time.Time{}, time.Time{}, false, time.Second},
		{"a check looks like an allow", checkStep(time.Second, 3), now.Add(5 * time.Second), time.Time{}, false, 3 * time.Second},
		{"a penalty is never refused", penaltyStep(time.Hour), now.Add(time.Hour), now.Add(2 * time.Hour), true, 0},
	} {
		next, ok, retry := c.step.Apply(c.full, now)
		if !next.Equal(c.wantNext) || ok != c.wantOK || retry != c.wantRetry {
			t.Errorf("%s: got %v %v %v, want %v %v %v", c.name, next, ok, retry, c.wantNext, c.wantOK, c.wantRetry)
		}
	}
}

// Without a Store, Shared counts in this process as Limiter does, and a
// prefix keeps two limits' keys apart in one store.
func TestSharedInMemoryAndPrefixes(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(0, 0)
	mem := &Memory{}
	a := &Shared{Every: time.Minute, Burst: 2, Prefix: "a:", Store: mem}
	b := &Shared{Every: time.Minute, Burst: 2, Prefix: "b:", Store: mem}
	local := &Shared{Every: time.Minute, Burst: 2}
	for _, l := range []*Shared{a, local} {
		for i := range 2 {
			if ok, _, err := l.Allow(ctx, "k", now); !ok || err != nil {
				t.Fatalf("try %d of the burst: got %v %v, want passed", i+1, ok, err)
			}
		}
		if ok, retry, _ := l.Allow(ctx, "k", now); ok || retry != time.Minute {
			t.Errorf("past the burst: got %v %v, want refused for 1m", ok, retry)
		}
	}
	if ok, _, _ := b.Allow(ctx, "k", now); !ok {
		t.Errorf("another prefix's key: got refused, want passed")
	}
	if err := a.Forget(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := a.Check(ctx, "k", now); !ok {
		t.Errorf("after Forget: got refused, want passed")
	}
}
