-- 0013: 好差评 follow-up (差评回访整改). A rating of 不满意 or 非常不满意 is
-- itself the follow-up item, named by its event's id: every machine of the
-- hall has the rating exactly once, so every machine has the item exactly
-- once, born in the rating's own transaction, with nothing more to send.
-- What the supervisors record travels as its own events.
CREATE TABLE followup_steps (
    -- The event that carried the step (this machine's or another's).
    event_id     TEXT    PRIMARY KEY,
    -- The rating's event id. No reference: a step made at another machine
    -- may come before the rating it follows (the two came by different
    -- roads); it waits here until the rating does.
    rating_event TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('called', 'rectified')),
    by_id        INTEGER,
    by_name      TEXT    NOT NULL,
    reached      INTEGER NOT NULL DEFAULT 0 CHECK (reached IN (0, 1)),
    -- What the citizen said or what was changed: sealed (a citizen's words).
    text         TEXT    NOT NULL,
    at           TEXT    NOT NULL,
    -- The hall machine that recorded it ('' for this machine).
    origin       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX followup_steps_rating ON followup_steps (rating_event, at);
-- The supervisor's list reads the bad ratings only.
CREATE INDEX ratings_followup ON ratings (at) WHERE level <= 2;

-- Follow-up steps are shared with the hall like ratings, and like them
-- never compacted (a lone kiosk joining a hall brings them along): the two
-- partial indexes of 0012 name them too.
DROP INDEX outbox_to_compact;
CREATE INDEX outbox_to_compact ON outbox (acked_at)
    WHERE acked_at IS NOT NULL AND payload <> 'null' AND kind NOT IN ('rating.given', 'followup.called', 'followup.rectified');
DROP INDEX outbox_not_in_hall;
CREATE INDEX outbox_not_in_hall ON outbox (seq)
    WHERE hall_state IS NULL AND (kind LIKE 'case.%' OR kind IN ('rating.given', 'followup.called', 'followup.rectified'));
