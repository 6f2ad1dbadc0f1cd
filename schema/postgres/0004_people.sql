-- Jifen county, PostgreSQL migration 0004: the people who log in to the county's server, and their passwords.
-- Frozen once shipped; later changes go in new files (0005_…).
--
-- Passwords are kept only as bcrypt hashes, outside every chain, as in a village's SQLite file
-- (schema/0004_credentials.sql): a village's chain records that a person's password was set (v1.passwordSet), for whom
-- and by whom; the hash lives here alone. Neither table is read by any export, and jifen never logs what they hold.

-- A village's people: each one's current password, as bcrypt's modular crypt text ($2b$10$…), replaced when set again.
CREATE TABLE credentials (
    village     text    NOT NULL REFERENCES villages (village),
    actor       text    NOT NULL,             -- the person's name, as in the village's register
    hash        text    NOT NULL,             -- bcrypt, cost 10 or more; never printed
    set_at      text    NOT NULL,             -- recorded_at of the v1.passwordSet that set it
    set_seq     bigint  NOT NULL,             -- and its seq in the village's chain
    PRIMARY KEY (village, actor)
);

-- The county's own people, who belong to no village: the county's administrator (who adds villages and reads every
-- one), and a township's auditor (who reads every village of the township). Neither writes a village's books.
CREATE TABLE county_people (
    name        text        PRIMARY KEY,
    role        text        NOT NULL CHECK (role IN ('administrator', 'auditor')),
    township    text,                         -- the auditor's township (villages.township); none for the administrator
    hash        text        NOT NULL,         -- bcrypt, cost 10 or more; never printed
    active      boolean     NOT NULL DEFAULT true,
    mark        bigint      NOT NULL DEFAULT 1, -- moves on whenever the password is set anew: sessions opened before end
    set_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (name <> '' AND length(name) <= 64),
    CHECK ((role = 'auditor') = (township IS NOT NULL))
);

-- Wrong passwords, by the name typed (which may be no one's) and where: a village's code, or '' for the county's own
-- people. More than a few within a window refuse the name for a while (PasswordRule). Old rows go as new ones come.
CREATE TABLE login_failures (
    village     text             NOT NULL,
    actor       text             NOT NULL,
    failed_at   double precision NOT NULL     -- seconds since 1970-01-01 UTC
);
CREATE INDEX login_failures_actor ON login_failures (village, actor, failed_at);
