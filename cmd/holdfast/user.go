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
	Reset  userResetCmd  `cmd:"" help:"Reset a dashboard user's password: prints a new set-password link and signs the user out everywhere."`
}

// linkBase is the base of the links the CLI prints, built like serve
// builds its own: --public-url (HOLDFAST_PUBLIC_URL), else http://ADDR from
// --addr (HOLDFAST_ADDR).
func linkBase(publicURL, addr string) (string, error) {
	if publicURL != "" {
		return publicURL, checkBaseURL("--public-url", publicURL)
	}
	return "http://" + addr, checkBaseURL("--addr", "http://"+addr)
}

type userCreateCmd struct {
	Workspace     string `required:"" help:"Workspace id (ws_…)."`
	Email         string `required:"" help:"The user's email address (their sign-in name)."`
	PasswordStdin bool   `name:"password-stdin" help:"Read the password from the first line of stdin instead of printing a link."`
	PublicURL     string `name:"public-url" help:"Base URL of the dashboard for the link (env HOLDFAST_PUBLIC_URL); defaults to http://ADDR like serve."`
	Addr          string `name:"addr" help:"The server's listen address, the link's base without --public-url (env HOLDFAST_ADDR)." default:"127.0.0.1:8080"`
	JSON          bool   `name:"json" help:"Print JSON."`
}

func (c *userCreateCmd) Run(e *env) error {
	email := strings.TrimSpace(c.Email)
	if err := dashboard.ValidateEmail(email); err != nil {
		return holdfast.Errorf(holdfast.EVALIDATION, "--email: %s", oneLine(err))
	}
	base, err := linkBase(c.PublicURL, c.Addr)
	if err != nil {
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
		l := dashboard.NewSetupLink(base, now)
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

type userResetCmd struct {
	Email     string `required:"" help:"The user's email address."`
	PublicURL string `name:"public-url" help:"Base URL of the dashboard for the link (env HOLDFAST_PUBLIC_URL); defaults to http://ADDR like serve."`
	Addr      string `name:"addr" help:"The server's listen address, the link's base without --public-url (env HOLDFAST_ADDR)." default:"127.0.0.1:8080"`
	JSON      bool   `name:"json" help:"Print JSON."`
}

// Run clears the user's password, ends their sessions and prints a new
// one-time set-password link: the way back for a lost link or password.
func (c *userResetCmd) Run(e *env) error {
	email := strings.TrimSpace(c.Email)
	if err := dashboard.ValidateEmail(email); err != nil {
		return holdfast.Errorf(holdfast.EVALIDATION, "--email: %s", oneLine(err))
	}
	base, err := linkBase(c.PublicURL, c.Addr)
	if err != nil {
		return err
	}
	st, err := e.openStore(e.ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByEmail(e.ctx, email)
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		return holdfast.Errorf(holdfast.ENOTFOUND, "no dashboard user with email %s (create one with holdfast user create)", email)
	} else if err != nil {
		return err
	}
	now := time.Now()
	l := dashboard.NewSetupLink(base, now)
	if err := st.ResetUserPassword(e.ctx, u.ID, l.TokenHash, l.ExpiresAt, now); err != nil {
		return err
	}
	if c.JSON {
		return printJSON(e.stdout, map[string]any{"id": u.ID, "object": "user", "workspace": u.WorkspaceID, "email": u.Email,
			"has_password": false, "password_link": l.URL, "password_link_expires_at": l.ExpiresAt, "created_at": u.CreatedAt})
	}
	fmt.Fprintf(e.stdout, "id:        %s\nworkspace: %s\nemail:     %s\n", u.ID, u.WorkspaceID, u.Email)
	fmt.Fprintf(e.stdout, "Password cleared and every session ended. Set-password link (one use, valid until %s):\n  %s\n",
		l.ExpiresAt.Format(time.RFC3339), l.URL)
	return nil
}
