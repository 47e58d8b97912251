package demo

import (
	"crypto/sha256"
	"io"
	"net/http"
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

// SinkHandler receives the demo's webhook deliveries: SinkPath accepts
// everything; FlakySinkPath answers 429 to about a quarter of the attempts
// (decided by the signature, which changes with every attempt), so the log
// shows failures, retries and recoveries.
func SinkHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST webhook deliveries here", http.StatusMethodNotAllowed)
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		if r.URL.Path == FlakySinkPath {
			h := sha256.Sum256([]byte(r.Header.Get("Holdfast-Signature")))
			if h[0]%4 == 0 {
				w.Header().Set("Retry-After", "60")
				http.Error(w, `{"error":"rate limited"}`, http.StatusTooManyRequests)
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"received":true}`)
	})
}
