-- 0005: sync with the county center.

-- A rejected event is quarantined with the county's reason until a
-- supervisor retries it; while it is, that case's later events wait too.
ALTER TABLE outbox ADD COLUMN quarantined_at TEXT;
-- The case an event belongs to (NULL for other events), so a quarantined
-- case event can hold back the same case's later events.
ALTER TABLE outbox ADD COLUMN case_id TEXT;
UPDATE outbox SET case_id = json_extract(payload, '$.case_id') WHERE kind LIKE 'case.%';
CREATE INDEX outbox_case ON outbox (case_id, seq) WHERE case_id IS NOT NULL;

-- The county's case number and its last word on the case.
ALTER TABLE cases ADD COLUMN county_case TEXT;
ALTER TABLE cases ADD COLUMN county_at TEXT;

-- Holiday calendars published by the county after the kiosk was built
-- (a year the embedded data does not cover, or a corrected notice).
CREATE TABLE holiday_calendars (
    year       INTEGER PRIMARY KEY,
    document   TEXT    NOT NULL CHECK (json_valid(document)),
    updated_at TEXT    NOT NULL
);

-- Feed items applied, by cursor: applying one twice changes nothing, and
-- the last cursor is what the next pull asks after.
CREATE TABLE feed_applied (
    cursor     INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    applied_at TEXT    NOT NULL
);

