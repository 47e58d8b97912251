package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"

	"holdfast"
	"holdfast/secretbox"
	"holdfast/store"
)

// openStore opens and migrates the configured database and installs the secret
// box: HOLDFAST_SECRET_KEY, else (SQLite only) the key file beside the database.
func (e *env) openStore(ctx context.Context) (*store.Store, error) {
	s, err := store.Open(ctx, e.root.DatabaseURL)
	if err != nil {
		return nil, err
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
	s, err := e.openStore(e.ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintln(e.stdout, "migrations applied")
	return nil
}
