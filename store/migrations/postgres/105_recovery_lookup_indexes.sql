-- +goose Up
-- Every card update and every subscription end looks up the customer's (or
-- subscription's) in-flight recoveries. recoveries_inflight lacked the sort
-- columns, so SQLite's planner preferred recoveries_status and walked every
-- in-flight recovery of the workspace; payments had no subscription index at
-- all. Found by profiling `holdfast simulate` (issue 14), where the cost grew
-- with the square of the payments.
DROP INDEX recoveries_inflight;
CREATE INDEX recoveries_inflight ON recoveries (workspace_id, livemode, status, customer_id, created_at, id);
CREATE INDEX payments_subscription ON payments (workspace_id, livemode, subscription);

-- +goose Down
DROP INDEX payments_subscription;
DROP INDEX recoveries_inflight;
CREATE INDEX recoveries_inflight ON recoveries (workspace_id, livemode, status, customer_id);
