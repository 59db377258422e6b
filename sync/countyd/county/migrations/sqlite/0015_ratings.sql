-- 0015: 好差评 at the county (issue 20). Ratings were kept only as received
-- (inbox); the back office's rating statistics and follow-up list read
-- them by point, clerk, window, matter and period, so each is also kept as
-- a row. A rating of level 2 or lower is a follow-up item, named by its
-- event id, as at the kiosks; what the hall's supervisors recorded (回访,
-- 整改) is in followup_steps. The county supervises, the hall handles
-- (办理与监督评价相分离): nothing here is written by county staff.
CREATE TABLE ratings (
    event_id      TEXT    PRIMARY KEY,
    service_point TEXT    NOT NULL,
    device_id     TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    ref           TEXT    NOT NULL,
    level         INTEGER NOT NULL,
    reasons       TEXT    NOT NULL DEFAULT '[]',
    note          TEXT    NOT NULL DEFAULT '',
    clerk_id      INTEGER NOT NULL DEFAULT 0,
    clerk_name    TEXT    NOT NULL DEFAULT '',
    window_no     INTEGER NOT NULL DEFAULT 0,
    matter        TEXT    NOT NULL DEFAULT '',
    -- The event's creation time (the kiosk rates and emits in one
    -- transaction, at one time), in the county's fixed-width form.
    rated_at      TEXT    NOT NULL
);
-- One rating per service, the first the county applied: two windows that
-- rated the same service while apart both reach the inbox.
CREATE UNIQUE INDEX ratings_service ON ratings (service_point, kind, ref);
CREATE INDEX ratings_point_at ON ratings (service_point, rated_at);
CREATE INDEX ratings_at ON ratings (rated_at);
-- The follow-up list reads the bad ratings only.
CREATE INDEX ratings_bad ON ratings (rated_at) WHERE level <= 2;

CREATE TABLE followup_steps (
    event_id      TEXT    PRIMARY KEY,
    -- The rating's event id; a step may come before its rating.
    rating_event  TEXT    NOT NULL,
    service_point TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('called', 'rectified')),
    by_id         INTEGER NOT NULL DEFAULT 0,
    by_name       TEXT    NOT NULL,
    reached       INTEGER NOT NULL DEFAULT 0,
    text          TEXT    NOT NULL,
    at            TEXT    NOT NULL
);
CREATE INDEX followup_steps_rating ON followup_steps (rating_event, at);

-- The ratings received before 0015.
INSERT INTO ratings (event_id, service_point, device_id, kind, ref, level, reasons, note, clerk_id, clerk_name, window_no, matter, rated_at)
SELECT event_id, service_point, device_id, json_extract(payload, '$.kind'), json_extract(payload, '$.ref'),
       json_extract(payload, '$.level'), COALESCE(json_extract(payload, '$.reasons'), '[]'), COALESCE(json_extract(payload, '$.note'), ''),
       COALESCE(json_extract(payload, '$.clerk_id'), 0), COALESCE(json_extract(payload, '$.clerk_name'), ''),
       COALESCE(json_extract(payload, '$.window'), 0), COALESCE(json_extract(payload, '$.matter'), ''), created
FROM inbox WHERE kind = 'rating.given' ORDER BY seq
ON CONFLICT DO NOTHING;
