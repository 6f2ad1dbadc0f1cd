-- Jifen county, PostgreSQL migration 0002: which township each village belongs to.
-- Frozen once shipped; later changes go in new files (0003_…).
--
-- A township (乡镇) groups villages: its auditor reads every village of it, and its joint-unit standings rank the
-- units of all its villages together. A village made before this migration, or without one, belongs to none (NULL),
-- and is then read by the county alone. Not part of any chain: the county's own bookkeeping, set when the county
-- adds the village.

ALTER TABLE villages ADD COLUMN township text CHECK (township IS NULL OR (township <> '' AND length(township) <= 64));

CREATE INDEX villages_township ON villages (township, village) WHERE township IS NOT NULL;
