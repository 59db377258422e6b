-- 0011: every query a kiosk screen or a sync round runs is served by an
-- index for its filter and its order (issue 18); queryplan_test.go keeps
-- the list and fails when one of them turns into a scan.

-- The village agent's work list: open cases by status, recent history by
-- when it last changed, newest first (store.AgentCases, AgentHistory).
-- Both lead with agent_id, so the single-column index of 0008 goes.
DROP INDEX IF EXISTS cases_agent;
CREATE INDEX cases_agent_status ON cases (agent_id, status) WHERE agent_id IS NOT NULL;
CREATE INDEX cases_agent_updated ON cases (agent_id, updated_at) WHERE agent_id IS NOT NULL;

-- Files still to upload: a sync round counts and lists them 2–3 times, and
-- after years nearly every attachment is uploaded, so the index holds only
-- the ones waiting (a scan of it is a scan of the pending work, not of the
-- kiosk's history).
CREATE INDEX attachments_to_upload ON attachments (sha256, added_at) WHERE uploaded_at IS NULL AND origin = '';
-- The same for the files this machine still has to give the hall's hub
-- (a machine in a hall; a machine alone never sets hall_sent_at and never
-- asks).
CREATE INDEX attachments_to_hub ON attachments (sha256, added_at) WHERE origin = '' AND hall_sent_at IS NULL;

-- 查询办件 by ID number, newest first: the applicant's cases in order.
DROP INDEX IF EXISTS cases_applicant;
CREATE INDEX cases_applicant ON cases (applicant_id, accepted_at);

-- The pre-review list (one status, oldest first) and 查询办件's open cases
-- (newest first) read a status's cases in acceptance order.
CREATE INDEX cases_status_accepted ON cases (status, accepted_at);

-- 查询办件's recent cases, newest first.
CREATE INDEX cases_accepted ON cases (accepted_at);

-- A hall round also reads the events to send the hub again after a restore
-- (none, nearly always: the index is empty then) and the unseen notices.
CREATE INDEX outbox_hall_resend ON outbox (seq) WHERE hall_state = 'resend';
CREATE INDEX hall_notices_unseen ON hall_notices (id) WHERE seen_at IS NULL;
