-- +goose Up
-- Views and clicks of the in-app payment notice (widget
-- Holdfast.paymentNotice, issue 15). Identical in SQLite and PostgreSQL.
-- recovery_id is the oldest in-flight recovery the notice was about (empty
-- for an expiring card); a recovery that ends recovered after a click on its
-- notice is credited to the notice (recovered_by in_app_notice).
CREATE TABLE customer_notice_events (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode     BOOLEAN NOT NULL,
    customer_id  TEXT NOT NULL,
    action       TEXT NOT NULL,
    state        TEXT NOT NULL,
    style        TEXT NOT NULL DEFAULT '',
    payment_id   TEXT NOT NULL DEFAULT '',
    recovery_id  TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX customer_notice_events_list ON customer_notice_events (workspace_id, livemode, created_at);
CREATE INDEX customer_notice_events_recovery ON customer_notice_events (recovery_id, action);
CREATE INDEX customer_notice_events_customer ON customer_notice_events (customer_id, created_at);

-- +goose Down
DROP TABLE customer_notice_events;
