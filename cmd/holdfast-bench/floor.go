package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"holdfast"
	"holdfast/api/dialect"
	"holdfast/store"
)

// The floor: a bare net/http server with no middleware (no request id, no
// auth, no rate limit, no logging, no metrics) that runs the same SQL as
// Holdfast for each measured path (the reads call the very store methods
// Holdfast's handlers call) and renders the same JSON with the same encoder.
// Its webhook handler verifies the signature, parses the event and, in one
// transaction, records the event id and upserts the customer.

type floor struct {
	st     *store.Store
	ws     string
	mode   holdfast.Mode
	secret string
}

func serveFloor(ctx context.Context, dbURL, addr, ws, secret string, ready io.Writer) error {
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	f := &floor{st: st, ws: ws, mode: holdfast.ModeTest, secret: secret}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/customers/{id}", f.getCustomer)
	mux.HandleFunc("GET /v1/customers", f.listPage)
	mux.HandleFunc("GET /api/v1/customers", f.listCursor)
	mux.HandleFunc("POST /hooks/stripe/{ws}", f.stripeHook)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); srv.Close() }()
	_, _ = io.WriteString(ready, "listening "+ln.Addr().String()+"\n")
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

func floorErr(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		status = http.StatusNotFound
	}
	http.Error(w, err.Error(), status)
}

func (f *floor) getCustomer(w http.ResponseWriter, r *http.Request) {
	c, err := f.st.GetCustomer(r.Context(), f.ws, f.mode, r.PathValue("id"))
	if err != nil {
		floorErr(w, err)
		return
	}
	dialect.WriteJSON(w, http.StatusOK, c)
}

func (f *floor) listPage(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	perPage, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	page, perPage = max(page, 1), max(min(perPage, 100), 1)
	l, err := f.st.ListCustomers(r.Context(), f.ws, f.mode, store.CustomerFilter{},
		store.ListQuery{Limit: perPage, Offset: (page - 1) * perPage, Count: true})
	if err != nil {
		floorErr(w, err)
		return
	}
	data := l.Data
	if data == nil {
		data = []holdfast.Customer{}
	}
	dialect.WriteJSON(w, http.StatusOK, dialect.NewPage(data, l.Total, page, perPage))
}

func (f *floor) listCursor(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	q := store.ListQuery{Limit: max(min(limit, 100), 1)}
	if c := r.URL.Query().Get("cursor"); c != "" {
		cur, err := store.DecodeCursor(c)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		q.After = &cur
	}
	l, err := f.st.ListCustomers(r.Context(), f.ws, f.mode, store.CustomerFilter{}, q)
	if err != nil {
		floorErr(w, err)
		return
	}
	data := l.Data
	if data == nil {
		data = []holdfast.Customer{}
	}
	var nc *string
	if l.HasMore && len(data) > 0 {
		last := data[len(data)-1]
		c := store.EncodeCursor(store.CursorOf(last.CreatedAt, last.ID))
		nc = &c
	}
	dialect.WriteJSON(w, http.StatusOK, dialect.CursorPage{Data: data, HasMore: l.HasMore, NextCursor: nc})
}

type floorEvent struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Created  int64  `json:"created"`
	Livemode bool   `json:"livemode"`
	Data     struct {
		Object struct {
			ID       string            `json:"id"`
			Email    *string           `json:"email"`
			Name     *string           `json:"name"`
			Metadata map[string]string `json:"metadata"`
		} `json:"object"`
	} `json:"data"`
}

func (f *floor) stripeHook(w http.ResponseWriter, r *http.Request) {
	payload, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := webhook.ValidatePayloadWithTolerance(payload, r.Header.Get("Stripe-Signature"), f.secret, 5*time.Minute); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var ev floorEvent
	if err := json.Unmarshal(payload, &ev); err != nil || ev.ID == "" {
		http.Error(w, "not an event", http.StatusBadRequest)
		return
	}
	o := ev.Data.Object
	now := holdfast.Micros(time.Now())
	created := ev.Created * 1_000_000
	outcome := "processed"
	err = f.st.InTx(r.Context(), func(ctx context.Context) error {
		c := f.st.Conn(ctx)
		res, err := c.Exec(ctx, `INSERT INTO provider_events (workspace_id, event_id, livemode, type, created, processed_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (workspace_id, event_id) DO NOTHING`, f.ws, ev.ID, ev.Livemode, ev.Type, created, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			outcome = "duplicate"
			return nil
		}
		meta, _ := json.Marshal(o.Metadata)
		var lower any
		if o.Email != nil {
			lower = strings.ToLower(*o.Email)
		}
		_, err = c.Exec(ctx, `INSERT INTO customers (id, workspace_id, livemode, provider_id, email, email_lower, name, metadata, tags,
			timezone, default_payment_method, provider_updated_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', '', '', ?, ?, ?)
			ON CONFLICT (workspace_id, livemode, provider_id) DO UPDATE SET email = excluded.email, email_lower = excluded.email_lower,
				name = excluded.name, metadata = excluded.metadata, provider_updated_at = excluded.provider_updated_at, updated_at = excluded.updated_at
			WHERE customers.provider_updated_at <= excluded.provider_updated_at`,
			holdfast.NewID(holdfast.PrefixCustomer), f.ws, ev.Livemode, o.ID, o.Email, lower, o.Name, string(meta), created, now, now)
		return err
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	dialect.WriteJSON(w, http.StatusOK, map[string]any{"received": true, "outcome": outcome})
}
