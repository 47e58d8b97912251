package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"

	"holdfast"
	"holdfast/engine"
	"holdfast/experiment"
	"holdfast/mail"
	"holdfast/secretbox"
	"holdfast/store"
)

// wireEngine builds the recovery engine: SMTP from --smtp-url (used for both
// modes: test-mode email is delivered only when an SMTP server is set, else
// kept in memory), /r/ links under --public-url signed with a key derived
// from the secret key, live retries through w.stripe (--stripe-api-base). Other services hook into
// advance_clock with w.engine.OnAdvance.
func wireEngine(w *wiring, e *env, st *store.Store, cfg *serveConfig, clock holdfast.Clock, log *slog.Logger) (*engine.Engine, error) {
	var mailer mail.Sender
	if cfg.SMTPURL != "" {
		s, err := mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			return nil, fmt.Errorf("--smtp-url: %w", err)
		}
		mailer = s
	}
	key, err := linkKey(e, st)
	if err != nil {
		return nil, err
	}
	exps := experiment.New(st)
	eng := engine.New(engine.Config{
		Store: st, Clock: clock, Logger: log, Mailer: mailer, TestMailer: mailer, PublicURL: cfg.PublicURL,
		LiveProvider: w.stripe, Portal: w.stripe, SigningKey: key, Chooser: exps,
	})
	w.services.Experiments = exps
	w.engine = eng
	w.services.Notices = eng
	w.services.Engine = eng
	w.services.Recovery = eng
	w.background = append(w.background, eng.Start)
	w.stops = append(w.stops, eng.Stop)
	return eng, nil
}

// linkKey derives the key that signs dunning links from the secret key, so
// every serve process sharing a database accepts the others' links.
func linkKey(e *env, st *store.Store) ([]byte, error) {
	secret := e.root.SecretKey
	if secret == "" && st.Dialect() == store.SQLite {
		k, err := secretbox.LoadOrCreateKeyFile(secretbox.KeyFilePath(st.Path))
		if err != nil {
			return nil, fmt.Errorf("secret key file: %w", err)
		}
		secret = k
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("holdfast dunning links v1"))
	return m.Sum(nil), nil
}
