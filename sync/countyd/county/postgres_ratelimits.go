package county

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/yichuang/yichuang/sync/ratelimit"
)

// pgRateLimits keeps the buckets of the limits that guard secrets and
// enrollment in rate_limits (migration 0013), so every countyd instance
// on the database counts the same tries: behind a load balancer, N
// instances must not give an attacker N budgets.
type pgRateLimits struct {
	db *sql.DB

	mu        sync.Mutex
	lastPrune time.Time
}

// SharedRateLimits is where the limiters that guard secrets and
// enrollment keep their buckets for st: the database when it is
// PostgreSQL (several instances), nil (this process's memory) when it is
// SQLite, which one process serves alone. countyd hands it to the API and
// the back office. A function, not a method: it is no store aggregate's,
// only countyd's wiring.
func SharedRateLimits(st any) ratelimit.Store {
	if pg, ok := st.(*Postgres); ok {
		return &pgRateLimits{db: pg.db}
	}
	return nil
}

// takeSQL is ratelimit.Step.Apply in one statement, so that two instances
// taking a key's last slot at once cannot both pass: the row lock of ON
// CONFLICT serialises them, and the second sees the first's full_at. A
// step dearer than its room alone inserts nothing (the SELECT's WHERE).
// $1 key, $2 now, $3 cost, $4 room, all in nanoseconds.
const takeSQL = `INSERT INTO rate_limits AS r (key, full_at)
SELECT $1, $2::bigint + $3::bigint WHERE $3::bigint <= $4::bigint
ON CONFLICT (key) DO UPDATE SET full_at = GREATEST(r.full_at, $2::bigint) + $3::bigint
WHERE GREATEST(r.full_at, $2::bigint) + $3::bigint - $2::bigint <= $4::bigint
RETURNING full_at`

// overSQL is how far past its room the step would push the bucket; no
// row means an empty bucket.
const overSQL = `SELECT GREATEST(full_at, $2::bigint) + $3::bigint - $2::bigint - $4::bigint FROM rate_limits WHERE key = $1`

// Take applies st to key's bucket at now.
func (p *pgRateLimits) Take(ctx context.Context, key string, st ratelimit.Step, now time.Time) (bool, time.Duration, error) {
	p.prune(ctx, now)
	args := []any{key, now.UnixNano(), int64(st.Cost), int64(st.Room)}
	if st.Keep {
		var full int64
		err := p.db.QueryRowContext(ctx, takeSQL, args...).Scan(&full)
		if err == nil {
			return true, 0, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, 0, fmt.Errorf("take: %w", err)
		}
		// Refused. How long to wait is read apart: it only advises the
		// caller, the refusal itself was atomic.
	}
	over := int64(st.Cost - st.Room)
	if err := p.db.QueryRowContext(ctx, overSQL, args...).Scan(&over); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, 0, fmt.Errorf("read bucket: %w", err)
	}
	if over > 0 {
		return false, time.Duration(over), nil
	}
	if st.Keep {
		// The bucket emptied between the refusal and the read: refused
		// all the same, try again at once.
		return false, time.Nanosecond, nil
	}
	return true, 0, nil
}

// Forget drops key's bucket.
func (p *pgRateLimits) Forget(ctx context.Context, key string) error {
	if _, err := p.db.ExecContext(ctx, `DELETE FROM rate_limits WHERE key = $1`, key); err != nil {
		return fmt.Errorf("forget: %w", err)
	}
	return nil
}

// prune deletes, at most once a minute per instance, the buckets full
// again before now: they carry nothing (a full time in the past counts
// as now), and keys an attacker invents must not pile up.
func (p *pgRateLimits) prune(ctx context.Context, now time.Time) {
	p.mu.Lock()
	due := now.Sub(p.lastPrune) >= time.Minute
	if due {
		p.lastPrune = now
	}
	p.mu.Unlock()
	if due {
		// A failed prune only leaves rows for the next one.
		p.db.ExecContext(ctx, `DELETE FROM rate_limits WHERE full_at < $1`, now.UnixNano())
	}
}
