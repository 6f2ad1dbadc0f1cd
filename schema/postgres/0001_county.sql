-- Jifen county, PostgreSQL migration 0001: every village's event log in one database, each village its own chain.
-- Frozen once shipped; later changes go in new files (0002_…), recorded in jifen_migrations as they are applied.
--
-- The log is the truth, as in a village's SQLite file (schema/0001_event_log.sql): rows are only ever inserted, each
-- extending its village's hash chain,
--   hash = SHA-256(hash of the village's event before || canonical bytes of the event)   (see docs/FORMAT.md)
-- computed by jifen, never here. The columns are stored format 1's, field for field and as hashed (text where the
-- hash reads text), with the village first in every key. The database itself refuses UPDATE, DELETE and TRUNCATE of
-- events, and any insert that does not take its village's next sequence number after its village's head hash.
--
-- A village's head (villages.head_seq, head_hash) is moved by the insert trigger alone: the row an append locks
-- (SELECT … FOR UPDATE), so that appends to one village take turns and appends to two villages never wait on each other.

CREATE TABLE villages (
    village     text        PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    head_seq    bigint      NOT NULL DEFAULT 0,
    head_hash   bytea       NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000',
    CHECK (village ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    CHECK (head_seq >= 0),
    CHECK (length(head_hash) = 32)
);

CREATE TABLE events (
    village         text    NOT NULL REFERENCES villages (village),
    seq             bigint  NOT NULL,             -- 1, 2, 3, ... within the village, with no gaps
    id              text    NOT NULL,             -- the event's UUID, as hashed
    stream          text    NOT NULL,             -- household:H001, item:oil, unit:U01, ledger, reversal:42
    stream_version  bigint  NOT NULL,             -- 1, 2, 3, ... within the village's stream
    type            text    NOT NULL,             -- stored type name, fixed and versioned: v1.scoreRecorded
    occurred_on     text    NOT NULL,             -- business date, YYYY-MM-DD, Asia/Shanghai
    recorded_at     text    NOT NULL,             -- when it was written, UTC: YYYY-MM-DDTHH:MM:SS.sssZ, as hashed
    actor           text    NOT NULL,             -- who caused it
    scheme_version  bigint  NOT NULL,             -- the scheme it was judged under (0 before any scheme)
    idempotency_key text,                         -- a client's key: the same key is never applied twice in a village
    household       text,                         -- facts: the household it is about
    item            text,                         --        the item whose stock it moves
    rule            text,                         --        the rule of a score (or of the score a reversal undoes)
    earned          bigint  NOT NULL,             --        change of the household's awards
    deducted        bigint  NOT NULL,             --        change of its deductions
    redeemed        bigint  NOT NULL,             --        change of what it spent at the shop
    stock           bigint  NOT NULL,             --        change of the item's stock
    reverses        bigint,                       --        for a reversal: the entry it undoes
    payload         text    NOT NULL,             -- the event's fields, JSON, exactly as hashed
    prev_hash       bytea   NOT NULL,             -- the hash of the village's event before (32 zero bytes for the first)
    hash            bytea   NOT NULL,             -- SHA-256, 32 bytes
    PRIMARY KEY (village, seq),
    UNIQUE (village, stream, stream_version),
    CHECK (seq >= 1),
    CHECK (stream_version >= 1),
    CHECK (length(prev_hash) = 32 AND length(hash) = 32),
    CHECK (occurred_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    CHECK (recorded_at ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$'),
    CHECK (idempotency_key IS NULL OR idempotency_key <> ''),
    -- A reversal is the one event of the stream reversal:N, so an entry is never reversed twice.
    CHECK (stream NOT LIKE 'reversal:%' OR stream_version = 1)
);

CREATE UNIQUE INDEX events_idempotency_key ON events (village, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX events_household ON events (village, household, occurred_on) WHERE household IS NOT NULL;

CREATE FUNCTION jifen_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'jifen: events are append-only; record a reversal instead' USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER events_are_never_updated BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION jifen_append_only();

CREATE TRIGGER events_are_never_truncated BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION jifen_append_only();

-- Each new event must take its village's next sequence number and name its village's head hash as the one before; it
-- then becomes the head. The village's row is locked for the rest of the transaction (an append has locked it already).
CREATE FUNCTION jifen_extend_the_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head villages%ROWTYPE;
BEGIN
    SELECT * INTO head FROM villages WHERE village = NEW.village FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'jifen: no village %', NEW.village USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NEW.seq IS DISTINCT FROM head.head_seq + 1 THEN
        RAISE EXCEPTION 'jifen: an event must take the next sequence number (% after %)', NEW.seq, head.head_seq
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.prev_hash IS DISTINCT FROM head.head_hash THEN
        RAISE EXCEPTION 'jifen: an event must name its village''s head as its previous hash'
            USING ERRCODE = 'restrict_violation';
    END IF;
    UPDATE villages SET head_seq = NEW.seq, head_hash = NEW.hash WHERE village = NEW.village;
    RETURN NEW;
END;
$$;

CREATE TRIGGER events_extend_the_chain BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION jifen_extend_the_chain();

-- A village's head moves only with its chain (from the trigger above), and a village is never removed.
CREATE FUNCTION jifen_heads_follow_the_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'jifen: a village is never removed' USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.head_seq, NEW.head_hash) IS DISTINCT FROM (OLD.head_seq, OLD.head_hash) AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'jifen: a village''s head moves only by appending events' USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.village IS DISTINCT FROM OLD.village THEN
        RAISE EXCEPTION 'jifen: a village keeps its code' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER heads_follow_the_chain BEFORE UPDATE OR DELETE ON villages
    FOR EACH ROW EXECUTE FUNCTION jifen_heads_follow_the_chain();

CREATE TRIGGER villages_are_never_truncated BEFORE TRUNCATE ON villages
    FOR EACH STATEMENT EXECUTE FUNCTION jifen_append_only();

-- A new village starts at the genesis head.
CREATE FUNCTION jifen_villages_start_empty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.head_seq <> 0 OR NEW.head_hash <> '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea THEN
        RAISE EXCEPTION 'jifen: a new village starts with no events' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER villages_start_empty BEFORE INSERT ON villages
    FOR EACH ROW EXECUTE FUNCTION jifen_villages_start_empty();
