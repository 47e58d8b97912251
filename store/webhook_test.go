package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
)

// whFixture is a workspace with helpers for webhook tests.
type whFixture struct {
	t   *testing.T
	s   *store.Store
	ctx context.Context
	ws  *holdfast.Workspace
}

func newWHFixture(t *testing.T, s *store.Store) *whFixture {
	t.Helper()
	f := &whFixture{t: t, s: s, ctx: context.Background(), ws: &holdfast.Workspace{Name: "Hooks"}}
	if err := s.CreateWorkspace(f.ctx, f.ws, t0); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *whFixture) endpoint(mode holdfast.Mode, events []string, enabled bool) *holdfast.WebhookEndpoint {
	f.t.Helper()
	e := &holdfast.WebhookEndpoint{WorkspaceID: f.ws.ID, Livemode: mode.Livemode(), URL: "https://example.com/" + holdfast.RandomBase62(6),
		Events: events, Enabled: enabled, Secret: "whsec_" + holdfast.RandomBase62(32)}
	if err := f.s.CreateWebhookEndpoint(f.ctx, e, t0); err != nil {
		f.t.Fatal(err)
	}
	return e
}

func (f *whFixture) event(mode holdfast.Mode, typ string, at time.Time) *holdfast.Event {
	f.t.Helper()
	var ev *holdfast.Event
	err := f.s.InTx(f.ctx, func(ctx context.Context) error {
		var err error
		ev, err = f.s.RecordEvent(ctx, f.ws.ID, mode, typ, "rec_1", map[string]any{"id": "rec_1"}, at)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return ev
}

func (f *whFixture) fanOut() (int, int) {
	f.t.Helper()
	e, d, err := f.s.FanOutEvents(f.ctx, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	return e, d
}

func (f *whFixture) deliveries(e *holdfast.WebhookEndpoint) []*holdfast.WebhookDelivery {
	f.t.Helper()
	l, err := f.s.ListWebhookDeliveries(f.ctx, f.ws.ID, holdfast.ModeOf(e.Livemode), e.ID, store.DeliveryFilter{}, store.ListQuery{Limit: 100, Count: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return l.Data
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := holdfast.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func TestWebhookEndpointCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newWHFixture(t, s)
		e := f.endpoint(holdfast.ModeLive, []string{holdfast.EventRecoveryStarted}, true)
		if !strings.HasPrefix(e.ID, "we_") || e.Object != "webhook_endpoint" || e.Secret == "" {
			t.Fatalf("created %+v", e)
		}

		t.Run("SecretSealedAtRest", func(t *testing.T) {
			var raw string
			if err := s.DB().QueryRow(`SELECT secret_enc FROM webhook_endpoints`).Scan(&raw); err != nil {
				t.Fatal(err)
			}
			if raw == "" || strings.Contains(raw, e.Secret) {
				t.Fatalf("secret stored as %q", raw)
			}
			got, err := s.WebhookEndpointSecret(f.ctx, f.ws.ID, holdfast.ModeLive, e.ID)
			if err != nil || got != e.Secret {
				t.Fatalf("WebhookEndpointSecret = %q, %v", got, err)
			}
		})
		t.Run("GetHidesSecret", func(t *testing.T) {
			got, err := s.GetWebhookEndpoint(f.ctx, f.ws.ID, holdfast.ModeLive, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Secret != "" || got.URL != e.URL || len(got.Events) != 1 || got.Events[0] != holdfast.EventRecoveryStarted || !got.Enabled {
				t.Fatalf("got %+v", got)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			other := newWHFixture(t, s)
			tests := []struct {
				name string
				ws   string
				mode holdfast.Mode
				id   string
			}{
				{"OtherMode", f.ws.ID, holdfast.ModeTest, e.ID},
				{"OtherWorkspace", other.ws.ID, holdfast.ModeLive, e.ID},
				{"UnknownID", f.ws.ID, holdfast.ModeLive, "we_nope"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					_, err := s.GetWebhookEndpoint(f.ctx, tt.ws, tt.mode, tt.id)
					wantCode(t, err, holdfast.ENOTFOUND)
					_, err = s.UpdateWebhookEndpoint(f.ctx, tt.ws, tt.mode, tt.id, store.WebhookEndpointUpdate{}, t0)
					wantCode(t, err, holdfast.ENOTFOUND)
					wantCode(t, s.DeleteWebhookEndpoint(f.ctx, tt.ws, tt.mode, tt.id), holdfast.ENOTFOUND)
				})
			}
		})
		t.Run("List", func(t *testing.T) {
			f2 := newWHFixture(t, s)
			var ids []string
			for range 3 {
				ids = append(ids, f2.endpoint(holdfast.ModeTest, nil, true).ID)
			}
			f2.endpoint(holdfast.ModeLive, nil, true)
			l, err := s.ListWebhookEndpoints(f.ctx, f2.ws.ID, holdfast.ModeTest, store.ListQuery{Limit: 2, Count: true})
			if err != nil {
				t.Fatal(err)
			}
			if l.Total != 3 || len(l.Data) != 2 {
				t.Fatalf("total %d, %d items", l.Total, len(l.Data))
			}
			if l.Data[0].Events[0] != "*" {
				t.Fatalf("default events = %v", l.Data[0].Events)
			}
		})
		t.Run("Update", func(t *testing.T) {
			url, desc, off := "https://example.org/new", "billing hooks", false
			events := []string{"*"}
			got, err := s.UpdateWebhookEndpoint(f.ctx, f.ws.ID, holdfast.ModeLive, e.ID,
				store.WebhookEndpointUpdate{URL: &url, Events: &events, Description: &desc, Enabled: &off}, t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			again, _ := s.GetWebhookEndpoint(f.ctx, f.ws.ID, holdfast.ModeLive, e.ID)
			for _, g := range []*holdfast.WebhookEndpoint{got, again} {
				if g.URL != url || g.Description != desc || g.Enabled || g.Events[0] != "*" || !g.UpdatedAt.Equal(t0.Add(time.Hour)) {
					t.Fatalf("updated %+v", g)
				}
			}
		})
		t.Run("DeleteRemovesDeliveries", func(t *testing.T) {
			f3 := newWHFixture(t, s)
			ep := f3.endpoint(holdfast.ModeLive, nil, true)
			f3.event(holdfast.ModeLive, holdfast.EventRecoveryLost, t0)
			if _, d := f3.fanOut(); d != 1 {
				t.Fatalf("fanned out %d deliveries", d)
			}
			if err := s.DeleteWebhookEndpoint(f.ctx, f3.ws.ID, holdfast.ModeLive, ep.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.GetWebhookEndpoint(f.ctx, f3.ws.ID, holdfast.ModeLive, ep.ID); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
				t.Fatalf("endpoint still there: %v", err)
			}
			var left int
			_ = s.Conn(f.ctx).QueryRow(f.ctx, `SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = ?`, ep.ID).Scan(&left)
			if left != 0 {
				t.Fatalf("%d deliveries left", left)
			}
		})
	})
}

func TestFanOutEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newWHFixture(t, s)
		other := newWHFixture(t, s)
		all := f.endpoint(holdfast.ModeLive, []string{"*"}, true)
		started := f.endpoint(holdfast.ModeLive, []string{holdfast.EventRecoveryStarted}, true)
		two := f.endpoint(holdfast.ModeLive, []string{holdfast.EventRecoveryLost, holdfast.EventDunningSent}, true)
		disabled := f.endpoint(holdfast.ModeLive, []string{"*"}, false)
		testMode := f.endpoint(holdfast.ModeTest, []string{"*"}, true)
		otherWS := other.endpoint(holdfast.ModeLive, []string{"*"}, true)

		f.event(holdfast.ModeLive, holdfast.EventRecoveryStarted, t0)
		f.event(holdfast.ModeLive, holdfast.EventRecoveryLost, t0.Add(time.Second))
		f.event(holdfast.ModeLive, holdfast.EventCancelSaved, t0.Add(2*time.Second))
		tev := f.event(holdfast.ModeTest, holdfast.EventRecoveryStarted, t0.Add(48*time.Hour))

		events, deliveries := f.fanOut()
		if events != 4 || deliveries != 3+1+1+1 {
			t.Fatalf("fanned out %d events into %d deliveries, want 4 into 6", events, deliveries)
		}
		tests := []struct {
			name string
			ep   *holdfast.WebhookEndpoint
			want []string
		}{
			{"Wildcard", all, []string{holdfast.EventCancelSaved, holdfast.EventRecoveryLost, holdfast.EventRecoveryStarted}},
			{"OneType", started, []string{holdfast.EventRecoveryStarted}},
			{"TwoTypes", two, []string{holdfast.EventRecoveryLost}},
			{"Disabled", disabled, nil},
			{"TestMode", testMode, []string{holdfast.EventRecoveryStarted}},
			{"OtherWorkspace", otherWS, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				fx := f
				if tt.ep == otherWS {
					fx = other
				}
				ds := fx.deliveries(tt.ep)
				var got []string
				for _, d := range ds {
					got = append(got, d.EventType)
					if d.Status != holdfast.DeliveryPending || d.AttemptCount != 0 || d.NextAttemptAt == nil || d.Livemode != tt.ep.Livemode {
						t.Fatalf("delivery %+v", d)
					}
				}
				if strings.Join(got, ",") != strings.Join(tt.want, ",") {
					t.Fatalf("delivered %v, want %v", got, tt.want)
				}
			})
		}
		t.Run("DueAtEventTimeInModeClock", func(t *testing.T) {
			d := f.deliveries(testMode)[0]
			if !d.NextAttemptAt.Equal(tev.CreatedAt) || !d.CreatedAt.Equal(tev.CreatedAt) {
				t.Fatalf("next %v created %v, want the event's %v", d.NextAttemptAt, d.CreatedAt, tev.CreatedAt)
			}
		})
		t.Run("Idempotent", func(t *testing.T) {
			if e, d := f.fanOut(); e != 0 || d != 0 {
				t.Fatalf("second fan-out handled %d events, %d deliveries", e, d)
			}
		})
		t.Run("LaterEndpointGetsOnlyLaterEvents", func(t *testing.T) {
			late := f.endpoint(holdfast.ModeLive, []string{"*"}, true)
			f.event(holdfast.ModeLive, holdfast.EventCustomerDeleted, t0.Add(time.Hour))
			f.fanOut()
			ds := f.deliveries(late)
			if len(ds) != 1 || ds[0].EventType != holdfast.EventCustomerDeleted {
				t.Fatalf("late endpoint got %d deliveries", len(ds))
			}
		})
	})
}

func TestCreatePingDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newWHFixture(t, s)
		target := f.endpoint(holdfast.ModeTest, []string{holdfast.EventRecoveryStarted}, true)
		bystander := f.endpoint(holdfast.ModeTest, []string{"*"}, true)
		d, err := s.CreatePingDelivery(f.ctx, f.ws.ID, holdfast.ModeTest, target.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		if d.EventType != holdfast.EventPing || d.Endpoint != target.ID || d.Status != holdfast.DeliveryPending || !d.NextAttemptAt.Equal(t0) {
			t.Fatalf("ping delivery %+v", d)
		}
		if _, n := f.fanOut(); n != 0 {
			t.Fatalf("ping fanned out to %d more endpoints", n)
		}
		if got := f.deliveries(bystander); len(got) != 0 {
			t.Fatalf("bystander got %d deliveries", len(got))
		}
		ev, err := s.GetEvent(f.ctx, f.ws.ID, holdfast.ModeTest, d.Event)
		if err != nil || ev.Type != holdfast.EventPing || !strings.Contains(string(ev.Data), target.ID) {
			t.Fatalf("ping event %+v, %v", ev, err)
		}
		_, err = s.CreatePingDelivery(f.ctx, f.ws.ID, holdfast.ModeLive, target.ID, t0)
		wantCode(t, err, holdfast.ENOTFOUND)
	})
}
