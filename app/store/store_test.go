package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"github.com/yichuang/yichuang/printing"
	"github.com/yichuang/yichuang/sync/protocol"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/workday"
)

var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, workday.China)

// openTemp opens a fresh database file in a temporary directory.
func openTemp(t *testing.T) (*DB, *clock.Manual) {
	t.Helper()
	clk := clock.NewManual(t0)
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "kiosk.db"), Options{Clock: clk})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return unlocked(t, db), clk
}

func TestOpenSetsPragmasOnEveryConnection(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	pragma := func(c *sql.DB, name string) string {
		var v string
		if err := c.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return v
	}
	tests := []struct {
		conn       *sql.DB
		pragma     string
		want       string
		connection string
	}{
		{db.w, "journal_mode", "wal", "writer"},
		{db.w, "synchronous", "2", "writer"}, // 2 = FULL
		{db.w, "foreign_keys", "1", "writer"},
		{db.w, "busy_timeout", "10000", "writer"},
		{db.r, "synchronous", "2", "reader"},
		{db.r, "foreign_keys", "1", "reader"},
		{db.r, "query_only", "1", "reader"},
	}
	for _, tt := range tests {
		if got := pragma(tt.conn, tt.pragma); got != tt.want {
			t.Errorf("%s PRAGMA %s = %s, want %s", tt.connection, tt.pragma, got, tt.want)
		}
	}
	// Several readers at once: each pooled connection has the pragmas.
	conns := make([]*sql.Conn, 3)
	for i := range conns {
		c, err := db.r.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var fk string
		if err := c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != "1" {
			t.Errorf("reader connection %d foreign_keys = %q, %v; want 1", i, fk, err)
		}
		conns[i] = c
	}
	if _, err := db.r.ExecContext(ctx, `INSERT INTO outbox (event_id, kind, payload, created_at) VALUES ('x','k','{}','t')`); err == nil {
		t.Error("a write through the read pool succeeded; want query_only to refuse it")
	}
}

func TestMigrationsRecordedAndNotReapplied(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	for i := 0; i < 2; i++ {
		db, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		got, err := db.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ms, _ := migrations()
		if got != len(ms) {
			t.Errorf("open #%d: schema version = %d, want %d", i+1, got, len(ms))
		}
		var uv, rows int
		db.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&uv)
		db.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&rows)
		if uv != len(ms) || rows != len(ms) {
			t.Errorf("open #%d: user_version = %d, schema_migrations rows = %d; want %d each", i+1, uv, rows, len(ms))
		}
		db.Close()
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (99, '0099_future.sql', 'x')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(ctx, path, Options{})
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open on a newer schema: err = %v, want a 'newer release' error", err)
	}
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestCorruptFileIsNeverOverwritten(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		reason  *msg.Error
		corrupt func(t *testing.T, path string)
	}{
		{"not a database", ReasonNotDatabase, func(t *testing.T, path string) {
			os.WriteFile(path, []byte("this is a spreadsheet, not SQLite"), 0o600)
		}},
		{"damaged pages", ReasonDamaged, func(t *testing.T, path string) {
			db, err := Open(ctx, path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			// Enough rows for several pages of table and index.
			for i := 0; i < 300; i++ {
				if _, err := db.ConfigureServicePoint(ctx, servicepoint.ServicePoint{Code: "330522101000", Name: strings.Repeat("镇", 30), Level: catalog.Township}); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()
			b, _ := os.ReadFile(path)
			if len(b) < 8*4096 {
				t.Fatalf("database only %d bytes; want several pages to damage", len(b))
			}
			for i := 3 * 4096; i < 6*4096; i++ {
				b[i] = 0xA5
			}
			os.WriteFile(path, b, 0o600)
		}},
		{"empty file beside a WAL", ReasonLostLog, func(t *testing.T, path string) {
			os.WriteFile(path, nil, 0o600)
			os.WriteFile(path+"-wal", []byte("wal frames"), 0o600)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "kiosk.db")
			tt.corrupt(t, path)
			before := fileSum(t, path)
			db, err := Open(ctx, path, Options{})
			if err == nil {
				// A file that opens is checked in the background: what that
				// finds comes the same way, and the file takes no writes.
				err = db.Checked(ctx)
				_, werr := db.ConfigureServicePoint(ctx, servicepoint.ServicePoint{Code: "330522101000", Name: "写入", Level: catalog.Township})
				var wce *CorruptError
				if !errors.As(werr, &wce) {
					t.Errorf("a write after the check found damage = %v, want *CorruptError", werr)
				}
				db.Close()
			}
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Open, then Checked = %v, want *CorruptError", err)
			}
			if ce.Path != path || ce.Detail == "" || ce.Reason != tt.reason {
				t.Errorf("CorruptError = %+v, want the path, reason %q and a detail", ce, tt.reason.Key)
			}
			if after := fileSum(t, path); after != before {
				t.Error("the damaged file was modified by Open")
			}
		})
	}
}

