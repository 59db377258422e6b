-- 0012: attachment bytes in the database, for the PostgreSQL store (issue
-- 19, migrations/postgres/0012). The SQLite store keeps its files under
-- blobs/ and leaves this table empty; it exists so both schemas stay
-- twins (TestSchemasMatch).
CREATE TABLE blob_chunks (
    device_id TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    pos       INTEGER NOT NULL,
    data      BLOB NOT NULL,
    PRIMARY KEY (device_id, sha256, pos)
);
