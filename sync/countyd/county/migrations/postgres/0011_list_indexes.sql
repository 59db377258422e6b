-- 0011: the back office stays as quick at 1M cases and 5M events as on day
-- one (issue 18). Every page query is served by an index for its filter
-- AND its order, so a page of 50 reads about 50 index entries whatever the
-- county holds; counts a page shows are kept, not recounted from history.
-- queryplan_test.go checks each query's plan; docs/performance.md lists
-- these indexes as part of the store contract (PostgreSQL has the same).

-- The open cases: not finished by the hall, not completed or denied by the
-- county. The WHERE is closedCase (office.go) negated, word for word: a
-- planner uses a partial index only for a query that says the same. Open
-- cases are a few per cent of a county's history, so the deadline filters
-- read only them.
CREATE INDEX cases_open_seen ON cases (first_seen, county_case)
    WHERE NOT (kiosk_status IN ('completed', 'rejected', 'delivered', 'mailed', 'denied', 'terminated', 'withdrawn')
        OR county_status IN ('completed', 'denied'));
CREATE INDEX cases_open_due ON cases (due_moved, county_case)
    WHERE NOT (kiosk_status IN ('completed', 'rejected', 'delivered', 'mailed', 'denied', 'terminated', 'withdrawn')
        OR county_status IN ('completed', 'denied'));
-- Due soon: a running clock (paused_since '') in due order.
CREATE INDEX cases_open_running ON cases (paused_since, due_moved, county_case)
    WHERE NOT (kiosk_status IN ('completed', 'rejected', 'delivered', 'mailed', 'denied', 'terminated', 'withdrawn')
        OR county_status IN ('completed', 'denied'));
CREATE INDEX cases_open_paused ON cases (paused_since, county_case)
    WHERE NOT (kiosk_status IN ('completed', 'rejected', 'delivered', 'mailed', 'denied', 'terminated', 'withdrawn')
        OR county_status IN ('completed', 'denied'));

-- The whole list, newest first, and by point, by either status, and the
-- lapsed 容缺 cases (kiosk_status 'deferred') in supplement-day order.
CREATE INDEX cases_seen ON cases (first_seen, county_case);
CREATE INDEX cases_point_seen ON cases (service_point, first_seen, county_case);
CREATE INDEX cases_kiosk_seen ON cases (kiosk_status, first_seen, county_case);
CREATE INDEX cases_county_seen ON cases (county_status, first_seen, county_case);
CREATE INDEX cases_kiosk_supplement ON cases (kiosk_status, supplement_by, county_case);
-- Due on or before a day, in due order.
CREATE INDEX cases_due_list ON cases (due_moved, county_case);
-- 0001's, 0002's and 0007's indexes that serve nothing the ones above do
-- not; each cost every case event a write (cases_point and cases_due
-- change with updated_at and due on each one).
DROP INDEX cases_point;
DROP INDEX cases_due;
DROP INDEX cases_due_moved;
DROP INDEX cases_paused;
DROP INDEX cases_supplement_by;

-- By matter: a case may have several, so the list's order keys are kept
-- beside each (case, matter) row; they never change once a case is seen.
ALTER TABLE case_matters ADD COLUMN first_seen TEXT NOT NULL DEFAULT '';
ALTER TABLE case_matters ADD COLUMN county_case TEXT NOT NULL DEFAULT '';
UPDATE case_matters SET
    first_seen = (SELECT c.first_seen FROM cases c WHERE c.case_id = case_matters.case_id),
    county_case = (SELECT c.county_case FROM cases c WHERE c.case_id = case_matters.case_id);
CREATE INDEX case_matters_list ON case_matters (matter, first_seen, county_case);
DROP INDEX case_matters_matter;

-- The fleet page lists devices by point.
CREATE INDEX devices_point ON devices (point_code, created_at);

-- Applied events per device for the fleet page, kept by Apply in the
-- push's transaction.
CREATE TABLE device_event_counts (
    device_id TEXT PRIMARY KEY,
    events    BIGINT NOT NULL
);
INSERT INTO device_event_counts (device_id, events)
    SELECT device_id, COUNT(*) FROM applied_events GROUP BY device_id;
-- It served that count only; every push paid for it at 5M events.
DROP INDEX applied_events_device;
