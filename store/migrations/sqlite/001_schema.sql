-- +goose Up
-- SQLite twin of postgres/001 (only jobs.id differs: AUTOINCREMENT vs BIGSERIAL).
-- Timestamps are BIGINT Unix microseconds in both databases so one set of
-- queries serves SQLite and PostgreSQL; JSON documents are TEXT for the same reason.

CREATE TABLE workspaces (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    plan                TEXT NOT NULL DEFAULT 'standard',
    trial_ends_at       BIGINT,
    ip_allowlist        TEXT NOT NULL DEFAULT '[]',
    widget_secret_enc   TEXT NOT NULL,
    timezone            TEXT NOT NULL DEFAULT 'UTC',
    is_demo             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);

-- Provider secrets per workspace and mode, encrypted with HOLDFAST_SECRET_KEY.
CREATE TABLE workspace_secrets (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode     BOOLEAN NOT NULL,
    name         TEXT NOT NULL, -- stripe_webhook_secret | stripe_api_key | smtp_url
    value_enc    TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, livemode, name)
);

CREATE TABLE test_clocks (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    offset_us    BIGINT NOT NULL DEFAULT 0,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode      BOOLEAN NOT NULL,
    kind          TEXT NOT NULL, -- secret | publishable
    token_hash    TEXT NOT NULL UNIQUE,
    token_hint    TEXT NOT NULL, -- prefix + last 4, for display only
    name          TEXT NOT NULL DEFAULT '',
    scopes        TEXT NOT NULL DEFAULT '',
    rate_limit    INTEGER,
    expires_at    BIGINT,
    revoked_at    BIGINT,
    rotated_to    TEXT,
    last_used_at  BIGINT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id, created_at);

CREATE TABLE customers (
    id                     TEXT PRIMARY KEY,
    workspace_id           TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode               BOOLEAN NOT NULL,
    provider_id            TEXT NOT NULL,
    email                  TEXT,
    email_lower            TEXT,
    name                   TEXT,
    metadata               TEXT NOT NULL DEFAULT '{}',
    tags                   TEXT NOT NULL DEFAULT '[]',
    timezone               TEXT NOT NULL DEFAULT '',
    default_payment_method TEXT NOT NULL DEFAULT '',
    card_fingerprint       TEXT NOT NULL DEFAULT '',
    card_brand             TEXT NOT NULL DEFAULT '',
    card_funding           TEXT NOT NULL DEFAULT '',
    card_updated_at        BIGINT,
    deleted_at             BIGINT,
    provider_updated_at    BIGINT NOT NULL DEFAULT 0,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL,
    UNIQUE (workspace_id, livemode, provider_id)
);
CREATE INDEX customers_list ON customers (workspace_id, livemode, created_at DESC, id DESC);
CREATE INDEX customers_email ON customers (workspace_id, livemode, email_lower, created_at DESC, id DESC);

CREATE TABLE customer_tags (
    customer_id  TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    tag          TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    livemode     BOOLEAN NOT NULL,
    created_at   BIGINT NOT NULL, -- the customer's created_at, for ordered tag lists
    PRIMARY KEY (customer_id, tag)
);
CREATE INDEX customer_tags_list ON customer_tags (workspace_id, livemode, tag, created_at DESC, customer_id DESC);

CREATE TABLE subscriptions (
    id                     TEXT PRIMARY KEY,
    workspace_id           TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode               BOOLEAN NOT NULL,
    provider_id            TEXT NOT NULL,
    customer_id            TEXT,
    provider_customer_id   TEXT NOT NULL DEFAULT '',
    status                 TEXT NOT NULL DEFAULT '',
    price_id               TEXT NOT NULL DEFAULT '',
    product_id             TEXT NOT NULL DEFAULT '',
    amount                 BIGINT NOT NULL DEFAULT 0,
    currency               TEXT NOT NULL DEFAULT '',
    billing_interval       TEXT NOT NULL DEFAULT '',
    current_period_end     BIGINT,
    cancel_at_period_end   BOOLEAN NOT NULL DEFAULT FALSE,
    canceled_at            BIGINT,
    pause_collection       TEXT,
    discount               TEXT,
    default_payment_method TEXT NOT NULL DEFAULT '',
    provider_updated_at    BIGINT NOT NULL DEFAULT 0,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL,
    UNIQUE (workspace_id, livemode, provider_id)
);
CREATE INDEX subscriptions_customer ON subscriptions (customer_id, created_at DESC);
CREATE INDEX subscriptions_provider_customer ON subscriptions (workspace_id, livemode, provider_customer_id);

