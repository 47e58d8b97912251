package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"holdfast"
	"holdfast/engine"
	"holdfast/secretbox"
	"holdfast/store"
	"holdfast/store/storetest"
	"holdfast/stripe/stripetest"
)

// childServeEnv makes the test binary act as `holdfast serve` (TestMain), so
// the cluster test runs real separate processes without building anything.
const childServeEnv = "HOLDFAST_TEST_CHILD_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(shardProcessEnv) == "1" { // a shard worker started by simulate
		if f := os.Getenv(shardLogEnv); f != "" { // tests count the workers
			if lf, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
				fmt.Fprintln(lf, os.Getpid())
				lf.Close()
			}
		}
		os.Exit(run(context.Background(), []string{"holdfast", "simulate-shard"}, os.Getenv, os.Stdout, os.Stderr))
	}
	if os.Getenv(childServeEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, []string{"holdfast", "serve"}, os.Getenv, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// node is one `serve` process of the cluster.
type node struct {
	base string
	cmd  *exec.Cmd
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listenRe = regexp.MustCompile(`msg="holdfast listening" addr=(\S+)`)

// startNode starts `serve` as a child process on a random loopback port.
func startNode(t *testing.T, env []string) *node {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, childServeEnv+"=1", "HOLDFAST_ADDR=127.0.0.1:0")...)
	logs := &syncBuffer{}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = logs, pw
	if err := cmd.Start(); err != nil {
		t.Error(err)
		return nil
	}
	n := &node{cmd: cmd, logs: logs}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
		}
		pw.Close()
		if t.Failed() {
			t.Logf("node %s log:\n%s", n.base, logs.String())
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			logs.Write([]byte(line + "\n"))
			if m := listenRe.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case addr := <-found:
		n.base = "http://" + addr
	case <-time.After(60 * time.Second):
		t.Errorf("serve did not start:\n%s", logs.String())
		return nil
	}
	return n
}

// call sends one request and decodes a JSON answer.
func call(t *testing.T, method, url, token string, body any, headers ...string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	if out == nil {
		out = map[string]any{"raw": string(raw)}
	}
	return res.StatusCode, out
}

