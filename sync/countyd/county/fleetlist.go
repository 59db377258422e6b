package county

// The back office's fleet page at province scale (issue 19: ~25,000
// devices, and an enrollment code for each one ever made): pages of
// devices in service point order, each filter the page offers read from
// one index in that order (0017_fleet_pages.sql), and the enrollment codes
// that still enroll, newest first. queryplan_test.go plans every shape
// built here on both stores. The SQL is the same for both (dbtx, rebind).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The fleet page's device states.
const (
	FleetOnline  = "online"  // heard from within SilentAfter
	FleetSilent  = "silent"  // not heard from for SilentAfter, or never
	FleetRefused = "refused" // its last report counts events the county refused
	FleetPrinter = "printer" // its last report says the last print failed
)

// SilentAfter is how long without contact makes a device silent: a hall
// that is open syncs every few minutes, so a day of silence means a
// switched-off PC or a broken link worth a phone call.
const SilentAfter = 24 * time.Hour

// FleetPageMax is the most devices or codes one page returns.
const FleetPageMax = 200

// FleetFilter selects a page of the fleet. After (or Before) is the device
// id of the previous page's last (or the next page's first) row.
type FleetFilter struct {
	Point, State, Version string
	// Update is a device's reported update state (protocol.UpdateStates).
	Update        string
	After, Before string
	Limit         int
	// Now judges online and silent.
	Now time.Time
}

// FleetDevice is a device as the fleet page shows it: without its secret,
// with its applied events and its latest status report, if any.
type FleetDevice struct {
	Device
	Report    DeviceReport
	HasReport bool
}

// fleetQuery is the page's SELECT for f: the filter's conditions (with
// the partial indexes' own words) and its arguments. The order is always
// (point_code, created_at, id): devices_fleet, or for a version
// devices_version, whose key starts with the version.
func fleetQuery(f FleetFilter) (where []string, args []any, err error) {
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	if f.Version != "" {
		add("devices.app_version = ?", f.Version)
	}
	if f.Point != "" {
		add("devices.point_code = ?", f.Point)
	}
	if f.Update != "" {
		// devices_update; the column holds only protocol.UpdateStates.
		add("devices.update_state = ?", f.Update)
	}
	switch f.State {
	case "":
	case FleetOnline:
		// Most devices are online: a page of them is about a page of
		// index entries. last_seen has no index on purpose: every signed
		// request rewrites it (hundreds a second at province scale), and
		// an index on it would be rewritten as often.
		add("devices.last_seen >= ?", ts(f.Now.Add(-SilentAfter)))
	case FleetSilent:
		// The few silent devices are found by reading the order's index
		// through (25,000 entries at province scale, a few ms): the price
		// of not indexing last_seen, see above.
		add("(devices.last_seen IS NULL OR devices.last_seen < ?)", ts(f.Now.Add(-SilentAfter)))
	case FleetRefused:
		add("devices.quarantined > 0")
	case FleetPrinter:
		add("devices.printer_state = 'error'")
	default:
		return nil, nil, invalid("fleet state %q", f.State)
	}
	return where, args, nil
}

const fleetCols = deviceCols + `, COALESCE(n.events, 0), COALESCE(s.report, ''), s.received_at`

// fleetPageSQL reads a page; with a boundary it continues after (or,
// reversed, before) the boundary row's keys: the last three arguments.
func fleetPageSQL(where []string, boundary, reverse bool) string {
	cmp, dir := ">", ""
	if reverse {
		cmp, dir = "<", " DESC"
	}
	cond := slices.Clip(where)
	if boundary {
		cond = append(cond, "(devices.point_code, devices.created_at, devices.id) "+cmp+" (?, ?, ?)")
	}
	w := ""
	if len(cond) > 0 {
		w = " WHERE " + strings.Join(cond, " AND ")
	}
	return `SELECT ` + fleetCols + ` FROM devices
	LEFT JOIN device_event_counts n ON n.device_id = devices.id
	LEFT JOIN device_status s ON s.device_id = devices.id` + w +
		` ORDER BY devices.point_code` + dir + `, devices.created_at` + dir + `, devices.id` + dir + ` LIMIT ?`
}

