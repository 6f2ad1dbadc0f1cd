-- Jifen ledger, migration 0001: the event log. Frozen once shipped; later changes go in new files.
--
-- The log is the truth. Rows are only ever inserted, each extending the hash chain:
--   hash = SHA-256(prev_hash || canonical bytes of the event)   (see docs/FORMAT.md)
-- SQLite itself refuses UPDATE and DELETE, and any insert that is not the next link of the chain.
--
-- Beside its JSON payload each event carries its facts: the household, item and rule it is about and the
-- points and stock it moves (a reversal carries the negated facts of the entry it undoes). They are hashed
-- with the event, and balances, stock, caps and histories are summed from them.

CREATE TABLE events (
    seq             INTEGER PRIMARY KEY,          -- 1, 2, 3, ... with no gaps
    id              TEXT    NOT NULL,             -- UUID, lower case
    stream          TEXT    NOT NULL,             -- household:H001, item:oil, unit:U01, ledger, reversal:42
    stream_version  INTEGER NOT NULL,             -- 1, 2, 3, ... within the stream
    type            TEXT    NOT NULL,             -- stored type name, fixed and versioned: v1.scoreRecorded
    occurred_on     TEXT    NOT NULL,             -- business date, YYYY-MM-DD, Asia/Shanghai
    recorded_at     TEXT    NOT NULL,             -- when it was written, UTC, YYYY-MM-DDTHH:MM:SS.sssZ
    actor           TEXT    NOT NULL,             -- who caused it
    scheme_version  INTEGER NOT NULL,             -- the scheme it was judged under (0 before any scheme)
    idempotency_key TEXT,                         -- a client's key: the same key is never applied twice
    household       TEXT,                         -- facts: the household it is about
    item            TEXT,                         --        the item whose stock it moves
    rule            TEXT,                         --        the rule of a score (or of the score a reversal undoes)
    earned          INTEGER NOT NULL,             --        change of the household's awards
    deducted        INTEGER NOT NULL,             --        change of its deductions
    redeemed        INTEGER NOT NULL,             --        change of what it spent at the shop
    stock           INTEGER NOT NULL,             --        change of the item's stock
    reverses        INTEGER,                      --        for a reversal: the entry it undoes
    payload         TEXT    NOT NULL,             -- the event's fields, JSON
    prev_hash       BLOB    NOT NULL,             -- hash of event seq-1 (32 zero bytes for seq 1)
    hash            BLOB    NOT NULL,             -- SHA-256, 32 bytes
    CHECK (seq >= 1),
    CHECK (stream_version >= 1),
    CHECK (length(prev_hash) = 32 AND length(hash) = 32),
    CHECK (occurred_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    CHECK (idempotency_key IS NULL OR idempotency_key <> '')
);

CREATE UNIQUE INDEX events_id ON events (id);
CREATE UNIQUE INDEX events_stream ON events (stream, stream_version);
CREATE UNIQUE INDEX events_idempotency_key ON events (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX events_household ON events (household, occurred_on) WHERE household IS NOT NULL;
CREATE INDEX events_item ON events (item, occurred_on) WHERE item IS NOT NULL;

CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'jifen: events are append-only; record a reversal instead');
END;

CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'jifen: events are append-only; record a reversal instead');
END;

CREATE TRIGGER events_extend_the_chain BEFORE INSERT ON events
WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM events)
  OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM events WHERE seq = NEW.seq - 1), zeroblob(32))
BEGIN
    SELECT RAISE(ABORT, 'jifen: an event must take the next sequence number and the previous hash');
END;

-- A reversal is the one event of the stream reversal:N, so an entry is never reversed twice.
CREATE TRIGGER events_reverse_once BEFORE INSERT ON events
WHEN NEW.stream GLOB 'reversal:*' AND NEW.stream_version <> 1
BEGIN
    SELECT RAISE(ABORT, 'jifen: an entry is reversed at most once');
END;
