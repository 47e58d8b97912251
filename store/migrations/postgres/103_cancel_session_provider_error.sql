-- +goose Up
-- provider_error keeps the billing provider's full answer (JSON: message,
-- type, code, http_status, request_id, at) to the latest failed attempt to
-- apply a session's outcome, for the merchant; the customer's widget only
-- gets a plain message with the request id.
ALTER TABLE cancel_sessions ADD COLUMN provider_error TEXT;

-- +goose Down
ALTER TABLE cancel_sessions DROP COLUMN provider_error;
