-- +goose Up
-- Payments by card (issue 12): before retrying a card the engine reads the
-- failures that opened other payments on the same card, so a never-retry
-- answer Stripe gave for one invoice (stolen_card, …) also stops retries of
-- the customer's — or another customer's — other invoices on that card. The
-- same in both databases.
CREATE INDEX payments_card ON payments (workspace_id, livemode, card_fingerprint, created_at) WHERE card_fingerprint <> '';

-- +goose Down
DROP INDEX payments_card;
