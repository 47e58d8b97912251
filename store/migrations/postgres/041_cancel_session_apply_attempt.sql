-- +goose Up
-- apply_attempt counts provider rejections of a session's outcome. It is part
-- of the idempotency keys: a definite rejection (Stripe 4xx) changed nothing,
-- so the next attempt may send fresh keys (the merchant may have fixed the
-- coupon meanwhile), while an ambiguous failure (timeout, 5xx) keeps the key
-- and Stripe replays instead of applying twice.
ALTER TABLE cancel_sessions ADD COLUMN apply_attempt INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE cancel_sessions DROP COLUMN apply_attempt;
