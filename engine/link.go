package engine

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"holdfast"
)

// Dunning links are PublicURL/r/<send id>?t=<token>. The token is
// <expiry, base 36 Unix seconds>.<HMAC-SHA256 of "send id.expiry", 128 bits,
// base64url>, so a link cannot be forged or kept working past its expiry,
// and the send id in the path is all the server needs to find it. Expiry is
// in the mode's clock, like every other test-mode time.

// link returns the tracked link of a send created at now.
func (e *Engine) link(sendID string, now time.Time) string {
	exp := strconv.FormatInt(now.Add(e.cfg.LinkTTL).Unix(), 36)
	return e.cfg.PublicURL + "/r/" + url.PathEscape(sendID) + "?t=" + exp + "." + e.mac(sendID, exp)
}

func (e *Engine) mac(sendID, exp string) string {
	m := hmac.New(sha256.New, e.cfg.SigningKey)
	m.Write([]byte(sendID + "." + exp))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Click records the first click on a send's link and returns the invoice's
// hosted payment page to redirect to. A malformed, forged or expired link, or
// an engine without a signing key, is ENOTFOUND.
func (e *Engine) Click(ctx context.Context, sendID, token string) (string, error) {
	if isPortalLink(sendID) {
		return e.clickPortal(ctx, sendID, token)
	}
	notFound := holdfast.Errorf(holdfast.ENOTFOUND, "This link is not valid or has expired.")
	exp, sig, ok := strings.Cut(token, ".")
	if !ok || len(e.cfg.SigningKey) == 0 || !hmac.Equal([]byte(sig), []byte(e.mac(sendID, exp))) {
		return "", notFound
	}
	expUnix, err := strconv.ParseInt(exp, 36, 64)
	if err != nil {
		return "", notFound
	}
	d, err := e.st.GetSend(ctx, sendID)
	if err != nil {
		return "", notFound
	}
	mode := holdfast.ModeOf(d.Livemode)
	now, err := e.modeNow(ctx, d.WorkspaceID, mode)
	if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
		return "", notFound // the send's workspace is gone
	} else if err != nil {
		return "", err
	}
	if now.Unix() > expUnix {
		return "", notFound
	}
	if err := e.st.RecordClick(ctx, d.ID, now); err != nil {
		return "", err
	}
	p, err := e.st.GetPayment(ctx, d.WorkspaceID, mode, d.Payment)
	if err != nil {
		return "", err
	}
	if u, err := url.Parse(p.HostedInvoiceURL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		return u.String(), nil
	}
	// No hosted page known (the failure came without one): the merchant's
	// public site is the best place left to send the customer.
	return e.cfg.PublicURL + "/", nil
}
