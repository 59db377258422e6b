package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupCommands: the flags and refusals of backup, restore and
// mark-restored, run in process.
func TestBackupCommands(t *testing.T) {
	ctx := context.Background()
	data, backups, empty := t.TempDir(), t.TempDir(), t.TempDir()
	st, err := openStore(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	var taken string
	for _, c := range []struct {
		name string
		env  string
		args func() []string
		code int
		want string // in the output or the errors
	}{
		{"backup without -to", "", func() []string { return []string{"backup", "-data", data} }, 2, "-to is required"},
		{"backup of nothing", "", func() []string { return []string{"backup", "-data", empty, "-to", backups} }, 1, "no county database"},
		{"backup on PostgreSQL", "postgres://db/county", func() []string { return []string{"backup", "-data", data, "-to", backups} }, 1, "SQLite store only"},
		{"backup", "", func() []string { return []string{"backup", "-data", data, "-to", backups, "-keep", "3"} }, 0, filepath.Join(backups, "county-")},
		{"restore without -from", "", func() []string { return []string{"restore", "-data", empty} }, 2, "-from is required"},
		{"restore over data", "", func() []string { return []string{"restore", "-data", data, "-from", taken} }, 1, "not empty"},
		{"restore", "", func() []string {
			return []string{"restore", "-data", empty, "-from", filepath.Join(taken, "county.db")}
		}, 0, "restored"},
		{"mark-restored with a bad time", "", func() []string { return []string{"mark-restored", "-data", empty, "-backup-time", "yesterday"} }, 2, "RFC 3339"},
		{"mark-restored", "", func() []string {
			return []string{"mark-restored", "-data", empty, "-backup-time", "2026-12-01T02:00:00+08:00"}
		}, 0, "marked restored"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("COUNTYD_DATABASE_URL", c.env)
			var out, errOut bytes.Buffer
			code := run(ctx, c.args(), &out, &errOut)
			all := out.String() + errOut.String()
			if code != c.code || !strings.Contains(all, c.want) {
				t.Fatalf("got exit %d, %q; want %d, %q", code, all, c.code, c.want)
			}
			if c.name == "backup" {
				taken = strings.TrimSpace(out.String())
			}
		})
	}
}
