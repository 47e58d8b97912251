package dashboard

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/cancelflow"
	"holdfast/dashboard"
	"holdfast/demo"
	"holdfast/engine"
	"holdfast/store/storetest"
	"holdfast/stripe"
	"holdfast/webhook"
)

// server is a running Holdfast with a generated demo workspace.
type server struct {
	URL      string
	Email    string
	Password string
	WS       *holdfast.Workspace
}

// startServer wires the services as serve does and generates a small demo.
func startServer(t *testing.T) *server {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, "sqlite")
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	cancel := cancelflow.New(cancelflow.Config{Store: st, Logger: log, Test: stripe.SimulatedApplier{}})
	// The demo's sinks are on loopback: consent on, as serve --demo gives it.
	wk := webhook.NewWorker(webhook.Config{Store: st, Logger: log, AllowLoopback: true})
	eng := engine.New(engine.Config{Store: st, Logger: log, SigningKey: []byte("e2e"), PublicURL: "http://127.0.0.1"})
	eng.OnAdvance(func(ctx context.Context, wsID string, now time.Time) error {
		_, err := cancel.AbandonExpired(ctx, wsID, holdfast.ModeTest, now)
		return err
	})
	eng.OnAdvance(func(ctx context.Context, wsID string, _ time.Time) error {
		return wk.RunDue(ctx, wsID, holdfast.ModeTest)
	})
	dash := dashboard.New(dashboard.Config{Store: st, Logger: log, AllowLoopbackWebhooks: true, Services: dashboard.Services{
		ResendDelivery: func(ctx context.Context, wsID string, mode holdfast.Mode, ep, d string) error {
			_, err := wk.Send(ctx, wsID, mode, ep, d)
			return err
		}}})
	var mounts []api.Mount
	for _, p := range dashboard.Patterns {
		mounts = append(mounts, api.Mount{Pattern: p, Handler: dash})
	}
	for _, p := range demo.SinkPatterns {
		mounts = append(mounts, api.Mount{Pattern: p, Handler: demo.SinkHandler()})
	}
	srv := api.New(api.Config{Store: st, Logger: log, Extra: mounts, AllowLoopbackWebhooks: true,
		Services: api.Services{Engine: eng, Recovery: eng, Cancel: cancel, Webhooks: wk}})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	started := time.Now()
	res, err := demo.Ensure(ctx, demo.Config{Store: st, Engine: eng, Cancel: cancel, Logger: log, SinkBase: ts.URL,
		Customers: 400, Days: 30, FailuresPerDay: 6, SessionsPerDay: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo generated in %v: %+v", time.Since(started).Round(time.Millisecond), res.Summary)
	s := &server{URL: ts.URL, Email: "owner@demo.example", Password: "browser-test-password", WS: res.Workspace}
	hash, err := dashboard.HashPassword(s.Password)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, &holdfast.User{WorkspaceID: res.Workspace.ID, Email: s.Email}, hash, "", time.Time{}, time.Now()); err != nil {
		t.Fatal(err)
	}
	return s
}

// authMe calls GET /v1/auth/me with token and returns the status.
func (s *server) authMe(t *testing.T, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/v1/auth/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
