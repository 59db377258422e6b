-- 0013: the shared limits' buckets, for the PostgreSQL store (issue 19,
-- migrations/postgres/0013). One SQLite countyd is one process, so it
-- keeps its limits in memory and leaves this table empty; it exists so
-- both schemas stay twins (TestSchemasMatch).
CREATE TABLE rate_limits (
    key     TEXT PRIMARY KEY,
    full_at INTEGER NOT NULL
);
