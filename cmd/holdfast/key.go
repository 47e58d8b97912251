package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"holdfast"
)

type keyCmd struct {
	Create keyCreateCmd `cmd:"" help:"Mint an API key (the token is printed once)."`
	List   keyListCmd   `cmd:"" help:"List a workspace's keys."`
	Revoke keyRevokeCmd `cmd:"" help:"Revoke a key now."`
	Rotate keyRotateCmd `cmd:"" help:"Mint a successor; the old token works until the grace period ends."`
}

type keyCreateCmd struct {
	Workspace   string `required:"" help:"Workspace id (ws_…)."`
	Mode        string `required:"" help:"live or test."`
	Publishable bool   `help:"Mint a publishable (widget-only) key."`
	Scopes      string `help:"Comma-separated scopes: read, write, admin, analytics, webhooks (default read)."`
	Name        string `help:"A label for the key."`
	ExpiresIn   string `name:"expires-in" help:"Lifetime, e.g. 720h, 30d, 90m."`
	RateLimit   *int   `name:"rate-limit" help:"Requests per 60 s, overriding the plan's default."` // nil: the plan's; 0 is refused, not ignored
	JSON        bool   `name:"json" help:"Print JSON."`
	Quiet       bool   `short:"q" help:"Print only the token (for scripts: TOKEN=$(holdfast key create … -q))."`
}

func (c *keyCreateCmd) Run(e *env) error {
	mode, ok := holdfast.ParseMode(c.Mode)
	if !ok {
		return holdfast.Errorf(holdfast.EVALIDATION, "--mode must be live or test, got %q", c.Mode)
	}
	k := &holdfast.APIKey{WorkspaceID: c.Workspace, Mode: mode, Kind: holdfast.KindSecret, Name: c.Name, Scopes: []holdfast.Scope{holdfast.ScopeRead}}
	if c.Publishable {
		k.Kind = holdfast.KindPublishable
		k.Scopes = []holdfast.Scope{}
		if c.Scopes != "" {
			return holdfast.Errorf(holdfast.EVALIDATION, "--scopes cannot be used with --publishable (publishable keys only reach the cancel-flow widget endpoints)")
		}
	} else if c.Scopes != "" {
		sc, err := holdfast.ParseScopes(c.Scopes)
		if err != nil {
			return err
		}
		k.Scopes = sc
	}
	if c.RateLimit != nil {
		if *c.RateLimit < 1 || *c.RateLimit > 1_000_000 {
			return holdfast.Errorf(holdfast.EVALIDATION, "--rate-limit must be between 1 and 1000000")
		}
		rl := *c.RateLimit
		k.RateLimit = &rl
	}
	// Stored times keep microseconds: print exactly what the API will show.
	now := time.Now().Truncate(time.Microsecond)
	if c.ExpiresIn != "" {
		d, err := parseDuration(c.ExpiresIn)
		if err != nil || d <= 0 {
			return holdfast.Errorf(holdfast.EVALIDATION, "--expires-in must be a positive duration like 720h or 30d, got %q", c.ExpiresIn)
		}
		t := now.Add(d).UTC()
		k.ExpiresAt = &t
	}
	s, err := e.openStore(e.ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.CreateKey(e.ctx, k, now); err != nil {
		return err
	}
	if c.JSON {
		return printJSON(e.stdout, keyJSON(k))
	}
	if c.Quiet {
		fmt.Fprintln(e.stdout, k.Token)
		return nil
	}
	printKey(e.stdout, k)
	return nil
}

type keyListCmd struct {
	Workspace string `required:"" help:"Workspace id (ws_…)."`
	JSON      bool   `name:"json" help:"Print JSON."`
}

func (c *keyListCmd) Run(e *env) error {
	s, err := e.openStore(e.ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	keys, err := s.ListKeys(e.ctx, c.Workspace)
	if err != nil {
		return err
	}
	if c.JSON {
		data := make([]map[string]any, len(keys))
		for i, k := range keys {
			data[i] = keyJSON(k)
		}
		return printJSON(e.stdout, map[string]any{"data": data})
	}
	if len(keys) == 0 {
		fmt.Fprintf(e.stdout, "no keys in workspace %s (create one with holdfast key create --workspace %s --mode test)\n", c.Workspace, c.Workspace)
		return nil
	}
	rows := make([][]string, 0, len(keys))
	for _, k := range keys {
		state := "active"
		switch {
		case k.RevokedAt != nil && !k.RevokedAt.After(time.Now()):
			state = "revoked"
		case k.RevokedAt != nil:
			state = "until " + k.RevokedAt.UTC().Format("2006-01-02 15:04") // rotated, in its grace period
		case k.ExpiresAt != nil && !k.ExpiresAt.After(time.Now()):
			state = "expired"
		case k.ExpiresAt != nil:
			state = "expires " + k.ExpiresAt.UTC().Format("2006-01-02 15:04")
		}
		scopes := make([]string, len(k.Scopes))
		for i, s := range k.Scopes {
			scopes[i] = string(s)
		}
		rows = append(rows, []string{k.ID, k.Name, string(k.Mode), string(k.Kind), strings.Join(scopes, ","), k.Hint, state,
			ago(k.LastUsedAt), k.CreatedAt.UTC().Format("2006-01-02 15:04")})
	}
	return printTable(e.stdout, []string{"ID", "NAME", "MODE", "KIND", "SCOPES", "TOKEN", "STATE", "LAST USED (UTC)", "CREATED (UTC)"}, rows)
}

type keyRevokeCmd struct {
	Key  string `arg:"" name:"key" help:"Key id (key_…)."`
	JSON bool   `name:"json" help:"Print JSON."`
}

func (c *keyRevokeCmd) Run(e *env) error {
	s, err := e.openStore(e.ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	k, err := s.RevokeKey(e.ctx, c.Key, time.Now())
	if err != nil {
		return err
	}
	if c.JSON {
		return printJSON(e.stdout, keyJSON(k))
	}
	printKey(e.stdout, k)
	return nil
}

type keyRotateCmd struct {
	Key   string `arg:"" name:"key" help:"Key id (key_…)."`
	Grace string `default:"24h" help:"How long the old token keeps working (e.g. 24h, 7d, 0s)."`
	JSON  bool   `name:"json" help:"Print JSON."`
}

func (c *keyRotateCmd) Run(e *env) error {
	grace, err := parseDuration(c.Grace)
	if err != nil || grace < 0 {
		return holdfast.Errorf(holdfast.EVALIDATION, "--grace must be a duration like 24h or 7d, got %q", c.Grace)
	}
	s, err := e.openStore(e.ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	nk, old, err := s.RotateKey(e.ctx, c.Key, grace, time.Now())
	if err != nil {
		return err
	}
	if c.JSON {
		m := keyJSON(nk)
		m["old_key_id"] = old.ID
		m["old_key_expires_at"] = old.ExpiresAt
		return printJSON(e.stdout, m)
	}
	printKey(e.stdout, nk)
	fmt.Fprintf(e.stdout, "old key %s keeps working until %s\n", old.ID, old.ExpiresAt.Format(time.RFC3339))
	return nil
}

// parseDuration accepts Go durations plus whole days ("30d").
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 || n > 100*365 {
			return 0, fmt.Errorf("bad day count %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
