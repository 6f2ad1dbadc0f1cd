-- Jifen ledger, migration 0001: the event log. Frozen once shipped; later changes go in new files.
--
-- The log is the truth. Rows are only ever inserted, each extending the hash chain:
--   hash = SHA-256(prev_hash || canonical bytes of the event)   (see docs/FORMAT.md)
-- SQLite itself refuses UPDATE and DELETE, and any insert that is not the next link of the chain.

CREATE TABLE events (
    seq             INTEGER PRIMARY KEY,          -- 1, 2, 3, ... with no gaps
    id              TEXT    NOT NULL UNIQUE,      -- UUID, lower case
    stream          TEXT    NOT NULL,             -- household:H001, item:oil, unit:U01, ledger, reversal:42
    stream_version  INTEGER NOT NULL,             -- 1, 2, 3, ... within the stream
    type            TEXT    NOT NULL,             -- stored type name, fixed and versioned: v1.scoreRecorded
    occurred_on     TEXT    NOT NULL,             -- business date, YYYY-MM-DD, Asia/Shanghai
    recorded_at     TEXT    NOT NULL,             -- when it was written, UTC, YYYY-MM-DDTHH:MM:SS.sssZ
    actor           TEXT    NOT NULL,             -- who caused it
    scheme_version  INTEGER NOT NULL,             -- the scheme it was judged under (0 before any scheme)
    idempotency_key TEXT    UNIQUE,               -- a client's key: the same key is never applied twice
    payload         TEXT    NOT NULL,             -- the event's fields, JSON
    prev_hash       BLOB    NOT NULL,             -- hash of event seq-1 (32 zero bytes for seq 1)
    hash            BLOB    NOT NULL,             -- SHA-256, 32 bytes
    UNIQUE (stream, stream_version),
    CHECK (seq >= 1),
    CHECK (stream_version >= 1),
    CHECK (length(prev_hash) = 32 AND length(hash) = 32),
    CHECK (occurred_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    CHECK (idempotency_key IS NULL OR idempotency_key <> '')
);

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
