-- The back office (sync/countyd/office): staff, their sessions, the audit
-- trail, the kiosks' self-reported state, catalog versions the county keeps
-- and publishes, township overrides, and indexes of the case documents the
-- case list filters on. Same portability rules as 0001.

-- County staff who log in to the back office. password_hash is argon2id in
-- PHC format (app/clerks.Hash). failures and locked_until carry the lockout.
CREATE TABLE staff (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
);

-- Sessions by the SHA-256 of their cookie value: a copy of the database
-- does not let anyone log in. csrf is the per-session form token.
CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id   INTEGER NOT NULL REFERENCES staff (id),
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen  TEXT NOT NULL
);
CREATE INDEX staff_sessions_seen ON staff_sessions (last_seen);

-- Every look at personal data and every decision (查询留痕). staff_id is 0
-- for failed logins under an unknown name.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    staff_id    INTEGER NOT NULL,
    staff_login TEXT NOT NULL,
    staff_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    case_id     TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    client_ip   TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_staff ON audit_log (staff_login, at);
CREATE INDEX audit_log_case ON audit_log (case_id, at);

-- The latest POST /api/v1/status report of each device, as sent.
CREATE TABLE device_status (
    device_id   TEXT PRIMARY KEY,
    report      TEXT NOT NULL,
    received_at TEXT NOT NULL
);

-- Catalog documents the county holds: imported, edited in the back office,
-- or the effective catalog of a township override. A version is never
-- changed once stored: kiosks refuse a known version with other content.
CREATE TABLE catalog_versions (
    version       TEXT PRIMARY KEY,
    doc           TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    source        TEXT NOT NULL,
    base_version  TEXT NOT NULL DEFAULT '',
    service_point TEXT NOT NULL DEFAULT '',
    matters       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL
);

-- Each time a version was sent, to one point or to all ('*').
CREATE TABLE catalog_publications (
    seq           INTEGER PRIMARY KEY,
    version       TEXT NOT NULL,
    service_point TEXT NOT NULL,
    cursor        INTEGER NOT NULL,
    at            TEXT NOT NULL,
    published_by  TEXT NOT NULL
);
CREATE INDEX catalog_publications_version ON catalog_publications (version, seq);

-- The override recorded for a service point (the latest one).
CREATE TABLE catalog_overrides (
    service_point     TEXT PRIMARY KEY,
    base_version      TEXT NOT NULL,
    doc               TEXT NOT NULL,
    effective_version TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    updated_by        TEXT NOT NULL
);

-- The county's decisions on a case, in order (the feed holds them too, but
-- is not indexed by case).
CREATE TABLE case_status_log (
    seq     INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL,
    cursor  INTEGER NOT NULL,
    status  TEXT NOT NULL,
    payload TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX case_status_log_case ON case_status_log (case_id, seq);

-- Indexes of the case document for the case list's filters, kept by Apply:
-- the matters of a case, and its due day (YYYY-MM-DD, Beijing; '' when the
-- case has none). due is NULL only until the upgrade backfill has run.
CREATE TABLE case_matters (
    case_id TEXT NOT NULL REFERENCES cases (case_id),
    matter  TEXT NOT NULL,
    PRIMARY KEY (case_id, matter)
);
CREATE INDEX case_matters_matter ON case_matters (matter);
ALTER TABLE cases ADD COLUMN due TEXT;
CREATE INDEX cases_due ON cases (due);
