-- +goose Up
-- Recovery engine state (identical in SQLite and PostgreSQL).

-- A recovery runs a snapshot of its campaign (steps, budget, smart retries)
-- taken when it opened, so editing a campaign changes new recoveries only.
-- Email and retry steps advance on two cursors (indexes into the steps), so
-- a retry the smart policy moves later never holds up an email that is due.
ALTER TABLE recoveries ADD COLUMN playbook TEXT NOT NULL DEFAULT '';
ALTER TABLE recoveries ADD COLUMN email_cursor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recoveries ADD COLUMN retry_cursor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recoveries ADD COLUMN card_email_sent BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX recoveries_payment ON recoveries (payment_id);
CREATE INDEX recoveries_inflight ON recoveries (workspace_id, livemode, status, customer_id);

-- Lookups by payment intent and charge (decline reports match on either).
CREATE INDEX payments_intent ON payments (workspace_id, livemode, payment_intent);
CREATE INDEX payments_charge ON payments (workspace_id, livemode, charge);

-- +goose Down
DROP INDEX payments_charge;
DROP INDEX payments_intent;
DROP INDEX recoveries_inflight;
DROP INDEX recoveries_payment;
ALTER TABLE recoveries DROP COLUMN card_email_sent;
ALTER TABLE recoveries DROP COLUMN retry_cursor;
ALTER TABLE recoveries DROP COLUMN email_cursor;
ALTER TABLE recoveries DROP COLUMN playbook;
