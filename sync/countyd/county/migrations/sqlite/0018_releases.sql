-- 0018: signed kiosk releases published by the county (issue 21,
-- docs/updates.md). The county stores and serves what was signed offline;
-- it holds no signing key.

-- A release as uploaded: its signed manifest (release.Envelope's JSON, as
-- the signer made it) and the fields the county reads from it. version_key
-- is the version written so that text order is version order, for the
-- newest release of a platform.
CREATE TABLE releases (
    sha256      TEXT PRIMARY KEY,
    version     TEXT NOT NULL,
    version_key TEXT NOT NULL,
    track       TEXT NOT NULL,
    os          TEXT NOT NULL,
    arch        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    manifest    TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    added_by    TEXT NOT NULL
);
CREATE UNIQUE INDEX releases_platform ON releases (os, arch, version_key);

-- The binary, 1 MiB a row at byte pos, in the database (as attachments,
-- 0012) so every countyd instance serves it and a download resumes at any
-- chunk.
CREATE TABLE release_chunks (
    sha256 TEXT NOT NULL,
    pos    INTEGER NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (sha256, pos)
);

-- Who a release is offered to: 'pilot' (the members of release_pilots)
-- or 'all'. A release not in this table is uploaded but offered to no one.
CREATE TABLE release_rollouts (
    sha256       TEXT PRIMARY KEY,
    channel      TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL
);

-- The pilot: service point codes or device ids that get 'pilot' releases.
CREATE TABLE release_pilots (
    member   TEXT PRIMARY KEY,
    added_at TEXT NOT NULL
);

-- The update state of a device's latest status report and the release it
-- is about, kept by SetDeviceStatus (the fleet page's filter and the
-- published release's counts read these, never the reports).
ALTER TABLE devices ADD COLUMN update_state TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN update_version TEXT NOT NULL DEFAULT '';
CREATE INDEX devices_update ON devices (update_state, point_code, created_at, id);
CREATE INDEX devices_update_counts ON devices (update_version, update_state);
