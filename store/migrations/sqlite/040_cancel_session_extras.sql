-- +goose Up
-- Cancel sessions remember when the current offer was presented (pause
-- resumes_at and idempotency keys derive from it), when a discount was first
-- presented (the offer-abuse guard looks back over it even if the customer
-- later picked another reason) and what was applied at the provider.
ALTER TABLE cancel_sessions ADD COLUMN responded_at BIGINT;
ALTER TABLE cancel_sessions ADD COLUMN discount_offered_at BIGINT;
ALTER TABLE cancel_sessions ADD COLUMN applied TEXT;
CREATE INDEX cancel_sessions_discount ON cancel_sessions (workspace_id, livemode, customer, discount_offered_at);

-- +goose Down
DROP INDEX cancel_sessions_discount;
ALTER TABLE cancel_sessions DROP COLUMN applied;
ALTER TABLE cancel_sessions DROP COLUMN discount_offered_at;
ALTER TABLE cancel_sessions DROP COLUMN responded_at;
