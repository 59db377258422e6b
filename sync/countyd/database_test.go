package main

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// countyd on PostgreSQL: a device enrolls with a code made by the
// enroll-code command, pushes an event and reads its feed, the devices
// command lists it from the same database, and so does the cases
// command, never touching an SQLite file in -data.
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
	// COUNTYD_DATABASE_URL alone is enough: the command reads PostgreSQL
	// and never makes an SQLite file in -data.
	cmd := exec.Command(binary(t), "cases", "-data", data)
	cmd.Env = append(cmd.Environ(), "COUNTYD_DATABASE_URL="+url)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "COUNTY CASE") {
		t.Errorf("cases with COUNTYD_DATABASE_URL: got %v %s, want the (empty) list", err, out)
	}
	if _, err := os.Stat(filepath.Join(data, "county.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("county.db in -data: got %v, want none on PostgreSQL", err)
	}
}

// The admin commands' publishing runs on PostgreSQL: what each sends is in
// the feed of the points it is for, read back from the same database.
func TestPublishCommandsOnPostgres(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	data := t.TempDir()
	dir := t.TempDir()
	seal := filepath.Join(dir, "seal.png")
	img := image.NewNRGBA(image.Rect(0, 0, 100, 100))
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(seal, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	here, far := "330522101000", "330522102000"
	for _, args := range [][]string{
		{"set-retention", "-days", "400"},
		{"set-id-mask", "-pattern", ids.DefaultIDMask},
		{"set-seal", "-point", here, "-file", seal},
		{"set-hall-config", "-point", here, "-file", "county/testdata/hall-config.json"},
	} {
		countyd(t, append(args, "-data", data, "-database-url", url)...)
	}
	if _, err := os.Stat(filepath.Join(data, "county.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("county.db in -data: got %v, want none on PostgreSQL", err)
	}
	st, err := county.OpenPostgres(ctx, url, county.PostgresOptions{SecretsKey: secretsKey(data)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tt := range []struct {
		point string
		want  []protocol.Kind
	}{
		{here, []protocol.Kind{protocol.FeedRetention, protocol.FeedMasking, protocol.FeedSeal, protocol.FeedHallConfig}},
		{far, []protocol.Kind{protocol.FeedRetention, protocol.FeedMasking}},
	} {
		items, _, err := st.Feed(ctx, county.Device{ID: "d_reader", Point: county.ServicePoint{Code: tt.point}}, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []protocol.Kind
		for _, it := range items {
			got = append(got, it.Kind)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("feed of %s: got %v, want %v", tt.point, got, tt.want)
		}
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
