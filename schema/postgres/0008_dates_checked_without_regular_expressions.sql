-- Jifen county, PostgreSQL migration 0008: an event's two dates checked without regular expressions. Frozen once
-- shipped; later changes go in new files.
--
-- Migration 0001 checked `occurred_on` and `recorded_at` against regular expressions, which PostgreSQL runs for every
-- row written: 3.3 µs a row of an INSERT of a village's rows that took about 33 µs a row in all, against 0.4 µs for
-- the check below (docs/PERFORMANCE.md). The same
-- check without them: each ASCII digit turned into a 9, the value must then be the pattern itself — every digit's
-- place a digit, every other place its own character, nothing before, after or between: exactly the values the
-- expressions took. Adding each check reads every event once, under the table's lock, as the migration runs.
ALTER TABLE events DROP CONSTRAINT events_occurred_on_check;

ALTER TABLE events DROP CONSTRAINT events_recorded_at_check;

ALTER TABLE events ADD CONSTRAINT events_occurred_on_check
    CHECK (translate(occurred_on, '0123456789', '9999999999') = '9999-99-99');

ALTER TABLE events ADD CONSTRAINT events_recorded_at_check
    CHECK (translate(recorded_at, '0123456789', '9999999999') = '9999-99-99T99:99:99.999Z');
