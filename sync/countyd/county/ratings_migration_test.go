package county_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
)

// TestMigration0015KeepsTheRatingsReceivedBefore: a county upgraded to
// 0015 lists the ratings its inbox already held, the bad one as a
// follow-up, with its reasons and clerk.
func TestMigration0015KeepsTheRatingsReceivedBefore(t *testing.T) {
	ctx := context.Background()
	clk := countytest.NewClock(t0)
	path := filepath.Join(t.TempDir(), "county.db")
	open := func() county.Store {
		st, err := county.OpenSQLite(ctx, path, county.WithClock(clk.Now))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	migration0015(t, open, func(qs ...string) {
		db, err := sql.Open("sqlite3", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range qs {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	})
}

// TestMigration0015KeepsTheRatingsReceivedBeforePostgres: the same with
// PostgreSQL's JSON functions.
func TestMigration0015KeepsTheRatingsReceivedBeforePostgres(t *testing.T) {
	ctx := context.Background()
	clk := countytest.NewClock(t0)
	dsn := pgtest.Database(t)
	var last *county.Postgres
	open := func() county.Store {
		st, err := county.OpenPostgres(ctx, dsn, county.PostgresOptions{Now: clk.Now, SecretsKey: filepath.Join(t.TempDir(), "secrets.key")})
		if err != nil {
			t.Fatal(err)
		}
		last = st
		return st
	}
	migration0015(t, open, func(qs ...string) {
		st := open()
		defer st.Close()
		for _, q := range qs {
			if _, err := last.DB().Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	})
}

// migration0015 applies two ratings, takes the store back to before 0015
// (exec), and opens it again.
func migration0015(t *testing.T, open func() county.Store, exec func(...string)) {
	ctx := context.Background()
	st := open()
	dev := mustDevice(t, st, countytest.TestPoint, "w1")
	bad := badRatingEvent("c1", 2, "王丽", 2, t0)
	mustApply(t, st, dev, bad, badRatingEvent("c2", 5, "王丽", 2, t0))
	st.Close()
	exec(`DROP TABLE ratings`, `DROP TABLE followup_steps`, `DELETE FROM schema_migrations WHERE version = 15`)

	again := open()
	defer again.Close()
	rv := again.(county.RatingReview)
	stats, err := rv.RatingStats(ctx, county.RatingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if stats.All.Total != 2 || stats.All.Counts[2] != 1 || len(stats.ByWindow) != 1 || stats.ByWindow[0].Window != 2 {
		t.Errorf("got %+v, want the two ratings of window 2", stats)
	}
	items, _, err := rv.FollowUps(ctx, county.FollowUpFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].ID != bad.ID || items[0].Rating.ClerkName != "王丽" || len(items[0].Rating.Reasons) != 1 ||
		!items[0].Rating.At.Equal(t0) {
		t.Errorf("got %+v, want the 不满意 of c1 with its reason, rated at %v", items, t0)
	}
}
