-- Jifen ledger, migration 0001 of a ledger in the compact form (stored format 2, the default since jifen made it):
-- the event log. Frozen once shipped; later changes go in new files. (A ledger of stored format 1 has
-- 0001_event_log.sql instead; both have the same later migrations, and the same hash chain.)
--
-- The log is the truth. Rows are only ever inserted, each extending the hash chain:
--   hash = SHA-256(hash of the event before || canonical bytes of the event)   (see docs/FORMAT.md)
-- The chain and its canonical bytes are those of stored format 1, field for field: only how a few fields are stored
-- differs, and the view `events` gives every event back in format 1's columns, exactly as hashed.
--   id           the UUID's 16 bytes (a BLOB), or its text when that is not the lower-case form of 16 bytes;
--   recorded_at  milliseconds since 1970-01-01T00:00:00Z, an INTEGER (hashed as YYYY-MM-DDTHH:MM:SS.sssZ);
--   payload      NULL for a score whose payload is the one its facts and its rule's text give (rule_texts);
--   prev_hash    not stored: it is the hash of the row before.
-- SQLite itself refuses UPDATE and DELETE, and any insert that does not take the next sequence number.

CREATE TABLE event_log (
    seq             INTEGER PRIMARY KEY,          -- 1, 2, 3, ... with no gaps
    id              BLOB    NOT NULL,             -- the UUID: 16 bytes, or its text
    stream          TEXT    NOT NULL,             -- household:H001, item:oil, unit:U01, ledger, reversal:42
    stream_version  INTEGER NOT NULL,             -- 1, 2, 3, ... within the stream
    type            TEXT    NOT NULL,             -- stored type name, fixed and versioned: v1.scoreRecorded
    occurred_on     TEXT    NOT NULL,             -- business date, YYYY-MM-DD, Asia/Shanghai
    recorded_at     INTEGER NOT NULL,             -- when it was written, milliseconds since 1970-01-01 UTC
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
    payload         TEXT,                         -- the event's fields, JSON; NULL for a score its facts spell out
    hash            BLOB    NOT NULL,             -- SHA-256, 32 bytes
    CHECK (seq >= 1),
    CHECK (stream_version >= 1),
    CHECK ((typeof(id) = 'blob' AND length(id) = 16) OR typeof(id) = 'text'),
    CHECK (length(hash) = 32),
    CHECK (occurred_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    CHECK (typeof(recorded_at) = 'integer' AND recorded_at BETWEEN 0 AND 253402300799999),
    CHECK (idempotency_key IS NULL OR idempotency_key <> ''),
    CHECK (payload IS NOT NULL OR (type = 'v1.scoreRecorded' AND household IS NOT NULL AND rule IS NOT NULL)),
    -- A reversal is the one event of the stream reversal:N, so an entry is never reversed twice.
    CHECK (stream NOT GLOB 'reversal:*' OR stream_version = 1)
);

CREATE UNIQUE INDEX events_stream ON event_log (stream, stream_version);
CREATE UNIQUE INDEX events_idempotency_key ON event_log (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX events_household ON event_log (household, occurred_on) WHERE household IS NOT NULL;
CREATE INDEX events_item ON event_log (item, occurred_on) WHERE item IS NOT NULL;

-- The rule as a score's payload names it, once per scheme version and rule: a score whose payload is
-- {"household":"<household>","note":"","points":<earned - deducted>,"rule":<text>} is stored with payload NULL.
CREATE TABLE rule_texts (
    scheme_version  INTEGER NOT NULL,
    rule            TEXT    NOT NULL,
    text            TEXT    NOT NULL,             -- JSON, exactly as in the payloads it stands for
    PRIMARY KEY (scheme_version, rule)
) WITHOUT ROWID;

CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON event_log
BEGIN
    SELECT RAISE(ABORT, 'jifen: events are append-only; record a reversal instead');
END;

CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON event_log
BEGIN
    SELECT RAISE(ABORT, 'jifen: events are append-only; record a reversal instead');
END;

CREATE TRIGGER events_extend_the_chain BEFORE INSERT ON event_log
WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM event_log)
BEGIN
    SELECT RAISE(ABORT, 'jifen: an event must take the next sequence number');
END;

-- INSERT OR REPLACE deletes the row a new one clashes with, firing no DELETE trigger: refused here first.
CREATE TRIGGER events_replace_nothing BEFORE INSERT ON event_log
WHEN EXISTS (SELECT 1 FROM event_log WHERE stream = NEW.stream AND stream_version = NEW.stream_version)
  OR (NEW.idempotency_key IS NOT NULL AND EXISTS (SELECT 1 FROM event_log WHERE idempotency_key = NEW.idempotency_key))
BEGIN
    SELECT RAISE(ABORT, 'jifen: events are append-only; record a reversal instead');
END;

CREATE TRIGGER rule_texts_are_never_updated BEFORE UPDATE ON rule_texts
BEGIN
    SELECT RAISE(ABORT, 'jifen: events are append-only; record a reversal instead');
END;

CREATE TRIGGER rule_texts_are_never_deleted BEFORE DELETE ON rule_texts
BEGIN
    SELECT RAISE(ABORT, 'jifen: events are append-only; record a reversal instead');
END;

CREATE TRIGGER rule_texts_replace_nothing BEFORE INSERT ON rule_texts
WHEN EXISTS (SELECT 1 FROM rule_texts WHERE scheme_version = NEW.scheme_version AND rule = NEW.rule)
BEGIN
    SELECT RAISE(ABORT, 'jifen: events are append-only; record a reversal instead');
END;

-- Every event in stored format 1's columns, exactly as hashed (docs/FORMAT.md): what every reader of the log reads.
CREATE VIEW events AS
SELECT seq,
       CASE WHEN typeof(id) = 'blob'
            THEN lower(substr(hex(id), 1, 8) || '-' || substr(hex(id), 9, 4) || '-' || substr(hex(id), 13, 4) || '-' ||
                       substr(hex(id), 17, 4) || '-' || substr(hex(id), 21, 12))
            ELSE id END AS id,
       stream, stream_version, type, occurred_on,
       strftime('%Y-%m-%dT%H:%M:%S', recorded_at / 1000, 'unixepoch') || printf('.%03dZ', recorded_at % 1000) AS recorded_at,
       actor, scheme_version, idempotency_key, household, item, rule, earned, deducted, redeemed, stock, reverses,
       coalesce(payload, '{"household":"' || household || '","note":"","points":' || (earned - deducted) || ',"rule":' ||
                (SELECT t.text FROM rule_texts t WHERE t.scheme_version = l.scheme_version AND t.rule = l.rule) || '}') AS payload,
       coalesce((SELECT p.hash FROM event_log p WHERE p.seq = l.seq - 1), CASE WHEN seq = 1 THEN zeroblob(32) END) AS prev_hash,
       hash
FROM event_log l;
