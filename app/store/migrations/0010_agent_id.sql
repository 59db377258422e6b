-- 0010: a village agent's own ID number, named on every 代办委托书 the agent
-- prints (issue 16). Sealed like every personal column (vault.go,
-- "clerks.id_number"); '' for other roles and for agents made before.
ALTER TABLE clerks ADD COLUMN id_number TEXT NOT NULL DEFAULT '';
