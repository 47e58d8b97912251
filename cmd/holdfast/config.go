package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"holdfast"
	"holdfast/secretbox"
	"holdfast/store"
)

// openStore opens an existing Holdfast database for an admin command: it
// refuses to create one (a command run from the wrong directory must not
// leave an empty holdfast.db behind) and names the database it looked at.
func (e *env) openStore(ctx context.Context) (*store.Store, error) {
	return e.open(ctx, false)
}

// createStore opens the configured database, creating and migrating it if
// needed (serve, migrate, workspace create).
func (e *env) createStore(ctx context.Context) (*store.Store, error) {
	return e.open(ctx, true)
}

// dbLabel names the configured database for messages: the absolute file of
// an SQLite database, or the PostgreSQL URL without its password.
func (e *env) dbLabel() string {
	raw := e.root.DatabaseURL
	if path, ok := store.SQLitePath(raw); ok {
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		return "sqlite://" + path
	}
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return raw
}

// open opens and migrates the configured database and installs the secret
// box: HOLDFAST_SECRET_KEY, else (SQLite only) the key file beside the database.
func (e *env) open(ctx context.Context, create bool) (*store.Store, error) {
	e.db = e.dbLabel()
	missing := holdfast.Errorf(holdfast.ENOTFOUND, "no Holdfast database at %s; this command does not create one. "+
		"Set HOLDFAST_DATABASE_URL (or --database-url) to your database, or start one with holdfast serve or holdfast workspace create", e.db)
	if path, ok := store.SQLitePath(e.root.DatabaseURL); ok && !create && path != "" {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, missing
		}
	}
	s, err := store.Open(ctx, e.root.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if !create {
		ok, err := s.Initialized(ctx)
		if err != nil {
			s.Close()
			return nil, err
		}
		if !ok {
			s.Close()
			return nil, missing
		}
	}
	key := e.root.SecretKey
	if key == "" {
		if s.Dialect() != store.SQLite {
			s.Close()
			return nil, holdfast.Errorf(holdfast.EVALIDATION, "HOLDFAST_SECRET_KEY (or --secret-key) is required with PostgreSQL")
		}
		key, err = secretbox.LoadOrCreateKeyFile(secretbox.KeyFilePath(s.Path))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("secret key file: %w", err)
		}
	}
	box, err := secretbox.New(key)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.SetSecretBox(box)
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// logger builds the process logger from --log-level and --log-format.
func (e *env) logger() *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(e.root.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if e.root.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}

// parsePrefixes parses a comma-separated list of IPs/CIDRs.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := holdfast.ParseAllowlistEntry(part)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

type migrateCmd struct{}

func (migrateCmd) Run(e *env) error {
	s, err := e.createStore(e.ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintln(e.stdout, "migrations applied")
	return nil
}
