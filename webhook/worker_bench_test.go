package webhook_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
	"holdfast/webhook"
)

// BenchmarkWorkerDeliveries measures end-to-end throughput of the background
// worker: each op records 100 events in a workspace with 1,000 endpoints
// subscribed to everything and waits until all 100,000 deliveries have been
// fanned out, signed, POSTed to a local receiver and recorded. It reports
// deliveries/s. Run with:
//
//	go test ./webhook -run '^$' -bench WorkerDeliveries -benchtime 1x
//
// PostgreSQL is included when HOLDFAST_TEST_DATABASE_URL is set.
func BenchmarkWorkerDeliveries(b *testing.B) {
	if testing.Short() {
		b.Skip("100,000 deliveries per op")
	}
	const endpoints, events = 1000, 100
	for _, backend := range storetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			ctx := context.Background()
			st := storetest.Open(b, backend)
			ws := &holdfast.Workspace{Name: "Bench"}
			if err := st.CreateWorkspace(ctx, ws, time.Now()); err != nil {
				b.Fatal(err)
			}
			rv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNoContent)
			}))
			b.Cleanup(rv.Close)
			err := st.InTx(ctx, func(ctx context.Context) error {
				for i := range endpoints {
					ep := &holdfast.WebhookEndpoint{WorkspaceID: ws.ID, URL: fmt.Sprintf("%s/e/%d", rv.URL, i),
						Enabled: true, Secret: webhook.NewSecret()}
					if err := st.CreateWebhookEndpoint(ctx, ep, time.Now()); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			recorded := make(chan int, 1<<16)
			w := webhook.NewWorker(webhook.Config{Store: st, Logger: slog.New(slog.DiscardHandler),
				AfterRecord: func(recs []store.AttemptRecord) { recorded <- len(recs) }})
			w.Start(ctx)
			b.Cleanup(w.Stop)

			start := time.Now()
			for b.Loop() {
				err := st.InTx(ctx, func(ctx context.Context) error {
					for range events {
						if _, err := st.RecordEvent(ctx, ws.ID, holdfast.ModeTest, holdfast.EventRecoveryStarted, "rec_b", map[string]any{"id": "rec_b"}, time.Now()); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				w.Kick()
				for n := endpoints * events; n > 0; {
					n -= <-recorded
				}
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(endpoints*events*b.N)/elapsed.Seconds(), "deliveries/s")
		})
	}
}
