package main

import (
	"log/slog"
	"net/http"

	"holdfast"
	"holdfast/api"
	"holdfast/cancelflow"
	"holdfast/store"
	"holdfast/widget"
)

// wireNoticeDemo serves GET /demo/notice under serve --demo: the in-app
// payment notice (banner and wall) for a demo customer whose payment failed,
// and nothing for a healthy one, picked from the demo workspace per request.
func wireNoticeDemo(w *wiring, st *store.Store, cfg *serveConfig, clock holdfast.Clock, log *slog.Logger) {
	if !cfg.Demo {
		return
	}
	demo := &demoCancelPage{st: st, clock: clock, log: log}
	w.mounts = append(w.mounts, api.Mount{Pattern: "/demo/notice", Handler: widget.NoticeDemoPageHandler(func(r *http.Request) (widget.NoticeDemoConfig, error) {
		ws, token, err := demo.demo(r.Context())
		if err != nil {
			log.Error("demo notice page", "err", err)
			return widget.NoticeDemoConfig{}, err
		}
		now, err := holdfast.ModeNow(r.Context(), clock, st, ws.ID, holdfast.ModeTest)
		if err != nil {
			return widget.NoticeDemoConfig{}, err
		}
		failed, healthy, expiring, err := st.NoticeSampleCustomers(r.Context(), ws.ID, holdfast.ModeTest, now)
		if err != nil {
			return widget.NoticeDemoConfig{}, err
		}
		hash := func(c string) string {
			if c == "" {
				return ""
			}
			return cancelflow.AuthHash(ws.WidgetSecret, c)
		}
		return widget.NoticeDemoConfig{PublishableKey: token,
			FailedCustomer: failed, FailedAuthHash: hash(failed), HealthyCustomer: healthy, HealthyAuthHash: hash(healthy),
			ExpiringCustomer: expiring, ExpiringAuthHash: hash(expiring)}, nil
	})})
}
