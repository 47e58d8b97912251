package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"holdfast"
	"holdfast/secretbox"
	"holdfast/store"
)

type durationFlag time.Duration

func (d *durationFlag) String() string { return time.Duration(*d).String() }
func (d *durationFlag) Set(s string) error {
	v, err := time.ParseDuration(s)
	*d = durationFlag(v)
	return err
}

// bench is one database prepared for measuring.
type bench struct {
	dialect   string
	url       string
	customers int
	ws        string
	token     string
	secret    string
	holdfast  string // base URL
	floor     string // base URL
	hfPID     int    // server processes (0: in-process, tests)
	floorPID  int
	procs     []*exec.Cmd
	cleanup   []func()
}

// benchBase is 2026-01-01T00:00:00Z in µs; seeded customer x is created at
// benchBase + x ms, so newest first is x = n, n-1, …
const benchBase = int64(1_767_225_600_000_000)

func custID(x int) string     { return fmt.Sprintf("cus_%024d", x) }
func custCreated(x int) int64 { return benchBase + int64(x)*1000 }
func cursorAt(n, depth int) string {
	x := n - depth + 1 // the depth-th customer (1-based) newest first
	return store.EncodeCursor(store.Cursor{CreatedAt: custCreated(x), ID: custID(x)})
}

type path struct {
	name string
	// webhook paths send writes and report events/s.
	webhook bool
	mk      func(b *bench) func(auth bool) request
}

var runSeq atomic.Int64

func get(p string, b *bench, auth bool) func(base string) (*http.Request, error) {
	return func(base string) (*http.Request, error) {
		req, err := http.NewRequest("GET", base+p, nil)
		if err == nil && auth {
			req.Header.Set("Authorization", "Bearer "+b.token)
		}
		return req, err
	}
}

var allPaths = []path{
	{name: "GET /v1/customers/:id", mk: func(b *bench) func(bool) request {
		return func(auth bool) request {
			return func(base string, c, i int, rng *rand.Rand) (*http.Request, error) {
				return get("/v1/customers/"+custID(1+rng.IntN(b.customers)), b, auth)(base)
			}
		}
	}},
	{name: "GET /v1/customers?per_page=100", mk: func(b *bench) func(bool) request {
		return func(auth bool) request {
			return func(base string, c, i int, rng *rand.Rand) (*http.Request, error) {
				return get("/v1/customers?per_page=100", b, auth)(base)
			}
		}
	}},
	{name: "GET /api/v1/customers?limit=100", mk: func(b *bench) func(bool) request {
		return func(auth bool) request {
			return func(base string, c, i int, rng *rand.Rand) (*http.Request, error) {
				return get("/api/v1/customers?limit=100", b, auth)(base)
			}
		}
	}},
	{name: "same, cursor deep", mk: func(b *bench) func(bool) request {
		depth := min(50000, b.customers/2)
		p := "/api/v1/customers?limit=100&cursor=" + url.QueryEscape(cursorAt(b.customers, depth))
		return func(auth bool) request {
			return func(base string, c, i int, rng *rand.Rand) (*http.Request, error) { return get(p, b, auth)(base) }
		}
	}},
	{name: "customer.created webhooks", webhook: true, mk: func(b *bench) func(bool) request {
		return func(auth bool) request {
			run := runSeq.Add(1)
			return func(base string, c, i int, rng *rand.Rand) (*http.Request, error) {
				return b.webhook(base, fmt.Sprintf("%d_%d_%d", run, c, i))
			}
		}
	}},
}

func pathNames() []string {
	out := []string{}
	for _, p := range allPaths {
		out = append(out, shortName(p.name))
	}
	return out
}

// shortName is the -paths name of a path: get, page, cursor, deep, webhook.
func shortName(n string) string {
	switch n {
	case "GET /v1/customers/:id":
		return "get"
	case "GET /v1/customers?per_page=100":
		return "page"
	case "GET /api/v1/customers?limit=100":
		return "cursor"
	case "same, cursor deep":
		return "deep"
	}
	return "webhook"
}

