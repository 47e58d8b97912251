package main

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"holdfast"
	"holdfast/store"
)

type workspaceCmd struct {
	Create workspaceCreateCmd `cmd:"" help:"Create a workspace."`
	Update workspaceUpdateCmd `cmd:"" help:"Change a workspace's plan, trial, IP allowlist or secrets."`
	Show   workspaceShowCmd   `cmd:"" help:"Show a workspace, including its widget secret."`
}

type workspaceCreateCmd struct {
	Name        string `required:"" help:"Workspace name."`
	Plan        string `default:"standard" help:"Plan: standard, recovery_engine, revenue_recovery_system, revenue_command, enterprise."`
	TrialEndsAt string `name:"trial-ends-at" help:"Trial end (RFC 3339), or 'none' (the default)."`
	Timezone    string `default:"UTC" help:"Default customer time zone (IANA name)."`
	JSON        bool   `name:"json" help:"Print JSON."`
	Quiet       bool   `short:"q" help:"Print only the new workspace's id (for scripts: WS=$(holdfast workspace create --name Acme -q))."`
}

func (c *workspaceCreateCmd) Run(e *env) error {
	if strings.TrimSpace(c.Name) == "" {
		return holdfast.Errorf(holdfast.EVALIDATION, "--name must not be empty")
	}
	if !holdfast.ValidPlan(holdfast.Plan(c.Plan)) {
		return unknownPlan(c.Plan)
	}
	w := &holdfast.Workspace{Name: c.Name, Plan: holdfast.Plan(c.Plan), Timezone: c.Timezone}
	// "none" (no trial) is accepted here too, so create and update agree.
	if c.TrialEndsAt != "" && c.TrialEndsAt != "none" {
		t, err := time.Parse(time.RFC3339, c.TrialEndsAt)
		if err != nil {
			return holdfast.Errorf(holdfast.EVALIDATION, "--trial-ends-at must be an RFC 3339 time like 2026-12-31T00:00:00Z, or 'none'")
		}
		t = t.UTC()
		w.TrialEndsAt = &t
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		return holdfast.Errorf(holdfast.EVALIDATION, "unknown time zone %q", c.Timezone)
	}
	s, err := e.createStore(e.ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.CreateWorkspace(e.ctx, w, time.Now()); err != nil {
		return err
	}
	if c.Quiet && !c.JSON {
		fmt.Fprintln(e.stdout, w.ID)
		return nil
	}
	return printWorkspace(e.stdout, w, c.JSON)
}

type workspaceUpdateCmd struct {
	Workspace           string   `arg:"" name:"workspace" help:"Workspace id (ws_…)."`
	Plan                string   `help:"New plan."`
	TrialEndsAt         string   `name:"trial-ends-at" help:"Trial end (RFC 3339), or 'none' to clear."`
	IPAllowlist         string   `name:"ip-allowlist" help:"Comma-separated IPs/CIDRs, or 'none' to allow all."`
	StripeWebhookSecret []string `name:"stripe-webhook-secret" sep:"none" help:"MODE=whsec_… (comma-separate or repeat: live=…,test=…)."`
	StripeAPIKey        []string `name:"stripe-api-key" sep:"none" help:"MODE=sk_… (comma-separate or repeat)."`
	WidgetSecretRotate  bool     `name:"widget-secret-rotate" help:"Replace the cancel-flow widget secret."`
	Timezone            string   `help:"Default customer time zone (IANA name)."`
	JSON                bool     `name:"json" help:"Print JSON."`
}

func (c *workspaceUpdateCmd) Run(e *env) error {
	var u store.WorkspaceUpdate
	// Validate everything before opening the database so bad input changes nothing.
	if c.Plan != "" {
		if !holdfast.ValidPlan(holdfast.Plan(c.Plan)) {
			return unknownPlan(c.Plan)
		}
		p := holdfast.Plan(c.Plan)
		u.Plan = &p
	}
	if c.TrialEndsAt != "" {
		var tp *time.Time
		if c.TrialEndsAt != "none" {
			t, err := time.Parse(time.RFC3339, c.TrialEndsAt)
			if err != nil {
				return holdfast.Errorf(holdfast.EVALIDATION, "--trial-ends-at must be an RFC 3339 time or 'none'")
			}
			t = t.UTC()
			tp = &t
		}
		u.TrialEndsAt = &tp
	}
	if c.IPAllowlist != "" {
		list := []netip.Prefix{}
		if c.IPAllowlist != "none" {
			var err error
			if list, err = parsePrefixes(c.IPAllowlist); err != nil {
				return err
			}
		}
		u.IPAllowlist = &list
	}
	if c.Timezone != "" {
		if _, err := time.LoadLocation(c.Timezone); err != nil {
			return holdfast.Errorf(holdfast.EVALIDATION, "unknown time zone %q", c.Timezone)
		}
		u.Timezone = &c.Timezone
	}
	hooks, err := parseModeSecrets("--stripe-webhook-secret", strings.Join(c.StripeWebhookSecret, ","), "whsec_")
	if err != nil {
		return err
	}
	apiKeys, err := parseModeSecrets("--stripe-api-key", strings.Join(c.StripeAPIKey, ","), "")
	if err != nil {
		return err
	}
	if c.WidgetSecretRotate {
		ws := "wsec_" + holdfast.RandomBase62(40)
		u.WidgetSecret = &ws
	}
	s, err := e.openStore(e.ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	now := time.Now()
	if _, err := s.GetWorkspace(e.ctx, c.Workspace); err != nil {
		return err
	}
	for mode, v := range hooks {
		if err := s.SetWorkspaceSecret(e.ctx, c.Workspace, mode, store.SecretStripeWebhook, v, now); err != nil {
			return err
		}
	}
	for mode, v := range apiKeys {
		if err := s.SetWorkspaceSecret(e.ctx, c.Workspace, mode, store.SecretStripeAPIKey, v, now); err != nil {
			return err
		}
	}
	w, err := s.UpdateWorkspace(e.ctx, c.Workspace, u, now)
	if err != nil {
		return err
	}
	return printWorkspace(e.stdout, w, c.JSON)
}

type workspaceShowCmd struct {
	Workspace string `arg:"" name:"workspace" help:"Workspace id (ws_…)."`
	JSON      bool   `name:"json" help:"Print JSON."`
}

func (c *workspaceShowCmd) Run(e *env) error {
	s, err := e.openStore(e.ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	w, err := s.GetWorkspace(e.ctx, c.Workspace)
	if err != nil {
		return err
	}
	return printWorkspace(e.stdout, w, c.JSON)
}

func unknownPlan(p string) error {
	return holdfast.Errorf(holdfast.EVALIDATION, "unknown plan %q (valid: standard, recovery_engine, revenue_recovery_system, revenue_command, enterprise)", p)
}

// parseModeSecrets parses "live=…,test=…" (or a single "MODE=…").
func parseModeSecrets(flag, raw, prefix string) (map[holdfast.Mode]string, error) {
	out := map[holdfast.Mode]string{}
	if raw == "" {
		return out, nil
	}
	for _, part := range strings.Split(raw, ",") {
		m, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		mode, okMode := holdfast.ParseMode(strings.TrimSpace(m))
		v = strings.TrimSpace(v)
		if !ok || !okMode || v == "" {
			return nil, holdfast.Errorf(holdfast.EVALIDATION, "%s wants MODE=VALUE with MODE live or test, got %q", flag, part)
		}
		if prefix != "" && !strings.HasPrefix(v, prefix) {
			return nil, holdfast.Errorf(holdfast.EVALIDATION, "%s value for %s must start with %q", flag, mode, prefix)
		}
		out[mode] = v
	}
	return out, nil
}
