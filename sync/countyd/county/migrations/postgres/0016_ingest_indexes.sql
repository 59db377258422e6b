-- 0016: fewer index entries for every case event (issue 18: ingest at 5M
-- events). A new case wrote its row and 13 index entries, a case event's
-- log row three; the filters below read no entry these changes remove.
-- queryplan_test.go plans every list query (both stores) and every apply
-- statement; docs/performance.md says what each index serves.

-- Due soon (running clock, due between today and a few work days on) reads
-- cases_open_due's range of those days in due order and skips the few
-- paused cases in it: cases_open_running kept an entry of every open case
-- for that.
DROP INDEX cases_open_running;

-- Only what each filter reads: a paused open case (暂停计时), a 容缺 case
-- (kiosk_status 'deferred', in supplement-day order) and a case the county
-- gave a status (the status filter's county half; a status filter never
-- asks for ''). Most cases are none of these, and wrote an entry in each.
-- The partial WHEREs are the queries' own words (caselist.go), which a
-- planner needs to use them.
DROP INDEX cases_open_paused;
CREATE INDEX cases_open_paused ON cases (paused_since, county_case)
    WHERE NOT (kiosk_status IN ('completed', 'rejected', 'delivered', 'mailed', 'denied', 'terminated', 'withdrawn')
        OR county_status IN ('completed', 'denied')) AND paused_since > '';
DROP INDEX cases_kiosk_supplement;
-- kiosk_status leads the key although it is one value: the planner then
-- sees the filter's whole condition in this index rather than only its
-- first half in cases_kiosk_seen, which would sort.
CREATE INDEX cases_deferred_supplement ON cases (kiosk_status, supplement_by, county_case) WHERE kiosk_status = 'deferred';
DROP INDEX cases_county_seen;
CREATE INDEX cases_county_seen ON cases (county_status, first_seen, county_case) WHERE county_status > '';

-- A case's log in apply order (the case page) reads case_log_chain, which
-- holds every event of the case, and orders those few rows (MaxCaseVersion
-- bounds a case's chain): case_log_case was a second index keyed by a
-- random case id, which grows past any cache and cost every event a read
-- and a write of one of its pages.
DROP INDEX case_log_case;
