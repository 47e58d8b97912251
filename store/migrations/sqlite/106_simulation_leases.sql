-- +goose Up
-- POST /v1/simulations runs at most one simulation per workspace (issue 14).
-- The lease lives here, not in one process's memory, so the limit holds
-- across every node on the database. expires_at (Unix µs, real time) frees the
-- workspace if a node dies mid-run; the running node renews it. Identical in
-- SQLite and PostgreSQL.
CREATE TABLE simulation_leases (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    holder       TEXT NOT NULL,
    expires_at   BIGINT NOT NULL
);

-- +goose Down
DROP TABLE simulation_leases;
