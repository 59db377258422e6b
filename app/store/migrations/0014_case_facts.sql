-- 0014: the statistics screen and 查询办件 read what they need of a case
-- without opening its document (issue 18: at 250,000 cases each opened
-- thousands of sealed documents per look). Written with the document on
-- every case write (store casefacts.go); NULL on the rows written before
-- this migration until FillCaseFacts reaches them (the readers open those
-- rows' documents meanwhile).
--   first_matter: the case's first matter code ('' for none): which 最多跑一次
--     / 零上门 matter it counts as. A catalog code, not personal data.
--   commitment:   1 when a material was replaced by a 告知承诺. A yes/no.
--   summary:      sealed like doc (names and ID numbers are personal data):
--     what 查询办件 filters and dates its candidates by, a few hundred
--     bytes instead of the whole document.
ALTER TABLE cases ADD COLUMN first_matter TEXT;
ALTER TABLE cases ADD COLUMN commitment INTEGER CHECK (commitment IN (0, 1));
ALTER TABLE cases ADD COLUMN summary TEXT;

-- The month's figures as one range of this index, counted by GROUP BY
-- without reading a table row.
CREATE INDEX cases_figures ON cases (accepted_at, decision, status, agent_id, first_matter, commitment);

-- 查询办件's recent cases, newest first, read from the index alone: the
-- 5,000 summaries a search looks through are ~400 pages of it, where
-- reaching them in the table meant one descent per case into ~2,000 pages
-- of documents (more than a read connection caches, so each search read
-- them again from the file). Reduced cases are never searched. It takes
-- over from cases_accepted, which nothing reads any more (the figures'
-- index leads with accepted_at too).
CREATE INDEX cases_search ON cases (accepted_at, id, tracking, rev, summary) WHERE reduced_at IS NULL;
DROP INDEX IF EXISTS cases_accepted;

-- The rows FillCaseFacts has still to fill: all of them once, after this
-- migration, none soon after, so the hourly look costs nothing. A reduced
-- case keeps its facts (the figures count it) but no summary (查询办件
-- never lists it, and its names are gone).
CREATE INDEX cases_unfilled ON cases (accepted_at) WHERE commitment IS NULL OR (summary IS NULL AND reduced_at IS NULL);
