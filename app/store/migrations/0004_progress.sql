-- 0004: self-service progress look-ups (一码全知): wrong verifications per
-- tracking code, so guessing the last four digits is cut off.
CREATE TABLE progress_attempts (
    tracking     TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT
);
