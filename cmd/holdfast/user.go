package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"holdfast"
	"holdfast/dashboard"
)

// userStdin is where --password-stdin reads; tests replace it.
var userStdin io.Reader = os.Stdin

type userCmd struct {
	Create userCreateCmd `cmd:"" help:"Create a dashboard user (prints a one-time set-password link, or reads a password from stdin)."`
}

type userCreateCmd struct {
	Workspace     string `required:"" help:"Workspace id (ws_…)."`
	Email         string `required:"" help:"The user's email address (their sign-in name)."`
	PasswordStdin bool   `name:"password-stdin" help:"Read the password from the first line of stdin instead of printing a link."`
	PublicURL     string `name:"public-url" help:"Base URL of the dashboard for the link (env HOLDFAST_PUBLIC_URL)." default:"http://127.0.0.1:8080"`
	JSON          bool   `name:"json" help:"Print JSON."`
}

func (c *userCreateCmd) Run(e *env) error {
	email := strings.TrimSpace(c.Email)
	if err := dashboard.ValidateEmail(email); err != nil {
		return holdfast.Errorf(holdfast.EVALIDATION, "--email: %s", oneLine(err))
	}
	if err := checkBaseURL("--public-url", c.PublicURL); err != nil {
		return err
	}
	var hash, link, tokenHash string
	var linkExpires time.Time
	now := time.Now()
	if c.PasswordStdin {
		line, err := bufio.NewReader(userStdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("read password: %w", err)
		}
		pw := strings.TrimRight(line, "\r\n")
		if err := dashboard.ValidatePassword("password", pw); err != nil {
			return holdfast.Errorf(holdfast.EVALIDATION, "password: %s", oneLine(err))
		}
		if hash, err = dashboard.HashPassword(pw); err != nil {
			return err
		}
	} else {
		l := dashboard.NewSetupLink(c.PublicURL, now)
		link, tokenHash, linkExpires = l.URL, l.TokenHash, l.ExpiresAt
	}
	st, err := e.openStore(e.ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	u := &holdfast.User{WorkspaceID: c.Workspace, Email: email}
	if err := st.CreateUser(e.ctx, u, hash, tokenHash, linkExpires, now); err != nil {
		return err
	}
	if c.JSON {
		out := map[string]any{"id": u.ID, "object": "user", "workspace": u.WorkspaceID, "email": u.Email,
			"has_password": u.HasPassword, "created_at": u.CreatedAt}
		if link != "" {
			out["password_link"], out["password_link_expires_at"] = link, linkExpires.UTC()
		}
		return printJSON(e.stdout, out)
	}
	fmt.Fprintf(e.stdout, "id:        %s\nworkspace: %s\nemail:     %s\n", u.ID, u.WorkspaceID, u.Email)
	if link != "" {
		fmt.Fprintf(e.stdout, "Set-password link (one use, valid until %s):\n  %s\n", linkExpires.UTC().Format(time.RFC3339), link)
	} else {
		fmt.Fprintln(e.stdout, "Password set; sign in at the dashboard.")
	}
	return nil
}
