-- 0012: attachment bytes in the database (issue 19), so every countyd
-- instance on one PostgreSQL serves every scan and takes the next chunk of
-- any upload. A row is at most 1 MiB of a file at byte pos; device_id is
-- the uploading device while the upload is unfinished, '' once the file is
-- the county's (blobs.completed_at set). docs/county-scale.md says why not
-- files or S3.
CREATE TABLE blob_chunks (
    device_id TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    pos       BIGINT NOT NULL,
    data      BYTEA NOT NULL,
    PRIMARY KEY (device_id, sha256, pos)
);
