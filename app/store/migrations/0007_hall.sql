-- 0007: one hall, one truth. Every machine of a service point holds every
-- case of the point; cases travel between them as their events (each with
-- the whole case after it), over the hall LAN through the hub and down the
-- county's feed. docs/hall-network.md has the rules.

-- A case row now keeps two numbers apart. version is the case's place in its
-- chain of events, the same on every machine and at the county (the version
-- of the last event applied; head is that event's id). rev is this machine's
-- own revision of the row, moved by anything that changes it here (an
-- event, a county decision, a replicated event), so a window holding the
-- case notices it changed. Until now county decisions moved version; an
-- existing case keeps its number as its chain version, so every later event
-- is still numbered above what the county has seen.
ALTER TABLE cases ADD COLUMN rev INTEGER NOT NULL DEFAULT 1;
ALTER TABLE cases ADD COLUMN head TEXT NOT NULL DEFAULT '';
UPDATE cases SET rev = version;
UPDATE cases SET head = COALESCE((SELECT e.event_id FROM case_events e WHERE e.case_id = cases.id ORDER BY e.id DESC LIMIT 1), '');
-- Which machine of the hall took the case in (its device number), for
-- "该件于10:42在3号窗口受理" and the hall's lists.
ALTER TABLE cases ADD COLUMN origin TEXT NOT NULL DEFAULT '';

-- A case's history now also holds events made at other machines of the
-- hall, which have no row in this machine's outbox: the history keeps its
-- own copy of what it needs, and no longer references the outbox.
CREATE TABLE case_events_new (
    id            INTEGER PRIMARY KEY,
    case_id       TEXT    NOT NULL REFERENCES cases (id),
    kind          TEXT    NOT NULL,
    actor_id      INTEGER,
    actor_name    TEXT    NOT NULL,
    at            TEXT    NOT NULL,
    data          TEXT    NOT NULL CHECK (json_valid(data)),
    event_id      TEXT    NOT NULL UNIQUE,
    -- The event's place in the case's chain (0 for rows from before 0007
    -- whose outbox row is gone).
    version       INTEGER NOT NULL DEFAULT 0,
    base          TEXT    NOT NULL DEFAULT '',
    -- The hall machine that made it ('' for this machine), and its actor's
    -- window, for messages that say where something was done.
    origin        TEXT    NOT NULL DEFAULT '',
    actor_window  INTEGER NOT NULL DEFAULT 0,
    -- Set when another event of the same version won (a conflict between
    -- two windows): the row stays as history of what was tried.
    superseded_by TEXT
);
INSERT INTO case_events_new (id, case_id, kind, actor_id, actor_name, at, data, event_id, version, base, actor_window)
SELECT e.id, e.case_id, e.kind, e.actor_id, e.actor_name, e.at, e.data, e.event_id,
       COALESCE(json_extract(o.payload, '$.version'), 0), COALESCE(json_extract(o.payload, '$.base'), ''),
       COALESCE(json_extract(o.payload, '$.actor.window'), 0)
FROM case_events e LEFT JOIN outbox o ON o.event_id = e.event_id;
DROP TABLE case_events;
ALTER TABLE case_events_new RENAME TO case_events;
CREATE INDEX case_events_case ON case_events (case_id, id);
-- One standing event per place in a case's chain.
CREATE UNIQUE INDEX case_events_chain ON case_events (case_id, version) WHERE superseded_by IS NULL AND version > 0;

-- The hall side of the outbox: NULL for events that only go to the county;
-- 'pending' until the hub took it, then 'accepted'; 'refused' when another
-- window's event won. withdrawn_at marks an event that must never reach
-- the county (it lost in the hall before it was sent).
ALTER TABLE outbox ADD COLUMN hall_state TEXT;
ALTER TABLE outbox ADD COLUMN withdrawn_at TEXT;
CREATE INDEX outbox_hall_pending ON outbox (seq) WHERE hall_state = 'pending';

-- A file came with a case made at another machine (origin): that machine
-- uploads it to the county; this one fetches it from the hub when a clerk
-- opens it. hall_sent_at is when this machine gave its own file to the hub.
ALTER TABLE attachments ADD COLUMN origin TEXT NOT NULL DEFAULT '';
ALTER TABLE attachments ADD COLUMN hall_sent_at TEXT;

-- The county's latest decision on each case, as received: applied when the
-- case arrives if it came first, and again over a replicated copy of the
-- case that was made before this machine heard the decision.
CREATE TABLE county_status (
    case_id TEXT PRIMARY KEY,
    at      TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload))
);
-- Decisions that reached this machine before 0007 are in the case documents.

