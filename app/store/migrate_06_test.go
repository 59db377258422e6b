package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/sync/protocol"
)

// TestMigrateFromRelease06 opens a database as release 0.6 left it (schema
// 6, written by that release's own store: testdata/schema6.db.gz, made by
// testdata/mk06.go.txt run in a checkout of 618497e) and
// checks that migration 0007 keeps every case, numbers its chain so the
// next event goes above what the county has seen, and keeps the history,
// the outbox and the ratings.
func TestMigrateFromRelease06(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "yichuang.db")
	gz, err := os.Open(filepath.Join("testdata", "schema6.db.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
	out.Close()
	gz.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.PreMigrationBackup() == "" {
		t.Error("no backup before migrating")
	}
	if v, _ := db.SchemaVersion(ctx); v < 7 {
		t.Fatalf("schema %d after opening", v)
	}

	// Until the first sign-in the data is as 0.6 left it; the sign-in seals
	// it (vault.go), and no file of the data folder (the database, its
	// log, the copy kept before migrating) holds it in clear afterwards.
	if !db.Locked() {
		t.Error("the upgraded machine's data is open before anyone signed in")
	}
	if _, err := db.Authenticate(ctx, "zhuguan", "hq-2026-chen"); err != nil {
		t.Fatal(err)
	}
	for _, clear := range []string{"330522199003150024", "13857201234", "330522198805060018"} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(clear)) {
				t.Errorf("%s holds %s in clear after the first sign-in", filepath.Base(p), clear)
			}
			return nil
		})
	}

	// Case 1: accepted, a county decision (which moved its version in 0.6),
	// then a collector registered: chain version 3.
	c, err := db.CaseByTracking(ctx, "47U8BPC821XV000C")
	if err != nil {
		t.Fatal(err)
	}
	var version int
	var head string
	db.r.QueryRow(`SELECT version, head FROM cases WHERE id = ?`, c.ID).Scan(&version, &head)
	evs, _ := db.CaseEvents(ctx, c.ID)
	if version != 3 || len(evs) != 2 || head != evs[1].EventID || c.Status != cases.StatusCompleted || c.County == nil || len(c.Authorized) != 1 {
		t.Fatalf("case 1 after migrating: version %d head %s events %+v status %s county %+v", version, head, evs, c.Status, c.County)
	}
	var versions []int
	rows, _ := db.r.Query(`SELECT version FROM case_events WHERE case_id = ? ORDER BY id`, c.ID)
	for rows.Next() {
		var v int
		rows.Scan(&v)
		versions = append(versions, v)
	}
	rows.Close()
	if len(versions) != 2 || versions[0] != 1 || versions[1] != 3 {
		t.Errorf("case 1's history versions %v, want [1 3] (as sent to the county)", versions)
	}
	// The next action goes above what the county has seen, on its head.
	after, err := cases.Deliver(c, cases.Person{Name: "李四", IDNumber: "330522198805060018"}, c.Accepted)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateCase(ctx, after, cases.EvDelivered, cases.Actor{Name: "陈主管", Window: 1}, after.Pickup); err != nil {
		t.Fatal(err)
	}
	pending, _ := db.SendableEvents(ctx, 100)
	var delivered protocol.CaseEvent
	for _, e := range pending {
		if e.Kind == protocol.Kind(cases.EvDelivered) {
			if err := json.Unmarshal(e.Payload, &delivered); err != nil {
				t.Fatal(err)
			}
		}
	}
	if delivered.Version != 4 || delivered.Base != head {
		t.Errorf("the first event after the upgrade: version %d base %s, want 4 on %s", delivered.Version, delivered.Base, head)
	}

	// Case 2, deferred, and what waits for the county are as they were.
	if _, err := db.CaseByTracking(ctx, "47U8BPC821XV001A"); err != nil {
		t.Errorf("case 2: %v", err)
	}
	kinds := map[protocol.Kind]bool{}
	for _, e := range pending {
		kinds[e.Kind] = true
	}
	for _, k := range []protocol.Kind{"case.accepted_deferred", protocol.RatingGiven, protocol.CatalogActivated} {
		if !kinds[k] {
			t.Errorf("%s no longer waits for the county after the upgrade", k)
		}
	}
	var withEvent int
	db.r.QueryRow(`SELECT COUNT(*) FROM ratings WHERE event_id IS NOT NULL`).Scan(&withEvent)
	if withEvent != 1 {
		t.Errorf("%d ratings know their event, want 1", withEvent)
	}
}