CREATE TABLE campaigns (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode      BOOLEAN NOT NULL,
    name          TEXT NOT NULL,
    is_default    BOOLEAN NOT NULL DEFAULT FALSE,
    priority      INTEGER NOT NULL DEFAULT 0,
    steps         TEXT NOT NULL DEFAULT '[]',
    max_retries   INTEGER NOT NULL DEFAULT 8,
    smart_retries BOOLEAN NOT NULL DEFAULT TRUE,
    filters       TEXT NOT NULL DEFAULT '{}',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX campaigns_list ON campaigns (workspace_id, livemode, created_at DESC, id DESC);

CREATE TABLE payments (
    id                   TEXT PRIMARY KEY,
    workspace_id         TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode             BOOLEAN NOT NULL,
    customer_id          TEXT,
    provider_customer_id TEXT NOT NULL DEFAULT '',
    subscription         TEXT NOT NULL DEFAULT '',
    invoice              TEXT NOT NULL,
    payment_intent       TEXT NOT NULL DEFAULT '',
    charge               TEXT NOT NULL DEFAULT '',
    amount               BIGINT NOT NULL,
    currency             TEXT NOT NULL,
    status               TEXT NOT NULL, -- pending | recovered | failed | canceled
    decline_code         TEXT NOT NULL DEFAULT '',
    failure_code         TEXT NOT NULL DEFAULT '',
    advice_code          TEXT NOT NULL DEFAULT '',
    network_advice_code  TEXT NOT NULL DEFAULT '',
    failure_message      TEXT NOT NULL DEFAULT '',
    card_fingerprint     TEXT NOT NULL DEFAULT '',
    card_brand           TEXT NOT NULL DEFAULT '',
    card_funding         TEXT NOT NULL DEFAULT '',
    payment_method       TEXT NOT NULL DEFAULT '',
    hosted_invoice_url   TEXT NOT NULL DEFAULT '',
    attempt_count        INTEGER NOT NULL DEFAULT 0,
    next_retry_at        BIGINT,
    recovery_id          TEXT,
    provider_updated_at  BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    UNIQUE (workspace_id, livemode, invoice)
);
CREATE INDEX payments_list ON payments (workspace_id, livemode, created_at DESC, id DESC);
CREATE INDEX payments_status ON payments (workspace_id, livemode, status, created_at DESC, id DESC);
CREATE INDEX payments_customer ON payments (workspace_id, livemode, customer_id, created_at DESC, id DESC);

CREATE TABLE recoveries (
    id                  TEXT PRIMARY KEY,
    workspace_id        TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode            BOOLEAN NOT NULL,
    payment_id          TEXT NOT NULL REFERENCES payments(id),
    customer_id         TEXT,
    campaign_id         TEXT NOT NULL,
    status              TEXT NOT NULL, -- in_flight | recovered | lost | abandoned
    amount              BIGINT NOT NULL,
    currency            TEXT NOT NULL,
    step_index          INTEGER NOT NULL DEFAULT 0,
    retries_used        INTEGER NOT NULL DEFAULT 0,
    emails_sent         INTEGER NOT NULL DEFAULT 0,
    awaiting_card       BOOLEAN NOT NULL DEFAULT FALSE,
    recovered_by        TEXT NOT NULL DEFAULT '',
    started_at          BIGINT NOT NULL,
    ended_at            BIGINT,
    next_action_at      BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX recoveries_list ON recoveries (workspace_id, livemode, created_at DESC, id DESC);
CREATE INDEX recoveries_status ON recoveries (workspace_id, livemode, status, created_at DESC, id DESC);
CREATE INDEX recoveries_customer ON recoveries (customer_id, created_at DESC);
CREATE INDEX recoveries_campaign ON recoveries (campaign_id, status);
CREATE INDEX recoveries_started ON recoveries (workspace_id, livemode, started_at);

CREATE TABLE payment_attempts (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL,
    livemode         BOOLEAN NOT NULL,
    payment_id       TEXT NOT NULL REFERENCES payments(id),
    recovery_id      TEXT,
    customer_id      TEXT,
    initiator        TEXT NOT NULL, -- schedule | manual | card_update
    state            TEXT NOT NULL DEFAULT 'done', -- started (provider call may be in flight) | done
    outcome          TEXT NOT NULL DEFAULT '', -- succeeded | failed | refused
    decline_code     TEXT NOT NULL DEFAULT '',
    failure_code     TEXT NOT NULL DEFAULT '',
    advice_code      TEXT NOT NULL DEFAULT '',
    network_advice_code TEXT NOT NULL DEFAULT '',
    failure_message  TEXT NOT NULL DEFAULT '',
    card_fingerprint TEXT NOT NULL DEFAULT '',
    card_brand       TEXT NOT NULL DEFAULT '',
    idempotency_key  TEXT NOT NULL UNIQUE,
    created_at       BIGINT NOT NULL,
    completed_at     BIGINT
);
CREATE INDEX payment_attempts_payment ON payment_attempts (payment_id, created_at);
CREATE INDEX payment_attempts_card ON payment_attempts (workspace_id, card_fingerprint, created_at);
CREATE INDEX payment_attempts_customer ON payment_attempts (customer_id, created_at);

CREATE TABLE dunning_sends (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    livemode     BOOLEAN NOT NULL,
    recovery_id  TEXT NOT NULL REFERENCES recoveries(id),
    payment_id   TEXT NOT NULL,
    customer_id  TEXT,
    channel      TEXT NOT NULL DEFAULT 'email',
    to_addr      TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL DEFAULT '',
    body_text    TEXT NOT NULL DEFAULT '',
    body_html    TEXT NOT NULL DEFAULT '',
    template     TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL, -- queued | sent | failed
    error        TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    sent_at      BIGINT,
    clicked_at   BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX dunning_sends_recovery ON dunning_sends (recovery_id, created_at);

CREATE TABLE cancel_flows (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode     BOOLEAN NOT NULL,
    config       TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, livemode)
);

CREATE TABLE cancel_sessions (
    id                   TEXT PRIMARY KEY,
    workspace_id         TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode             BOOLEAN NOT NULL,
    customer_id          TEXT,
    customer             TEXT NOT NULL, -- Stripe customer id
    subscription         TEXT NOT NULL, -- Stripe subscription id
    status               TEXT NOT NULL, -- in_progress | completed
    outcome              TEXT,
    reason               TEXT,
    feedback             TEXT,
    offer                TEXT,
    accepted_offer       TEXT,
    expires_at           BIGINT NOT NULL,
    completed_at         BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    -- created_at is unique per workspace and mode so an RFC 3339 cursor with
    -- microseconds addresses exactly one position in the list.
    UNIQUE (workspace_id, livemode, created_at)
);
CREATE INDEX cancel_sessions_outcome ON cancel_sessions (workspace_id, livemode, outcome, created_at DESC);
CREATE INDEX cancel_sessions_customer ON cancel_sessions (workspace_id, livemode, customer, created_at DESC);
CREATE INDEX cancel_sessions_open ON cancel_sessions (status, expires_at);

CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode        BOOLEAN NOT NULL,
    url             TEXT NOT NULL,
    events          TEXT NOT NULL DEFAULT '["*"]',
    description     TEXT NOT NULL DEFAULT '',
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    secret_enc      TEXT NOT NULL,
    disabled_reason TEXT NOT NULL DEFAULT '',
    failing_since   BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_list ON webhook_endpoints (workspace_id, livemode, created_at DESC, id DESC);

CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode     BOOLEAN NOT NULL,
    type         TEXT NOT NULL,
    object_id    TEXT NOT NULL DEFAULT '',
    data         TEXT NOT NULL,
    fanned_out   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT NOT NULL
);
CREATE INDEX events_list ON events (workspace_id, livemode, created_at DESC, id DESC);
CREATE INDEX events_type ON events (workspace_id, livemode, type, created_at DESC, id DESC);
CREATE INDEX events_fanout ON events (fanned_out, created_at);

CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL,
    livemode         BOOLEAN NOT NULL,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL REFERENCES events(id),
    status           TEXT NOT NULL, -- pending | succeeded | failed
    attempt_count    INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT,
    last_status_code INTEGER,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);