func TestDailyBackupRotatesAndRestores(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.db")
	clk := clock.NewManual(t0)
	db, err := Open(ctx, path, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ConfigureServicePoint(ctx, servicepoint.ServicePoint{Code: "330522101000", Name: "洪桥镇便民服务中心", Level: catalog.Township}); err != nil {
		t.Fatal(err)
	}
	made, err := db.DailyBackup(ctx, 0)
	if err != nil || made == "" {
		t.Fatalf("first DailyBackup = %q, %v; want a new backup", made, err)
	}
	if again, err := db.DailyBackup(ctx, 0); err != nil || again != "" {
		t.Errorf("second DailyBackup the same day = %q, %v; want none made", again, err)
	}
	for day := 1; day <= 9; day++ {
		clk.Set(t0.AddDate(0, 0, day))
		if _, err := db.DailyBackup(ctx, 7); err != nil {
			t.Fatalf("day %d: %v", day, err)
		}
	}
	list, err := ListBackups(filepath.Join(dir, "backups"))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 7 {
		t.Fatalf("kept %d backups, want 7", len(list))
	}
	if got, want := list[0].Day.Format("20060102"), "20261205"; got != want {
		t.Errorf("newest backup day = %s, want %s", got, want)
	}
	db.Close()

	// Damage the database; Open offers the backups; restoring keeps the
	// damaged file aside and the data comes back.
	os.WriteFile(path, []byte("garbage"), 0o600)
	_, err = Open(ctx, path, Options{})
	var ce *CorruptError
	if !errors.As(err, &ce) || len(ce.Backups) != 7 {
		t.Fatalf("Open on damaged file = %v; want *CorruptError listing 7 backups", err)
	}
	kept, err := RestoreBackup(ctx, path, ce.Backups[0].Path, t0)
	if err != nil {
		t.Fatalf("RestoreBackup: %v", err)
	}
	if b, _ := os.ReadFile(kept); !bytes.Equal(b, []byte("garbage")) {
		t.Errorf("damaged file kept as %s holds %q, want the original bytes", kept, b)
	}
	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open after restore: %v", err)
	}
	defer db.Close()
	sp, ok, err := db.ServicePoint(ctx)
	if err != nil || !ok || sp.Name != "洪桥镇便民服务中心" {
		t.Errorf("after restore ServicePoint = %+v, %v, %v; want the saved hall", sp, ok, err)
	}
}

func TestRestoreRefusesADamagedBackup(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "yichuang-20261125.db")
	os.WriteFile(bad, []byte("not sqlite"), 0o600)
	path := filepath.Join(dir, "kiosk.db")
	os.WriteFile(path, []byte("damaged"), 0o600)
	if _, err := RestoreBackup(context.Background(), path, bad, t0); err == nil {
		t.Fatal("RestoreBackup from a damaged backup succeeded")
	}
	if b, _ := os.ReadFile(path); string(b) != "damaged" {
		t.Errorf("database file changed to %q after a refused restore", b)
	}
}

