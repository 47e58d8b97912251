-- +goose Up
-- Lists at scale (PostgreSQL twin of sqlite/030; triggers differ in syntax only).

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
CREATE FUNCTION customers_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta BIGINT := 0;
    ws    TEXT;
    lm    BOOLEAN;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.deleted_at IS NULL THEN delta := 1; END IF;
        ws := NEW.workspace_id; lm := NEW.livemode;
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.deleted_at IS NULL THEN delta := -1; END IF;
        ws := OLD.workspace_id; lm := OLD.livemode;
    ELSE
        IF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN delta := -1;
        ELSIF OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL THEN delta := 1;
        END IF;
        ws := NEW.workspace_id; lm := NEW.livemode;
    END IF;
    IF delta <> 0 THEN
        INSERT INTO list_counts (workspace_id, livemode, kind, n) VALUES (ws, lm, 'customers', delta)
        ON CONFLICT (workspace_id, livemode, kind) DO UPDATE SET n = list_counts.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER customers_count_insert AFTER INSERT ON customers FOR EACH ROW EXECUTE FUNCTION customers_count();
CREATE TRIGGER customers_count_update AFTER UPDATE OF deleted_at ON customers FOR EACH ROW EXECUTE FUNCTION customers_count();
CREATE TRIGGER customers_count_delete AFTER DELETE ON customers FOR EACH ROW EXECUTE FUNCTION customers_count();

-- +goose Down
DROP TRIGGER customers_count_delete ON customers;
DROP TRIGGER customers_count_update ON customers;
DROP TRIGGER customers_count_insert ON customers;
DROP FUNCTION customers_count();
DROP TABLE list_counts;
DROP INDEX customers_live;
