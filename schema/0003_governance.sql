-- Jifen ledger, migration 0003: roles, review and public notice (公示). Frozen once shipped.
--
-- More projections folded from the events by `project`; the event log itself is unchanged. A ledger made
-- before roles existed gains empty tables and zero pending points: its events stay valid as they are.

-- Of a household's points, those not yet final (signed): waiting for the public notice or on it (pending),
-- and proposed by a unit leader or a large deduction waiting for a second person (proposed).
ALTER TABLE p_households ADD COLUMN pending  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE p_households ADD COLUMN proposed INTEGER NOT NULL DEFAULT 0;

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
    objection       INTEGER                       -- the open objection's event
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
