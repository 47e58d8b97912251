-- +goose Up
-- The customer's default card as Stripe describes it (issue 15): never the
-- number, only what Stripe shows (last4, expiry, brand, funding, fingerprint).
-- Identical in SQLite and PostgreSQL.

-- card_event_at orders default-card changes by the Stripe event's `created`
-- (µs), so a late payment_method.attached cannot replace a newer default.
-- card_expires_at is the first instant (UTC) after the expiry month.
ALTER TABLE customers ADD COLUMN card_last4 TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN card_exp_month INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN card_exp_year INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN card_expires_at BIGINT;
ALTER TABLE customers ADD COLUMN card_event_at BIGINT NOT NULL DEFAULT 0;

-- Every card payment method Stripe told us about, newest snapshot wins
-- (provider_updated_at): a customer.updated that names a default by id finds
-- its details here, and payment_method.updated/automatically_updated events
-- that arrive out of order never roll a card back.
CREATE TABLE payment_methods (
    workspace_id         TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode             BOOLEAN NOT NULL,
    id                   TEXT NOT NULL,
    provider_customer_id TEXT NOT NULL DEFAULT '',
    brand                TEXT NOT NULL DEFAULT '',
    funding              TEXT NOT NULL DEFAULT '',
    last4                TEXT NOT NULL DEFAULT '',
    exp_month            INTEGER NOT NULL DEFAULT 0,
    exp_year             INTEGER NOT NULL DEFAULT 0,
    fingerprint          TEXT NOT NULL DEFAULT '',
    provider_updated_at  BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, livemode, id)
);

-- +goose Down
DROP TABLE payment_methods;
ALTER TABLE customers DROP COLUMN card_event_at;
ALTER TABLE customers DROP COLUMN card_expires_at;
ALTER TABLE customers DROP COLUMN card_exp_year;
ALTER TABLE customers DROP COLUMN card_exp_month;
ALTER TABLE customers DROP COLUMN card_last4;