// TestThreeNodes runs three `serve` processes on one PostgreSQL schema and
// one Redis and spreads signed Stripe webhooks (with redeliveries sent to
// two nodes at once), API calls and advance_clock across them. Every job
// must run once (each payment gets exactly its scripted attempts), every
// inbound event must apply once, every outbound webhook must be delivered
// once, and one key's rate limit must be shared exactly.
func TestThreeNodes(t *testing.T) {
	if os.Getenv(storetest.PostgresEnv) == "" || os.Getenv("HOLDFAST_TEST_REDIS_URL") == "" {
		if os.Getenv("HOLDFAST_REQUIRE_POSTGRES") != "" {
			t.Fatal("HOLDFAST_REQUIRE_POSTGRES is set: the three-node test needs HOLDFAST_TEST_DATABASE_URL and HOLDFAST_TEST_REDIS_URL")
		}
		t.Skip("three-node test needs HOLDFAST_TEST_DATABASE_URL and HOLDFAST_TEST_REDIS_URL")
	}
	ctx := context.Background()
	dbURL := storetest.URL(t, "postgres")
	const secretKey = "cluster-test-secret-key"
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	box, _ := secretbox.New(secretKey)
	st.SetSecretBox(box)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	ws := &holdfast.Workspace{Name: "Cluster"}
	if err := st.CreateWorkspace(ctx, ws, now); err != nil {
		t.Fatal(err)
	}
	const whsec = "whsec_cluster"
	if err := st.SetWorkspaceSecret(ctx, ws.ID, holdfast.ModeTest, store.SecretStripeWebhook, whsec, now); err != nil {
		t.Fatal(err)
	}
	big, small := 100000, 30
	mkKey := func(limit *int) string {
		k := &holdfast.APIKey{WorkspaceID: ws.ID, Mode: holdfast.ModeTest, Kind: holdfast.KindSecret, RateLimit: limit,
			Scopes: []holdfast.Scope{holdfast.ScopeRead, holdfast.ScopeWrite, holdfast.ScopeWebhooks}}
		if err := st.CreateKey(ctx, k, now); err != nil {
			t.Fatal(err)
		}
		return k.Token
	}
	key, limited := mkKey(&big), mkKey(&small)

	// The merchant's receiver of Holdfast's outbound webhooks.
	var (
		mu       sync.Mutex
		received = map[string]int{}
	)
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct{ ID string }
		_ = json.NewDecoder(r.Body).Decode(&ev)
		mu.Lock()
		received[ev.ID]++
		mu.Unlock()
	}))
	defer sink.Close()

	env := []string{"HOLDFAST_DATABASE_URL=" + dbURL, "HOLDFAST_REDIS_URL=" + os.Getenv("HOLDFAST_TEST_REDIS_URL"),
		"HOLDFAST_SECRET_KEY=" + secretKey, "HOLDFAST_ALLOW_LOOPBACK_WEBHOOKS=true"}
	nodes := make([]*node, 3)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Add(1)
		go func() { defer wg.Done(); nodes[i] = startNode(t, env) }()
	}
	wg.Wait()
	for _, n := range nodes {
		if n == nil {
			t.FailNow()
		}
	}
	nodeFor := func(i int) string { return nodes[i%len(nodes)].base }

	if code, body := call(t, "POST", nodeFor(1)+"/v1/webhooks", key, map[string]any{"url": sink.URL + "/hook", "events": []string{"*"}}); code != 200 && code != 201 {
		t.Fatalf("create webhook endpoint: %d %v", code, body)
	}

	// One key's limit is shared exactly: 60 requests over three nodes at once
	// → exactly 30 accepted.
	var ok, limitedN, other int
	var rmu sync.Mutex
	for i := 0; i < 60; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := call(t, "GET", nodeFor(i)+"/v1/auth/me", limited, nil)
			rmu.Lock()
			defer rmu.Unlock()
			switch code {
			case 200:
				ok++
			case 429:
				limitedN++
			default:
				other++
			}
		}()
	}
	wg.Wait()
	if ok != small || limitedN != 60-small || other != 0 {
		t.Fatalf("rate limit across nodes: %d accepted, %d limited, %d other; want %d and %d", ok, limitedN, other, small, 60-small)
	}

	// Stripe webhooks spread over the nodes: per customer its creation (sent
	// twice, to two nodes at the same time), the charge failure and the
	// invoice failure. The simulator fails the first retry and succeeds the
	// second.
	const customers = 18
	hook := func(nodeIdx int, payload []byte) {
		code, body := call(t, "POST", nodeFor(nodeIdx)+"/hooks/stripe/"+ws.ID, "", payload,
			"Stripe-Signature", stripetest.Sign(payload, whsec, time.Now()))
		if code != 200 {
			t.Errorf("hook: %d %v", code, body)
		}
	}
	for c := 0; c < customers; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cus := stripetest.ID("cus_")
			created := stripetest.Event(stripetest.ID("evt_"), "customer.created", false, time.Now(),
				stripetest.Customer(cus, fmt.Sprintf("c%d@example.com", c), "C", time.Now(),
					map[string]any{engine.TestOutcomesKey: "insufficient_funds,succeeded"}), nil)
			var dup sync.WaitGroup
			for _, n := range []int{c, c + 1} {
				dup.Add(1)
				go func() { defer dup.Done(); hook(n, created) }()
			}
			dup.Wait()
			inv, pi, ch := stripetest.ID("in_"), stripetest.ID("pi_"), stripetest.ID("ch_")
			pm := stripetest.PaymentMethod(stripetest.ID("pm_"), cus, "visa", "credit", stripetest.ID("fp_"))
			hook(c+1, stripetest.Event(stripetest.ID("evt_"), "charge.failed", false, time.Now(), stripetest.Charge(ch, pi, "insufficient_funds", pm), nil))
			hook(c+2, stripetest.Event(stripetest.ID("evt_"), "invoice.payment_failed", false, time.Now(),
				stripetest.Invoice(inv, cus, stripetest.ID("sub_"), pi, 1000+int64(c), "usd"), nil))
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if n, err := st.CountProviderEvents(ctx, ws.ID); err != nil || n != customers*3 {
		t.Fatalf("applied Stripe events = %d, %v; want %d (each once)", n, err, customers*3)
	}

	// advance_clock on every node in turn; other nodes' runners may take the
	// jobs, and each call returns once the work due has run.
	for i := 0; i < 6; i++ {
		if code, body := call(t, "POST", nodeFor(i)+"/v1/test_helpers/advance_clock", key, map[string]any{"seconds": 7 * 86400}); code != 200 {
			t.Fatalf("advance_clock on node %d: %d %v", i%3, code, body)
		}
	}

	// Every payment recovered with exactly two attempts (one failed, one
	// succeeded): no job ran twice, none was lost.
	code, list := call(t, "GET", nodeFor(0)+"/v1/payments?per_page=100", key, nil)
	pays, _ := list["data"].([]any)
	if code != 200 || len(pays) != customers {
		t.Fatalf("payments: %d, %d of %d", code, len(pays), customers)
	}
	for i, p := range pays {
		id := p.(map[string]any)["id"].(string)
		code, pay := call(t, "GET", nodeFor(i)+"/v1/payments/"+id, key, nil)
		atts, _ := pay["attempts"].([]any)
		outcomes := []string{}
		for _, a := range atts {
			outcomes = append(outcomes, fmt.Sprint(a.(map[string]any)["outcome"]))
		}
		if code != 200 || pay["status"] != "recovered" || strings.Join(outcomes, ",") != "failed,succeeded" && strings.Join(outcomes, ",") != "succeeded,failed" {
			t.Errorf("payment %s: %d status %v, attempts %v; want recovered after failed,succeeded", id, code, pay["status"], outcomes)
		}
	}

	// Every outbound event was delivered exactly once.
	events := map[string]string{}
	for page := 1; ; page++ {
		code, evs := call(t, "GET", fmt.Sprintf("%s/v1/events?per_page=100&page=%d", nodeFor(page), page), key, nil)
		data, _ := evs["data"].([]any)
		if code != 200 {
			t.Fatalf("events: %d %v", code, evs)
		}
		for _, e := range data {
			m := e.(map[string]any)
			events[m["id"].(string)] = fmt.Sprint(m["type"])
		}
		if len(data) < 100 {
			break
		}
	}
	types := map[string]int{}
	for _, typ := range events {
		types[typ]++
	}
	for _, typ := range []string{"recovery.started", "payment.retry_failed", "payment.retry_succeeded", "recovery.recovered"} {
		if types[typ] != customers {
			t.Errorf("%d %s events, want %d: %v", types[typ], typ, customers, types)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for id, typ := range events {
		if received[id] != 1 {
			t.Errorf("event %s (%s) delivered %d times, want once", id, typ, received[id])
		}
	}
	for id, n := range received {
		if _, ok := events[id]; !ok {
			t.Errorf("delivered an unknown event %s (%d times)", id, n)
		}
	}
}
