-- 0014: the dashboard's counts, kept as events arrive (issue 20; county/figures.go).
-- figures_daily sums, per Beijing day, service point, sector and matter, what
-- sync/figures counts: cases accepted, refused, returned and decided (by their
-- day), tickets and ratings. Case rows name a matter and no sector, ticket
-- rows a sector and no matter; the catalog maps them onto sectors and
-- departments when the page is read. The key starts with day: a period's
-- page reads only its days, whatever the county holds.
CREATE TABLE figures_daily (
    day           TEXT NOT NULL,
    service_point TEXT NOT NULL,
    sector        TEXT NOT NULL,
    matter        TEXT NOT NULL,
    accepted     INTEGER NOT NULL DEFAULT 0,
    immediate    INTEGER NOT NULL DEFAULT 0,
    deficient    INTEGER NOT NULL DEFAULT 0,
    commitment   INTEGER NOT NULL DEFAULT 0,
    proxy        INTEGER NOT NULL DEFAULT 0,
    refused      INTEGER NOT NULL DEFAULT 0,
    returned     INTEGER NOT NULL DEFAULT 0,
    decided      INTEGER NOT NULL DEFAULT 0,
    promised     INTEGER NOT NULL DEFAULT 0,
    on_time      INTEGER NOT NULL DEFAULT 0,
    decide_days  INTEGER NOT NULL DEFAULT 0,
    tickets      INTEGER NOT NULL DEFAULT 0,
    closed       INTEGER NOT NULL DEFAULT 0,
    served       INTEGER NOT NULL DEFAULT 0,
    no_shows     INTEGER NOT NULL DEFAULT 0,
    called       INTEGER NOT NULL DEFAULT 0,
    wait_secs    INTEGER NOT NULL DEFAULT 0,
    service_secs INTEGER NOT NULL DEFAULT 0,
    rating1      INTEGER NOT NULL DEFAULT 0,
    rating2      INTEGER NOT NULL DEFAULT 0,
    rating3      INTEGER NOT NULL DEFAULT 0,
    rating4      INTEGER NOT NULL DEFAULT 0,
    rating5      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, service_point, sector, matter)
);

-- The same counts per month (YYYY-MM), kept beside the days by the same
-- statements: a year's page reads twelve months' rows and the days at its
-- ends, not a year of days (at 1M cases a year, about a million day rows).
CREATE TABLE figures_monthly (
    month         TEXT NOT NULL,
    service_point TEXT NOT NULL,
    sector        TEXT NOT NULL,
    matter        TEXT NOT NULL,
    accepted     INTEGER NOT NULL DEFAULT 0,
    immediate    INTEGER NOT NULL DEFAULT 0,
    deficient    INTEGER NOT NULL DEFAULT 0,
    commitment   INTEGER NOT NULL DEFAULT 0,
    proxy        INTEGER NOT NULL DEFAULT 0,
    refused      INTEGER NOT NULL DEFAULT 0,
    returned     INTEGER NOT NULL DEFAULT 0,
    decided      INTEGER NOT NULL DEFAULT 0,
    promised     INTEGER NOT NULL DEFAULT 0,
    on_time      INTEGER NOT NULL DEFAULT 0,
    decide_days  INTEGER NOT NULL DEFAULT 0,
    tickets      INTEGER NOT NULL DEFAULT 0,
    closed       INTEGER NOT NULL DEFAULT 0,
    served       INTEGER NOT NULL DEFAULT 0,
    no_shows     INTEGER NOT NULL DEFAULT 0,
    called       INTEGER NOT NULL DEFAULT 0,
    wait_secs    INTEGER NOT NULL DEFAULT 0,
    service_secs INTEGER NOT NULL DEFAULT 0,
    rating1      INTEGER NOT NULL DEFAULT 0,
    rating2      INTEGER NOT NULL DEFAULT 0,
    rating3      INTEGER NOT NULL DEFAULT 0,
    rating4      INTEGER NOT NULL DEFAULT 0,
    rating5      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, service_point, sector, matter)
);

-- The county's total per day, for the trend: a year's chart reads 365 rows
-- whatever the number of points and matters.
CREATE TABLE figures_days (
    day           TEXT PRIMARY KEY,
    accepted     INTEGER NOT NULL DEFAULT 0,
    immediate    INTEGER NOT NULL DEFAULT 0,
    deficient    INTEGER NOT NULL DEFAULT 0,
    commitment   INTEGER NOT NULL DEFAULT 0,
    proxy        INTEGER NOT NULL DEFAULT 0,
    refused      INTEGER NOT NULL DEFAULT 0,
    returned     INTEGER NOT NULL DEFAULT 0,
    decided      INTEGER NOT NULL DEFAULT 0,
    promised     INTEGER NOT NULL DEFAULT 0,
    on_time      INTEGER NOT NULL DEFAULT 0,
    decide_days  INTEGER NOT NULL DEFAULT 0,
    tickets      INTEGER NOT NULL DEFAULT 0,
    closed       INTEGER NOT NULL DEFAULT 0,
    served       INTEGER NOT NULL DEFAULT 0,
    no_shows     INTEGER NOT NULL DEFAULT 0,
    called       INTEGER NOT NULL DEFAULT 0,
    wait_secs    INTEGER NOT NULL DEFAULT 0,
    service_secs INTEGER NOT NULL DEFAULT 0,
    rating1      INTEGER NOT NULL DEFAULT 0,
    rating2      INTEGER NOT NULL DEFAULT 0,
    rating3      INTEGER NOT NULL DEFAULT 0,
    rating4      INTEGER NOT NULL DEFAULT 0,
    rating5      INTEGER NOT NULL DEFAULT 0
);

-- Each case's contribution as it stands (JSON rows of figures_daily), so the
-- transaction that changes a case takes its old contribution out and puts
-- the new one in. Filled for the cases already stored when 0014 is applied.
CREATE TABLE case_figures (
    case_id TEXT PRIMARY KEY,
    rows    TEXT NOT NULL
);
