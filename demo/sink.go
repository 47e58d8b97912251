package demo

import (
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
)

// The demo's webhook endpoints point at this server itself, so deliveries
// (and their retries) show up in the dashboard's delivery log without any
// outside service.
const (
	SinkPath      = "/demo/webhook-sink"
	FlakySinkPath = "/demo/webhook-sink/flaky"
)

// SinkPatterns are the routes SinkHandler serves.
var SinkPatterns = []string{SinkPath, FlakySinkPath}

// FlakyRefusalRate is the share of attempts the flaky sink refuses.
const FlakyRefusalRate = 0.25

// SinkHandler receives the demo's webhook deliveries: SinkPath accepts
// everything; FlakySinkPath answers 429 to about a quarter of the attempts,
// each attempt decided independently, so the log shows failures, retries
// and recoveries (and almost no delivery fails for good).
func SinkHandler() http.Handler {
	return sinkHandler(rand.Float64)
}

// SeededSinkHandler is SinkHandler with a reproducible sequence of
// refusals (for tests).
func SeededSinkHandler(seed uint64) http.Handler {
	var mu sync.Mutex
	r := rand.New(rand.NewPCG(seed, seed))
	return sinkHandler(func() float64 {
		mu.Lock()
		defer mu.Unlock()
		return r.Float64()
	})
}

// sinkHandler decides refusals by draw rather than by anything in the
// request: a retry of a refused delivery carries a signature from the same
// wall-clock second during the demo's simulated history, so a decision
// derived from the request would refuse every retry of it too.
func sinkHandler(draw func() float64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST webhook deliveries here", http.StatusMethodNotAllowed)
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		if r.URL.Path == FlakySinkPath && draw() < FlakyRefusalRate {
			w.Header().Set("Retry-After", "60")
			http.Error(w, `{"error":"rate limited"}`, http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"received":true}`)
	})
}
