package county

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county/pgtest"
	"github.com/yichuang/yichuang/sync/protocol"
)

// BenchmarkFleetAtProvinceScale: the fleet page's reads at a province's
// 25,000 devices (each with a status report, 2 % refusing, 1 % with a
// printer fault, 5 % silent) and an enrollment code for each, 40 of them
// live. "whole" is what the page read before 0017 (every device and
// report); the others are a page of each view.
//
//	go test -tags sqlite_fts5,no_emoji -run '^$' -bench FleetAtProvinceScale ./sync/countyd/county/
func BenchmarkFleetAtProvinceScale(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	s, err := OpenSQLite(ctx, filepath.Join(b.TempDir(), "county.db"), WithClock(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const devices = 25000
	err = s.update(ctx, func(tx *sql.Tx) error {
		for i := range devices {
			point := fmt.Sprintf("3305%04d%04d", 2100+i/18, i%18)
			created := ts(now.Add(-time.Duration(devices-i) * time.Minute))
			seen := ts(now.Add(-time.Minute))
			if i%20 == 0 {
				seen = ts(now.Add(-48 * time.Hour))
			}
			quarantined, printer := 0, "ok"
			if i%50 == 0 {
				quarantined = 3
			}
			if i%100 == 7 {
				printer = "error"
			}
			id := fmt.Sprintf("d_%032x", i)
			if _, err := tx.ExecContext(ctx, `INSERT INTO devices (id, secret, point_code, point_name, point_level, hostname, app_version,
				created_at, last_seen, quarantined, printer_state) VALUES (?, '', ?, '和平镇', 'township', 'hall', '1.0.0', ?, ?, ?, ?)`,
				id, point, created, seen, quarantined, printer); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO device_status (device_id, report, received_at) VALUES (?, ?, ?)`, id,
				fmt.Sprintf(`{"app_version":"1.0.0","pending":0,"quarantined":%d,"uploads":0,"printer":{"state":%q}}`, quarantined, printer), seen); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, keepServicePointSQL, point, "和平镇", "township", created); err != nil {
				return err
			}
			expires, used := ts(now.Add(-time.Hour)), any(created)
			if i >= devices-40 {
				expires, used = ts(now.Add(time.Hour)), nil
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO enroll_codes (code, point_code, point_name, point_level, created_at, expires_at, used_at)
				VALUES (?, ?, '和平镇', 'township', ?, ?, ?)`, fmt.Sprintf("C%011d", i), point, created, expires, used); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	run := func(name string, fn func() error) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	page := func(f FleetFilter) func() error {
		return func() error {
			f.Now, f.Limit = now, 50
			_, err := s.DevicePage(ctx, f)
			return err
		}
	}
	run("whole", func() error {
		if _, err := s.Devices(ctx); err != nil {
			return err
		}
		_, err := s.DeviceStatuses(ctx)
		return err
	})
	run("page", page(FleetFilter{}))
	run("page after", page(FleetFilter{After: fmt.Sprintf("d_%032x", devices/2)}))
	run("point", page(FleetFilter{Point: "330522500001"}))
	run("online", page(FleetFilter{State: FleetOnline}))
	run("silent", page(FleetFilter{State: FleetSilent}))
	run("refused", page(FleetFilter{State: FleetRefused}))
	run("printer", page(FleetFilter{State: FleetPrinter}))
	run("version", page(FleetFilter{Version: "1.0.0"}))
	run("counts and versions", func() error {
		if _, err := s.FleetCounts(ctx); err != nil {
			return err
		}
		_, err := s.DeviceVersions(ctx)
		return err
	})
	run("live codes", func() error { _, _, err := s.CodePage(ctx, CodeFilter{Limit: 50, Now: now}); return err })
	run("spent codes", func() error { _, _, err := s.CodePage(ctx, CodeFilter{Spent: true, Limit: 50, Now: now}); return err })
	run("service points", func() error { _, err := s.ServicePoints(ctx); return err })
	// What ServicePoints read before 0017.
	run("service points before", func() error {
		rows, err := s.r.QueryContext(ctx, `SELECT point_code, point_name, point_level, created_at FROM enroll_codes
		UNION ALL SELECT point_code, point_name, point_level, created_at FROM devices ORDER BY 1, 4`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c, n, l, at string
			if err := rows.Scan(&c, &n, &l, &at); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// BenchmarkStatusReport is a kiosk's status report after every round
// (SetDeviceStatus), which 0017 made keep the fleet filters on the device
// too: on SQLite and on PostgreSQL (pgtest's server), the same report as
// the last (the filters' UPDATE writes nothing) and a changed one.
//
//	go test -tags sqlite_fts5,no_emoji -run '^$' -bench StatusReport ./sync/countyd/county/
func BenchmarkStatusReport(b *testing.B) {
	ctx := context.Background()
	for _, store := range []string{"sqlite", "postgres"} {
		var st interface {
			CreateEnrollCode(ctx context.Context, p ServicePoint) (EnrollCode, error)
			Enroll(ctx context.Context, code, hostname, appVersion string) (Device, error)
			SetDeviceStatus(ctx context.Context, deviceID string, st protocol.DeviceStatus) error
			Close() error
		}
		var err error
		if store == "sqlite" {
			st, err = OpenSQLite(ctx, filepath.Join(b.TempDir(), "county.db"))
		} else {
			st, err = OpenPostgres(ctx, pgtest.Database(b), PostgresOptions{SecretsKey: filepath.Join(b.TempDir(), "secrets.key")})
		}
		if err != nil {
			b.Fatal(err)
		}
		c, err := st.CreateEnrollCode(ctx, ServicePoint{Code: "330522101000", Name: "和平镇", Level: LevelTownship})
		if err != nil {
			b.Fatal(err)
		}
		d, err := st.Enroll(ctx, c.Code, "hall", "1.0.0")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(store+"/same", func(b *testing.B) {
			for b.Loop() {
				if err := st.SetDeviceStatus(ctx, d.ID, protocol.DeviceStatus{AppVersion: "1.0.0", Pending: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(store+"/changed", func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				if err := st.SetDeviceStatus(ctx, d.ID, protocol.DeviceStatus{AppVersion: "1.0.0", Quarantined: i % 2}); err != nil {
					b.Fatal(err)
				}
			}
		})
		st.Close()
	}
}