CREATE TABLE webhook_delivery_attempts (
    id            TEXT PRIMARY KEY,
    delivery_id   TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    status_code   INTEGER,
    latency_ms    BIGINT NOT NULL DEFAULT 0,
    response_body TEXT NOT NULL DEFAULT '',
    error         TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);
CREATE INDEX webhook_delivery_attempts_delivery ON webhook_delivery_attempts (delivery_id, created_at);

CREATE TABLE idempotency_keys (
    workspace_id  TEXT NOT NULL,
    livemode      BOOLEAN NOT NULL,
    idem_key      TEXT NOT NULL,
    method        TEXT NOT NULL,
    path          TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    state         TEXT NOT NULL, -- in_flight | done
    status_code   INTEGER,
    response_body TEXT,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, livemode, idem_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- Stripe event ids already applied (at-least-once delivery made idempotent).
CREATE TABLE provider_events (
    workspace_id TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    livemode     BOOLEAN NOT NULL,
    type         TEXT NOT NULL,
    created      BIGINT NOT NULL,
    processed_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, event_id)
);

-- Durable scheduled work. run_at is in the mode's clock: real time for live,
-- the workspace test clock for test mode.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id  TEXT NOT NULL,
    livemode      BOOLEAN NOT NULL,
    kind          TEXT NOT NULL,
    ref_id        TEXT NOT NULL,
    dedupe_key    TEXT UNIQUE,
    run_at        BIGINT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    locked_by     TEXT,
    locked_until  BIGINT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (livemode, run_at);
CREATE INDEX jobs_workspace_due ON jobs (workspace_id, livemode, run_at);

-- +goose Down
DROP TABLE jobs;
DROP TABLE provider_events;
DROP TABLE idempotency_keys;
DROP TABLE webhook_delivery_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE events;
DROP TABLE webhook_endpoints;
DROP TABLE cancel_sessions;
DROP TABLE cancel_flows;
DROP TABLE dunning_sends;
DROP TABLE payment_attempts;
DROP TABLE recoveries;
DROP TABLE payments;
DROP TABLE campaigns;
DROP TABLE subscriptions;
DROP TABLE customer_tags;
DROP TABLE customers;
DROP TABLE api_keys;
DROP TABLE test_clocks;
DROP TABLE workspace_secrets;
DROP TABLE workspaces;
