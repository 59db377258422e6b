package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Three entries as data/osv holds them: one affecting the standard library
// in two blocks, one a module, one both.
var osvFiles = map[string]string{
	"GO-2026-0002.json": `{"schema_version": "1.3.1", "id": "GO-2026-0002", "modified": "0001-01-01T00:00:00Z",
		"aliases": ["CVE-2026-2"],
		"affected": [
			{"package": {"name": "stdlib", "ecosystem": "Go"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.26.9"}]}]},
			{"package": {"name": "stdlib", "ecosystem": "Go"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.27.0-0"}, {"fixed": "1.27.2"}]}]}]}`,
	"GO-2026-0001.json": `{"schema_version": "1.3.1", "id": "GO-2026-0001", "modified": "0001-01-01T00:00:00Z",
		"affected": [{"package": {"name": "golang.org/x/image", "ecosystem": "Go"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.38.0"}]}]}]}`,
	"GO-2026-0003.json": `{"schema_version": "1.3.1", "id": "GO-2026-0003", "modified": "2026-10-01T08:00:00Z",
		"aliases": ["CVE-2026-3", "GHSA-xxxx-yyyy-zzzz"],
		"affected": [
			{"package": {"name": "golang.org/x/image", "ecosystem": "Go"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.41.0"}]}]},
			{"package": {"name": "stdlib", "ecosystem": "Go"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.26.10"}]}]}]}`,
}

func writeOSV(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBuildWritesTheV1Layout(t *testing.T) {
	defer func(n int) { minEntries = n }(minEntries)
	minEntries = 1
	osv := writeOSV(t, osvFiles)
	out := t.TempDir()
	commit := time.Date(2026, 11, 5, 23, 49, 57, 0, time.UTC)
	if err := build(osv, out, commit); err != nil {
		t.Fatal(err)
	}

	// The database is as new as its newest commit or entry.
	if got, want := read(t, filepath.Join(out, "index", "db.json")), `{"modified":"2026-11-05T23:49:57Z"}`; got != want {
		t.Errorf("db.json = %s, want %s", got, want)
	}
	// Modules sorted by path, IDs sorted and once per module, no "fixed".
	want := `[{"path":"golang.org/x/image","vulns":[{"id":"GO-2026-0001","modified":"0001-01-01T00:00:00Z"},{"id":"GO-2026-0003","modified":"2026-10-01T08:00:00Z"}]},` +
		`{"path":"stdlib","vulns":[{"id":"GO-2026-0002","modified":"0001-01-01T00:00:00Z"},{"id":"GO-2026-0003","modified":"2026-10-01T08:00:00Z"}]}]`
	if got := read(t, filepath.Join(out, "index", "modules.json")); got != want {
		t.Errorf("modules.json =\n%s\nwant\n%s", got, want)
	}
	var vulns []vulnMeta
	if err := json.Unmarshal([]byte(read(t, filepath.Join(out, "index", "vulns.json"))), &vulns); err != nil {
		t.Fatal(err)
	}
	if len(vulns) != 3 || vulns[0].ID != "GO-2026-0001" || strings.Join(vulns[2].Aliases, " ") != "CVE-2026-3 GHSA-xxxx-yyyy-zzzz" {
		t.Errorf("vulns.json: %+v", vulns)
	}
	// Entries byte for byte.
	for name, body := range osvFiles {
		if got := read(t, filepath.Join(out, "ID", name)); got != body {
			t.Errorf("ID/%s differs from the module's file", name)
		}
	}
	// A later commit is the database's time even when entries are older.
	commit = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out2 := t.TempDir()
	if err := build(osv, out2, commit); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(out2, "index", "db.json")); got != `{"modified":"2026-10-01T08:00:00Z"}` {
		t.Errorf("db.json with an older commit = %s", got)
	}
}

func TestBuildRefusesWhatIsNotTheDatabase(t *testing.T) {
	defer func(n int) { minEntries = n }(minEntries)
	for name, files := range map[string]map[string]string{
		"too few entries": {"GO-2026-0001.json": osvFiles["GO-2026-0001.json"]},
		"file and ID disagree": {"GO-2026-0001.json": osvFiles["GO-2026-0002.json"],
			"GO-2026-0003.json": osvFiles["GO-2026-0003.json"]},
		"no standard library": {"GO-2026-0001.json": osvFiles["GO-2026-0001.json"],
			"GO-2026-0009.json": strings.ReplaceAll(osvFiles["GO-2026-0001.json"], "0001", "0009")},
	} {
		minEntries = 2
		if err := build(writeOSV(t, files), t.TempDir(), time.Now()); err == nil {
			t.Errorf("%s: built a database", name)
		}
	}
}
