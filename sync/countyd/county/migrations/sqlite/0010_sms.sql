-- 0010: notices go out through the county's own sender (sender.go) as
-- provider templates, not free text: a Chinese SMS channel sends only an
-- approved signature (签名) and template code with named parameters.
--
-- origin: "device" (a kiosk's notice.requested, under the point's daily
-- allowance) or "county" (a county decision, made in the same transaction).
-- params: the template's values by our names (docs/sms.md); sent_code and
-- sent_params what the gateway got on the last try, under the county's
-- configuration then. state: queued, sent, failed (gave up), or legacy:
-- a notice stored before this version, which the old relay handed to the
-- gateway at push time or never; it is not sent again days later.
ALTER TABLE notices ADD COLUMN origin TEXT NOT NULL DEFAULT 'device';
ALTER TABLE notices ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
ALTER TABLE notices ADD COLUMN state TEXT NOT NULL DEFAULT 'queued';
ALTER TABLE notices ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notices ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN last_attempt_at TEXT;
ALTER TABLE notices ADD COLUMN next_attempt_at TEXT;
ALTER TABLE notices ADD COLUMN sent_at TEXT;
ALTER TABLE notices ADD COLUMN provider_id TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN sent_code TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN sent_params TEXT NOT NULL DEFAULT '';
UPDATE notices SET state = 'legacy';
CREATE INDEX notices_due ON notices (state, held, next_attempt_at);

-- Every try to hand a notice to the gateway, whatever came of it.
CREATE TABLE notice_attempts (
    id        INTEGER PRIMARY KEY,
    event_id  TEXT NOT NULL REFERENCES notices (event_id),
    at        TEXT NOT NULL,
    http      INTEGER NOT NULL DEFAULT 0,
    error     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notice_attempts_event ON notice_attempts (event_id, id);

-- The county's SMS channel: its approved signature and, per notice
-- template, the provider's template code and parameter names (one row).
CREATE TABLE sms_config (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    doc        TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
