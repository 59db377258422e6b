package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
)

// countyd on PostgreSQL: a device enrolls with a code made by the
// enroll-code command, pushes an event and reads its feed, the devices
// command lists it from the same database, and a command the
// PostgreSQL store cannot serve yet refuses rather than use the SQLite
// file in -data.
func TestServeOnPostgres(t *testing.T) {
	url := pgtest.Database(t)
	data := t.TempDir()
	srv := start(t, data, "-database-url", url)
	code := strings.TrimSpace(countyd(t, "enroll-code", "-data", data, "-database-url", url,
		"-point", "330522101000", "-name", "洪桥镇便民服务中心", "-level", "township"))
	k := enrollWith(t, srv.url, code)
	push := []byte(`{"events":[{"id":"e-1","kind":"rating.given","created":"2026-11-26T10:31:00+08:00",` +
		`"payload":{"kind":"case","ref":"r","level":5,"clerk_id":3,"clerk_name":"王丽","at":"2026-11-26T10:31:00+08:00"}}]}`)
	if status, b, err := k.do("POST", "/api/v1/events", push, nil); err != nil || status != 200 || !strings.Contains(string(b), `"status":"applied"`) {
		t.Errorf("push on PostgreSQL: got %d %s %v, want 200 with the event applied", status, b, err)
	}
	if status, b, err := k.do("GET", "/api/v1/feed?after=0", nil, nil); err != nil || status != 200 || !strings.Contains(string(b), `"items":[`) {
		t.Errorf("feed on PostgreSQL: got %d %s %v, want 200 with items", status, b, err)
	}
	if list := countyd(t, "devices", "-data", data, "-database-url", url); !strings.Contains(list, k.dev) {
		t.Errorf("devices on PostgreSQL lacks %s:\n%s", k.dev, list)
	}
	cmd := exec.Command(binary(t), "cases", "-data", data)
	cmd.Env = append(cmd.Environ(), "COUNTYD_DATABASE_URL="+url)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "SQLite store only") {
		t.Errorf("cases with COUNTYD_DATABASE_URL: got %v %s, want a refusal", err, out)
	}
}

// -database-url takes PostgreSQL URLs only: anything else is refused, not
// taken for a file.
func TestDatabaseURLKinds(t *testing.T) {
	for _, url := range []string{"mysql://county@db/county", "/var/lib/countyd/county.db", "sqlite:county.db"} {
		if st, err := openAny(context.Background(), url, t.TempDir()); err == nil {
			st.Close()
			t.Errorf("openAny(%q): got a store, want a refusal", url)
		}
	}
}
