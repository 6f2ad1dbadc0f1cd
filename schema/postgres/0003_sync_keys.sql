-- Jifen county, PostgreSQL migration 0003: what the county keeps beside the chains for its villages' sync.
-- Frozen once shipped; later changes go in new files (0004_…).
--
-- The county witnesses its villages' chains: each village pushes its events with a sync key of its own, the county
-- administrator lists the villages with a token, and the county signs each receipt with its key (Ed25519). As in a
-- county folder's county.json, the database keeps the county's public key and only the slow salted hashes (bcrypt)
-- of the token and of each village's key: never a secret in clear, and never the private key, which stays in the
-- file the server is started with. Not part of any chain.

-- The county itself: one row, made by `jifen county init --postgres`.
CREATE TABLE county (
    one              boolean     PRIMARY KEY DEFAULT true CHECK (one),
    public_key       text        NOT NULL CHECK (public_key ~ '^[A-Za-z0-9+/]{43}=$'),
    admin_token_hash text        NOT NULL CHECK (admin_token_hash ~ '^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$'),
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- Each village's sync key, set when the county adds the village (a village without one cannot push).
CREATE TABLE sync_keys (
    village       text        PRIMARY KEY REFERENCES villages (village),
    sync_key_hash text        NOT NULL CHECK (sync_key_hash ~ '^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$'),
    added_at      timestamptz NOT NULL DEFAULT now()
);
