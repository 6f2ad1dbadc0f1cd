-- Jifen ledger, migration 0005: households' cards (扫码积分). Frozen once shipped.
--
-- A household's card — a QR code on its door card and statements — opens a read-only page of that household's points
-- without a login. The card carries a random token; only a slow salted hash of it is kept, here, outside the chain and
-- outside the projections (`rebuild` leaves it alone; the exports never read it). Issuing a card anew replaces the
-- household's row, and the old card stops working. The log itself is unchanged, so this applies to either format.
CREATE TABLE household_cards (
    household       TEXT    NOT NULL PRIMARY KEY, -- the household's code, as in p_households
    hash            TEXT    NOT NULL,             -- bcrypt of the card's token ($2b$10$…); never printed
    issued_at       TEXT    NOT NULL,             -- UTC, ISO 8601
    issued_by       TEXT    NOT NULL              -- the person who issued it
);
