package api_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
	"holdfast/engine"
	"holdfast/mail"
	"holdfast/mail/smtptest"
)

// withEngine wires a recovery engine into the test server; mailer (may be
// nil) delivers test-mode email.
func withEngine(eng **engine.Engine, mailer mail.Sender) func(*api.Config) {
	return func(c *api.Config) {
		e := engine.New(engine.Config{Store: c.Store, PublicURL: "https://hf.example", SigningKey: []byte("test-key"), TestMailer: mailer})
		c.Services.Engine, c.Services.Recovery, c.Services.Notices = e, e, e
		*eng = e
	}
}

// openRecovery reports a failed test-mode invoice for a new customer.
func openRecovery(t *testing.T, e *apitest.Env, eng *engine.Engine, wsID, email, code string) *holdfast.Payment {
	t.Helper()
	ctx := context.Background()
	cid := holdfast.NewID(holdfast.PrefixCustomer)
	_, err := e.Store.Conn(ctx).Exec(ctx, `INSERT INTO customers (id, workspace_id, livemode, provider_id, email, email_lower, name, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, cid, wsID, false, "cus_"+holdfast.RandomBase62(8), email, email, "Ada", time.Now().UnixMicro(), time.Now().UnixMicro())
	if err != nil {
		t.Fatal(err)
	}
	var p *holdfast.Payment
	err = e.Store.InTx(ctx, func(ctx context.Context) error {
		p, err = eng.InvoiceFailed(ctx, holdfast.InvoiceFailure{WorkspaceID: wsID, Mode: holdfast.ModeTest, Invoice: "in_" + holdfast.RandomBase62(8),
			Customer: cid, Amount: 4900, Currency: "eur", HostedInvoiceURL: "https://invoice.stripe.com/i/acct_1/test_abc",
			Decline: holdfast.Decline{Code: code, FailureCode: "card_declined"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAdvanceClock(t *testing.T) {
	var eng *engine.Engine
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws := e.Workspace("Clock")
		write := e.Key(ws.ID, holdfast.ModeTest, holdfast.ScopeWrite)
		cases := []struct {
			name   string
			token  string
			body   any
			status int
			code   string
			param  string
		}{
			{"ErrMissingSeconds", write, map[string]any{}, 400, "invalid_request", "seconds"},
			{"ErrZero", write, map[string]any{"seconds": 0}, 422, "validation_error", "seconds"},
			{"ErrNegative", write, map[string]any{"seconds": -60}, 422, "validation_error", "seconds"},
			{"ErrFraction", write, map[string]any{"seconds": 1.5}, 422, "validation_error", "seconds"},
			{"ErrString", write, `{"seconds": "60"}`, 422, "validation_error", "seconds"},
			{"ErrTooFar", write, map[string]any{"seconds": 10*365*86400 + 1}, 422, "validation_error", "seconds"},
			{"ErrUnknownField", write, map[string]any{"seconds": 60, "minutes": 1}, 422, "validation_error", "minutes"},
			{"ErrLiveKey", e.Key(ws.ID, holdfast.ModeLive, holdfast.ScopeWrite), map[string]any{"seconds": 60}, 400, "invalid_request", ""},
			{"ErrReadOnly", e.Key(ws.ID, holdfast.ModeTest, holdfast.ScopeRead), map[string]any{"seconds": 60}, 403, "insufficient_scope", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := e.Do("POST", "/v1/test_helpers/advance_clock", tc.token, tc.body)
				if res.Status != tc.status || res.ErrorCode() != tc.code {
					t.Fatalf("status %d code %q, want %d %q: %s", res.Status, res.ErrorCode(), tc.status, tc.code, res.Body)
				}
				if tc.param != "" && res.ErrorField("param") != tc.param {
					t.Fatalf("param = %v", res.ErrorField("param"))
				}
			})
		}
		t.Run("OK", func(t *testing.T) {
			before := time.Now()
			res := e.Do("POST", "/v1/test_helpers/advance_clock", write, map[string]any{"seconds": 86400 * 3})
			if res.Status != 200 || res.JSON["object"] != "test_clock" {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			now, err := time.Parse(time.RFC3339, res.JSON["now"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if d := now.Sub(before); d < 72*time.Hour || d > 72*time.Hour+time.Minute {
				t.Fatalf("clock moved %v", d)
			}
		})
	}, withEngine(&eng, nil))
}

func TestRetryPaymentEndpoint(t *testing.T) {
	var eng *engine.Engine
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws := e.Workspace("Retry")
		write := e.Key(ws.ID, holdfast.ModeTest, holdfast.ScopeWrite, holdfast.ScopeRead)
		p := openRecovery(t, e, eng, ws.ID, "ada@example.com", "generic_decline")
		t.Run("ErrNotFound", func(t *testing.T) {
			res := e.Do("POST", "/v1/payments/pay_missing/retry", write, nil)
			if res.Status != 404 || res.ErrorCode() != "resource_not_found" {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("ErrOtherMode", func(t *testing.T) {
			live := e.Key(ws.ID, holdfast.ModeLive, holdfast.ScopeWrite)
			if res := e.Do("POST", "/v1/payments/"+p.ID+"/retry", live, nil); res.Status != 404 {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
		t.Run("ErrBodyDecodedStrictly", func(t *testing.T) {
			for _, tc := range []struct {
				name, body, code string
				status           int
			}{
				{"UnknownField", `{"amount":1}`, "validation_error", 422},
				{"TrailingData", `{}}`, "invalid_request", 400},
				{"Malformed", `retry please`, "invalid_request", 400},
			} {
				t.Run(tc.name, func(t *testing.T) {
					res := e.Do("POST", "/v1/payments/"+p.ID+"/retry", write, tc.body)
					if res.Status != tc.status || res.ErrorCode() != tc.code {
						t.Fatalf("%d %s", res.Status, res.Body)
					}
				})
			}
			// None of them charged: the OK case below sees the only attempt.
		})
		t.Run("OK", func(t *testing.T) {
			res := e.Do("POST", "/v1/payments/"+p.ID+"/retry", write, nil)
			if res.Status != 200 || res.JSON["id"] != p.ID || res.JSON["object"] != "payment" {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			atts, _ := res.JSON["attempts"].([]any)
			if len(atts) != 1 {
				t.Fatalf("attempts = %v", res.JSON["attempts"])
			}
			a := atts[0].(map[string]any)
			if a["initiator"] != "manual" || a["outcome"] != "failed" || a["decline_code"] != "generic_decline" ||
				!strings.HasPrefix(a["idempotency_key"].(string), engine.IdempotencyKeyPrefix) {
				t.Fatalf("attempt = %v", a)
			}
		})
		t.Run("ErrConflictWhenNotPending", func(t *testing.T) {
			if err := eng.InvoicePaid(context.Background(), ws.ID, holdfast.ModeTest, p.Invoice, time.Now()); err != nil {
				t.Fatal(err)
			}
			res := e.Do("POST", "/v1/payments/"+p.ID+"/retry", write, nil)
			if res.Status != 409 || res.ErrorCode() != "state_conflict" {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
	}, withEngine(&eng, nil))
}

var linkRE = regexp.MustCompile(`https://hf\.example(/r/\S+)`)

// TestDunningLinkFromEmail sends a card-update email to an in-test SMTP
// server and follows the /r/ link it contains.
func TestDunningLinkFromEmail(t *testing.T) {
	var eng *engine.Engine
	srv := smtptest.Start(t)
	sender, err := mail.NewSMTP(srv.URL(), "Acme Billing <billing@acme.test>")
	if err != nil {
		t.Fatal(err)
	}
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws := e.Workspace("Links")
		write := e.Key(ws.ID, holdfast.ModeTest, holdfast.ScopeWrite)
		email := "link-" + strings.ToLower(holdfast.RandomBase62(6)) + "@example.com"
		p := openRecovery(t, e, eng, ws.ID, email, "expired_card")
		// The send is queued at once; advance_clock runs the due delivery.
		if res := e.Do("POST", "/v1/test_helpers/advance_clock", write, map[string]any{"seconds": 1}); res.Status != 200 {
			t.Fatalf("advance: %d %s", res.Status, res.Body)
		}
		var msg *smtptest.Received
		for _, m := range srv.Messages() {
			if len(m.To) == 1 && m.To[0] == email {
				msg = &m
			}
		}
		if msg == nil {
			t.Fatalf("no email to %s", email)
		}
		if !strings.Contains(msg.TextBody, "49,00 €") {
			t.Fatalf("amount missing: %s", msg.TextBody)
		}
		m := linkRE.FindStringSubmatch(msg.TextBody)
		if m == nil || !strings.Contains(msg.HTMLBody, "/r/") {
			t.Fatalf("no /r/ link in text %q / html", msg.TextBody)
		}
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		get := func(path string) *http.Response {
			res, err := noRedirect.Get(e.Server.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res
		}
		res := get(m[1])
		if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "https://invoice.stripe.com/i/acct_1/test_abc" {
			t.Fatalf("click: %d → %q", res.StatusCode, res.Header.Get("Location"))
		}
		u, _ := url.Parse(m[1])
		sendID := strings.TrimPrefix(u.Path, "/r/")
		d, err := e.Store.GetSend(context.Background(), sendID)
		if err != nil || d.ClickedAt == nil || d.Payment != p.ID || d.Status != holdfast.SendSent {
			t.Fatalf("send after click = %+v (%v)", d, err)
		}
		for name, path := range map[string]string{
			"NoToken":     u.Path,
			"BadToken":    u.Path + "?t=" + strings.Replace(u.Query().Get("t"), ".", ".x", 1),
			"OtherSend":   "/r/ds_other?" + u.RawQuery,
			"EmptyTokens": u.Path + "?t=.",
		} {
			if res := get(path); res.StatusCode != http.StatusNotFound {
				t.Fatalf("%s: %d", name, res.StatusCode)
			}
		}
	}, withEngine(&eng, sender))
}
