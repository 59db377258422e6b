package metrics_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gopkg.in/yaml.v3"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
	"github.com/yichuang/yichuang/sync/countyd/metrics"
	"github.com/yichuang/yichuang/sync/httplog"
	"github.com/yichuang/yichuang/sync/protocol"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Cleanup()
	os.Exit(code)
}

var quiet = slog.New(slog.DiscardHandler)

// get answers a GET of h.
func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Code, rec.Body.String()
}

// stores opens each kind of store with a second connection to its
// database, through which a test can break it.
type storeCase struct {
	name string
	open func(t *testing.T) (county.Store, county.Vitals, *sql.DB)
}

var stores = []storeCase{
	{"sqlite", func(t *testing.T) (county.Store, county.Vitals, *sql.DB) {
		path := filepath.Join(t.TempDir(), "county.db")
		st, err := county.OpenSQLite(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		db, err := sql.Open("sqlite3", path+"?_busy_timeout=10000")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return st, st, db
	}},
	{"postgres", func(t *testing.T) (county.Store, county.Vitals, *sql.DB) {
		dsn := pgtest.Database(t)
		st, err := county.OpenPostgres(context.Background(), dsn, county.PostgresOptions{SecretsKey: filepath.Join(t.TempDir(), "secrets.key")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return st, st, db
	}},
}

func TestReadyz(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			st, vit, db := sc.open(t)
			h := metrics.Readyz(vit, quiet)
			check := func(when string, wantCode int, wantBody string) {
				t.Helper()
				code, body := get(t, h, "/readyz")
				if code != wantCode || !strings.Contains(body, wantBody) {
					t.Errorf("%s: got %d %q, want %d with %q", when, code, body, wantCode, wantBody)
				}
			}
			check("fresh", 200, "ready")

			// The newest migration unrecorded: a database an older
			// countyd left, which this one has not migrated.
			var v int
			var name, at string
			if err := db.QueryRow(`SELECT version, name, applied_at FROM schema_migrations ORDER BY version DESC LIMIT 1`).Scan(&v, &name, &at); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(fmt.Sprintf(`DELETE FROM schema_migrations WHERE version = %d`, v)); err != nil {
				t.Fatal(err)
			}
			check("a migration missing", 503, fmt.Sprintf("migration %04d not applied", v))
			if _, err := db.Exec(fmt.Sprintf(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, '%s', '%s')`, v, name, at)); err != nil {
				t.Fatal(err)
			}
			check("migrated again", 200, "ready")

			st.Close()
			check("closed", 503, "not ready: database unreachable")
			if code, _ := get(t, metrics.Healthz(), "/healthz"); code != 200 {
				t.Errorf("healthz with the database gone: got %d, want 200 (the process is up)", code)
			}
		})
	}
}

// A PostgreSQL server that stops answering makes readyz fail, and answer
// again once it is back, through the same pool.
func TestReadyzPostgresComesBack(t *testing.T) {
	dsn := pgtest.Database(t)
	st, err := county.OpenPostgres(context.Background(), dsn, county.PostgresOptions{SecretsKey: filepath.Join(t.TempDir(), "secrets.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The test database's name is the DSN's path (pgtest); the admin
	// connection is to another one, as a database cannot shut itself.
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	dbname := strings.TrimPrefix(u.Path, "/")
	u.Path = "/postgres"
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	h := metrics.Readyz(st, quiet)
	// No new connections, and the pool's own ones cut: unreachable.
	if _, err := admin.Exec(`ALTER DATABASE ` + dbname + ` WITH ALLOW_CONNECTIONS false`); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, dbname); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, h, "/readyz"); code != 503 {
		t.Errorf("connections refused: got %d %q, want 503", code, body)
	}
	if _, err := admin.Exec(`ALTER DATABASE ` + dbname + ` WITH ALLOW_CONNECTIONS true`); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, h, "/readyz"); code != 200 {
		t.Errorf("connections allowed again: got %d %q, want 200", code, body)
	}

	// Read-only sessions, as on a standby the instance is still pointed
	// at after a failover: reachable, but no push can apply.
	if _, err := admin.Exec(`ALTER DATABASE ` + dbname + ` SET default_transaction_read_only = on`); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, dbname); err != nil {
		t.Fatal(err)
	}
	// The first check may meet a pooled connection just cut.
	get(t, h, "/readyz")
	if code, body := get(t, h, "/readyz"); code != 503 || !strings.Contains(body, "read-only") {
		t.Errorf("read-only: got %d %q, want 503 saying read-only", code, body)
	}
}

const point = "330522101000"

// caseEvent is a kiosk's case.accepted event for a new case.
func caseEvent(t *testing.T) protocol.Event {
	caseID, tracking := countytest.NewCase(point)
	var cd protocol.CaseDoc
	doc := fmt.Sprintf(`{"id":%q,"tracking":%q,"service_point":%q,"status":"accepted","applicant":{"name":"林小明"}}`, caseID, tracking, point)
	if err := json.Unmarshal([]byte(doc), &cd); err != nil {
		t.Fatal(err)
	}
	p, err := json.Marshal(protocol.CaseEvent{CaseID: caseID, Tracking: tracking, Version: 1, At: time.Now(), Case: cd})
	if err != nil {
		t.Fatal(err)
	}
	return protocol.Event{ID: uuid.NewString(), Kind: "case.accepted", Created: time.Now(), Payload: p}
}

// A real push through the API shows in the series: its events by result,
// its apply time, its route and code, and the point's contact.
func TestMetricsAfterPush(t *testing.T) {
	ctx := context.Background()
	st, err := county.OpenSQLite(ctx, filepath.Join(t.TempDir(), "county.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := metrics.New(st, nil)
	srv := httptest.NewServer(httplog.Track(county.NewServer(m.Store(st), county.Options{Log: quiet}), m))
	defer srv.Close()

	code, err := st.CreateEnrollCode(ctx, county.ServicePoint{Code: point, Name: "洪桥镇便民服务中心", Level: county.LevelTownship})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(srv.URL+"/api/v1/enroll", "application/json",
		strings.NewReader(fmt.Sprintf(`{"code":%q,"hostname":"hall-pc-1","app_version":"0.9.0"}`, code.Code)))
	if err != nil {
		t.Fatal(err)
	}
	var er protocol.EnrollResponse
	json.NewDecoder(resp.Body).Decode(&er)
	resp.Body.Close()

	push := func(events ...protocol.Event) {
		t.Helper()
		body, _ := json.Marshal(protocol.PushRequest{Events: events})
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/events", bytes.NewReader(body))
		countytest.Sign(req, er.DeviceID, er.Secret, body, time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("push: %d %s", resp.StatusCode, b)
		}
	}
	bad := caseEvent(t)
	bad.Payload = json.RawMessage(`{"case_id":"not a case"}`)
	first, second := caseEvent(t), caseEvent(t)
	push(first, second, bad)
	push(first) // a retry: answered again, not applied twice

	_, got := get(t, m.Handler(), "/metrics")
	for _, want := range []string{
		`countyd_events_total{result="applied"} 2`,
		`countyd_events_total{result="rejected"} 1`,
		`countyd_events_total{result="repeat"} 1`,
		`countyd_apply_duration_seconds_count 2`,
		`countyd_http_requests_total{code="200",route="POST /api/v1/events"} 2`,
		`countyd_http_requests_total{code="200",route="POST /api/v1/enroll"} 1`,
		`countyd_point_last_contact_age_seconds{point="330522101000"}`,
		`countyd_devices_active 1`,
		`countyd_devices_silent 0`,
		`countyd_blob_bytes 0`,
		`countyd_ready 1`,
		`countyd_db_open_connections{pool="write"}`,
		`countyd_db_wait_count_total{pool="read"}`,
	} {
		if !strings.Contains(got, want+"\n") && !strings.Contains(got, want+" ") {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", got)
	}
}

// A device gone quiet for over a day counts as silent, and its point's
// contact age says how long.
func TestSilentDevices(t *testing.T) {
	ctx := context.Background()
	clock := countytest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	st, err := county.OpenSQLite(ctx, filepath.Join(t.TempDir(), "county.db"), county.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateEnrollCode(ctx, county.ServicePoint{Code: point, Name: "洪桥镇", Level: county.LevelTownship}); err != nil {
		t.Fatal(err)
	}
	c, err := st.CreateEnrollCode(ctx, county.ServicePoint{Code: point, Name: "洪桥镇", Level: county.LevelTownship})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Enroll(ctx, c.Code, "hall-pc-1", "0.9.0"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		after      time.Duration
		wantSilent string
		wantAge    string
	}{
		{time.Hour, "countyd_devices_silent 0", `countyd_point_last_contact_age_seconds{point="330522101000"} 3600`},
		{25 * time.Hour, "countyd_devices_silent 1", `countyd_point_last_contact_age_seconds{point="330522101000"} 90000`},
	}
	m := metrics.New(st, clock.Now)
	start := clock.Now()
	for _, tt := range tests {
		clock.Set(start.Add(tt.after))
		_, got := get(t, m.Handler(), "/metrics")
		for _, want := range []string{tt.wantSilent, tt.wantAge} {
			if !strings.Contains(got, want+"\n") {
				t.Errorf("after %v: metrics lack %q", tt.after, want)
			}
		}
	}
}

// The alert rules and the scrape config are valid: promtool checks them
// when installed (apt-get install prometheus), else they must at least be
// YAML of the rules file's shape naming series countyd exports.
func TestPrometheusFiles(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "packaging", "prometheus")
	rules := filepath.Join(dir, "countyd-rules.yml")
	raw, err := os.ReadFile(rules)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", rules, err)
	}
	exprs := map[string]string{}
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" {
				t.Errorf("group %s: a rule without alert or expr: %+v", g.Name, r)
			}
			exprs[r.Alert] = r.Expr
		}
	}
	// The alerts the brief asks for, on the series that carry them.
	for alert, series := range map[string]string{
		"CountydDeviceSilent":          "countyd_devices_silent",
		"CountydRejectedEventsGrowing": `countyd_events_total{result="rejected"}`,
		"CountydDiskNearlyFull":        "node_filesystem_avail_bytes",
		"CountydNotReady":              "countyd_ready",
	} {
		if got := exprs[alert]; !strings.Contains(got, series) {
			t.Errorf("alert %s: got expr %q, want one on %s", alert, got, series)
		}
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool not installed: checked the YAML only")
		return
	}
	for _, args := range [][]string{{"check", "rules", rules}, {"check", "config", filepath.Join(dir, "prometheus.yml")}} {
		if out, err := exec.Command(promtool, args...).CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
