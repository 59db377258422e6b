package countylink_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/countylink"
	"github.com/yichuang/yichuang/app/internal/halltest"
)

// TestCountyRestoredFromBackup: two kiosks of one hall push to a real
// countyd; a backup is taken; both push more and pull a decision, so
// their feed cursors run ahead of the backup; the county is lost (kill
// -9), its backup restored into a fresh data directory and served again.
// The kiosks send again what the backup lacks, and in the end the restored
// county holds every kiosk event exactly once and every scan, and a
// decision it makes after the restore reaches both kiosks.
func TestCountyRestoredFromBackup(t *testing.T) {
	if testing.Short() {
		t.Skip("runs countyd three times over")
	}
	ctx := context.Background()
	cd := halltest.StartCountyd(t, t.TempDir(), "127.0.0.1:0")
	ha, la, supA := halltest.Enrolled(t, cd, cd.URL)
	hb, lb, supB := halltest.EnrolledDevice(t, cd, cd.URL, 2)
	a1 := ha.CaseWithScan(t, supA, 40<<10)
	_, b1 := hb.AcceptDeferredCase(t, supB)
	rounds(t, la, lb)

	backups := t.TempDir()
	out := cd.Admin(t, "backup", "-to", backups)
	taken := strings.TrimSpace(out)
	if filepath.Dir(taken) != backups {
		t.Fatalf("backup printed %q, want a directory in %s", taken, backups)
	}

	// After the backup: more cases, a scan, and a decision both kiosks pull.
	a2 := ha.CaseWithScan(t, supA, 50<<10)
	_, b2 := hb.AcceptDeferredCase(t, supB)
	rounds(t, la, lb)
	cd.Admin(t, "set-status", "-case", a1.Tracking, "-status", "completed", "-pickup", "请到3号窗口领取")
	rounds(t, la, lb)
	backupFeed := maxCursor(t, filepath.Join(taken, "county.db"), `SELECT COALESCE(MAX(cursor), 0) FROM feed`)
	for name, db := range map[string]*halltest.Hall{"A": ha, "B": hb} {
		if c, _ := db.DB.FeedCursor(ctx); c <= backupFeed {
			t.Fatalf("kiosk %s's cursor %d is not ahead of the backup's %d: the test shows nothing", name, c, backupFeed)
		}
	}

	cd.Stop() // the disk is gone
	restored := &halltest.Countyd{Data: filepath.Join(t.TempDir(), "county")}
	restored.Admin(t, "restore", "-from", taken)
	cd2 := halltest.StartCountyd(t, restored.Data, cd.Listen)

	// The first round pulls county.restored, the next ones send again.
	for i := 0; i < 4; i++ {
		rounds(t, la, lb)
	}
	for name, h := range map[string]*halltest.Hall{"A": ha, "B": hb} {
		if st, _ := h.DB.SyncStatus(ctx); st.Pending != 0 || st.Uploads != 0 || st.Quarantined != 0 {
			t.Errorf("kiosk %s after the restore: %+v", name, st)
		}
	}

	// A decision made by the restored county reaches the kiosk whose
	// cursor was ahead of the backup.
	cd2.Admin(t, "set-status", "-case", a2.Tracking, "-status", "completed", "-pickup", "请到5号窗口领取")
	cd2.Admin(t, "set-status", "-case", b2.Tracking, "-status", "denied", "-reason", "材料不齐")
	rounds(t, la, lb)
	for _, c := range []struct {
		h    *halltest.Hall
		id   string
		want cases.Status
	}{{ha, a2.ID, cases.StatusCompleted}, {hb, b2.ID, cases.StatusDenied}, {ha, a1.ID, cases.StatusCompleted}} {
		got, err := c.h.DB.CaseByID(ctx, c.id)
		if err != nil || got.Status != c.want {
			t.Errorf("case %s after the restore: got %s (%v), want %s", c.id, got.Status, err, c.want)
		}
	}

	cd2.Stop()
	countyDB := filepath.Join(restored.Data, "county.db")
	var want []string
	for _, h := range []*halltest.Hall{ha, hb} {
		want = append(want, eventIDs(t, filepath.Join(h.Dir, "yichuang.db"),
			`SELECT event_id FROM outbox WHERE withdrawn_at IS NULL`)...)
	}
	got := eventIDs(t, countyDB, `SELECT event_id FROM applied_events`)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("restored county holds %d events, kiosks sent %d:\n got %v\nwant %v", len(got), len(want), got, want)
	}
	if n := maxCursor(t, countyDB, `SELECT COUNT(*) FROM blobs WHERE completed_at IS NOT NULL`); n != 2 {
		t.Errorf("restored county holds %d complete scans, want 2", n)
	}
	if n := maxCursor(t, countyDB, `SELECT COUNT(*) FROM cases WHERE tracking IN (?, ?, ?, ?)`, a1.Tracking, a2.Tracking, b1.Tracking, b2.Tracking); n != 4 {
		t.Errorf("restored county holds %d of the 4 cases", n)
	}
}

// rounds runs a sync round on each link.
func rounds(t *testing.T, links ...*countylink.Link) {
	t.Helper()
	for _, l := range links {
		halltest.Round(t, l)
	}
}

func readOnly(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func maxCursor(t *testing.T, path, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := readOnly(t, path).QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func eventIDs(t *testing.T, path, query string) []string {
	t.Helper()
	rows, err := readOnly(t, path).Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
