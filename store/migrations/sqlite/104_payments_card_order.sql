-- +goose Up
-- The engine reads a card's opening failures on every pass, ordered by
-- (created_at, id). Without id in the index SQLite's planner preferred
-- payments_list (workspace, mode, created_at) and scanned every payment of
-- the workspace since the window's start; with it the card index also gives
-- the order. Queries repeat card_fingerprint <> '' so the partial index applies.
DROP INDEX payments_card;
CREATE INDEX payments_card ON payments (workspace_id, livemode, card_fingerprint, created_at, id) WHERE card_fingerprint <> '';

-- +goose Down
DROP INDEX payments_card;
CREATE INDEX payments_card ON payments (workspace_id, livemode, card_fingerprint, created_at) WHERE card_fingerprint <> '';
