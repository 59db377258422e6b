-- 0015: 好差评 at the county (issue 20): the twin of migrations/sqlite/0015,
-- which says why.
CREATE TABLE ratings (
    event_id      TEXT    PRIMARY KEY,
    service_point TEXT    NOT NULL,
    device_id     TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    ref           TEXT    NOT NULL,
    level         INTEGER NOT NULL,
    reasons       TEXT    NOT NULL DEFAULT '[]',
    note          TEXT    NOT NULL DEFAULT '',
    clerk_id      BIGINT  NOT NULL DEFAULT 0,
    clerk_name    TEXT    NOT NULL DEFAULT '',
    window_no     INTEGER NOT NULL DEFAULT 0,
    matter        TEXT    NOT NULL DEFAULT '',
    rated_at      TEXT    NOT NULL
);
CREATE UNIQUE INDEX ratings_service ON ratings (service_point, kind, ref);
CREATE INDEX ratings_point_at ON ratings (service_point, rated_at);
CREATE INDEX ratings_at ON ratings (rated_at);
CREATE INDEX ratings_bad ON ratings (rated_at) WHERE level <= 2;

CREATE TABLE followup_steps (
    event_id      TEXT    PRIMARY KEY,
    rating_event  TEXT    NOT NULL,
    service_point TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('called', 'rectified')),
    by_id         BIGINT  NOT NULL DEFAULT 0,
    by_name       TEXT    NOT NULL,
    reached       INTEGER NOT NULL DEFAULT 0,
    text          TEXT    NOT NULL,
    at            TEXT    NOT NULL
);
CREATE INDEX followup_steps_rating ON followup_steps (rating_event, at);

INSERT INTO ratings (event_id, service_point, device_id, kind, ref, level, reasons, note, clerk_id, clerk_name, window_no, matter, rated_at)
SELECT event_id, service_point, device_id, p ->> 'kind', p ->> 'ref', (p ->> 'level')::int,
       COALESCE(p -> 'reasons', '[]'::jsonb)::text, COALESCE(p ->> 'note', ''), COALESCE((p ->> 'clerk_id')::bigint, 0),
       COALESCE(p ->> 'clerk_name', ''), COALESCE((p ->> 'window')::int, 0), COALESCE(p ->> 'matter', ''), created
FROM (SELECT seq, event_id, service_point, device_id, created, payload::jsonb AS p FROM inbox WHERE kind = 'rating.given') i
ORDER BY seq
ON CONFLICT DO NOTHING;
