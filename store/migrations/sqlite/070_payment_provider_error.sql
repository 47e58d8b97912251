-- +goose Up
-- The latest provider error of a payment's retry (issue 12): a failed call to
-- Stripe that is not a card answer (bad or restricted key, invalid request,
-- rate limit, outage, network failure), as JSON; '' when there is none. The
-- same in both databases. The partial index serves the dashboard's warning
-- ("Stripe refused Holdfast's calls") without scanning every payment.
ALTER TABLE payments ADD COLUMN provider_error TEXT NOT NULL DEFAULT '';
CREATE INDEX payments_provider_error ON payments (workspace_id, livemode, updated_at) WHERE provider_error <> '';

-- +goose Down
DROP INDEX payments_provider_error;
ALTER TABLE payments DROP COLUMN provider_error;
