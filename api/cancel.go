package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"holdfast"
	"holdfast/store"
)

// CancelService runs the cancel flow of SPEC §7 (package cancelflow). Every
// method works within one workspace and mode; now is the mode's clock.
type CancelService interface {
	// Flow returns the configuration (the default one until changed).
	Flow(ctx context.Context, wsID string, mode holdfast.Mode) (*holdfast.CancelFlow, error)
	// PutFlow validates and stores a configuration; EVALIDATION with Param.
	PutFlow(ctx context.Context, wsID string, mode holdfast.Mode, f *holdfast.CancelFlow, now time.Time) (*holdfast.CancelFlow, error)
	// Start opens a session with the reasons to show. EVALIDATION for a
	// missing customer/subscription, EAUTHHASH for a missing or wrong hash.
	Start(ctx context.Context, ws *holdfast.Workspace, mode holdfast.Mode, now time.Time, customer, subscription, authHash string) (*holdfast.CancelSession, error)
	// Respond records the reason and presents its offer. ENOTFOUND,
	// ECONFLICT on a finished session, EVALIDATION for an unknown reason.
	Respond(ctx context.Context, wsID string, mode holdfast.Mode, now time.Time, id, reason string, feedback *string) (*holdfast.CancelSession, error)
	// Accept applies the offer through the provider. ECONFLICT before
	// respond, without an offer, on a finished session or a provider failure.
	Accept(ctx context.Context, wsID string, mode holdfast.Mode, now time.Time, id string, months int) (*holdfast.CancelSession, error)
	// Cancel cancels the subscription at period end. Errors as for Accept.
	Cancel(ctx context.Context, wsID string, mode holdfast.Mode, now time.Time, id string) (*holdfast.CancelSession, error)
	// Get returns a session as of now (a timed-out one reads as abandoned;
	// reading never writes).
	Get(ctx context.Context, wsID string, mode holdfast.Mode, now time.Time, id string) (*holdfast.CancelSession, error)
}

// cancelOutcomes are the values of the `outcome` list filter.
var cancelOutcomes = []string{holdfast.OutcomeSavedDiscount, holdfast.OutcomeSavedPause, holdfast.OutcomeSavedDowngrade,
	holdfast.OutcomeSavedOther, holdfast.OutcomeCanceled, holdfast.OutcomeAbandoned}

// cancelFlowBody is PUT /v1/cancel_flow. Omitted fields keep their current
// value, so a dashboard can change the timeout without resending reasons;
// `reasons`, when given, replaces the whole list.
type cancelFlowBody struct {
	Reasons               *[]holdfast.CancelReason `json:"reasons"`
	SessionTimeoutMinutes *int                     `json:"session_timeout_minutes"`
	DiscountCooldownDays  *int                     `json:"discount_cooldown_days"`
}

func (s *Server) getCancelFlow(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	f, err := s.svc.Cancel.Flow(r.Context(), p.Workspace.ID, p.Mode)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

func (s *Server) putCancelFlow(w http.ResponseWriter, r *http.Request) error {
	var body cancelFlowBody
	if err := decodeJSON(r, &body, false); err != nil {
		return err
	}
	if err := requireReasonFields(r); err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	f, err := s.svc.Cancel.Flow(r.Context(), p.Workspace.ID, p.Mode)
	if err != nil {
		return err
	}
	if body.Reasons != nil {
		f.Reasons = *body.Reasons
	}
	if body.SessionTimeoutMinutes != nil {
		f.SessionTimeoutMinutes = *body.SessionTimeoutMinutes
	}
	if body.DiscountCooldownDays != nil {
		f.DiscountCooldownDays = *body.DiscountCooldownDays
	}
	out, err := s.svc.Cancel.PutFlow(r.Context(), p.Workspace.ID, p.Mode, f, p.Clock.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// requireReasonFields reports a reason (or its offer) that leaves out a
// required field: reasons[i].id, reasons[i].label, reasons[i].offer.type.
// The body already decoded strictly, so only presence is checked here.
func requireReasonFields(r *http.Request) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	var raw struct {
		Reasons []json.RawMessage `json:"reasons"`
	}
	if json.Unmarshal(b, &raw) != nil {
		return nil
	}
	for i, reason := range raw.Reasons {
		at := fmt.Sprintf("reasons[%d]", i)
		if err := requireFields(reason, at, "id", "label"); err != nil {
			return err
		}
		var o struct {
			Offer json.RawMessage `json:"offer"`
		}
		if json.Unmarshal(reason, &o) == nil && len(o.Offer) > 0 && !isNull(o.Offer) {
			if err := requireFields(o.Offer, at+".offer", "type"); err != nil {
				return err
			}
		}
	}
	return nil
}

// listCancelSessions is GET /v1/cancel_sessions (page pagination).
func (s *Server) listCancelSessions(w http.ResponseWriter, r *http.Request) error {
	q, page, perPage, err := pageQuery(r)
	if err != nil {
		return err
	}
	outcome, err := enumParam(r, "outcome", cancelOutcomes...)
	if err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	q.AsOf = p.Clock.Now() // expired sessions read as abandoned; the timeout job writes
	l, err := s.store.ListCancelSessions(r.Context(), p.Workspace.ID, p.Mode, outcome, q)
	if err != nil {
		return err
	}
	writePage(w, l, page, perPage)
	return nil
}

// readListCancelSessions is GET /api/v1/cancel_sessions. Its cursor is an
// RFC 3339 timestamp (objects strictly older are returned), so a client can
// also start from a date it writes by hand; created_at is unique per
// workspace and mode, which makes the cursor of the last item exact.
func (s *Server) readListCancelSessions(w http.ResponseWriter, r *http.Request) error {
	q, err := limitQuery(r)
	if err != nil {
		return err
	}
	var before *time.Time
	if v := r.URL.Query(); v.Has("cursor") {
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(v.Get("cursor")))
		if err != nil {
			return holdfast.ParamError("cursor", "cursor must be an RFC 3339 timestamp such as 2026-01-01T00:00:00Z.")
		}
		before = &t
	}
	outcome, err := enumParam(r, "outcome", cancelOutcomes...)
	if err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	lq := store.BeforeQuery(before, q.Limit)
	lq.AsOf = p.Clock.Now()
	l, err := s.store.ListCancelSessions(r.Context(), p.Workspace.ID, p.Mode, outcome, lq)
	if err != nil {
		return err
	}
	writeCursorPage(w, l, func(cs *holdfast.CancelSession) string { return cs.CreatedAt.UTC().Format(time.RFC3339Nano) })
	return nil
}

func (s *Server) getCancelSession(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	cs, err := s.svc.Cancel.Get(r.Context(), p.Workspace.ID, p.Mode, p.Clock.Now(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cs)
	return nil
}
