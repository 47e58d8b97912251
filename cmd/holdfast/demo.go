package main

import (
	"context"
	"fmt"
	"time"

	"holdfast"
	"holdfast/store"
)

// setupDemo creates the demo workspace once and prints a fresh test key and
// the dashboard URL every start (tokens are stored hashed, so an old one cannot
// be shown again).
func setupDemo(ctx context.Context, e *env, st *store.Store, w *wiring, base string) error {
	now := time.Now()
	ws, err := st.DemoWorkspace(ctx)
	created := false
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		ws = &holdfast.Workspace{Name: "Demo Co", Plan: "enterprise", IsDemo: true}
		if err := st.CreateWorkspace(ctx, ws, now); err != nil {
			return err
		}
		created = true
	} else if err != nil {
		return err
	}
	k := &holdfast.APIKey{WorkspaceID: ws.ID, Mode: holdfast.ModeTest, Kind: holdfast.KindSecret, Name: "demo",
		Scopes: []holdfast.Scope{holdfast.ScopeAdmin}}
	if err := st.CreateKey(ctx, k, now); err != nil {
		return err
	}
	state := "existing"
	if created {
		state = "new"
	}
	fmt.Fprintf(e.stdout, "\nHoldfast demo (%s workspace %s, test mode)\n", state, ws.ID)
	fmt.Fprintf(e.stdout, "  Dashboard:       %s/\n", base)
	fmt.Fprintf(e.stdout, "  Test secret key: %s\n", k.Token)
	fmt.Fprintf(e.stdout, "  Cancel flow:     %s/demo/cancel\n", base)
	fmt.Fprintf(e.stdout, "  Try:             curl -H 'Authorization: Bearer %s' %s/v1/auth/me\n\n", k.Token, base)
	return nil
}
