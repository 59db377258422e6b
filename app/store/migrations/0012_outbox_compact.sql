-- 0012: the kiosk keeps what it needs (issue 18). An acknowledged event's
-- payload is only a copy of what the county (and the hall's hub) holds;
-- CompactOutbox empties it some days after (store/compact.go). This index
-- holds only the acknowledged rows whose payload is still there, in
-- acknowledgement order, so the daily compaction walks what is left to
-- compact, not the kiosk's history (a compacted row leaves the index).
-- Ratings are never compacted (small; the hall's statistics may need them
-- again when a lone kiosk joins a hall), so they are not in it either.
CREATE INDEX outbox_to_compact ON outbox (acked_at)
    WHERE acked_at IS NOT NULL AND payload <> 'null' AND kind <> 'rating.given';

-- The events of this machine the hall shares that have not gone to a hall
-- yet: all of them on a kiosk that runs alone, none on a machine of a hall.
-- A hub reads them every time it starts (SeedHall) and a machine joining a
-- hall once, to bring its cases (and, for compacted events, to rebuild
-- each case's head): with this index, a hub's start reads what waits, not
-- its history.
CREATE INDEX outbox_not_in_hall ON outbox (seq)
    WHERE hall_state IS NULL AND (kind LIKE 'case.%' OR kind = 'rating.given');
