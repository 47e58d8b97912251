-- +goose Up
-- Live A/B tests of campaigns (experiments). Identical in both databases.

-- arms is JSON [{"campaign", "weight"}]; filters is JSON like a campaign's.
-- At most one experiment runs per workspace and mode (the store checks it).
CREATE TABLE experiments (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    livemode     BOOLEAN NOT NULL,
    name         TEXT NOT NULL,
    status       TEXT NOT NULL, -- running | stopped
    arms         TEXT NOT NULL,
    filters      TEXT NOT NULL DEFAULT '{}',
    started_at   BIGINT NOT NULL,
    stopped_at   BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX experiments_list ON experiments (workspace_id, livemode, created_at DESC, id DESC);
CREATE INDEX experiments_running ON experiments (workspace_id, livemode, status);

-- The arm each customer got, so that a customer's later recoveries get the
-- same one (customer_key: our customer id, else Stripe's, else the invoice).
CREATE TABLE experiment_assignments (
    experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    customer_key  TEXT NOT NULL,
    arm           INTEGER NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (experiment_id, customer_key)
);

-- Every recovery an experiment assigned, with its arm.
CREATE TABLE experiment_recoveries (
    recovery_id   TEXT PRIMARY KEY,
    experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    arm           INTEGER NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX experiment_recoveries_experiment ON experiment_recoveries (experiment_id, arm);

-- +goose Down
DROP TABLE experiment_recoveries;
DROP TABLE experiment_assignments;
DROP TABLE experiments;
