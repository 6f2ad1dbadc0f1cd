-- Jifen ledger, migration 0006: the reviews' states checked without a list. Frozen once shipped.
--
-- `CHECK (state IN ('proposed', 'pending', 'posted', 'objected'))` made SQLite build a temporary b-tree of the four
-- names for every row it inserted into p_reviews or updated there (a list of more than two values is looked up, not
-- compared in turn): about 1.25 µs a row, 6% of a 200,000-row tally sheet's import. The same states are now spelled
-- out as comparisons, which admit exactly the same values. The table is a projection (rebuilt from the log at any
-- time); its rows are copied as they are. The log itself is unchanged, so this applies to either format.
CREATE TABLE p_reviews_next (
    seq             INTEGER PRIMARY KEY,          -- the score's event
    household       TEXT    NOT NULL,
    rule            TEXT    NOT NULL,
    occurred_on     TEXT    NOT NULL,
    points          INTEGER NOT NULL,             -- signed
    state           TEXT    NOT NULL CHECK (state = 'proposed' OR state = 'pending' OR state = 'posted' OR state = 'objected'),
    recorded_by     TEXT    NOT NULL,
    objection       INTEGER,                      -- the open objection's event
    objected_by     TEXT                          -- and who raised it
);
INSERT INTO p_reviews_next (seq, household, rule, occurred_on, points, state, recorded_by, objection, objected_by)
    SELECT seq, household, rule, occurred_on, points, state, recorded_by, objection, objected_by FROM p_reviews ORDER BY seq;
DROP TABLE p_reviews;
ALTER TABLE p_reviews_next RENAME TO p_reviews;
CREATE INDEX p_reviews_date ON p_reviews (occurred_on);
CREATE INDEX p_reviews_household ON p_reviews (household, occurred_on);
