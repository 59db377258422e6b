package county_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/countytest"
	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
	"github.com/yichuang/yichuang/sync/lowpriority"
	"github.com/yichuang/yichuang/sync/protocol"
)

// feedAfter reads the device's feed after a cursor.
func (e *env) feedAfter(t *testing.T, after int64) []protocol.FeedItem {
	t.Helper()
	status, _, body := e.c.Do(t, e.dev, e.secret, "GET", fmt.Sprintf("/api/v1/feed?after=%d", after), nil, nil)
	if status != 200 {
		t.Fatalf("feed: status %d, body %s", status, body)
	}
	var r protocol.FeedResponse
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r.Items
}

// uploaded pushes a case with one scan of n bytes and uploads the scan.
func (e *env) uploaded(t *testing.T, n int) (ev protocol.Event, tracking, sha string) {
	t.Helper()
	data, sha := randomFile(n)
	id, tr := newCase()
	ev = caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted", sha)
	if r := e.push(t, ev); r[0].Status != protocol.Applied {
		t.Fatalf("push: %+v", r[0])
	}
	if a := e.putChunk(t, sha, 0, n, data); a.complete != "true" {
		t.Fatalf("upload: %+v", a)
	}
	return ev, tr, sha
}

// TestBackupAndRestoreSQLite: a backup taken beside the running server
// holds the cases and scans of its moment; restored into a fresh data
// directory, the county serves the same devices (their secrets came
// along), its feed goes on past every cursor the lost county gave out,
// starting with county.restored, and the events it lost are applied
// again when a kiosk sends them, those it holds answered as before.
func TestBackupAndRestoreSQLite(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ev1, tr1, sha1 := e.uploaded(t, 3000)
	half, shaHalf := randomFile(3000)
	id0, tr0 := newCase()
	e.push(t, caseEvent(id0, tr0, countytest.TestPoint.Code, 1, "case.accepted", "accepted", shaHalf))
	if a := e.putChunk(t, shaHalf, 0, len(half), half[:1000]); a.stored != "1000" {
		t.Fatalf("partial upload: %+v", a)
	}
	backups := t.TempDir()
	path, err := county.BackupSQLite(ctx, e.c.Dir, backups, t0, 7)
	if err != nil {
		t.Fatal(err)
	}
	id2, tr2 := newCase()
	ev2 := caseEvent(id2, tr2, countytest.TestPoint.Code, 1, "case.accepted", "accepted")
	e.push(t, ev2)
	_, _, sha3 := e.uploaded(t, 2000)
	it, err := e.c.Store.PublishCatalog(ctx, "", json.RawMessage(`{"version":"2026.12","matters":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	lostCursor := it.Cursor // the newest cursor a kiosk could have seen

	if err := county.RestoreSQLite(ctx, path, e.c.Dir, false, t0.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("restore into the live data directory: got %v, want a refusal", err)
	}
	data := filepath.Join(t.TempDir(), "county")
	restoredAt := t0.Add(2 * time.Hour)
	if err := county.RestoreSQLite(ctx, path, data, false, restoredAt); err != nil {
		t.Fatal(err)
	}
	r := &env{c: countytest.Start(t, countytest.Options{Dir: data, Now: e.clock.Now}), clock: e.clock, dev: e.dev, secret: e.secret}

	items := r.feedAfter(t, lostCursor)
	if len(items) != 1 || items[0].Kind != protocol.FeedCountyRestored {
		t.Fatalf("feed after the lost county's last cursor %d: got %+v, want one county.restored", lostCursor, items)
	}
	var cr protocol.CountyRestored
	if err := json.Unmarshal(items[0].Payload, &cr); err != nil || !cr.BackupAt.Equal(t0.Truncate(time.Second)) || !cr.RestoredAt.Equal(restoredAt) {
		t.Errorf("county.restored payload: got %+v (%v), want backup %v, restored %v", cr, err, t0, restoredAt)
	}
	next, err := r.c.Store.PublishCatalog(ctx, "", json.RawMessage(`{"version":"2026.13","matters":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.feedAfter(t, lostCursor); len(got) != 2 || got[1].Cursor != next.Cursor {
		t.Errorf("feed after the restore: got %+v, want county.restored and the new catalog", got)
	}

	for _, c := range []struct {
		tracking string
		want     bool
	}{{tr1, true}, {tr2, false}} {
		_, err := r.c.Store.Case(ctx, c.tracking)
		if got := err == nil; got != c.want {
			t.Errorf("case %s in the restored county: got %v (%v), want %v", c.tracking, got, err, c.want)
		}
	}
	for _, c := range []struct {
		sha  string
		want string
	}{{sha1, "true"}, {sha3, ""}, {shaHalf, ""}} {
		if got := r.head(t, c.sha).complete; got != c.want {
			t.Errorf("scan %s… in the restored county: complete %q, want %q", c.sha[:8], got, c.want)
		}
	}
	// The upload under way at the backup starts again from its first byte.
	if a := r.head(t, shaHalf); a.stored != "0" && a.stored != "" {
		t.Errorf("partial upload after the restore: holds %q bytes, want none", a.stored)
	}
	if a := r.putChunk(t, shaHalf, 0, len(half), half); a.complete != "true" {
		t.Errorf("upload again after the restore: %+v", a)
	}
	before := r.stats(t)
	res := r.push(t, ev2, ev1)
	for i, r := range res {
		if r.Status != protocol.Applied {
			t.Errorf("event %d sent again: got %+v, want applied", i, r)
		}
	}
	if after := r.stats(t); after.Cases != before.Cases+1 || after.Applied != before.Applied+1 {
		t.Errorf("after sending again: got %d cases, %d events, want %d, %d", after.Cases, after.Applied, before.Cases+1, before.Applied+1)
	}
}

// TestBackupIsCheckedBeforeRestore: a backup whose database is damaged or
// misses a scan it names, or a scan cut short, is refused, and the data
// directory stays empty.
func TestBackupIsCheckedBeforeRestore(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	_, _, sha := e.uploaded(t, 5000)
	blob := func(dir string) string { return filepath.Join(dir, "blobs", sha[:2], sha[2:4], sha) }
	for _, c := range []struct {
		name  string
		spoil func(dir string) error
		want  string
	}{
		{"whole", func(string) error { return nil }, ""},
		{"scan missing", func(dir string) error { return os.Remove(blob(dir)) }, "no such file"},
		{"scan cut short", func(dir string) error { return os.Truncate(blob(dir), 4000) }, "4000 bytes, want 5000"},
		{"database missing", func(dir string) error { return os.Remove(filepath.Join(dir, "county.db")) }, "no database"},
		{"database damaged", func(dir string) error {
			f, err := os.OpenFile(filepath.Join(dir, "county.db"), os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			st, _ := f.Stat()
			junk := make([]byte, 4096)
			for i := range junk {
				junk[i] = 0x5a
			}
			_, err = f.WriteAt(junk, st.Size()/2) // a page in the middle, not the header
			return err
		}, "damaged"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, err := county.BackupSQLite(ctx, e.c.Dir, t.TempDir(), t0, 7)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.spoil(path); err != nil {
				t.Fatal(err)
			}
			data := filepath.Join(t.TempDir(), "county")
			err = county.RestoreSQLite(ctx, path, data, false, t0)
			if got := fmt.Sprint(err); (c.want == "") != (err == nil) || (c.want != "" && !strings.Contains(got, c.want)) {
				t.Fatalf("restore: got %v, want %q", err, c.want)
			}
			if entries, _ := os.ReadDir(data); c.want != "" && len(entries) != 0 {
				t.Errorf("refused restore left %d entries in the data directory", len(entries))
			}
		})
	}
}

// TestBackupRotation: backups older than -keep days go, and -force moves an old data directory aside
// rather than deleting it.
func TestBackupRotation(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	dir := t.TempDir()
	day := 24 * time.Hour
	for _, at := range []time.Duration{-10 * day, -8 * day, -day, 0} {
		if _, err := county.BackupSQLite(ctx, e.c.Dir, dir, t0.Add(at), 7); err != nil {
			t.Fatal(err)
		}
	}
	list, err := county.ListBackups(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []time.Time
	for _, b := range list {
		got = append(got, b.Taken)
	}
	want := []time.Time{t0.UTC(), t0.Add(-day).UTC()}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("backups kept: got %v, want %v", got, want)
	}
	// Thirty days later with none taken since: only the new one is left.
	if _, err := county.BackupSQLite(ctx, e.c.Dir, dir, t0.Add(30*day), 7); err != nil {
		t.Fatal(err)
	}
	if list, _ = county.ListBackups(dir); len(list) != 1 {
		t.Errorf("after a month: got %d backups, want 1", len(list))
	}

	data := filepath.Join(t.TempDir(), "county")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "county.db"), []byte("the old one"), 0o600); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(31 * day)
	if err := county.RestoreSQLite(ctx, list[0].Path, data, true, now); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(filepath.Join(data, "replaced-"+now.UTC().Format("20060102T150405Z"), "county.db"))
	if string(old) != "the old one" {
		t.Errorf("old data moved aside: got %q (%v)", old, err)
	}
	if err := county.CheckBackup(ctx, list[0].Path); err != nil {
		t.Fatal(err)
	}
	// What a forced restore kept aside does not make the directory "not
	// empty" for the next restore, and stays.
	if err := os.RemoveAll(filepath.Join(data, "county.db")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"county.db-wal", "county.db-shm", "secrets.key", "blobs"} {
		os.RemoveAll(filepath.Join(data, f))
	}
	if err := county.RestoreSQLite(ctx, list[0].Path, data, false, now.Add(time.Hour)); err != nil {
		t.Errorf("restore beside what an earlier one kept: %v", err)
	}
}

// TestMarkRestoredOnBothStores: after MarkRestored the next feed item is
// county.restored, numbered 2^32 past the newest cursor, on SQLite and on
// PostgreSQL (where it follows a point-in-time recovery).
func TestMarkRestoredOnBothStores(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.Database(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvOn(t, nil, tc.url(t))
			st := e.c.DB.(interface {
				PublishCatalog(ctx context.Context, point string, doc json.RawMessage) (protocol.FeedItem, error)
				MarkRestored(ctx context.Context, taken time.Time) error
			})
			last, err := st.PublishCatalog(ctx, "", json.RawMessage(`{"version":"2026.12","matters":[]}`))
			if err != nil {
				t.Fatal(err)
			}
			if err := st.MarkRestored(ctx, t0.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			next, err := st.PublishCatalog(ctx, "", json.RawMessage(`{"version":"2026.13","matters":[]}`))
			if err != nil {
				t.Fatal(err)
			}
			items := e.feedAfter(t, last.Cursor)
			if len(items) != 2 || items[0].Kind != protocol.FeedCountyRestored || items[1].Cursor != next.Cursor {
				t.Fatalf("feed after the restore: got %+v, want county.restored and the new catalog", items)
			}
			if got, want := items[0].Cursor, last.Cursor+1<<32; got < want {
				t.Errorf("county.restored cursor: got %d, want at least %d", got, want)
			}
			var cr protocol.CountyRestored
			if err := json.Unmarshal(items[0].Payload, &cr); err != nil || !cr.BackupAt.Equal(t0.Add(-time.Hour)) {
				t.Errorf("payload: got %+v (%v), want backup at %v", cr, err, t0.Add(-time.Hour))
			}
		})
	}
}