func TestActionAndOutboxCommitTogether(t *testing.T) {
	db, clk := openTemp(t)
	ctx := context.Background()
	sp := servicepoint.ServicePoint{Code: "330522101000", Name: "洪桥镇便民服务中心", Level: catalog.Township}
	if _, err := db.ConfigureServicePoint(ctx, sp); err != nil {
		t.Fatal(err)
	}
	evs, err := db.PendingEvents(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Kind != "service_point.configured" || !evs[0].Created.Equal(clk.Now()) {
		t.Fatalf("pending events = %+v; want one service_point.configured at %v", evs, clk.Now())
	}
	if !strings.Contains(string(evs[0].Payload), "330522101000") {
		t.Errorf("payload = %s, want the code", evs[0].Payload)
	}

	// A failing action leaves neither its row nor its event.
	boom := errors.New("boom")
	err = db.update(ctx, func(t *tx) error {
		if _, err := t.ExecContext(ctx, `UPDATE service_point SET name = 'changed'`); err != nil {
			return err
		}
		if _, err := t.emit(ctx, "test.event", map[string]int{"n": 1}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("update = %v, want boom", err)
	}
	if n, _ := db.PendingCount(ctx); n != 1 {
		t.Errorf("pending after a failed action = %d, want 1", n)
	}
	if got, _, _ := db.ServicePoint(ctx); got.Name != sp.Name {
		t.Errorf("name after a failed action = %q, want %q", got.Name, sp.Name)
	}

	if err := db.MarkFailed(ctx, evs[0].ID, "connection refused"); err != nil {
		t.Fatal(err)
	}
	var attempts int
	var last string
	db.r.QueryRowContext(ctx, `SELECT attempts, last_error FROM outbox WHERE event_id = ?`, evs[0].ID).Scan(&attempts, &last)
	if attempts != 1 || last != "connection refused" {
		t.Errorf("after MarkFailed attempts = %d, last_error = %q", attempts, last)
	}
	if err := db.MarkAcked(ctx, evs[0].ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.PendingCount(ctx); n != 0 {
		t.Errorf("pending after ack = %d, want 0", n)
	}
}

func TestConfigureServicePointRejectsBadInput(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	_, err := db.ConfigureServicePoint(ctx, servicepoint.ServicePoint{Code: "123", Name: "x", Level: catalog.Township})
	if !errors.Is(err, servicepoint.ErrCodeFormat) {
		t.Errorf("err = %v, want ErrCodeFormat", err)
	}
	if n, _ := db.PendingCount(ctx); n != 0 {
		t.Errorf("a rejected setup wrote %d outbox events", n)
	}
	if _, ok, _ := db.ServicePoint(ctx); ok {
		t.Error("a rejected setup saved a service point")
	}
}

// An upgrade from an older schema keeps a backup of the database as it was,
// then migrates; the data is there afterwards and in the backup.
func TestUpgradeBacksUpBeforeMigrating(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "yichuang.db")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	// The database as the previous release left it: one migration short.
	old, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	old.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
	for _, m := range ms[:len(ms)-1] {
		if _, err := old.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		old.Exec(`INSERT INTO schema_migrations VALUES (?, ?, '2026-11-01T00:00:00Z')`, m.version, m.name)
	}
	old.Exec(`INSERT INTO settings (key, value) VALUES ('device_no', '3')`)
	old.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.SchemaVersion(ctx); v != len(ms) {
		t.Errorf("schema %d after the upgrade, want %d", v, len(ms))
	}
	if n, err := db.DeviceNumber(ctx); err != nil || n != 3 {
		t.Errorf("device number %d, %v after the upgrade", n, err)
	}
	backup := db.PreMigrationBackup()
	if backup == "" {
		t.Fatal("no backup before migrating")
	}
	b, err := sql.Open("sqlite3", backup+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var v int
	b.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	if v != len(ms)-1 {
		t.Errorf("the backup is at schema %d, want the old %d", v, len(ms)-1)
	}
	// A start with nothing to migrate takes no such copy.
	db.Close()
	again, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.PreMigrationBackup() != "" {
		t.Error("a backup on a start without migrations")
	}
}

// The fleet view names a printer problem from the print error the counter
// recorded; the print command's own text goes along for a technician.
func TestDeviceStatusNamesThePrinterProblem(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{(&printing.Error{Problem: printing.NoDefault, Detail: "lp: Error - no default destination available."}).Error(), protocol.PrinterNoDefault},
		{(&printing.Error{Problem: printing.NotAccepting, Queue: "hall-a4", Detail: "lp: printer is stopped"}).Error(), protocol.PrinterNotAccepting},
		{(&printing.Error{Problem: printing.TimedOut, Queue: "hall-a4"}).Error(), protocol.PrinterTimedOut},
		{"read archive: permission denied", ""},
		{"print to hall-a4: something new: x", ""},
	}
	for _, tt := range tests {
		if got := printerProblem(tt.text); got != tt.want {
			t.Errorf("printerProblem(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
