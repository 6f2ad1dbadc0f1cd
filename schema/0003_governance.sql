-- Jifen ledger, migration 0003: roles, review and public notice (公示), scheme versions, year-end settlement,
-- households that split or merge. Frozen once shipped.
--
-- More projections folded from the events by `project`; the event log itself is unchanged. A ledger made
-- before roles existed gains empty tables and zero pending points: its events stay valid as they are.

-- Of a household's points, those not yet final (signed): waiting for the public notice or on it (pending),
-- and proposed by a unit leader or a large deduction waiting for a second person (proposed).
ALTER TABLE p_households ADD COLUMN pending  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE p_households ADD COLUMN proposed INTEGER NOT NULL DEFAULT 0;
-- Redeemable points cleared at a year-end settlement, and points moved to other households (net: sent less
-- received) when a household splits or merges. Cumulative points are never touched by either.
ALTER TABLE p_households ADD COLUMN expired  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE p_households ADD COLUMN moved    INTEGER NOT NULL DEFAULT 0;

-- People registered in the ledger and their roles (admin, clerk, leader, reviewer, shopkeeper, auditor).
CREATE TABLE p_actors (
    name            TEXT    PRIMARY KEY,
    roles           TEXT    NOT NULL,             -- comma-separated, in the order above
    unit            TEXT,                         -- a unit leader's joint unit
    status          TEXT    NOT NULL CHECK (status IN ('active', 'retired')),
    registered_on   TEXT    NOT NULL,
    retired_on      TEXT
);

-- Public notices, one per period (2025-03 or 2025-Q1).
CREATE TABLE p_notices (
    period          TEXT    PRIMARY KEY,
    date_from       TEXT    NOT NULL,
    date_to         TEXT    NOT NULL,
    opened_on       TEXT    NOT NULL,
    closes_on       TEXT    NOT NULL,             -- the first day it may be closed
    closed_on       TEXT
);

-- Scores not yet final, with where they stand. A score leaves this table when it becomes final (its notice
-- closes) or is taken back (rejected, reversed, objection upheld, amended).
CREATE TABLE p_reviews (
    seq             INTEGER PRIMARY KEY,          -- the score's event
    household       TEXT    NOT NULL,
    rule            TEXT    NOT NULL,
    occurred_on     TEXT    NOT NULL,
    points          INTEGER NOT NULL,             -- signed
    state           TEXT    NOT NULL CHECK (state IN ('proposed', 'pending', 'posted', 'objected')),
    recorded_by     TEXT    NOT NULL,
    objection       INTEGER,                      -- the open objection's event
    objected_by     TEXT                          -- and who raised it
);
CREATE INDEX p_reviews_date ON p_reviews (occurred_on);
CREATE INDEX p_reviews_household ON p_reviews (household, occurred_on);

-- Reversals asked for and not yet approved or declined.
CREATE TABLE p_requests (
    seq             INTEGER PRIMARY KEY,          -- the request's event
    target          INTEGER NOT NULL UNIQUE,      -- the entry to reverse
    requested_by    TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    requested_on    TEXT    NOT NULL
);

-- Every version of the scheme: a score is judged by the version in force on its business date.
CREATE TABLE p_schemes (
    version         INTEGER PRIMARY KEY,
    effective       TEXT    NOT NULL,
    scheme          TEXT    NOT NULL              -- JSON
);

-- Year-end settlements (年终结算), and each household's figures of a settled year: its cumulative final points,
-- star rating (星级), the red list (红榜) and the black list (黑榜) with the day its ban on redemption ends.
CREATE TABLE p_settlements (
    year            INTEGER PRIMARY KEY,
    settled_on      TEXT    NOT NULL,
    scheme_version  INTEGER NOT NULL,
    expired         INTEGER NOT NULL              -- redeemable points cleared, all households
);
CREATE TABLE p_ratings (
    year            INTEGER NOT NULL,
    household       TEXT    NOT NULL,
    points          INTEGER NOT NULL,
    stars           INTEGER NOT NULL,
    red             INTEGER NOT NULL,
    black_until     TEXT,
    PRIMARY KEY (year, household)
);

-- A ledger made before this migration has its scheme versions in its log; fill the table from them once.
INSERT INTO p_schemes (version, effective, scheme)
SELECT json_extract(payload, '$.version'), json_extract(payload, '$.effective'), json_extract(payload, '$.scheme')
FROM events WHERE type = 'v1.schemeAdopted';
