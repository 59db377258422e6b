package office_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
	"github.com/yichuang/yichuang/sync/countyd/office"
)

// TestLoginLimitsHoldAcrossInstances: two back offices on one PostgreSQL,
// as two countyd instances behind a load balancer. Wrong passwords sent to
// them in turn lock the login after LoginBudget tries, as one instance
// does (TestLoginAnswersDoNotTellWhoExists), and one address's tries run
// out after AddressBudget: an attacker gets one budget, not one per
// instance.
func TestLoginLimitsHoldAcrossInstances(t *testing.T) {
	ctx := context.Background()
	dsn, dir := pgtest.Database(t), t.TempDir()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var browsers []*browser
	for range 2 {
		st, err := county.OpenPostgres(ctx, dsn, county.PostgresOptions{Now: func() time.Time { return t0 }, SecretsKey: filepath.Join(dir, "secrets.key")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if len(browsers) == 0 {
			hash, err := clerks.Hash(password)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.CreateStaff(ctx, county.Staff{Login: "lishen", Name: "李审", Role: county.RoleReviewer}, hash); err != nil {
				t.Fatal(err)
			}
		}
		o := office.New(st, office.Options{Now: func() time.Time { return t0 }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			SharedLimits: county.SharedRateLimits(st)})
		srv := httptest.NewServer(o)
		t.Cleanup(srv.Close)
		browsers = append(browsers, &browser{t: t, base: srv.URL, c: client})
	}
	for i := range office.LoginBudget {
		if a := browsers[i%2].try("lishen", "wrong-password"); a.status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: got %d, want 401", i+1, a.status)
		}
	}
	for i, b := range browsers {
		if a := b.try("lishen", password); a.status != http.StatusTooManyRequests {
			t.Errorf("instance %d after %d wrong passwords on both: got %d, want 429", i, office.LoginBudget, a.status)
		}
	}
	// The address has spent LoginBudget+2 tries; its other tries go to
	// logins nobody has, so only the address's budget is in the way.
	for i := office.LoginBudget + 2; i < office.AddressBudget; i++ {
		if a := browsers[i%2].try("nobody"+strconv.Itoa(i), "wrong-password"); a.status != http.StatusUnauthorized {
			t.Fatalf("try %d from the address: got %d, want 401", i+1, a.status)
		}
	}
	for i, b := range browsers {
		if a := b.try("somebody-else", "wrong-password"); a.status != http.StatusTooManyRequests {
			t.Errorf("instance %d after %d tries from the address on both: got %d, want 429", i, office.AddressBudget, a.status)
		}
	}
}
