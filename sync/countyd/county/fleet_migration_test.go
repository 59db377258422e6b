package county_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// migratedStore is what the 0017 back-fill test reads, on either store.
type migratedStore interface {
	county.Store
	county.Fleet
	ServicePoints(ctx context.Context) ([]county.ServicePoint, error)
	Close() error
}

// TestMigration0017BackfillsAFleet: a county upgraded to 0017 finds its
// points (the latest name of each, as read from every code and device
// before), and its devices' versions, refused events and printer faults
// from the reports they sent before the upgrade.
func TestMigration0017BackfillsAFleet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "county.db")
	migration0017(t, "sqlite3", path, func(now func() time.Time) (migratedStore, error) {
		return county.OpenSQLite(context.Background(), path, county.WithClock(now))
	})
}

// TestMigration0017BackfillsAFleetPostgres: the same on PostgreSQL, whose
// twin reads the reports' JSON its own way.
func TestMigration0017BackfillsAFleetPostgres(t *testing.T) {
	dsn := pgtest.Database(t)
	key := filepath.Join(t.TempDir(), "secrets.key")
	migration0017(t, "pgx", dsn, func(now func() time.Time) (migratedStore, error) {
		return county.OpenPostgres(context.Background(), dsn, county.PostgresOptions{Now: now, SecretsKey: key})
	})
}

func migration0017(t *testing.T, driver, dsn string, open func(now func() time.Time) (migratedStore, error)) {
	ctx := context.Background()
	clk := newStepClock()
	st, err := open(clk.now)
	if err != nil {
		t.Fatal(err)
	}
	town := county.ServicePoint{Code: "330522101000", Name: "和平镇", Level: county.LevelTownship}
	village := county.ServicePoint{Code: "330522101201", Name: "溪口村", Level: county.LevelVillage}
	d1 := mustDevice(t, st, town, "hall-1")
	clk.add(time.Minute)
	d2 := mustDevice(t, st, village, "village-1")
	clk.add(time.Minute)
	renamed := county.ServicePoint{Code: town.Code, Name: "和平镇便民服务中心", Level: town.Level}
	mustCode(t, st, renamed)
	for _, r := range []struct {
		id string
		s  protocol.DeviceStatus
	}{
		{d1.ID, protocol.DeviceStatus{AppVersion: "1.0.0", Quarantined: 2}},
		{d2.ID, protocol.DeviceStatus{Printer: protocol.PrinterStatus{State: "error"}}},
	} {
		if err := st.SetDeviceStatus(ctx, r.id, r.s); err != nil {
			t.Fatal(err)
		}
	}
	wantPoints, err := st.ServicePoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	// The county as it was at 0016.
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP INDEX devices_fleet`, `DROP INDEX devices_version`, `DROP INDEX devices_refused`, `DROP INDEX devices_printer_fault`,
		`DROP INDEX enroll_codes_unused`, `DROP INDEX enroll_codes_created`, `DROP TABLE service_points`,
		`ALTER TABLE devices DROP COLUMN quarantined`, `ALTER TABLE devices DROP COLUMN printer_state`,
		`UPDATE devices SET app_version = '0.9.0'`,
		`CREATE INDEX devices_point ON devices (point_code, created_at)`,
		`DELETE FROM schema_migrations WHERE version = 17`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	again, err := open(clk.now)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	points, err := again.ServicePoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(points, wantPoints) || len(points) != 2 || points[0] != renamed {
		t.Errorf("points after the upgrade: got %+v, want %+v (the town renamed)", points, wantPoints)
	}
	counts, err := again.FleetCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w := (county.FleetCounts{Devices: 2, Refused: 1, PrinterFaults: 1}); counts != w {
		t.Errorf("counts after the upgrade: got %+v, want %+v", counts, w)
	}
	list, err := again.DevicePage(ctx, county.FleetFilter{Version: "1.0.0", Now: clk.now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != d1.ID {
		t.Errorf("version 1.0.0 after the upgrade: got %d devices, want %s", len(list), d1.ID)
	}
}