-- The hub's log of everything the hall shares, in the order the hub took
-- it. Every other machine follows it by seq (within the hub's epoch, which
-- changes when the hub's file is a restored copy).
CREATE TABLE hall_log (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id TEXT    NOT NULL UNIQUE,
    kind    TEXT    NOT NULL,
    ref     TEXT    NOT NULL DEFAULT '',
    origin  TEXT    NOT NULL DEFAULT '',
    payload TEXT    NOT NULL CHECK (json_valid(payload)),
    at      TEXT    NOT NULL
);
CREATE INDEX hall_log_ref ON hall_log (ref, seq);
-- Events the hub refused (another window's won): an event made on top of
-- one of them is refused too.
CREATE TABLE hall_refused (
    event_id TEXT PRIMARY KEY,
    case_id  TEXT NOT NULL,
    at       TEXT NOT NULL
);

-- The machines paired with this hub, each with the hash of its token.
CREATE TABLE hall_machines (
    id            TEXT    PRIMARY KEY,
    device_no     INTEGER NOT NULL,
    name          TEXT    NOT NULL DEFAULT '',
    token_hash    TEXT    NOT NULL UNIQUE,
    county_device TEXT    NOT NULL DEFAULT '',
    paired_at     TEXT    NOT NULL,
    paired_by     INTEGER,
    last_seen     TEXT,
    removed_at    TEXT,
    removed_why   TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX hall_machines_device ON hall_machines (device_no) WHERE removed_at IS NULL;
-- One-time pairing codes a supervisor made at the hub, valid for minutes;
-- the secret part is kept hashed (the hub also limits how fast anyone may
-- try).
CREATE TABLE hall_pairing (
    secret_hash TEXT    PRIMARY KEY,
    created_at  TEXT    NOT NULL,
    created_by  INTEGER,
    expires_at  TEXT    NOT NULL,
    used_at     TEXT
);

-- What a clerk must be told about an action that did not stand (another
-- window's won while the two were apart), shown until read.
CREATE TABLE hall_notices (
    id       INTEGER PRIMARY KEY,
    at       TEXT    NOT NULL,
    event_id TEXT    NOT NULL UNIQUE,
    case_id  TEXT    NOT NULL,
    tracking TEXT    NOT NULL,
    actor_id INTEGER,
    window_no INTEGER NOT NULL DEFAULT 0,
    message  TEXT    NOT NULL CHECK (json_valid(message)),
    seen_at  TEXT
);

-- Ratings come from every machine of the hall: each keeps the event that
-- carried it (one rating per service, the first the hub took) and where it
-- was given.
ALTER TABLE ratings ADD COLUMN event_id TEXT;
ALTER TABLE ratings ADD COLUMN origin TEXT NOT NULL DEFAULT '';
UPDATE ratings SET event_id = (SELECT o.event_id FROM outbox o WHERE o.kind = 'rating.given'
    AND json_extract(o.payload, '$.kind') = ratings.kind AND json_extract(o.payload, '$.ref') = ratings.ref LIMIT 1);
CREATE UNIQUE INDEX ratings_event ON ratings (event_id) WHERE event_id IS NOT NULL;

-- Accounts are the hall's, kept at the hub: rev orders an account's states
-- so every machine keeps the newest.
ALTER TABLE clerks ADD COLUMN rev INTEGER NOT NULL DEFAULT 1;
