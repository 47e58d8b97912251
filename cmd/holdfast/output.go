package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"holdfast"
)

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// workspaceJSON is the --json shape of SPEC §1.
func workspaceJSON(w *holdfast.Workspace) map[string]any {
	allow := w.AllowlistStrings()
	return map[string]any{
		"id": w.ID, "object": "workspace", "name": w.Name, "plan": w.Plan, "trial_ends_at": w.TrialEndsAt,
		"ip_allowlist": allow, "widget_secret": w.WidgetSecret, "timezone": w.Timezone, "created_at": w.CreatedAt,
	}
}

func printWorkspace(out io.Writer, w *holdfast.Workspace, asJSON bool) error {
	if asJSON {
		return printJSON(out, workspaceJSON(w))
	}
	trial := "none"
	if w.TrialEndsAt != nil {
		trial = w.TrialEndsAt.Format(time.RFC3339)
	}
	allow := strings.Join(w.AllowlistStrings(), ",")
	if allow == "" {
		allow = "(all addresses)"
	}
	fmt.Fprintf(out, "id:            %s\nname:          %s\nplan:          %s\ntrial_ends_at: %s\nip_allowlist:  %s\nwidget_secret: %s\n",
		w.ID, w.Name, w.Plan, trial, allow, w.WidgetSecret)
	return nil
}

// keyJSON is the --json shape of a key (token only when just minted).
func keyJSON(k *holdfast.APIKey) map[string]any {
	m := map[string]any{
		"id": k.ID, "object": "api_key", "workspace": k.WorkspaceID, "mode": k.Mode, "kind": k.Kind, "name": k.Name,
		"scopes": k.Scopes, "rate_limit": k.RateLimit, "expires_at": k.ExpiresAt, "revoked_at": k.RevokedAt,
		"last_used_at": k.LastUsedAt, "created_at": k.CreatedAt, "token_hint": k.Hint,
	}
	if k.Token != "" {
		m["token"] = k.Token
	}
	return m
}

func printKey(out io.Writer, k *holdfast.APIKey) {
	scopes := make([]string, len(k.Scopes))
	for i, s := range k.Scopes {
		scopes[i] = string(s)
	}
	if k.Token != "" {
		fmt.Fprintf(out, "token:      %s\n            (shown once: store it now, it cannot be displayed again)\n", k.Token)
	}
	fmt.Fprintf(out, "id:         %s\nworkspace:  %s\nmode:       %s\nkind:       %s\nscopes:     %s\n", k.ID, k.WorkspaceID, k.Mode, k.Kind, strings.Join(scopes, ","))
	if k.Name != "" {
		fmt.Fprintf(out, "name:       %s\n", k.Name)
	}
	if k.RateLimit != nil {
		fmt.Fprintf(out, "rate_limit: %d/min\n", *k.RateLimit)
	}
	if k.ExpiresAt != nil {
		fmt.Fprintf(out, "expires_at: %s\n", k.ExpiresAt.Format(time.RFC3339))
	}
	if k.RevokedAt != nil {
		fmt.Fprintf(out, "revoked_at: %s\n", k.RevokedAt.Format(time.RFC3339))
	}
}

// printTable writes a plain-text listing: a header row and aligned columns
// (two spaces apart), so every list the CLI prints reads the same way.
// Empty cells print as "-".
func printTable(out io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = cmp.Or(strings.ReplaceAll(c, "\t", " "), "-")
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// ago renders an optional time for a table cell: RFC 3339 UTC, or "never".
func ago(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04")
}
