-- Jifen county, PostgreSQL migration 0009: every text column of the county's tables compares as bytes (collation "C"),
-- whatever the database's own collation. Frozen once shipped; later changes go in new files, and every text column
-- they add is declared COLLATE "C" (a test holds every text column of the schema to it).
--
-- Until now each column took the database's collation, which `CREATE DATABASE` takes from the server's locale: on a
-- server set up in zh_CN.UTF-8 or en_US.UTF-8, or with ICU's, villages, townships and people were listed in that
-- language's order — the same county printed in another order on another server — and every key of every index was
-- compared by that language's rules (a village's file loaded into a database of ICU's Chinese collation about 9% slower
-- than into one of "C": docs/PERFORMANCE.md). A village's SQLite file compares its text as bytes (BINARY), and so does
-- the county now. Codes and names are UTF-8, so byte order is the order of their code points.
--
-- Changing a column's collation rewrites no row, but every index on it is built again and every CHECK on it is
-- checked again, under the table's lock: about 13 µs an event here (1.3 s for a village of 102,314 events), so a
-- county of 30 M events is migrated in minutes, once, when a program of this version first opens it.
ALTER TABLE villages
    ALTER COLUMN village TYPE text COLLATE "C",
    ALTER COLUMN township TYPE text COLLATE "C";

ALTER TABLE events
    ALTER COLUMN village TYPE text COLLATE "C",
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN stream TYPE text COLLATE "C",
    ALTER COLUMN type TYPE text COLLATE "C",
    ALTER COLUMN occurred_on TYPE text COLLATE "C",
    ALTER COLUMN recorded_at TYPE text COLLATE "C",
    ALTER COLUMN actor TYPE text COLLATE "C",
    ALTER COLUMN idempotency_key TYPE text COLLATE "C",
    ALTER COLUMN household TYPE text COLLATE "C",
    ALTER COLUMN item TYPE text COLLATE "C",
    ALTER COLUMN rule TYPE text COLLATE "C",
    ALTER COLUMN payload TYPE text COLLATE "C";

ALTER TABLE county
    ALTER COLUMN public_key TYPE text COLLATE "C",
    ALTER COLUMN admin_token_hash TYPE text COLLATE "C";

ALTER TABLE sync_keys
    ALTER COLUMN village TYPE text COLLATE "C",
    ALTER COLUMN sync_key_hash TYPE text COLLATE "C";

ALTER TABLE credentials
    ALTER COLUMN village TYPE text COLLATE "C",
    ALTER COLUMN actor TYPE text COLLATE "C",
    ALTER COLUMN hash TYPE text COLLATE "C",
    ALTER COLUMN set_at TYPE text COLLATE "C";

ALTER TABLE county_people
    ALTER COLUMN name TYPE text COLLATE "C",
    ALTER COLUMN role TYPE text COLLATE "C",
    ALTER COLUMN township TYPE text COLLATE "C",
    ALTER COLUMN hash TYPE text COLLATE "C";

ALTER TABLE login_failures
    ALTER COLUMN village TYPE text COLLATE "C",
    ALTER COLUMN actor TYPE text COLLATE "C";

ALTER TABLE jifen_migrations
    ALTER COLUMN file TYPE text COLLATE "C";
