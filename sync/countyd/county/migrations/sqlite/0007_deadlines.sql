-- 0007: the case list's deadline filters judge the due date moved by the
-- pauses of the time limit (补正, 特别程序: 行政许可法 第32条、第45条), in SQL,
-- without reading each case's status log. Kept by the same transaction
-- that changes what they depend on (a case event, a county decision, a
-- holiday calendar): deadline.go. Days are YYYY-MM-DD, Beijing.
--
-- due_moved:    the promised day moved by the working days of every pause
--               that ended before the running one began ('' when nothing
--               was promised).
-- paused_since: the first day of the pause still running ('' while the
--               clock runs). A running pause moves the date by one for
--               every working day it lasts, so what it adds is worked out
--               on reading, from this day, and never goes stale.
-- paused_kind, paused_procedure: what stopped the clock, for its label.
-- supplement_by: a 容缺 case's day to bring what it owes.
ALTER TABLE cases ADD COLUMN due_moved TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN paused_since TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN paused_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN paused_procedure TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN supplement_by TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_due_moved ON cases (due_moved);
CREATE INDEX cases_paused ON cases (paused_since);
CREATE INDEX cases_supplement_by ON cases (supplement_by);

-- Staff may send a failed notice back to the queue (after fixing the
-- gateway or a template); requeues counts how often, requeued_at the last.
-- A sent notice is never re-queued (RequeueNotice).
ALTER TABLE notices ADD COLUMN requeues INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notices ADD COLUMN requeued_at TEXT;
