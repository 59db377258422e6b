-- 0004: a citizen notice (SMS) is the county's own text about a case it
-- holds for the sending device's point, to the mobile on record, once per
-- case, template and case version; a device no longer chooses the number
-- or the words (docs/security.md). Over a point's daily allowance a notice
-- is kept but held, not sent.
CREATE TABLE notices (
    event_id     TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL,
    template     TEXT NOT NULL,
    case_version BIGINT NOT NULL,
    point_code   TEXT NOT NULL,
    mobile       TEXT NOT NULL,
    text         TEXT NOT NULL,
    held         BIGINT NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    UNIQUE (case_id, template, case_version)
);
CREATE INDEX notices_point ON notices (point_code, created_at);
