package api

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"holdfast"
	"holdfast/cancelflow"
	"holdfast/store"
)

// NoticeService is what the expiring-card notices and the in-app payment
// notice (issue 15) offer the HTTP layer. Implemented by package engine.
type NoticeService interface {
	// CardExpirySettings returns a mode's notice configuration.
	CardExpirySettings(ctx context.Context, wsID string, mode holdfast.Mode) (holdfast.CardExpirySettings, error)
	// PutCardExpirySettings patches, validates (EVALIDATION with the field's
	// path as param) and saves it, and plans the notices again.
	PutCardExpirySettings(ctx context.Context, wsID string, mode holdfast.Mode, p holdfast.CardExpiryPatch) (holdfast.CardExpirySettings, error)
	// CustomerNotice returns the in-app notice of a Stripe customer (the
	// caller checked its auth hash).
	CustomerNotice(ctx context.Context, wsID string, mode holdfast.Mode, customer string) (*holdfast.CustomerNotice, error)
	// RecordNoticeAction records a view or click of the notice; EVALIDATION
	// for an unknown action or style.
	RecordNoticeAction(ctx context.Context, wsID string, mode holdfast.Mode, customer, action, style string) (*store.NoticeAction, error)
	// TestPortal describes the simulated customer portal of a test-mode
	// card-update link; ENOTFOUND for a bad, expired or live link.
	TestPortal(ctx context.Context, id, token string) (*holdfast.Customer, string, error)
}

// cardExpiryBody is a PUT /v1/card_expiry_notices body. The read-only
// fields of a GET are accepted and ignored, so GET–edit–PUT works.
type cardExpiryBody struct {
	Enabled    *bool            `json:"enabled"`
	DaysBefore *[]json.Number   `json:"days_before"`
	Template   *cardExpiryTmpl  `json:"template"`
	Object     *json.RawMessage `json:"object"`
	Livemode   *json.RawMessage `json:"livemode"`
	UpdatedAt  *json.RawMessage `json:"updated_at"`
}

type cardExpiryTmpl struct {
	Subject *string          `json:"subject"`
	Body    *string          `json:"body"`
	Name    *json.RawMessage `json:"name"`
}

func (s *Server) getCardExpiry(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	c, err := s.svc.Notices.CardExpirySettings(r.Context(), p.Workspace.ID, p.Mode)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) putCardExpiry(w http.ResponseWriter, r *http.Request) error {
	var body cardExpiryBody
	if err := decodeJSON(r, &body, false); err != nil {
		return err
	}
	patch := holdfast.CardExpiryPatch{Enabled: body.Enabled}
	if body.DaysBefore != nil {
		patch.DaysBefore = []int{}
		for i, n := range *body.DaysBefore {
			v, err := n.Int64()
			if err != nil || v < -1<<31 || v > 1<<31 {
				param := "days_before[" + strconv.Itoa(i) + "]"
				return holdfast.ParamError(param, "%s must be a whole number of days.", param)
			}
			patch.DaysBefore = append(patch.DaysBefore, int(v))
		}
	}
	if body.Template != nil {
		patch.Subject, patch.Body = body.Template.Subject, body.Template.Body
	}
	p := PrincipalFrom(r.Context())
	c, err := s.svc.Notices.PutCardExpirySettings(r.Context(), p.Workspace.ID, p.Mode, patch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// getCustomerNotice handles GET /v1/customer_notice?customer=&auth_hash=
// (publishable key, the widget's Holdfast.paymentNotice).
func (s *Server) getCustomerNotice(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := PrincipalFrom(r.Context())
	if err := checkNoticeAuth(p.Workspace, q.Get("customer"), q.Get("auth_hash")); err != nil {
		return err
	}
	n, err := s.svc.Notices.CustomerNotice(r.Context(), p.Workspace.ID, p.Mode, q.Get("customer"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, n)
	return nil
}

type noticeActionBody struct {
	Customer string `json:"customer"`
	AuthHash string `json:"auth_hash"`
	Style    string `json:"style"`
}

// recordNoticeAction handles POST /v1/customer_notice/{view|click}.
func (s *Server) recordNoticeAction(action string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var body noticeActionBody
		if err := decodeJSON(r, &body, false); err != nil {
			return err
		}
		p := PrincipalFrom(r.Context())
		if err := checkNoticeAuth(p.Workspace, body.Customer, body.AuthHash); err != nil {
			return err
		}
		a, err := s.svc.Notices.RecordNoticeAction(r.Context(), p.Workspace.ID, p.Mode, body.Customer, action, body.Style)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a)
		return nil
	}
}

// checkNoticeAuth validates the customer parameter and its auth hash (the
// cancel flow's, SPEC §7): EINVALID for a missing customer, EVALIDATION for
// one that is no Stripe customer id, EAUTHHASH for a missing or wrong hash.
func checkNoticeAuth(ws *holdfast.Workspace, customer, authHash string) error {
	if customer == "" {
		return &holdfast.Error{Code: holdfast.EINVALID, Param: "customer", Message: "Missing required param: customer."}
	}
	if len(customer) > 255 || !strings.HasPrefix(customer, "cus_") {
		return holdfast.ParamError("customer", "customer must be a Stripe customer id (cus_…).")
	}
	return cancelflow.CheckAuthHash(ws.WidgetSecret, customer, authHash)
}

// testPortalPage is the simulated Stripe customer portal of test mode.
var testPortalPage = template.Must(template.New("portal").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Update your payment method (test mode)</title>
<style>body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#0f172a;background:#f8fafc}main{max-width:520px;margin:0 auto;padding:32px 16px}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;background:#fef3c7;color:#92400e;font-size:13px;font-weight:600}
.card{margin:20px 0;padding:20px;border:1px solid #e2e8f0;border-radius:12px;background:#fff}</style></head>
<body><main>
<p class="badge">Test mode</p>
<h1 data-hf="portal">Simulated customer portal</h1>
<p>In live mode this link opens a Stripe customer-portal session where {{.Name}} can change the card that pays {{.Workspace}}.
Test mode never calls Stripe: to simulate a new card, send a <code>payment_method.attached</code> or
<code>payment_method.automatically_updated</code> event for this customer.</p>
<section class="card" aria-label="Current card"><p>Customer <code>{{.Customer}}</code></p>
{{with .Card}}<p>Current card: {{.Brand}} ending in {{.Last4}}, expires {{printf "%02d" .ExpMonth}}/{{.ExpYear}}</p>{{else}}<p>No card on file.</p>{{end}}</section>
</main></body></html>
`))

// testPortal handles GET /r/{send_id}/portal: the simulated portal page of a
// test-mode card-update link.
func (s *Server) testPortal(w http.ResponseWriter, r *http.Request) error {
	c, wsName, err := s.svc.Notices.TestPortal(r.Context(), chi.URLParam(r, "send_id"), r.URL.Query().Get("t"))
	if err != nil {
		return err
	}
	name := "the customer"
	if c.Name != nil && strings.TrimSpace(*c.Name) != "" {
		name = *c.Name
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")
	return testPortalPage.Execute(w, map[string]any{"Name": name, "Workspace": wsName, "Customer": c.ProviderID, "Card": c.Card})
}
