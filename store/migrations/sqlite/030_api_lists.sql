-- +goose Up
-- Lists at scale (SQLite twin of postgres/030; the triggers differ in syntax only).

-- The customer list shows live customers only. A partial index lets the
-- list and its deep pages walk live customers alone; deleted_at as a last
-- column makes the index covering, so a ranged COUNT never reads the table.
CREATE INDEX customers_live ON customers (workspace_id, livemode, created_at DESC, id DESC, deleted_at) WHERE deleted_at IS NULL;

-- Exact list totals without COUNT(*): at a million customers a COUNT walks a
-- million index entries (~100 ms), a hundred times the page itself. Triggers
-- append +1/-1 rows to list_count_deltas (inserts only: no row is ever
-- contended, so concurrent writers neither queue nor deadlock); readers add
-- the folded total in list_counts to the pending deltas and fold them into
-- it now and then (store/counter.go). Kinds: customers (live customers),
-- tag:<tag> (live customers with the tag), payments, payments:<status>.
-- No foreign keys: a workspace's cascade delete fires the delete triggers.
CREATE TABLE list_counts (
    workspace_id TEXT NOT NULL,
    livemode     BOOLEAN NOT NULL,
    kind         TEXT NOT NULL,
    n            BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, livemode, kind)
);
CREATE TABLE list_count_deltas (
    workspace_id TEXT NOT NULL,
    livemode     BOOLEAN NOT NULL,
    kind         TEXT NOT NULL,
    delta        BIGINT NOT NULL
);
CREATE INDEX list_count_deltas_kind ON list_count_deltas (workspace_id, livemode, kind);

INSERT INTO list_counts (workspace_id, livemode, kind, n)
SELECT workspace_id, livemode, 'customers', COUNT(*) FROM customers WHERE deleted_at IS NULL GROUP BY workspace_id, livemode;
INSERT INTO list_counts (workspace_id, livemode, kind, n)
SELECT workspace_id, livemode, 'tag:' || tag, COUNT(*) FROM customer_tags GROUP BY workspace_id, livemode, tag;
INSERT INTO list_counts (workspace_id, livemode, kind, n)
SELECT workspace_id, livemode, 'payments', COUNT(*) FROM payments GROUP BY workspace_id, livemode;
INSERT INTO list_counts (workspace_id, livemode, kind, n)
SELECT workspace_id, livemode, 'payments:' || status, COUNT(*) FROM payments GROUP BY workspace_id, livemode, status;

-- +goose StatementBegin
CREATE TRIGGER customers_count_insert AFTER INSERT ON customers WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO list_count_deltas VALUES (NEW.workspace_id, NEW.livemode, 'customers', 1);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER customers_count_update AFTER UPDATE OF deleted_at ON customers
WHEN (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    INSERT INTO list_count_deltas VALUES (NEW.workspace_id, NEW.livemode, 'customers', CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER customers_count_delete AFTER DELETE ON customers WHEN OLD.deleted_at IS NULL
BEGIN
    INSERT INTO list_count_deltas VALUES (OLD.workspace_id, OLD.livemode, 'customers', -1);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER customer_tags_count_insert AFTER INSERT ON customer_tags
BEGIN
    INSERT INTO list_count_deltas VALUES (NEW.workspace_id, NEW.livemode, 'tag:' || NEW.tag, 1);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER customer_tags_count_delete AFTER DELETE ON customer_tags
BEGIN
    INSERT INTO list_count_deltas VALUES (OLD.workspace_id, OLD.livemode, 'tag:' || OLD.tag, -1);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER payments_count_insert AFTER INSERT ON payments
BEGIN
    INSERT INTO list_count_deltas VALUES (NEW.workspace_id, NEW.livemode, 'payments', 1);
    INSERT INTO list_count_deltas VALUES (NEW.workspace_id, NEW.livemode, 'payments:' || NEW.status, 1);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER payments_count_update AFTER UPDATE OF status ON payments WHEN OLD.status <> NEW.status
BEGIN
    INSERT INTO list_count_deltas VALUES (OLD.workspace_id, OLD.livemode, 'payments:' || OLD.status, -1);
    INSERT INTO list_count_deltas VALUES (NEW.workspace_id, NEW.livemode, 'payments:' || NEW.status, 1);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER payments_count_delete AFTER DELETE ON payments
BEGIN
    INSERT INTO list_count_deltas VALUES (OLD.workspace_id, OLD.livemode, 'payments', -1);
    INSERT INTO list_count_deltas VALUES (OLD.workspace_id, OLD.livemode, 'payments:' || OLD.status, -1);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER payments_count_delete;
DROP TRIGGER payments_count_update;
DROP TRIGGER payments_count_insert;
DROP TRIGGER customer_tags_count_delete;
DROP TRIGGER customer_tags_count_insert;
DROP TRIGGER customers_count_delete;
DROP TRIGGER customers_count_update;
DROP TRIGGER customers_count_insert;
DROP TABLE list_count_deltas;
DROP TABLE list_counts;
DROP INDEX customers_live;
