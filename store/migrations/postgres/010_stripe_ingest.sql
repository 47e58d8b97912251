-- +goose Up
-- Stripe ingestion memory (identical in SQLite and PostgreSQL).

-- The latest known state of every Stripe invoice an event mentioned, so an
-- older event never overrides a newer outcome: an invoice.payment_failed
-- delivered after the invoice.paid that followed it must not open a recovery.
-- status_at is the Stripe event's `created` in Unix microseconds.
CREATE TABLE stripe_invoices (
    workspace_id TEXT NOT NULL,
    livemode     BOOLEAN NOT NULL,
    invoice      TEXT NOT NULL,
    status       TEXT NOT NULL, -- failed | paid | void | uncollectible
    status_at    BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, livemode, invoice)
);

-- Decline details from charge.failed / payment_intent.payment_failed kept
-- under every id that names the failed payment (pi_…, ch_…, in_…), so they
-- reach the payment whichever event arrives first.
CREATE TABLE stripe_declines (
    workspace_id TEXT NOT NULL,
    livemode     BOOLEAN NOT NULL,
    ref          TEXT NOT NULL,
    detail       TEXT NOT NULL, -- JSON {"decline": holdfast.Decline, "card": holdfast.Card}
    provider_at  BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, livemode, ref)
);

-- +goose Down
DROP TABLE stripe_declines;
DROP TABLE stripe_invoices;
