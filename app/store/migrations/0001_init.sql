-- 0001: the kiosk's first schema: outbox, service point, catalog and search.

-- Every user action writes its domain rows and one outbox event in the same
-- transaction; sync pushes pending events in seq order and marks them acked.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id   TEXT    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL,
    payload    TEXT    NOT NULL CHECK (json_valid(payload)),
    created_at TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    acked_at   TEXT
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE acked_at IS NULL;

-- The hall this kiosk serves; exactly one row once set up.
CREATE TABLE service_point (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    level      TEXT NOT NULL CHECK (level IN ('township', 'village')),
    updated_at TEXT NOT NULL
);

-- Every catalog version ever loaded, as published (document) and as used
-- here after the township override (effective). Exactly one is active.
CREATE TABLE catalog_versions (
    version   TEXT    PRIMARY KEY,
    published TEXT    NOT NULL,
    issuer    TEXT    NOT NULL,
    sha256    TEXT    NOT NULL,
    document  BLOB    NOT NULL,
    override  BLOB,
    effective BLOB    NOT NULL,
    loaded_at TEXT    NOT NULL,
    active    INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))
);
CREATE UNIQUE INDEX catalog_versions_one_active ON catalog_versions (active) WHERE active = 1;

-- The active catalog's matters and bundles, rebuilt on every activation.
CREATE TABLE matters (
    code          TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    sector        TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    levels        TEXT    NOT NULL,
    promised_days INTEGER NOT NULL
);
CREATE TABLE bundles (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    levels  TEXT NOT NULL,
    matters TEXT NOT NULL
);

-- Search: one row per searchable term (name, alias, pinyin, initials).
-- Substrings of 3+ characters go through the trigram index; shorter ones
-- use LIKE on the plain table, which trigram cannot serve.
CREATE TABLE search_terms (
    id     INTEGER PRIMARY KEY,
    ref    TEXT    NOT NULL,
    bundle INTEGER NOT NULL,
    kind   TEXT    NOT NULL,
    term   TEXT    NOT NULL
);
CREATE VIRTUAL TABLE search_fts USING fts5 (
    term, content = 'search_terms', content_rowid = 'id', tokenize = 'trigram'
);
