-- 0003: the machines of one hall hear of each other's work through the
-- county too (docs/hall-network.md). Every case event and rating the county
-- applies goes down the feed of its service point; device_id says which
-- device sent it, so that device is not sent its own events back.
ALTER TABLE feed ADD COLUMN device_id TEXT NOT NULL DEFAULT '';
-- A hall event's feed item names the event (in case_log or inbox) rather
-- than copy its 2 KB again: the feed is read far less often than written.
ALTER TABLE feed ADD COLUMN ref_event TEXT;

-- A case's chain: which event stands at each version, so a second event
-- for the same place (two windows acting on the same state while apart) is
-- refused, and an older event the county never had is kept as history.
CREATE INDEX case_log_chain ON case_log (case_id, version);
