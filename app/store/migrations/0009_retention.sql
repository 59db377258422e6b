-- 0009: closed cases are reduced to what the hall still needs after the
-- county's retention period (cases.Reduce); reduced_at says when.
ALTER TABLE cases ADD COLUMN reduced_at TEXT;
CREATE INDEX cases_to_reduce ON cases (status, updated_at) WHERE reduced_at IS NULL;
