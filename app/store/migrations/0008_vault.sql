-- 0008: personal data sealed at rest (docs/security.md). The data key is
-- kept only wrapped: by each account's sign-in secret (kind 'account', ref
-- the account id), and on a machine of a hall by a key its hub holds for
-- it (kind 'hall', ref the hub's machine id). Columns holding personal data
-- keep sealed values ("ycs1:…", still valid JSON) from the first unlock on.
CREATE TABLE key_wraps (
    kind       TEXT    NOT NULL CHECK (kind IN ('account', 'hall')),
    ref        TEXT    NOT NULL,
    salt       TEXT    NOT NULL DEFAULT '',
    time_cost  INTEGER NOT NULL DEFAULT 0,
    memory     INTEGER NOT NULL DEFAULT 0,
    sealed     TEXT    NOT NULL,
    -- The account's secret hash the wrap was made for: a sign-in with
    -- another (changed) secret makes the wrap again.
    for_hash   TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL,
    PRIMARY KEY (kind, ref)
);
-- The hub keeps, for each paired machine, the key that opens that
-- machine's data key (sealed under the hub's own).
ALTER TABLE hall_machines ADD COLUMN unlock_key TEXT NOT NULL DEFAULT '';
-- The village agent who filed a case, for the agent's list: read from the
-- case document before it is sealed.
ALTER TABLE cases ADD COLUMN agent_id INTEGER;
UPDATE cases SET agent_id = json_extract(doc, '$.proxy.agent.id') WHERE json_valid(doc) AND json_extract(doc, '$.proxy.agent.id') IS NOT NULL;
CREATE INDEX cases_agent ON cases (agent_id) WHERE agent_id IS NOT NULL;
