-- +goose Up
-- Delivery leases: a worker claims a due delivery by setting lease (a random
-- token) and locked_until (real time, Unix µs). Another worker or process may
-- take it over only after locked_until has passed, and recording an attempt
-- checks the lease, so one attempt is never sent by two workers at once. On
-- PostgreSQL the claim also uses FOR UPDATE SKIP LOCKED; on SQLite the single
-- writer serializes claims.
ALTER TABLE webhook_deliveries ADD COLUMN lease TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN locked_until BIGINT;
-- Due deliveries are found by (status, mode, next_attempt_at). A pending
-- delivery of a disabled endpoint has next_attempt_at NULL ("paused"), so it
-- drops out of this index until the endpoint is enabled again.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, livemode, next_attempt_at);

-- +goose Down
DROP INDEX webhook_deliveries_due;
ALTER TABLE webhook_deliveries DROP COLUMN locked_until;
ALTER TABLE webhook_deliveries DROP COLUMN lease;
