-- +goose Up
-- Dashboard users, their browser sessions and the login throttle. Identical
-- in both databases (no dialect-specific types are needed).

-- A user belongs to one workspace. email_lower is unique installation-wide
-- because the sign-in form asks only for email and password. password_hash
-- is '' until the one-time set-password link (setup_token_hash) is used.
CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    email            TEXT NOT NULL,
    email_lower      TEXT NOT NULL UNIQUE,
    password_hash    TEXT NOT NULL DEFAULT '',
    setup_token_hash TEXT UNIQUE,
    setup_expires_at BIGINT,
    last_login_at    BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX users_workspace ON users (workspace_id, created_at);

-- Only a hash of the session cookie is stored. The CSRF token is bound to the
-- session; livemode is the dashboard's live/test switch for this browser.
CREATE TABLE dashboard_sessions (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    livemode     BOOLEAN NOT NULL DEFAULT FALSE,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX dashboard_sessions_user ON dashboard_sessions (user_id);
CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);

-- Failed sign-ins per throttle key ("email:<address>" or "ip:<address>"):
-- the count since the streak began, the last failure, and a lock.
CREATE TABLE login_attempts (
    throttle_key    TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL DEFAULT 0,
    last_failure_at BIGINT NOT NULL,
    locked_until    BIGINT,
    updated_at      BIGINT NOT NULL
);

-- +goose Down
DROP TABLE login_attempts;
DROP TABLE dashboard_sessions;
DROP TABLE users;
