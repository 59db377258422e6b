// Package ratelimittest holds a ratelimit.Store to the algorithm: the same
// steps taken on the store and on ratelimit.Memory must give the same
// answers, so a store that keeps buckets elsewhere (the county's
// PostgreSQL) cannot drift from the limiter in memory.
package ratelimittest

import (
	"context"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/ratelimit"
)

// Conforms runs a script of allows, checks, penalties and forgets on st and
// on a ratelimit.Memory, and fails t where their answers differ. st must
// hold no key starting with prefix.
func Conforms(t *testing.T, st ratelimit.Store, prefix string) {
	t.Helper()
	ctx := context.Background()
	ref := &ratelimit.Memory{}
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	every, burst := 3*time.Second, 4
	allow := ratelimit.Step{Cost: every, Room: time.Duration(burst) * every, Keep: true}
	check := ratelimit.Step{Cost: every, Room: time.Duration(burst) * every}
	type op struct {
		key    string
		step   ratelimit.Step
		at     time.Duration // after t0
		forget bool
	}
	var script []op
	for i := range 6 { // the burst and past it, at once
		script = append(script, op{key: "a", step: allow, at: time.Duration(i) * time.Millisecond})
	}
	script = append(script,
		op{key: "a", step: check, at: time.Second},
		op{key: "a", step: allow, at: 2 * time.Second},                                               // still refused
		op{key: "a", step: allow, at: 3 * time.Second},                                               // a slot refilled
		op{key: "a", step: check, at: 3 * time.Second},                                               // none left
		op{key: "b", step: check, at: 0},                                                             // unknown key
		op{key: "b", step: ratelimit.Step{Cost: 20 * time.Second, Room: 1 << 62, Keep: true}, at: 0}, // a penalty
		op{key: "b", step: check, at: time.Second},
		op{key: "b", step: allow, at: 9 * time.Second},
		op{key: "b", step: allow, at: 10 * time.Second},
		op{key: "c", step: ratelimit.Step{Cost: 5 * every, Room: time.Duration(burst) * every, Keep: true}, at: 0}, // more than the burst at once
		op{key: "c", step: allow, at: 0},
		op{key: "a", forget: true, at: 4 * time.Second},
		op{key: "a", step: check, at: 4 * time.Second},
		op{key: "a", step: allow, at: 4 * time.Second},
		op{key: "a", step: allow, at: time.Hour}, // long after: empty again
	)
	for i, o := range script {
		key, now := prefix+o.key, t0.Add(o.at)
		if o.forget {
			if err := st.Forget(ctx, key); err != nil {
				t.Fatalf("step %d: forget: %v", i, err)
			}
			ref.Forget(ctx, key)
			continue
		}
		ok, retry, err := st.Take(ctx, key, o.step, now)
		if err != nil {
			t.Fatalf("step %d: take: %v", i, err)
		}
		wantOK, wantRetry, _ := ref.Take(ctx, key, o.step, now)
		if ok != wantOK || retry != wantRetry {
			t.Errorf("step %d (%s %+v at +%v): got ok %v retry %v, want ok %v retry %v",
				i, o.key, o.step, o.at, ok, retry, wantOK, wantRetry)
		}
	}
}
