// Command holdfast-bench measures Holdfast against the floor: a bare
// net/http server running the same SQL on the same database and rendering
// the same JSON. For each path it prints Holdfast's throughput and p50/p99,
// the floor's, and their ratio, on SQLite and on PostgreSQL.
//
//	go run ./cmd/holdfast-bench                        # small defaults, a few minutes
//	go run ./cmd/holdfast-bench -sqlite-customers 100000 -pg-customers 20000
//	go run ./cmd/holdfast-bench -db postgres -paths webhook -growth-to 200000
//
// Holdfast runs as a real `holdfast serve` process (built from ./cmd/holdfast
// unless -holdfast names a binary); the floor runs as a second process (this
// binary re-executed). Load comes from a closed-loop keep-alive generator
// with -clients clients; Holdfast and the floor are measured in alternating
// runs (-rounds of -duration each), so both see the same machine.
// PostgreSQL gets a fresh schema (dropped at the end) in -pg-url.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

type config struct {
	dbs             []string
	pgURL           string
	sqliteCustomers int
	pgCustomers     int
	clients         int
	duration        durationFlag
	rounds          int
	paths           []string
	growthTo        int
	holdfastBin     string
	keep            bool
}

func main() {
	// Floor mode: this binary re-executed to serve the floor.
	if len(os.Args) > 1 && os.Args[1] == "-serve-floor" {
		fs := flag.NewFlagSet("floor", flag.ExitOnError)
		db := fs.String("db", "", "database URL")
		addr := fs.String("addr", "127.0.0.1:0", "listen address")
		ws := fs.String("ws", "", "workspace id")
		secret := fs.String("secret", "", "Stripe webhook signing secret")
		_ = fs.Parse(os.Args[2:])
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := serveFloor(ctx, *db, *addr, *ws, *secret, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
		return
	}
	cfg := config{duration: durationFlag(3e9)}
	var dbs, paths string
	flag.StringVar(&dbs, "db", "sqlite,postgres", "databases to measure (comma list of sqlite, postgres)")
	flag.StringVar(&cfg.pgURL, "pg-url", firstEnv("HOLDFAST_BENCH_DATABASE_URL", "HOLDFAST_TEST_DATABASE_URL"),
		"PostgreSQL URL (a fresh schema is created in it); env HOLDFAST_BENCH_DATABASE_URL or HOLDFAST_TEST_DATABASE_URL")
	flag.IntVar(&cfg.sqliteCustomers, "sqlite-customers", 10000, "customers seeded on SQLite (the issue's table: 100000)")
	flag.IntVar(&cfg.pgCustomers, "pg-customers", 5000, "customers seeded on PostgreSQL (the issue's table: 20000)")
	flag.IntVar(&cfg.clients, "clients", 8, "concurrent keep-alive clients")
	flag.Var(&cfg.duration, "duration", "length of each measured run (e.g. 3s)")
	flag.IntVar(&cfg.rounds, "rounds", 2, "alternating Holdfast/floor runs per path")
	flag.StringVar(&paths, "paths", strings.Join(pathNames(), ","), "paths to measure")
	flag.IntVar(&cfg.growthTo, "growth-to", 0, "after the table, ingest signed customer.created webhooks into Holdfast until the database holds this many customers, and print the rate of each tenth (0: skip)")
	flag.StringVar(&cfg.holdfastBin, "holdfast", "", "holdfast binary to run (default: go build ./cmd/holdfast)")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the databases (SQLite directory, PostgreSQL schema) for inspection")
	flag.Parse()
	if cfg.rounds < 1 || cfg.clients < 1 || cfg.sqliteCustomers < 1 || cfg.pgCustomers < 1 || time.Duration(cfg.duration) < 100*time.Millisecond || cfg.growthTo < 0 {
		fmt.Fprintln(os.Stderr, "holdfast-bench: -rounds, -clients and the customer counts must be at least 1, -duration at least 100ms, -growth-to not negative")
		os.Exit(2)
	}
	cfg.dbs = splitList(dbs)
	cfg.paths = splitList(paths)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "holdfast-bench:", err)
		os.Exit(1)
	}
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
