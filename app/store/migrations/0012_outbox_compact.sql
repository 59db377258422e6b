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
