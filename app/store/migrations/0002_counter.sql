-- 0002: counter intake: settings, accounts, cases with their events,
-- tracking-code sequences, attachments, printed documents and the audit log.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE clerks (
    id           INTEGER PRIMARY KEY,
    login        TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    role         TEXT    NOT NULL CHECK (role IN ('clerk', 'supervisor', 'agent')),
    sectors      TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(sectors)),
    window_no    INTEGER NOT NULL DEFAULT 0,
    secret_hash  TEXT    NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT    NOT NULL
);

-- A case's full record is the JSON document (cases.Case); the columns beside
-- it are what lists and look-ups filter on. version guards against two
-- windows changing the same case at once.
CREATE TABLE cases (
    id             TEXT    PRIMARY KEY,
    tracking       TEXT    NOT NULL UNIQUE,
    status         TEXT    NOT NULL,
    decision       TEXT    NOT NULL,
    applicant_id   TEXT    NOT NULL,
    accepted_at    TEXT    NOT NULL,
    due            TEXT,
    supplement_by  TEXT,
    clerk_id       INTEGER REFERENCES clerks (id),
    doc            TEXT    NOT NULL CHECK (json_valid(doc)),
    version        INTEGER NOT NULL DEFAULT 1,
    updated_at     TEXT    NOT NULL
);
CREATE INDEX cases_status_due ON cases (status, due);
CREATE INDEX cases_applicant ON cases (applicant_id);

-- Every action on a case, with who and when; each is also an outbox event.
CREATE TABLE case_events (
    id         INTEGER PRIMARY KEY,
    case_id    TEXT    NOT NULL REFERENCES cases (id),
    kind       TEXT    NOT NULL,
    actor_id   INTEGER,
    actor_name TEXT    NOT NULL,
    at         TEXT    NOT NULL,
    data       TEXT    NOT NULL CHECK (json_valid(data)),
    event_id   TEXT    NOT NULL UNIQUE REFERENCES outbox (event_id)
);
CREATE INDEX case_events_case ON case_events (case_id, id);

-- Next tracking-code sequence per Beijing day and device.
CREATE TABLE tracking_seq (
    day    TEXT    NOT NULL,
    device INTEGER NOT NULL,
    next   INTEGER NOT NULL,
    PRIMARY KEY (day, device)
);

-- Scanned files, stored on disk by SHA-256; uploaded_at is set by sync.
CREATE TABLE attachments (
    sha256      TEXT    NOT NULL,
    case_id     TEXT    NOT NULL REFERENCES cases (id),
    name        TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    added_at    TEXT    NOT NULL,
    uploaded_at TEXT,
    PRIMARY KEY (sha256, case_id)
);

-- Every PDF handed out is archived; printed_at/print_error say what the
-- printer did with it, so any document can be reprinted offline.
CREATE TABLE documents (
    id          INTEGER PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    kind        TEXT NOT NULL,
    layout      TEXT NOT NULL,
    path        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    printed_at  TEXT,
    print_error TEXT
);
CREATE INDEX documents_case ON documents (case_id, id);

-- Who looked at or did what that is not a case event: logins, full reveals
-- of personal data (查询留痕), account changes.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    actor_id INTEGER,
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL DEFAULT '',
    detail   TEXT NOT NULL DEFAULT ''
);
