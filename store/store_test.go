package store_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"holdfast"
	"holdfast/store"
	"holdfast/store/storetest"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func TestWorkspaceCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := &holdfast.Workspace{Name: "Acme"}
		if err := s.CreateWorkspace(ctx, w, t0); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetWorkspace(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Acme" || got.Plan != "standard" || got.WidgetSecret == "" || got.WidgetSecret != w.WidgetSecret {
			t.Fatalf("got %+v", got)
		}
		plan := holdfast.Plan("enterprise")
		trial := t0.Add(time.Hour)
		tp := &trial
		allow := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::1/128")}
		u, err := s.UpdateWorkspace(ctx, w.ID, store.WorkspaceUpdate{Plan: &plan, TrialEndsAt: &tp, IPAllowlist: &allow}, t0)
		if err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetWorkspace(ctx, w.ID)
		if got.Plan != plan || !got.TrialEndsAt.Equal(trial) || len(got.IPAllowlist) != 2 || u.Plan != plan {
			t.Fatalf("update not stored: %+v", got)
		}
		if !got.IPAllowed(netip.MustParseAddr("10.1.2.3")) || got.IPAllowed(netip.MustParseAddr("11.0.0.1")) ||
			!got.IPAllowed(netip.MustParseAddr("2001:db8::1")) {
			t.Fatal("allowlist check wrong")
		}
		_, err = s.GetWorkspace(ctx, "ws_nope")
		if holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			t.Fatalf("want ENOTFOUND, got %v", err)
		}
		_, err = s.UpdateWorkspace(ctx, "ws_nope", store.WorkspaceUpdate{Plan: &plan}, t0)
		if holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			t.Fatalf("want ENOTFOUND, got %v", err)
		}
	})
}

func TestWorkspaceSecretsEncrypted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := &holdfast.Workspace{Name: "Acme"}
		if err := s.CreateWorkspace(ctx, w, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.SetWorkspaceSecret(ctx, w.ID, holdfast.ModeTest, store.SecretStripeWebhook, "whsec_test123", t0); err != nil {
			t.Fatal(err)
		}
		v, err := s.WorkspaceSecret(ctx, w.ID, holdfast.ModeTest, store.SecretStripeWebhook)
		if err != nil || v != "whsec_test123" {
			t.Fatalf("got %q %v", v, err)
		}
		if v, _ := s.WorkspaceSecret(ctx, w.ID, holdfast.ModeLive, store.SecretStripeWebhook); v != "" {
			t.Fatalf("live secret leaked from test: %q", v)
		}
		var raw string
		if err := s.DB().QueryRow(`SELECT value_enc FROM workspace_secrets`).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if raw == "whsec_test123" || len(raw) < 20 {
			t.Fatalf("secret stored in clear: %q", raw)
		}
	})
}

func TestKeysLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := &holdfast.Workspace{Name: "Acme"}
		if err := s.CreateWorkspace(ctx, w, t0); err != nil {
			t.Fatal(err)
		}
		k := &holdfast.APIKey{WorkspaceID: w.ID, Mode: holdfast.ModeTest, Kind: holdfast.KindSecret, Scopes: []holdfast.Scope{"read"}}
		if err := s.CreateKey(ctx, k, t0); err != nil {
			t.Fatal(err)
		}
		if !holdfast.WellFormedToken(k.Token) || k.Token[:8] != "hf_test_" {
			t.Fatalf("bad token %q", k.Token)
		}
		rec, err := s.KeyByTokenHash(ctx, holdfast.HashToken(k.Token))
		if err != nil || rec.ID != k.ID || rec.TokenHash == k.Token {
			t.Fatalf("lookup: %+v %v", rec, err)
		}
		var n int
		_ = s.DB().QueryRow(`SELECT COUNT(*) FROM api_keys WHERE token_hash = '` + k.Token + `'`).Scan(&n)
		if n != 0 {
			t.Fatal("token stored in clear")
		}
		nk, old, err := s.RotateKey(ctx, k.ID, time.Hour, t0)
		if err != nil {
			t.Fatal(err)
		}
		if nk.Token == k.Token || !old.ExpiresAt.Equal(t0.Add(time.Hour)) || old.RotatedTo != nk.ID {
			t.Fatalf("rotate: new %+v old %+v", nk, old)
		}
		if _, _, err := s.RotateKey(ctx, k.ID, time.Hour, t0.Add(time.Second)); holdfast.ErrorCode(err) != holdfast.ECONFLICT {
			t.Fatalf("rotating a key in its grace period: %v", err)
		}
		rec, _ = s.KeyByTokenHash(ctx, holdfast.HashToken(k.Token))
		if !rec.Usable(t0.Add(59*time.Minute)) || rec.Usable(t0.Add(61*time.Minute)) {
			t.Fatal("grace not honoured")
		}
		rk, err := s.RevokeKey(ctx, nk.ID, t0)
		if err != nil || rk.RevokedAt == nil {
			t.Fatalf("revoke: %+v %v", rk, err)
		}
		if _, _, err := s.RotateKey(ctx, nk.ID, time.Hour, t0.Add(time.Second)); holdfast.ErrorCode(err) != holdfast.ECONFLICT {
			t.Fatalf("rotating revoked key: %v", err)
		}
		keys, err := s.ListKeys(ctx, w.ID)
		if err != nil || len(keys) != 2 {
			t.Fatalf("list: %d %v", len(keys), err)
		}
		if _, err := s.RevokeKey(ctx, "key_nope", t0); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			t.Fatalf("revoke unknown: %v", err)
		}
		if err := s.CreateKey(ctx, &holdfast.APIKey{WorkspaceID: "ws_nope", Mode: holdfast.ModeLive, Kind: holdfast.KindSecret}, t0); holdfast.ErrorCode(err) != holdfast.ENOTFOUND {
			t.Fatalf("key for unknown ws: %v", err)
		}
	})
}

func TestTestClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := &holdfast.Workspace{Name: "Acme"}
		if err := s.CreateWorkspace(ctx, w, t0); err != nil {
			t.Fatal(err)
		}
		off, err := s.AdvanceTestClock(ctx, w.ID, 36*time.Hour, t0)
		if err != nil || off != 36*time.Hour {
			t.Fatalf("%v %v", off, err)
		}
		off, _ = s.AdvanceTestClock(ctx, w.ID, time.Hour, t0)
		got, _ := s.TestClockOffset(ctx, w.ID)
		if off != 37*time.Hour || got != off {
			t.Fatalf("offset %v %v", off, got)
		}
	})
}