// TestBackupGoesOnBesideThePushes: a backup copies the database in paced
// steps from one snapshot, at a priority below the server's (issue 18: no
// push waits for it). A push applied
// while the copy is between two steps completes without waiting for the
// copy; the backup holds the county of the moment the copy began, not
// that push's case; and the backup folds what was committed meanwhile
// back into the database itself (a passive checkpoint), rather than leave
// it to the server's next commit.
func TestBackupGoesOnBesideThePushes(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	// A database of several copy steps (a step is 1 MiB).
	var before []protocol.Event
	for range 4 {
		var evs []protocol.Event
		for range 100 {
			id, tr := newCase()
			evs = append(evs, caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted"))
		}
		e.push(t, evs...)
		before = append(before, evs...)
	}
	id, tr := newCase()
	during := caseEvent(id, tr, countytest.TestPoint.Code, 1, "case.accepted", "accepted")
	steps, pushed := 0, time.Duration(-1)
	var nice, ioClass int
	var prioRead bool
	restore := county.SetBackupStepped(func() {
		steps++
		if steps != 1 {
			return
		}
		nice, ioClass, prioRead = threadPriority() // the copying thread
		start := time.Now()
		if r := e.push(t, during); r[0].Status != protocol.Applied {
			t.Errorf("push during the copy: %+v", r[0])
		}
		pushed = time.Since(start)
	})
	defer restore()
	path, err := county.BackupSQLite(ctx, e.c.Dir, t.TempDir(), t0, 7)
	if err != nil {
		t.Fatal(err)
	}
	if steps < 2 || pushed < 0 {
		t.Fatalf("the copy went in %d steps, the push ran: %v; want several steps and the push between two", steps, pushed >= 0)
	}
	if pushed > 2*time.Second {
		t.Errorf("push during the copy took %v: it waited for the copy", pushed)
	}
	if prioRead && (nice < lowpriority.Nice || ioClass != 3) {
		t.Errorf("the copy ran at niceness %d, I/O class %d; want at least %d and 3 (idle), below the pushes", nice, ioClass, lowpriority.Nice)
	}

	backup, err := sql.Open("sqlite3", "file:"+filepath.Join(path, "county.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer backup.Close()
	count := func(tracking string) int {
		var n int
		if err := backup.QueryRow(`SELECT COUNT(*) FROM cases WHERE tracking = ?`, tracking).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := count(tr); got != 0 {
		t.Errorf("backup holds %d of the case pushed during the copy, want 0 (the copy is of its first moment)", got)
	}
	var first protocol.CaseEvent
	if err := json.Unmarshal(before[len(before)-1].Payload, &first); err != nil {
		t.Fatal(err)
	}
	if got := count(first.Tracking); got != 1 {
		t.Errorf("backup holds %d of the last case pushed before it, want 1", got)
	}

	// Checkpointed: the database file itself is as long as the database,
	// the push made during the copy included (the server's own checkpoint
	// waits for 64 MB of WAL, which this test is far from).
	live, err := sql.Open("sqlite3", "file:"+filepath.Join(e.c.Dir, "county.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	var pages, size int64
	if err := live.QueryRow(`SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(e.c.Dir, "county.db")); err != nil {
		t.Fatal(err)
	} else {
		size = fi.Size()
	}
	if size < pages {
		t.Errorf("database file %d bytes, the database %d: what was committed during the copy is still only in the WAL", size, pages)
	}
}
