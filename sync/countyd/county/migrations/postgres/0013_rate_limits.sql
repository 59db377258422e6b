-- 0013: the buckets of the limits that guard secrets and enrollment
-- (issue 19), so every countyd instance on one PostgreSQL counts the same
-- wrong passwords, forged signatures and enrollment tries. full_at is
-- when the key's bucket is full again, in Unix nanoseconds
-- (sync/ratelimit); a row whose full_at has passed carries nothing and is
-- pruned.
CREATE TABLE rate_limits (
    key     TEXT PRIMARY KEY,
    full_at BIGINT NOT NULL
);
