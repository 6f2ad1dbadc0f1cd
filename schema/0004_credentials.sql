-- Jifen ledger, migration 0004: passwords. Frozen once shipped.
--
-- The chain records that a password was set, for whom and by whom (v1.passwordSet); the secret's slow salted hash
-- lives only here, outside the chain and outside the projections: `rebuild` never drops these tables, `verify` and
-- the audit export never read them. The log itself is unchanged, so this applies to either stored format.

-- Since when each person has a password (the business date of their latest v1.passwordSet), folded like the rest.
ALTER TABLE p_actors ADD COLUMN password_since TEXT;

-- Each person's current password, as bcrypt's modular crypt text ($2b$10$…): replaced when it is set again.
CREATE TABLE credentials (
    actor           TEXT    NOT NULL PRIMARY KEY, -- the person's name, as in p_actors
    hash            TEXT    NOT NULL,             -- bcrypt, cost 10 or more; never printed
    set_at          TEXT    NOT NULL,             -- recorded_at of the v1.passwordSet that set it
    set_seq         INTEGER NOT NULL              -- and its seq
);

-- Wrong passwords, by the name typed (which may be no one's): more than a few within a window refuse the name for a
-- while (PasswordRule). Old rows are dropped as new ones are written.
CREATE TABLE login_failures (
    actor           TEXT    NOT NULL,
    failed_at       REAL    NOT NULL              -- seconds since 1970-01-01 UTC
);
CREATE INDEX login_failures_actor ON login_failures (actor, failed_at);
