-- The county center's tables. Times are UTC text of fixed width
-- (2026-11-26T02:30:00.000000Z, see ts in sqlite.go), so text order is time
-- order. Statements stay within what PostgreSQL also accepts, apart from
-- INTEGER PRIMARY KEY standing for an identity column.

-- Single-use enrollment codes (stored without the dashes).
CREATE TABLE enroll_codes (
    code        TEXT PRIMARY KEY,
    point_code  TEXT NOT NULL,
    point_name  TEXT NOT NULL,
    point_level TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    device_id   TEXT
);

-- Enrolled kiosks. The secret is kept because verifying an HMAC needs it;
-- the file is readable by its owner only.
CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    secret      TEXT NOT NULL,
    point_code  TEXT NOT NULL,
    point_name  TEXT NOT NULL,
    point_level TEXT NOT NULL,
    hostname    TEXT NOT NULL,
    app_version TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    last_seen   TEXT
);

-- Nonces of verified requests, kept for twice the clock window.
CREATE TABLE nonces (
    device_id TEXT NOT NULL,
    nonce     TEXT NOT NULL,
    seen_at   TEXT NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX nonces_seen ON nonces (seen_at);

-- Every applied event with the answer it got first; seq is the apply order.
CREATE TABLE applied_events (
    seq        INTEGER PRIMARY KEY,
    event_id   TEXT NOT NULL UNIQUE,
    device_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    answer     TEXT NOT NULL,
    applied_at TEXT NOT NULL
);
CREATE INDEX applied_events_device ON applied_events (device_id);

-- Every rejection, for county staff; a rejected event id stays free so the
-- kiosk's retry after the county fixes its side is judged again.
CREATE TABLE rejected_events (
    seq         INTEGER PRIMARY KEY,
    event_id    TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    code        TEXT NOT NULL,
    message     TEXT NOT NULL,
    payload     TEXT NOT NULL,
    rejected_at TEXT NOT NULL
);
CREATE INDEX rejected_events_event ON rejected_events (event_id);

-- Last county case number per county and year.
CREATE TABLE county_seq (
    county TEXT NOT NULL,
    year   INTEGER NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (county, year)
);

CREATE TABLE cases (
    case_id          TEXT PRIMARY KEY,
    county_case      TEXT NOT NULL UNIQUE,
    service_point    TEXT NOT NULL,
    tracking         TEXT NOT NULL,
    version          INTEGER NOT NULL,
    kiosk_status     TEXT NOT NULL,
    county_status    TEXT NOT NULL DEFAULT '',
    county_status_at TEXT,
    doc              TEXT NOT NULL,
    first_seen       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX cases_point ON cases (service_point, updated_at);
CREATE INDEX cases_tracking ON cases (tracking);

-- The attachments the latest case document lists.
CREATE TABLE case_attachments (
    case_id TEXT NOT NULL REFERENCES cases (case_id),
    sha256  TEXT NOT NULL,
    PRIMARY KEY (case_id, sha256)
);
CREATE INDEX case_attachments_sha ON case_attachments (sha256);

-- Every applied case event, payload included, in apply order.
CREATE TABLE case_log (
    seq        INTEGER PRIMARY KEY,
    case_id    TEXT NOT NULL,
    event_id   TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    device_id  TEXT NOT NULL,
    payload    TEXT NOT NULL,
    applied_at TEXT NOT NULL
);
CREATE INDEX case_log_case ON case_log (case_id, seq);

-- Events that are not case events (tickets, bookings, accounts, service
-- point and catalog activations), kept as received.
CREATE TABLE inbox (
    seq           INTEGER PRIMARY KEY,
    event_id      TEXT NOT NULL UNIQUE,
    device_id     TEXT NOT NULL,
    service_point TEXT NOT NULL,
    kind          TEXT NOT NULL,
    created       TEXT NOT NULL,
    payload       TEXT NOT NULL,
    received_at   TEXT NOT NULL
);
CREATE INDEX inbox_point ON inbox (service_point, kind);

-- Attachments; the bytes are files under blobs/ beside the database.
CREATE TABLE blobs (
    sha256       TEXT PRIMARY KEY,
    total        INTEGER NOT NULL,
    stored       INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    completed_at TEXT
);

-- What the county sends down. service_point '*' is for every point.
-- AUTOINCREMENT: a cursor is never reused, even after the last row is gone.
CREATE TABLE feed (
    cursor        INTEGER PRIMARY KEY AUTOINCREMENT,
    service_point TEXT NOT NULL,
    kind          TEXT NOT NULL,
    at            TEXT NOT NULL,
    payload       TEXT NOT NULL
);
CREATE INDEX feed_point ON feed (service_point, cursor);
