package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"holdfast/api"
	"holdfast/secretbox"
	"holdfast/store"
	"holdfast/stripe"
)

// TestSmoke runs the harness for a moment on a small SQLite database, with
// Holdfast's API in-process instead of a built `serve` (the measuring, the
// floor and the request shapes are what is under test), and checks that the
// floor answers every read path with exactly Holdfast's JSON.
func TestSmoke(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := &bench{dialect: "sqlite", url: "sqlite://" + filepath.Join(t.TempDir(), "bench.db"), customers: 300, secret: "whsec_smoke"}
	if err := b.seed(ctx); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	go func() { _ = serveFloor(ctx, b.url, "127.0.0.1:0", b.ws, b.secret, pw) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	b.floor = "http://" + strings.TrimSpace(strings.TrimPrefix(line, "listening "))

	st, err := store.Open(ctx, b.url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	box, _ := secretbox.New(secretKey)
	st.SetSecretBox(box)
	srv := httptest.NewServer(api.New(api.Config{Store: st, Version: "smoke",
		Services: api.Services{Stripe: stripe.NewIngester(stripe.Config{Store: st})}}))
	defer srv.Close()
	b.holdfast = srv.URL

	for _, p := range []string{"/v1/customers/" + custID(7), "/v1/customers?per_page=100", "/api/v1/customers?limit=100",
		"/api/v1/customers?limit=100&cursor=" + url.QueryEscape(cursorAt(b.customers, 150))} {
		hf, fl := fetch(t, b.holdfast+p, b.token), fetch(t, b.floor+p, "")
		if !bytes.Equal(hf, fl) {
			t.Fatalf("%s: the floor's JSON differs from Holdfast's:\n%s\n%s", p, hf, fl)
		}
	}

	var out bytes.Buffer
	cfg := config{clients: 2, duration: durationFlag(150 * time.Millisecond), rounds: 1, paths: pathNames()}
	if err := b.measure(ctx, cfg, &out); err != nil {
		t.Fatal(err)
	}
	have, err := b.countCustomers(ctx)
	if err != nil || have <= b.customers {
		t.Fatalf("customers after the webhook runs = %d, %v: the webhooks created none", have, err)
	}
	cfg.growthTo = have + 40
	if err := b.growth(ctx, cfg, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GET /v1/customers/:id", "per_page=100", "limit=100", "cursor deep", "webhooks (events/s)", "ingestion from"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, out.String())
		}
	}
	if n, err := b.countCustomers(ctx); err != nil || n != have+40 {
		t.Fatalf("customers after the growth run = %d, %v; want %d", n, err, have+40)
	}
	t.Log("\n" + out.String())
}

func fetch(t *testing.T, u, token string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, res.StatusCode, body)
	}
	return body
}

func TestSpread(t *testing.T) {
	for _, c := range []struct {
		pairs []float64
		want  string
	}{
		{[]float64{0.9}, "0.90× (0.90–0.90)"},
		{[]float64{0.7, 0.9, 0.8}, "0.80× (0.70–0.90)"},
		{[]float64{1.0, 0.7, 0.8, 0.9}, "0.85× (0.70–1.00)"}, // even: the mean of the middle two
	} {
		if got := spread(c.pairs); got != c.want {
			t.Errorf("spread(%v) = %q, want %q", c.pairs, got, c.want)
		}
	}
}

func TestMedian(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{[]time.Duration{5 * ms}, 5 * ms},
		{[]time.Duration{9 * ms, 1 * ms, 4 * ms}, 4 * ms},
		{[]time.Duration{9 * ms, 1 * ms, 3 * ms, 4 * ms}, 3500 * time.Microsecond},
	} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
