-- +goose Up
-- Expiring-card notices (issue 15). Identical in SQLite and PostgreSQL.

-- One configuration per workspace and mode; no row means the defaults
-- (off in live mode, on in test mode, days_before [30, 7], built-in email).
CREATE TABLE card_expiry_settings (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode     BOOLEAN NOT NULL,
    enabled      BOOLEAN NOT NULL,
    days_before  TEXT NOT NULL DEFAULT '[30,7]',
    subject      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, livemode)
);

-- One notice per customer, card and threshold: the unique key is what makes
-- "once per card and threshold" hold however often the plan runs. card_key
-- names the card with its expiry (payment method or fingerprint + month), so
-- an automatically updated card is a new card. outcome is set on every sent
-- notice of a card once it is settled: updated (replaced or auto-updated
-- before it expired) or expired (it expired unchanged).
CREATE TABLE card_expiry_notices (
    id             TEXT PRIMARY KEY,
    workspace_id   TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode       BOOLEAN NOT NULL,
    customer_id    TEXT NOT NULL,
    card_key       TEXT NOT NULL,
    payment_method TEXT NOT NULL DEFAULT '',
    brand          TEXT NOT NULL DEFAULT '',
    last4          TEXT NOT NULL DEFAULT '',
    exp_month      INTEGER NOT NULL,
    exp_year       INTEGER NOT NULL,
    expires_at     BIGINT NOT NULL,
    days_before    INTEGER NOT NULL,
    to_addr        TEXT NOT NULL DEFAULT '',
    subject        TEXT NOT NULL DEFAULT '',
    body_text      TEXT NOT NULL DEFAULT '',
    body_html      TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    error          TEXT NOT NULL DEFAULT '',
    sent_at        BIGINT,
    clicked_at     BIGINT,
    outcome        TEXT NOT NULL DEFAULT '',
    outcome_at     BIGINT,
    created_at     BIGINT NOT NULL,
    UNIQUE (workspace_id, livemode, customer_id, card_key, days_before)
);
CREATE INDEX card_expiry_notices_customer ON card_expiry_notices (customer_id, created_at);
CREATE INDEX card_expiry_notices_sent ON card_expiry_notices (workspace_id, livemode, sent_at);
CREATE INDEX card_expiry_notices_outcome ON card_expiry_notices (workspace_id, livemode, outcome, outcome_at);

-- +goose Down
DROP TABLE card_expiry_notices;
DROP TABLE card_expiry_settings;
