-- 0006: 好差评: one rating per service (a ticket, a case, a pickup), tied
-- to the clerk, the window and the matter; each is also an outbox event.
CREATE TABLE ratings (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('ticket', 'case', 'pickup')),
    ref        TEXT    NOT NULL,
    level      INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    reasons    TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(reasons)),
    note       TEXT    NOT NULL DEFAULT '',
    clerk_id   INTEGER,
    clerk_name TEXT    NOT NULL,
    window_no  INTEGER NOT NULL DEFAULT 0,
    matter     TEXT    NOT NULL DEFAULT '',
    at         TEXT    NOT NULL,
    UNIQUE (kind, ref)
);
CREATE INDEX ratings_at ON ratings (at);
