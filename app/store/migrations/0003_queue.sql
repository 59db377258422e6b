-- 0003: the hall queue: tickets, appointments, open counters.

-- request_id makes issuing idempotent: a terminal that lost the answer
-- retries with the same id and gets the same ticket, never a second one.
CREATE TABLE tickets (
    id         TEXT    PRIMARY KEY,
    request_id TEXT    NOT NULL UNIQUE,
    number     TEXT    NOT NULL,
    sector     TEXT    NOT NULL,
    day        TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    window_no  INTEGER NOT NULL DEFAULT 0,
    doc        TEXT    NOT NULL CHECK (json_valid(doc)),
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT    NOT NULL
);
CREATE INDEX tickets_day_status ON tickets (day, status);

CREATE TABLE ticket_seq (
    day    TEXT    NOT NULL,
    sector TEXT    NOT NULL,
    next   INTEGER NOT NULL,
    PRIMARY KEY (day, sector)
);

CREATE TABLE bookings (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL UNIQUE,
    code        TEXT NOT NULL UNIQUE,
    sector      TEXT NOT NULL,
    day         TEXT NOT NULL,
    half        TEXT NOT NULL CHECK (half IN ('am', 'pm')),
    resident_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    doc         TEXT NOT NULL CHECK (json_valid(doc)),
    created_at  TEXT NOT NULL
);
-- One active booking per person, sector and day, enforced by the database.
CREATE UNIQUE INDEX bookings_one_active ON bookings (resident_id, sector, day) WHERE status = 'active';
CREATE INDEX bookings_slot ON bookings (sector, day, half, status);

CREATE TABLE booking_seq (
    day    TEXT    NOT NULL,
    sector TEXT    NOT NULL,
    next   INTEGER NOT NULL,
    PRIMARY KEY (day, sector)
);

-- Counters currently open, and the sectors their clerk serves.
CREATE TABLE counters (
    window_no  INTEGER PRIMARY KEY,
    clerk_id   INTEGER NOT NULL,
    clerk_name TEXT    NOT NULL,
    sectors    TEXT    NOT NULL CHECK (json_valid(sectors)),
    opened_at  TEXT    NOT NULL
);
