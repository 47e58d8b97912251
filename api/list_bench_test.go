package api_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"holdfast"
	"holdfast/api/apitest"
	"holdfast/store"
	"holdfast/store/storetest"
)

// Benchmarks of the customer lists at scale (go test -run XXX -bench
// Lists ./api/). A workspace with HOLDFAST_BENCH_CUSTOMERS customers
// (default 1,000,000; every third pair shares a created_at, every tenth is
// tagged vip) is generated in SQL on each database, then each case sends
// real HTTP requests and reports p50/p99 latency in milliseconds.

const benchBase = int64(1_767_225_600_000_000) // 2026-01-01T00:00:00Z in µs

func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("HOLDFAST_BENCH_CUSTOMERS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// benchCustomerID and benchCreated describe customer x (1..n); the newest
// (x = n) is first in every newest-first list.
func benchCustomerID(x int) string { return fmt.Sprintf("cus_%024d", x) }
func benchCreated(x int) int64     { return benchBase + int64(x/3)*1_000_000 }
func benchCursorAfter(x int) string {
	return store.EncodeCursor(store.Cursor{CreatedAt: benchCreated(x), ID: benchCustomerID(x)})
}
func benchPositionToX(n, p int) int { return n - p } // 0-based position in the list → x
func benchEmail(x int) string       { return fmt.Sprintf("User%d@Example.com", x) }
func benchPages(from, to int) []int {
	out := []int{}
	for p := from; p <= to; p++ {
		out = append(out, p)
	}
	return out
}

// generateCustomers bulk-loads n customers into a workspace and mode.
func generateCustomers(b *testing.B, e *apitest.Env, wsID string, n int) {
	b.Helper()
	ctx := context.Background()
	db := e.Store.DB()
	start := time.Now()
	var err error
	switch e.Store.Dialect() {
	case store.SQLite:
		_, err = db.ExecContext(ctx, `WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < ?)
			INSERT INTO customers (id, workspace_id, livemode, provider_id, email, email_lower, name, metadata, tags, created_at, updated_at)
			SELECT printf('cus_%024d', x), ?, 0, printf('cus_bench%020d', x), printf('User%d@Example.com', x), printf('user%d@example.com', x),
				printf('User %d', x), '{"plan":"pro"}', CASE WHEN x % 10 = 0 THEN '["vip"]' ELSE '[]' END, ? + (x / 3) * 1000000, ?
			FROM seq`, n, wsID, benchBase, benchBase)
	default:
		_, err = db.ExecContext(ctx, `INSERT INTO customers (id, workspace_id, livemode, provider_id, email, email_lower, name, metadata, tags, created_at, updated_at)
			SELECT 'cus_' || lpad(x::text, 24, '0'), $1, false, 'cus_bench' || lpad(x::text, 20, '0'), 'User' || x || '@Example.com',
				'user' || x || '@example.com', 'User ' || x, '{"plan":"pro"}', CASE WHEN x % 10 = 0 THEN '["vip"]' ELSE '[]' END,
				$2::bigint + (x / 3)::bigint * 1000000, $2::bigint
			FROM generate_series(1, $3::int) AS x`, wsID, benchBase, n)
	}
	if err != nil {
		b.Fatal(err)
	}
	tagSQL := `INSERT INTO customer_tags (customer_id, tag, workspace_id, livemode, created_at)
		SELECT id, 'vip', workspace_id, livemode, created_at FROM customers WHERE workspace_id = ? AND tags = '["vip"]'`
	analyze := []string{"ANALYZE"}
	if e.Store.Dialect() == store.Postgres {
		tagSQL = rebindPG(tagSQL)
		// VACUUM sets the visibility map, which index-only scans rely on.
		analyze = []string{"VACUUM ANALYZE customers", "VACUUM ANALYZE customer_tags", "VACUUM ANALYZE list_counts", "VACUUM ANALYZE list_count_deltas"}
	}
	if _, err := db.ExecContext(ctx, tagSQL, wsID); err != nil {
		b.Fatal(err)
	}
	// Steady state: the triggers' deltas folded into the counters (reads do
	// that on their own, a bulk load leaves a million pending) and, on
	// SQLite, the write-ahead log checkpointed into the database file.
	if _, err := e.Store.FoldCounters(ctx); err != nil {
		b.Fatal(err)
	}
	if e.Store.Dialect() == store.SQLite {
		analyze = append(analyze, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	for _, q := range analyze {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%s: generated %d customers in %s", e.Store.Dialect(), n, time.Since(start).Round(time.Millisecond))
}

func rebindPG(q string) string {
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, fmt.Sprintf("$%d", n)...)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

// benchCase is one measured request shape; path(i) gives the i-th request.
type benchCase struct {
	name string
	path func(i int) string
	// check validates one answer (shape, not timing).
	check func(b *testing.B, res *apitest.Response)
}

func BenchmarkLists(b *testing.B) {
	n := benchSize()
	for _, backend := range storetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			e := apitest.New(b, backend)
			ws := e.Workspace("Bench")
			limit := 1 << 30
			tok := e.KeyWith(ws.ID, holdfast.ModeTest, func(k *holdfast.APIKey) { k.RateLimit = &limit }).Token
			generateCustomers(b, e, ws.ID, n)
			lastPage := (n + 99) / 100
			mid := min(5000, lastPage)
			cycle := func(pages []int, format string) func(int) string {
				return func(i int) string { return fmt.Sprintf(format, pages[i%len(pages)]) }
			}
			wantLen := func(want int) func(*testing.B, *apitest.Response) {
				return func(b *testing.B, res *apitest.Response) {
					if res.Status != 200 || len(res.Data()) != want {
						b.Fatalf("status %d, %d items: %.300s", res.Status, len(res.Data()), res.Body)
					}
				}
			}
			cases := []benchCase{
				{"v1/customers/page1-10", cycle(benchPages(1, 10), "/v1/customers?page=%d&per_page=100"), wantLen(100)},
				{fmt.Sprintf("v1/customers/page%d-%d", mid-9, mid), cycle(benchPages(mid-9, mid), "/v1/customers?page=%d&per_page=100"), wantLen(100)},
				{fmt.Sprintf("v1/customers/page%d-%d", lastPage-10, lastPage-1), cycle(benchPages(lastPage-10, lastPage-1), "/v1/customers?page=%d&per_page=100"), wantLen(100)},
				{"v1/customers/page1-ranged(COUNT)", cycle(benchPages(1, 10), "/v1/customers?page=%d&per_page=100&created_after=2000-01-01T00:00:00Z"), wantLen(100)},
				{"v1/customers/tag=vip/page1-10", cycle(benchPages(1, 10), "/v1/customers?tag=vip&page=%d&per_page=100"), wantLen(100)},
				{"v1/customers/tag=vip/page500", cycle([]int{min(500, n/1000)}, "/v1/customers?tag=vip&page=%d&per_page=100"), wantLen(100)},
				{"v1/customers/email", func(i int) string { return "/v1/customers?email=" + benchEmail(1+(i*7919)%n) }, wantLen(1)},
				{"api/customers/page1", func(int) string { return "/api/v1/customers?limit=100" }, wantLen(100)},
				{fmt.Sprintf("api/customers/page%d", mid), func(i int) string {
					// The cursor that ends page mid-1: what a client holds when it asks for page mid.
					x := benchPositionToX(n, (mid-1)*100-1-(i%10)*100)
					return "/api/v1/customers?limit=100&cursor=" + benchCursorAfter(x)
				}, wantLen(100)},
				{"api/customers/tag=vip/deep", func(int) string {
					return "/api/v1/customers?tag=vip&limit=100&cursor=" + benchCursorAfter(benchPositionToX(n, n/2)/10*10)
				}, wantLen(100)},
			}
			for _, bc := range cases {
				b.Run(bc.name, func(b *testing.B) {
					bc.check(b, e.Do("GET", bc.path(0), tok, nil)) // warm up and validate
					lat := make([]time.Duration, 0, b.N)
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						start := time.Now()
						res := e.Do("GET", bc.path(i), tok, nil)
						lat = append(lat, time.Since(start))
						if res.Status != 200 {
							b.Fatalf("%d %s", res.Status, res.Body)
						}
					}
					b.StopTimer()
					slices.Sort(lat)
					pct := func(p float64) float64 {
						return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
					}
					b.ReportMetric(pct(0.50), "p50-ms")
					b.ReportMetric(pct(0.99), "p99-ms")
				})
			}
		})
	}
}
