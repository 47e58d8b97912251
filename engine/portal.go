package engine

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"holdfast"
)

// Card-update links of expiring-card notices and of the in-app notice:
// PublicURL/r/<cen_… or cus_…>?t=<token>, signed like dunning links. A click
// opens a Stripe customer-portal session for the customer (live mode) or a
// simulated portal page (test mode), where the card can be changed.

// isPortalLink reports whether a /r/ id is a card-update link.
func isPortalLink(id string) bool {
	return strings.HasPrefix(id, holdfast.PrefixCardNotice) || strings.HasPrefix(id, holdfast.PrefixCustomer)
}

// CustomerPortalLink is the tracked card-update link of a customer (our id).
func (e *Engine) CustomerPortalLink(customerID string, now time.Time) string {
	return e.link(customerID, now)
}

// portalTarget verifies a card-update link and returns the customer it is
// for, stamping the first click of a notice. A malformed, forged or expired
// link is ENOTFOUND.
func (e *Engine) portalTarget(ctx context.Context, id, token string, click bool) (*holdfast.Customer, error) {
	notFound := holdfast.Errorf(holdfast.ENOTFOUND, "This link is not valid or has expired.")
	exp, sig, ok := strings.Cut(token, ".")
	if !ok || len(e.cfg.SigningKey) == 0 || !isPortalLink(id) || !hmac.Equal([]byte(sig), []byte(e.mac(id, exp))) {
		return nil, notFound
	}
	expUnix, err := strconv.ParseInt(exp, 36, 64)
	if err != nil {
		return nil, notFound
	}
	customerID, notice := id, ""
	if strings.HasPrefix(id, holdfast.PrefixCardNotice) {
		n, err := e.st.GetCardNotice(ctx, id)
		if err != nil {
			return nil, notFound
		}
		customerID, notice = n.Customer, n.ID
	}
	c, err := e.st.CustomerAny(ctx, customerID)
	if err != nil || c.Deleted {
		return nil, notFound
	}
	now, err := e.modeNow(ctx, c.WorkspaceID, holdfast.ModeOf(c.Livemode))
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		return nil, notFound
	} else if err != nil {
		return nil, err
	}
	if now.Unix() > expUnix {
		return nil, notFound
	}
	if click && notice != "" {
		if err := e.st.RecordCardNoticeClick(ctx, notice, now); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// clickPortal handles a card-update link: live mode redirects to a new
// customer-portal session, test mode to the simulated portal page.
func (e *Engine) clickPortal(ctx context.Context, id, token string) (string, error) {
	c, err := e.portalTarget(ctx, id, token, true)
	if err != nil {
		return "", err
	}
	if !c.Livemode {
		return e.cfg.PublicURL + "/r/" + url.PathEscape(id) + "/portal?t=" + url.QueryEscape(token), nil
	}
	if e.cfg.Portal == nil {
		return "", errors.New("engine: no customer-portal provider is configured")
	}
	// No return URL: the portal configuration's default applies (Holdfast
	// does not know where the merchant's account page is).
	u, err := e.cfg.Portal.CreatePortalSession(ctx, c.WorkspaceID, holdfast.ModeLive, c.ProviderID, "")
	if err != nil {
		e.log.Error("engine: customer-portal session", "workspace", c.WorkspaceID, "customer", c.ID, "err", err)
		return "", err
	}
	if pu, perr := url.Parse(u); perr != nil || pu.Scheme != "https" && pu.Scheme != "http" || pu.Host == "" {
		return "", fmt.Errorf("engine: customer-portal session has no usable URL %q", u)
	}
	return u, nil
}

// TestPortal describes the simulated customer portal of a test-mode
// card-update link (GET /r/<id>/portal): whose card it would change.
func (e *Engine) TestPortal(ctx context.Context, id, token string) (*holdfast.Customer, string, error) {
	c, err := e.portalTarget(ctx, id, token, false)
	if err != nil {
		return nil, "", err
	}
	if c.Livemode {
		return nil, "", holdfast.Errorf(holdfast.ENOTFOUND, "This link is not valid or has expired.")
	}
	ws, err := e.workspace(ctx, c.WorkspaceID)
	if err != nil {
		return nil, "", err
	}
	return c, ws.name, nil
}

// SetPortal sets the customer-portal provider after New (tests that build
// the provider from the same store); call it before the engine serves.
func (e *Engine) SetPortal(p holdfast.PortalSessions) { e.cfg.Portal = p }
