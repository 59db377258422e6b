-- 0014: the statistics screen and 查询办件 read what they need of a case
-- without opening its document (issue 18: at 250,000 cases each opened
-- thousands of sealed documents per look). Written with the document on
-- every case write (store casefacts.go); missing for the cases written
-- before this migration until FillCaseFacts reaches them (the readers open
-- those cases' documents meanwhile). commitment IS NULL marks such a case.
--   first_matter: the case's first matter code ('' for none): which 最多跑一次
--     / 零上门 matter it counts as. A catalog code, not personal data.
--   commitment:   1 when a material was replaced by a 告知承诺. A yes/no.
ALTER TABLE cases ADD COLUMN first_matter TEXT;
ALTER TABLE cases ADD COLUMN commitment INTEGER CHECK (commitment IN (0, 1));

-- The month's figures as one range of this index, counted by GROUP BY
-- without reading a table row.
CREATE INDEX cases_figures ON cases (accepted_at, decision, status, agent_id, first_matter, commitment);

-- What 查询办件 filters and dates a case by, newest first: the applicant's
-- and legal representative's names and numbers, clerk, agent, status,
-- dates. Sealed like the document (names and numbers are personal data).
-- A table of its own rather than a column of cases: a search reads 5,000
-- of these in key order from ~400 pages, and a summary in the case row
-- itself would take a case document's page from three rows to two (the
-- cases table, 350 MB at 250,000 cases, would double). A reduced case has
-- none: 查询办件 never lists it, and its names are gone.
CREATE TABLE case_briefs (
    accepted_at TEXT NOT NULL,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    tracking    TEXT NOT NULL,
    summary     TEXT NOT NULL,
    PRIMARY KEY (accepted_at, case_id)
) WITHOUT ROWID;
-- Nothing reads cases_accepted any more (the figures' index and the briefs
-- lead with accepted_at).
DROP INDEX IF EXISTS cases_accepted;

-- The cases FillCaseFacts has still to fill: all of them once, after this
-- migration, none soon after, so the hourly look costs nothing.
CREATE INDEX cases_unfilled ON cases (accepted_at) WHERE commitment IS NULL;
