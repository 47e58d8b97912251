-- +goose Up
-- Lists at scale (SQLite twin of postgres/030; triggers differ in syntax only).

-- The customer list shows live customers only; a partial index lets the list,
-- its deep pages and its count read the index alone instead of checking
-- deleted_at in every table row.
CREATE INDEX customers_live ON customers (workspace_id, livemode, created_at DESC, id DESC) WHERE deleted_at IS NULL;

-- Exact counts kept by triggers so a list's total is one row read instead of
-- a COUNT(*) over up to millions of index entries. One row per workspace,
-- mode and kind; a transaction touches at most one counter row of a kind, so
-- concurrent writers queue on it briefly but cannot deadlock.
-- No foreign key: a workspace's cascade delete fires the delete trigger,
-- which must not trip over the disappearing workspace row.
CREATE TABLE list_counts (
    workspace_id TEXT NOT NULL,
    livemode     BOOLEAN NOT NULL,
    kind         TEXT NOT NULL, -- customers: live (not deleted) customers
    n            BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, livemode, kind)
);

INSERT INTO list_counts (workspace_id, livemode, kind, n)
SELECT workspace_id, livemode, 'customers', COUNT(*) FROM customers WHERE deleted_at IS NULL GROUP BY workspace_id, livemode;

-- +goose StatementBegin
CREATE TRIGGER customers_count_insert AFTER INSERT ON customers WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO list_counts (workspace_id, livemode, kind, n) VALUES (NEW.workspace_id, NEW.livemode, 'customers', 1)
    ON CONFLICT (workspace_id, livemode, kind) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER customers_count_update AFTER UPDATE OF deleted_at ON customers
WHEN (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    INSERT INTO list_counts (workspace_id, livemode, kind, n)
    VALUES (NEW.workspace_id, NEW.livemode, 'customers', CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END)
    ON CONFLICT (workspace_id, livemode, kind) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER customers_count_delete AFTER DELETE ON customers WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE list_counts SET n = n - 1 WHERE workspace_id = OLD.workspace_id AND livemode = OLD.livemode AND kind = 'customers';
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER customers_count_delete;
DROP TRIGGER customers_count_update;
DROP TRIGGER customers_count_insert;
DROP TABLE list_counts;
DROP INDEX customers_live;