const fleetKeysSQL = `SELECT point_code, created_at FROM devices WHERE id = ?`

// devicePage is DevicePage for both stores.
func devicePage(ctx context.Context, db dbtx, f FleetFilter) ([]FleetDevice, error) {
	where, args, err := fleetQuery(f)
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 || limit > FleetPageMax {
		limit = 50
	}
	boundary, reverse := f.After, false
	if f.Before != "" {
		boundary, reverse = f.Before, true
	}
	if boundary != "" {
		var point, created string
		err := db.QueryRowContext(ctx, fleetKeysSQL, boundary).Scan(&point, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, invalid("device %q: no such device to page from", boundary)
		}
		if err != nil {
			return nil, fmt.Errorf("read page boundary: %w", err)
		}
		args = append(args, point, created, boundary)
	}
	rows, err := db.QueryContext(ctx, fleetPageSQL(where, boundary != "", reverse), append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	defer rows.Close()
	var out []FleetDevice
	for rows.Next() {
		var fd FleetDevice
		var report string
		var received sql.NullString
		d, err := scanDevice(rows, &fd.Events, &report, &received)
		if err != nil {
			return nil, fmt.Errorf("scan device: %w", err)
		}
		d.Secret, d.Events = "", fd.Events
		fd.Device = d
		if report != "" {
			if err := json.Unmarshal([]byte(report), &fd.Report.Status); err != nil {
				return nil, fmt.Errorf("decode status of device %s: %w", d.ID, err)
			}
			fd.Report.Received, fd.HasReport = parseTS(received), true
		}
		out = append(out, fd)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	if reverse {
		slices.Reverse(out)
	}
	return out, nil
}

// FleetCounts are the figures at the top of the fleet page: each an
// index-only count (the refused and printer ones of a partial index
// holding only those devices), never a read of the devices' rows.
type FleetCounts struct {
	Devices, Refused, PrinterFaults int
}

const (
	fleetCountSQL        = `SELECT COUNT(*) FROM devices`
	fleetRefusedCountSQL = `SELECT COUNT(*) FROM devices WHERE devices.quarantined > 0`
	fleetPrinterCountSQL = `SELECT COUNT(*) FROM devices WHERE devices.printer_state = 'error'`
)

func fleetCounts(ctx context.Context, db dbtx) (FleetCounts, error) {
	var c FleetCounts
	for _, q := range []struct {
		sql string
		n   *int
	}{{fleetCountSQL, &c.Devices}, {fleetRefusedCountSQL, &c.Refused}, {fleetPrinterCountSQL, &c.PrinterFaults}} {
		if err := db.QueryRowContext(ctx, q.sql).Scan(q.n); err != nil {
			return c, fmt.Errorf("count devices: %w", err)
		}
	}
	return c, nil
}

// deviceVersionsSQL lists the distinct versions by skipping through
// devices_version: one seek per version (a handful), as caseMatterCodesSQL.
const deviceVersionsSQL = `WITH RECURSIVE versions (v) AS (
	SELECT MIN(app_version) FROM devices
	UNION ALL
	SELECT (SELECT MIN(d.app_version) FROM devices d WHERE d.app_version > versions.v) FROM versions WHERE versions.v IS NOT NULL
) SELECT v FROM versions WHERE v IS NOT NULL`

func deviceVersions(ctx context.Context, db dbtx) ([]string, error) {
	rows, err := db.QueryContext(ctx, deviceVersionsSQL)
	if err != nil {
		return nil, fmt.Errorf("list device versions: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("scan device version: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// fleetDevice is one device without its secret: the revoke step's.
func fleetDevice(ctx context.Context, db dbtx, id string) (Device, error) {
	d, err := scanDevice(db.QueryRowContext(ctx, `SELECT `+deviceCols+` FROM devices WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Device{}, ErrNotFound
	}
	if err != nil {
		return Device{}, fmt.Errorf("read device: %w", err)
	}
	d.Secret = ""
	return d, nil
}

// setDeviceFilters keeps on the device what the fleet filters ask of its
// latest report (0017). The guard makes a report that changes nothing of
// them write nothing: a device reports every round.
const setDeviceFiltersSQL = `UPDATE devices SET app_version = COALESCE(NULLIF(?, ''), app_version), quarantined = ?, printer_state = ?,
	update_state = ?, update_version = ?
	WHERE id = ? AND NOT (app_version = COALESCE(NULLIF(?, ''), app_version) AND quarantined = ? AND printer_state = ?
	AND update_state = ? AND update_version = ?)`

// CodeFilter selects a page of enrollment codes: by default the ones that
// still enroll (unused, unexpired); Spent the used and expired ones. After
// is the cursor CodePage returned for the next page.
type CodeFilter struct {
	Spent bool
	After string
	Limit int
	Now   time.Time
}

// codePageSQL lists codes newest first. Unused ones read enroll_codes_unused
// from EnrollTTL ago (a code expires EnrollTTL after it is made), so the
// default view reads the few live codes, not every code ever made.
func codePageSQL(spent bool) string {
	cond := "used_at IS NULL AND created_at > ? AND expires_at > ?"
	if spent {
		cond = "(used_at IS NOT NULL OR expires_at <= ?)"
	}
	return `SELECT code, point_code, point_name, point_level, created_at, expires_at, used_at, COALESCE(device_id, '')
		FROM enroll_codes WHERE ` + cond + ` AND created_at <= ? ORDER BY created_at DESC, code DESC LIMIT ?`
}

// codePage is CodePage for both stores. A page's cursor is the creation
// time of its last code and how many codes of that time it showed: a
// code itself never goes into a URL (an unused one enrolls a PC), and
// codes made in one moment are told apart by that count.
func codePage(ctx context.Context, db dbtx, f CodeFilter) ([]EnrollCodeInfo, string, error) {
	limit := f.Limit
	if limit <= 0 || limit > FleetPageMax {
		limit = 50
	}
	upTo, skip := "9999", 0
	if f.After != "" {
		t, n, ok := strings.Cut(f.After, "~")
		var err error
		if skip, err = strconv.Atoi(n); !ok || err != nil || skip < 1 || skip > 1_000_000 {
			return nil, "", invalid("code page cursor %q", f.After)
		}
		upTo = t
	}
	var args []any
	if f.Spent {
		args = []any{ts(f.Now)}
	} else {
		args = []any{ts(f.Now.Add(-EnrollTTL)), ts(f.Now)}
	}
	rows, err := db.QueryContext(ctx, codePageSQL(f.Spent), append(args, upTo, skip+limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("list enrollment codes: %w", err)
	}
	defer rows.Close()
	var out []EnrollCodeInfo
	var stamps []string
	for rows.Next() {
		var c EnrollCodeInfo
		var created, expires, used sql.NullString
		if err := rows.Scan(&c.Code, &c.Point.Code, &c.Point.Name, &c.Point.Level, &created, &expires, &used, &c.DeviceID); err != nil {
			return nil, "", fmt.Errorf("scan enrollment code: %w", err)
		}
		c.Code, c.Created, c.Expires, c.Used = groupCode(c.Code), parseTS(created), parseTS(expires), parseTS(used)
		out, stamps = append(out, c), append(stamps, created.String)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list enrollment codes: %w", err)
	}
	// The rows of the cursor's time come first; the previous pages showed
	// skip of them.
	if skip > 0 {
		n := 0
		for n < len(stamps) && n < skip && stamps[n] == upTo {
			n++
		}
		out, stamps = out[n:], stamps[n:]
	}
	next := ""
	if len(out) > limit {
		out, stamps = out[:limit], stamps[:limit]
		last, same := stamps[limit-1], 0
		for i := limit - 1; i >= 0 && stamps[i] == last; i-- {
			same++
		}
		if last == upTo {
			same += skip
		}
		next = last + "~" + strconv.Itoa(same)
	}
	return out, next, nil
}
