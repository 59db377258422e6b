-- 0017: the fleet page pages and filters (issue 19: a province runs
-- ~25,000 devices; the page listed every device, every status report and
-- every enrollment code ever made). Each filter the page offers reads one
-- index in the page's order (service point, enrolment time, device id);
-- queryplan_test.go plans them on both stores.

-- What the filters ask of a device's latest status report, kept on the
-- device by SetDeviceStatus (only when it changes, so a report that says
-- what the last one said writes nothing): the version it runs, how many
-- events the county refused (quarantined at the kiosk), and whether its
-- last print failed. The report itself stays in device_status, as sent.
ALTER TABLE devices ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN printer_state TEXT NOT NULL DEFAULT '';
UPDATE devices SET
    app_version = COALESCE((SELECT NULLIF((s.report::jsonb ->> 'app_version'), '') FROM device_status s WHERE s.device_id = devices.id), app_version),
    quarantined = COALESCE((SELECT (s.report::jsonb ->> 'quarantined')::integer FROM device_status s WHERE s.device_id = devices.id), 0),
    printer_state = COALESCE((SELECT (s.report::jsonb -> 'printer' ->> 'state') FROM device_status s WHERE s.device_id = devices.id), '');

-- The page's order with the device id as its tie, so a page boundary is
-- one row; devices_point was its prefix.
DROP INDEX devices_point;
CREATE INDEX devices_fleet ON devices (point_code, created_at, id);
CREATE INDEX devices_version ON devices (app_version, point_code, created_at, id);
-- Few devices are in trouble: partial indexes hold those only. The
-- conditions are the queries' own words (fleetlist.go).
CREATE INDEX devices_refused ON devices (point_code, created_at, id) WHERE quarantined > 0;
CREATE INDEX devices_printer_fault ON devices (point_code, created_at, id) WHERE printer_state = 'error';

-- Enrollment codes newest first: the unused ones (the default view: a few
-- dozen live codes among every code ever made) and all of them.
CREATE INDEX enroll_codes_unused ON enroll_codes (created_at, code) WHERE used_at IS NULL;
CREATE INDEX enroll_codes_created ON enroll_codes (created_at, code);

-- The service points the county knows (names for the office's lists and
-- filters), kept by the writes that name one: a code made, a device
-- enrolled. Every case list and case page read them from every code and
-- every device ever made (~50,000 rows, sorted, at province scale).
CREATE TABLE service_points (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    level      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- The latest name of each point, as the old query found it.
INSERT INTO service_points (code, name, level, updated_at)
    SELECT DISTINCT ON (point_code) point_code, point_name, point_level, created_at FROM (
        SELECT point_code, point_name, point_level, created_at FROM enroll_codes
        UNION ALL SELECT point_code, point_name, point_level, created_at FROM devices) p
    ORDER BY point_code, created_at DESC;
