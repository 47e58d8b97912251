package store_test

import (
	"context"
	"database/sql"
	"os"
	"slices"
	"strings"
	"testing"

	"holdfast/store"
	"holdfast/store/storetest"
)

// TestMigrationsSameSchema migrates a real SQLite database and a real
// PostgreSQL schema and compares what they ended up with: the same tables,
// the same columns (and which may be NULL), the same indexes on the same
// columns with the same uniqueness. Types differ by design (INTEGER vs
// BIGINT, TEXT vs JSON) and are not compared.
func TestMigrationsSameSchema(t *testing.T) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		if os.Getenv("HOLDFAST_REQUIRE_POSTGRES") != "" {
			t.Fatalf("HOLDFAST_REQUIRE_POSTGRES is set but %s is empty", storetest.PostgresEnv)
		}
		t.Skipf("%s not set; the schema comparison needs PostgreSQL", storetest.PostgresEnv)
	}
	lite := describeSQLite(t, storetest.Open(t, "sqlite"))
	pg := describePostgres(t, storetest.Open(t, "postgres"))
	if len(lite) < 10 {
		t.Fatalf("SQLite schema has only %d entries: introspection is broken", len(lite))
	}
	t.Logf("%d entries; %d index lines: %q", len(lite), countPrefix(lite, "index "), lite[:3])
	for _, e := range lite {
		if !slices.Contains(pg, e) {
			t.Errorf("only in SQLite: %s", e)
		}
	}
	for _, e := range pg {
		if !slices.Contains(lite, e) {
			t.Errorf("only in PostgreSQL: %s", e)
		}
	}
}

// The schema is described as sorted lines:
//
//	table T
//	column T.C null|not null
//	index T.I unique? (C1, C2)

func describeSQLite(t *testing.T, s *store.Store) []string {
	ctx := context.Background()
	db := s.DB()
	tables := queryStrings(t, db.QueryContext, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'`)
	var out []string
	for _, tbl := range tables {
		out = append(out, "table "+tbl)
		rows, err := db.QueryContext(ctx, `SELECT name, "notnull", pk FROM pragma_table_info(?)`, tbl)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name string
			var notNull, pk int
			if err := rows.Scan(&name, &notNull, &pk); err != nil {
				t.Fatal(err)
			}
			// PostgreSQL makes primary-key columns NOT NULL; SQLite only
			// does for INTEGER PRIMARY KEY, and every key here is filled.
			out = append(out, column(tbl, name, notNull == 1 || pk > 0))
		}
		rows.Close()
		// Explicit indexes only (sql is NULL for the ones behind PRIMARY KEY
		// and UNIQUE constraints, which PostgreSQL also creates implicitly).
		idx, err := db.QueryContext(ctx, `SELECT il.name, il."unique" FROM pragma_index_list(?) il
			JOIN sqlite_master m ON m.type = 'index' AND m.name = il.name WHERE m.sql IS NOT NULL`, tbl)
		if err != nil {
			t.Fatal(err)
		}
		type ix struct {
			name   string
			unique bool
		}
		var ixs []ix
		for idx.Next() {
			var i ix
			if err := idx.Scan(&i.name, &i.unique); err != nil {
				t.Fatal(err)
			}
			ixs = append(ixs, i)
		}
		idx.Close()
		for _, i := range ixs {
			cols := queryStrings(t, db.QueryContext, `SELECT COALESCE(name, '<expr>') FROM pragma_index_info(?) ORDER BY seqno`, i.name)
			out = append(out, index(tbl, i.name, i.unique, cols))
		}
	}
	slices.Sort(out)
	return out
}

func describePostgres(t *testing.T, s *store.Store) []string {
	ctx := context.Background()
	db := s.DB()
	tables := queryStrings(t, db.QueryContext, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'goose_db_version'`)
	var out []string
	for _, tbl := range tables {
		out = append(out, "table "+tbl)
		rows, err := db.QueryContext(ctx, `SELECT column_name, is_nullable FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1`, tbl)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, nullable string
			if err := rows.Scan(&name, &nullable); err != nil {
				t.Fatal(err)
			}
			out = append(out, column(tbl, name, nullable == "NO"))
		}
		rows.Close()
	}
	// Explicit indexes: those not created for a PRIMARY KEY or UNIQUE constraint.
	rows, err := db.QueryContext(ctx, `SELECT t.relname, i.relname, x.indisunique,
			COALESCE(a.attname, '<expr>')
		FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_class t ON t.oid = x.indrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
		CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
		LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0
		WHERE NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u'))
		  AND t.relname <> 'goose_db_version'
		ORDER BY t.relname, i.relname, k.ord`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type key struct{ tbl, name string }
	var order []key
	cols := map[key][]string{}
	uniq := map[key]bool{}
	for rows.Next() {
		var k key
		var unique bool
		var col string
		if err := rows.Scan(&k.tbl, &k.name, &unique, &col); err != nil {
			t.Fatal(err)
		}
		if _, ok := cols[k]; !ok {
			order = append(order, k)
		}
		cols[k] = append(cols[k], col)
		uniq[k] = unique
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, k := range order {
		out = append(out, index(k.tbl, k.name, uniq[k], cols[k]))
	}
	slices.Sort(out)
	return out
}

func column(tbl, name string, notNull bool) string {
	if notNull {
		return "column " + tbl + "." + name + " not null"
	}
	return "column " + tbl + "." + name + " null"
}

func index(tbl, name string, unique bool, cols []string) string {
	u := ""
	if unique {
		u = " unique"
	}
	return "index " + tbl + "." + name + u + " (" + strings.Join(cols, ", ") + ")"
}

func queryStrings(t *testing.T, query func(ctx context.Context, q string, args ...any) (*sql.Rows, error), q string, args ...any) []string {
	t.Helper()
	rows, err := query(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func countPrefix(ss []string, p string) int {
	n := 0
	for _, s := range ss {
		if strings.HasPrefix(s, p) {
			n++
		}
	}
	return n
}
