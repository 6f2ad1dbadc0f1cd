-- Jifen ledger, migration 0002: projections. Frozen once shipped; later changes go in new files.
--
-- Caches folded from the events by `project` (Sources/JifenCore/Projection.swift), updated in the same
-- transaction as each append. `jifen rebuild` empties them and folds the whole log again. Entries of points
-- and stock need no table of their own: they are the event rows, read through their facts columns.

CREATE TABLE p_ledger (
    one             INTEGER PRIMARY KEY CHECK (one = 1),
    ledger_id       TEXT    NOT NULL,
    village         TEXT    NOT NULL,
    demo            INTEGER NOT NULL,
    opened_on       TEXT    NOT NULL,
    scheme_version  INTEGER NOT NULL,
    scheme          TEXT    NOT NULL              -- the scheme in force, JSON
);

CREATE TABLE p_units (
    code            TEXT    PRIMARY KEY,
    name            TEXT    NOT NULL,
    leader          TEXT
);

CREATE TABLE p_households (
    code            TEXT    PRIMARY KEY,
    head            TEXT    NOT NULL,
    unit            TEXT    NOT NULL,
    members         INTEGER NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('open', 'closed')),
    registered_on   TEXT    NOT NULL,
    closed_on       TEXT,
    earned          INTEGER NOT NULL,
    deducted        INTEGER NOT NULL,
    redeemed        INTEGER NOT NULL
);
CREATE INDEX p_households_unit ON p_households (unit, code);

CREATE TABLE p_items (
    code            TEXT    PRIMARY KEY,
    name            TEXT    NOT NULL,
    unit            TEXT    NOT NULL,
    price           INTEGER NOT NULL,
    stock           INTEGER NOT NULL CHECK (stock >= 0)
);

CREATE TABLE p_sheets (
    sha256          TEXT    PRIMARY KEY,
    seq             INTEGER NOT NULL
);
