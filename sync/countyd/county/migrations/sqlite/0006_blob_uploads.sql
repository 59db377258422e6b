-- 0006: an upload belongs to the device that sends it, and a stored file
-- to the service points whose devices sent it whole. A device sees only
-- its own unfinished uploads and its point's files: it cannot learn
-- whether the county holds a file of a given hash, nor disturb another
-- device's upload (docs/security.md).
CREATE TABLE blob_uploads (
    device_id  TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    total      INTEGER NOT NULL,
    stored     INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (device_id, sha256)
);
CREATE TABLE blob_points (
    sha256     TEXT NOT NULL,
    point_code TEXT NOT NULL,
    PRIMARY KEY (sha256, point_code)
);
-- Files stored before: the points whose cases list them.
INSERT INTO blob_points (sha256, point_code)
    SELECT DISTINCT a.sha256, c.service_point FROM case_attachments a
    JOIN cases c ON c.case_id = a.case_id
    JOIN blobs b ON b.sha256 = a.sha256 AND b.completed_at IS NOT NULL;
-- Unfinished uploads of before are started again by their kiosks.
DELETE FROM blobs WHERE completed_at IS NULL;
