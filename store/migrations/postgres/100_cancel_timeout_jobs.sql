-- +goose Up
-- Cancel-session timeouts are jobs (kind cancel_session_timeout, one per
-- session by dedupe key, due at expires_at in the mode's clock) instead of a
-- sweep: give every session still in progress its job. Identical in both
-- databases.
INSERT INTO jobs (workspace_id, livemode, kind, ref_id, dedupe_key, run_at, attempts, last_error, created_at)
SELECT workspace_id, livemode, 'cancel_session_timeout', id, 'cancel_session_timeout:' || id, expires_at, 0, '', created_at
FROM cancel_sessions WHERE status = 'in_progress'
ON CONFLICT (dedupe_key) DO NOTHING;

-- +goose Down
DELETE FROM jobs WHERE kind = 'cancel_session_timeout';
