-- Jifen county, PostgreSQL migration 0006: a village's chain is checked, and its head moved, once per INSERT statement
-- rather than once per row. Frozen once shipped; later changes go in new files.
--
-- Migration 0001's row trigger moved the village's head row once per event: each move inside a transaction left a row
-- version that the next row's trigger and foreign-key check stepped over, so a row cost more the longer its
-- transaction, and a load of many events a statement spent most of the database's time there (docs/PERFORMANCE.md).
-- This trigger runs once after each INSERT on `events`, over the statement's new rows (its transition table), and for
-- each village they name, in the villages' order (so that two statements never wait on each other crosswise):
--   * locks the village's head row (FOR UPDATE; an append has locked it already), refusing a village there is not;
--   * walks the village's new rows in seq order and refuses the statement at the first one that does not extend the
--     chain: its seq must be the one before's + 1 (the head's + 1 for the first: no gap, no repeat, nothing at or before
--     the head), and its previous hash the one before's hash (the head's hash for the first);
--   * moves the head to the last row, once.
-- A refusal raises an error, so the statement's rows go with it: an insert is taken whole or not at all. Rows of two
-- villages in one statement are each checked against their own village's chain. What 0005 hardened stays: the
-- function's search_path is pinned to the county's schema (then pg_temp), it runs as the tables' owner (SECURITY
-- DEFINER), and the heads trigger lets a head move only when that owner moves it from within a trigger. Since it runs as
-- the owner, it refuses to run for any trigger but the one on `events` below, and no other role may execute it.

CREATE FUNCTION jifen_extend_the_chains() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    piece record;
    head record;
    wrong record;
BEGIN
    -- It runs as the tables' owner: fired by anything but this table's own trigger (a role's trigger on a table of its
    -- own, with a transition table of the same name) it would move heads with rows no chain holds.
    IF TG_RELID IS DISTINCT FROM 'events'::regclass OR TG_LEVEL <> 'STATEMENT' OR TG_WHEN <> 'AFTER' OR TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'jifen: the chain''s trigger runs on the county''s events alone' USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOR piece IN SELECT village, max(seq) AS last FROM new_events GROUP BY village ORDER BY village LOOP
        SELECT head_seq, head_hash INTO head FROM villages WHERE village = piece.village FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'jifen: no village %', piece.village USING ERRCODE = 'foreign_key_violation';
        END IF;
        SELECT seq, next_seq, prev_hash INTO wrong FROM (
            SELECT seq, prev_hash,
                   coalesce(lag(seq) OVER chain + 1, head.head_seq + 1) AS next_seq,
                   coalesce(lag(hash) OVER chain, head.head_hash) AS before_hash
            FROM new_events WHERE village = piece.village
            WINDOW chain AS (ORDER BY seq)
        ) AS links
        WHERE seq IS DISTINCT FROM next_seq OR prev_hash IS DISTINCT FROM before_hash
        ORDER BY seq LIMIT 1;
        IF FOUND THEN
            IF wrong.seq IS DISTINCT FROM wrong.next_seq THEN
                RAISE EXCEPTION 'jifen: an event must take the next sequence number (% after %)', wrong.seq, wrong.next_seq - 1
                    USING ERRCODE = 'restrict_violation';
            END IF;
            RAISE EXCEPTION 'jifen: an event must name its village''s head as its previous hash (event %)', wrong.seq
                USING ERRCODE = 'restrict_violation';
        END IF;
        UPDATE villages SET head_seq = piece.last,
                            head_hash = (SELECT hash FROM new_events WHERE village = piece.village AND seq = piece.last)
            WHERE village = piece.village;
    END LOOP;
    RETURN NULL;
END;
$$;

DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION jifen_extend_the_chains() SECURITY DEFINER SET search_path = %I, pg_temp', current_schema());
END;
$$;

-- No one but the owner may name it in a trigger of their own (a trigger's function is not checked when it fires).
REVOKE EXECUTE ON FUNCTION jifen_extend_the_chains() FROM PUBLIC;

DROP TRIGGER events_extend_the_chain ON events;

DROP FUNCTION jifen_extend_the_chain();

CREATE TRIGGER events_extend_the_chains AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION jifen_extend_the_chains();
