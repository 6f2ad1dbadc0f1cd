-- Jifen county, PostgreSQL migration 0005: the chain's triggers find only the county's own tables, and a village's head
-- is moved by the chain's trigger alone. Frozen once shipped; later changes go in new files.
--
-- Tried on a throwaway cluster as a hostile clerk would, with a role holding only what appending needs (INSERT on
-- events; SELECT and UPDATE on villages, which SELECT … FOR UPDATE requires) and the TEMPORARY privilege every role has
-- on a new database, migration 0001's triggers let two things through:
--   * the trigger functions named `villages` without a schema, so they found it through the session's search_path, where
--     the session's temporary tables come first: a temporary `villages` with a head of the clerk's choosing let an
--     event in that did not extend its village's chain;
--   * the heads trigger let a head move whenever pg_trigger_depth() was 2 or more ("from the insert trigger"), and an
--     UPDATE of villages from a trigger on the clerk's own temporary table is at depth 2 too.
-- Now every function's search_path is pinned to the schema the county's tables are in (then pg_temp, searched last),
-- the chain's trigger runs as the tables' owner (SECURITY DEFINER; a trigger function cannot be called otherwise), and a head moves only when the one moving it is
-- that owner, from within a trigger: a clerk's own trigger runs as the clerk. The owner can still do anything (it can
-- disable triggers): the county's role should not own the tables (docs/SCALE.md), and the county's witness is the
-- villages' own files and the signed receipts.

CREATE OR REPLACE FUNCTION jifen_heads_follow_the_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'jifen: a village is never removed' USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.head_seq, NEW.head_hash) IS DISTINCT FROM (OLD.head_seq, OLD.head_hash) AND (pg_trigger_depth() < 2
        OR current_user IS DISTINCT FROM (SELECT pg_get_userbyid(relowner) FROM pg_catalog.pg_class WHERE oid = TG_RELID)) THEN
        RAISE EXCEPTION 'jifen: a village''s head moves only by appending events' USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.village IS DISTINCT FROM OLD.village THEN
        RAISE EXCEPTION 'jifen: a village keeps its code' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION jifen_extend_the_chain() SECURITY DEFINER SET search_path = %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION jifen_heads_follow_the_chain() SET search_path = %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION jifen_append_only() SET search_path = %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION jifen_villages_start_empty() SET search_path = %I, pg_temp', current_schema());
END;
$$;