// webhook is a signed test-mode customer.created event for a new customer.
func (b *bench) webhook(base, suffix string) (*http.Request, error) {
	now := time.Now()
	payload := fmt.Sprintf(`{"id":"evt_bench_%s","object":"event","api_version":"2026-03-25.dahlia","created":%d,"type":"customer.created","livemode":false,"pending_webhooks":1,`+
		`"data":{"object":{"id":"cus_wh_%s","object":"customer","email":"w%s@example.com","name":"Webhook %s","created":%d,"livemode":false,`+
		`"metadata":{"plan":"pro"},"address":null,"currency":"usd","delinquent":false,"description":null,`+
		`"invoice_settings":{"default_payment_method":null,"custom_fields":null,"footer":null}}},"request":{"id":null,"idempotency_key":null}}`,
		suffix, now.Unix(), suffix, suffix, suffix, now.Unix())
	t := strconv.FormatInt(now.Unix(), 10)
	m := hmac.New(sha256.New, []byte(b.secret))
	m.Write([]byte(t + "." + payload))
	req, err := http.NewRequest("POST", base+"/hooks/stripe/"+b.ws, strings.NewReader(payload))
	if err == nil {
		req.Header.Set("Stripe-Signature", "t="+t+",v1="+hex.EncodeToString(m.Sum(nil)))
		req.Header.Set("Content-Type", "application/json")
	}
	return req, err
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	bin := cfg.holdfastBin
	tmp, err := os.MkdirTemp("", "holdfast-bench-")
	if err != nil {
		return err
	}
	if !cfg.keep {
		defer os.RemoveAll(tmp)
	}
	if bin == "" {
		bin = filepath.Join(tmp, "holdfast")
		fmt.Fprintln(out, "building ./cmd/holdfast …")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/holdfast")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/holdfast (run from the repository root, or pass -holdfast): %w", err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	for _, db := range cfg.dbs {
		n := cfg.sqliteCustomers
		if db == "postgres" {
			n = cfg.pgCustomers
			if cfg.pgURL == "" {
				fmt.Fprintln(out, "postgres: skipped (no -pg-url, HOLDFAST_BENCH_DATABASE_URL or HOLDFAST_TEST_DATABASE_URL)")
				continue
			}
		}
		b, err := prepare(ctx, cfg, db, n, tmp, bin, self)
		if b != nil {
			defer b.close()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", db, err)
		}
		if err := b.measure(ctx, cfg, out); err != nil {
			return fmt.Errorf("%s: %w", db, err)
		}
		if cfg.growthTo > 0 {
			if err := b.growth(ctx, cfg, out); err != nil {
				return fmt.Errorf("%s: %w", db, err)
			}
		}
		b.close()
	}
	return nil
}

func (b *bench) close() {
	for _, p := range b.procs {
		if p.Process != nil {
			_ = p.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { _ = p.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = p.Process.Kill()
			}
		}
	}
	b.procs = nil
	for i := len(b.cleanup) - 1; i >= 0; i-- {
		b.cleanup[i]()
	}
	b.cleanup = nil
}

const secretKey = "holdfast-bench-secret-key-0123456789"

func prepare(ctx context.Context, cfg config, db string, n int, tmp, bin, self string) (*bench, error) {
	b := &bench{dialect: db, customers: n, secret: "whsec_bench_" + holdfast.RandomBase62(16)}
	switch db {
	case "sqlite":
		dir := filepath.Join(tmp, "sqlite")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		b.url = "sqlite://" + filepath.Join(dir, "bench.db")
	case "postgres":
		schema := "hfbench_" + strings.ToLower(holdfast.RandomBase62(10))
		pg, err := sql.Open("pgx", cfg.pgURL)
		if err != nil {
			return nil, err
		}
		defer pg.Close()
		if _, err := pg.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
			return nil, fmt.Errorf("create schema: %w", err)
		}
		if !cfg.keep {
			b.cleanup = append(b.cleanup, func() {
				if pg, err := sql.Open("pgx", cfg.pgURL); err == nil {
					_, _ = pg.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
					pg.Close()
				}
			})
		}
		u, err := url.Parse(cfg.pgURL)
		if err != nil {
			return b, err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		b.url = u.String()
	default:
		return nil, fmt.Errorf("unknown database %q (want sqlite or postgres)", db)
	}
	if err := b.seed(ctx); err != nil {
		return b, err
	}
	// Holdfast: the real `serve`, default configuration, logs discarded.
	addr, err := freeAddr()
	if err != nil {
		return b, err
	}
	hf := exec.Command(bin, "serve")
	hf.Env = append(os.Environ(), "HOLDFAST_DATABASE_URL="+b.url, "HOLDFAST_SECRET_KEY="+secretKey, "HOLDFAST_ADDR="+addr,
		"HOLDFAST_REDIS_URL=", "HOLDFAST_PUBLIC_URL=http://"+addr)
	if err := hf.Start(); err != nil {
		return b, err
	}
	b.procs = append(b.procs, hf)
	b.hfPID = hf.Process.Pid
	b.holdfast = "http://" + addr
	if err := waitHealthy(ctx, b.holdfast+"/healthz"); err != nil {
		return b, fmt.Errorf("holdfast serve: %w", err)
	}
	// The floor: this binary again, in floor mode.
	fl := exec.Command(self, "-serve-floor", "-db", b.url, "-ws", b.ws, "-secret", b.secret)
	fl.Stderr = os.Stderr
	if os.Getenv("GOGC") == "" {
		// serve tunes its collector (holdfast.ServeGCPercent); the floor gets
		// the same setting, so the ratio compares handlers, not GC settings.
		fl.Env = append(os.Environ(), "GOGC="+strconv.Itoa(holdfast.ServeGCPercent))
	}
	stdout, err := fl.StdoutPipe()
	if err != nil {
		return b, err
	}
	if err := fl.Start(); err != nil {
		return b, err
	}
	b.procs = append(b.procs, fl)
	b.floorPID = fl.Process.Pid
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return b, fmt.Errorf("floor did not start: %w", err)
	}
	b.floor = "http://" + strings.TrimSpace(strings.TrimPrefix(line, "listening "))
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return b, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitHealthy(ctx context.Context, u string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(u); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return errors.New("not healthy after 60 s")
}

// seed migrates, creates the workspace, a test key without a practical rate
// limit, the Stripe signing secret, and n customers.
func (b *bench) seed(ctx context.Context) error {
	st, err := store.Open(ctx, b.url)
	if err != nil {
		return err
	}
	defer st.Close()
	box, err := secretbox.New(secretKey)
	if err != nil {
		return err
	}
	st.SetSecretBox(box)
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	now := time.Now().UTC()
	ws := &holdfast.Workspace{Name: "Bench"}
	if err := st.CreateWorkspace(ctx, ws, now); err != nil {
		return err
	}
	b.ws = ws.ID
	limit := 1 << 30
	k := &holdfast.APIKey{WorkspaceID: ws.ID, Mode: holdfast.ModeTest, Kind: holdfast.KindSecret,
		Scopes: []holdfast.Scope{holdfast.ScopeRead}, RateLimit: &limit, Name: "bench"}
	if err := st.CreateKey(ctx, k, now); err != nil {
		return err
	}
	b.token = k.Token
	if err := st.SetWorkspaceSecret(ctx, ws.ID, holdfast.ModeTest, store.SecretStripeWebhook, b.secret, now); err != nil {
		return err
	}
	started := time.Now()
	db := st.DB()
	if st.Dialect() == store.SQLite {
		_, err = db.ExecContext(ctx, `WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < ?)
			INSERT INTO customers (id, workspace_id, livemode, provider_id, email, email_lower, name, metadata, tags, created_at, updated_at)
			SELECT printf('cus_%024d', x), ?, 0, printf('cus_seed%020d', x), printf('User%d@Example.com', x), printf('user%d@example.com', x),
				printf('User %d', x), '{"plan":"pro"}', '[]', ? + x * 1000, ?
			FROM seq`, b.customers, ws.ID, benchBase, benchBase)
	} else {
		_, err = db.ExecContext(ctx, `INSERT INTO customers (id, workspace_id, livemode, provider_id, email, email_lower, name, metadata, tags, created_at, updated_at)
			SELECT 'cus_' || lpad(x::text, 24, '0'), $1, false, 'cus_seed' || lpad(x::text, 20, '0'), 'User' || x || '@Example.com',
				'user' || x || '@example.com', 'User ' || x, '{"plan":"pro"}', '[]', $2::bigint + x::bigint * 1000, $2::bigint
			FROM generate_series(1, $3::int) AS x`, ws.ID, benchBase, b.customers)
	}
	if err != nil {
		return fmt.Errorf("seed customers: %w", err)
	}
	if _, err := st.FoldCounters(ctx); err != nil {
		return err
	}
	for _, q := range map[store.Dialect][]string{
		store.SQLite:   {"ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"},
		store.Postgres: {"VACUUM ANALYZE customers", "VACUUM ANALYZE list_counts", "VACUUM ANALYZE list_count_deltas"},
	}[st.Dialect()] {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "%s: seeded %d customers in %s\n", b.dialect, b.customers, time.Since(started).Round(time.Millisecond))
	return nil
}
