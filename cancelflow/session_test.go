package cancelflow_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/cancelflow"
)

const test = holdfast.ModeTest

func TestSessionTransitions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.setFlow(test, fullFlow())
		for _, tc := range []struct {
			name    string
			reason  string // "" = no respond
			action  string // accept | cancel
			outcome string
			event   string
			params  map[string]string // of the recorded subscription update
		}{
			{"AcceptPause", "break", "accept", "saved_pause", "cancel_session.saved",
				map[string]string{"pause_collection[behavior]": "void", "pause_collection[resumes_at]": "1801904520"}},
			{"AcceptDiscount", "price", "accept", "saved_discount", "cancel_session.saved", map[string]string{"discounts[0][coupon]": "SAVE20"}},
			{"AcceptDowngrade", "cheap", "accept", "saved_downgrade", "cancel_session.saved",
				map[string]string{"items[0][price]": "price_basic", "proration_behavior": "create_prorations"}},
			{"AcceptOther", "features", "accept", "saved_other", "cancel_session.saved", nil},
			{"CancelAfterOffer", "price", "cancel", "canceled", "cancel_session.canceled", map[string]string{"cancel_at_period_end": "true"}},
			{"CancelWithoutOffer", "none", "cancel", "canceled", "cancel_session.canceled", map[string]string{"cancel_at_period_end": "true"}},
			{"CancelWithoutRespond", "", "cancel", "canceled", "cancel_session.canceled", map[string]string{"cancel_at_period_end": "true"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				now := t0.Add(time.Minute)
				cust := "cus_" + strings.ToLower(tc.name) // fresh customer: no abuse guard
				cs := e.start(test, now, cust, "sub_"+tc.name)
				if cs.Status != "in_progress" || cs.Outcome != nil || len(cs.Reasons) != 5 || !cs.ExpiresAt.Equal(now.Add(30*time.Minute)) {
					t.Fatalf("started: %+v", cs)
				}
				if tc.reason != "" {
					now = now.Add(time.Minute)
					cs = e.respond(test, now, cs.ID, tc.reason)
					if *cs.Reason != tc.reason || cs.Status != "in_progress" {
						t.Fatalf("responded: %+v", cs)
					}
				}
				var err error
				if tc.action == "accept" {
					cs, err = e.svc.Accept(e.ctx, e.ws.ID, test, now.Add(time.Second), cs.ID, 0)
				} else {
					cs, err = e.svc.Cancel(e.ctx, e.ws.ID, test, now.Add(time.Second), cs.ID)
				}
				if err != nil {
					t.Fatal(err)
				}
				if cs.Status != "completed" || *cs.Outcome != tc.outcome || cs.CompletedAt == nil {
					t.Fatalf("completed: %+v", cs)
				}
				got, _ := e.svc.Get(e.ctx, e.ws.ID, test, now.Add(2*time.Second), cs.ID)
				if got.Status != "completed" || *got.Outcome != tc.outcome {
					t.Fatalf("stored: %+v", got)
				}
				if got.Applied == nil || got.Applied.Provider != "simulated" {
					t.Fatalf("test mode must record a simulated change: %+v", got.Applied)
				}
				if tc.params == nil {
					if len(got.Applied.Actions) != 0 {
						t.Fatalf("no provider action expected: %+v", got.Applied.Actions)
					}
				} else {
					a := got.Applied.Actions[len(got.Applied.Actions)-1]
					if a.Method != "POST" || a.Path != "/v1/subscriptions/sub_"+tc.name || !strings.HasPrefix(a.IdempotencyKey, "holdfast-"+cs.ID+"-") {
						t.Fatalf("action: %+v", a)
					}
					for k, v := range tc.params {
						if k == "pause_collection[resumes_at]" {
							v = strconv.FormatInt(t0.Add(2*time.Minute).AddDate(0, 3, 0).Unix(), 10)
						}
						if a.Params[k] != v {
							t.Fatalf("param %s = %q, want %q (all %v)", k, a.Params[k], v, a.Params)
						}
					}
				}
				if tc.action == "accept" && (got.AcceptedOffer == nil || got.AcceptedOffer.Type != strings.TrimPrefix(tc.outcome, "saved_")) {
					t.Fatalf("accepted offer: %+v", got.AcceptedOffer)
				}
				if ev := e.events(cs.ID); len(ev) != 2 || ev[0] != "cancel_session.started" || ev[1] != tc.event {
					t.Fatalf("events: %v", ev)
				}
				// A finished session refuses every further call.
				_, err = e.svc.Respond(e.ctx, e.ws.ID, test, now.Add(3*time.Second), cs.ID, "break", nil)
				wantCode(t, err, holdfast.ECONFLICT)
				_, err = e.svc.Accept(e.ctx, e.ws.ID, test, now.Add(3*time.Second), cs.ID, 0)
				wantCode(t, err, holdfast.ECONFLICT)
				_, err = e.svc.Cancel(e.ctx, e.ws.ID, test, now.Add(3*time.Second), cs.ID)
				wantCode(t, err, holdfast.ECONFLICT)
			})
		}
	})
}

func TestSessionErrors(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.setFlow(test, fullFlow())
		now := t0.Add(time.Minute)
		cs := e.start(test, now, "cus_err", "sub_err")
		t.Run("AcceptBeforeRespond", func(t *testing.T) {
			_, err := e.svc.Accept(e.ctx, e.ws.ID, test, now, cs.ID, 0)
			wantCode(t, err, holdfast.ECONFLICT)
		})
		t.Run("RespondWithoutReason", func(t *testing.T) {
			_, err := e.svc.Respond(e.ctx, e.ws.ID, test, now, cs.ID, " ", nil)
			wantParam(t, err, "reason")
		})
		t.Run("RespondUnknownReason", func(t *testing.T) {
			_, err := e.svc.Respond(e.ctx, e.ws.ID, test, now, cs.ID, "nope", nil)
			wantParam(t, err, "reason")
		})
		t.Run("RespondFeedbackTooLong", func(t *testing.T) {
			fb := strings.Repeat("x", 5001)
			_, err := e.svc.Respond(e.ctx, e.ws.ID, test, now, cs.ID, "none", &fb)
			wantParam(t, err, "feedback")
		})
		t.Run("AcceptWithoutOffer", func(t *testing.T) {
			e.respond(test, now, cs.ID, "none")
			_, err := e.svc.Accept(e.ctx, e.ws.ID, test, now, cs.ID, 0)
			wantCode(t, err, holdfast.ECONFLICT)
		})
		t.Run("RespondAgainChangesOffer", func(t *testing.T) {
			fb := " too pricey "
			got, err := e.svc.Respond(e.ctx, e.ws.ID, test, now.Add(time.Minute), cs.ID, "price", &fb)
			if err != nil {
				t.Fatal(err)
			}
			if *got.Reason != "price" || got.Offer == nil || got.Offer.Type != "discount" || *got.Feedback != "too pricey" {
				t.Fatalf("re-respond: %+v", got)
			}
			if !got.ExpiresAt.Equal(now.Add(31 * time.Minute)) {
				t.Fatalf("respond restarts the timeout: %v", got.ExpiresAt)
			}
			got = e.respond(test, now.Add(2*time.Minute), cs.ID, "break")
			if got.Offer.Type != "pause" || *got.Feedback != "too pricey" {
				t.Fatalf("second re-respond: %+v", got)
			}
		})
		t.Run("PauseMonthsOutOfRange", func(t *testing.T) {
			_, err := e.svc.Accept(e.ctx, e.ws.ID, test, now.Add(3*time.Minute), cs.ID, 4)
			wantParam(t, err, "months")
		})
		t.Run("PauseChosenMonths", func(t *testing.T) {
			got, err := e.svc.Accept(e.ctx, e.ws.ID, test, now.Add(3*time.Minute), cs.ID, 2)
			if err != nil {
				t.Fatal(err)
			}
			want := now.Add(2*time.Minute).AddDate(0, 2, 0)
			if got.AcceptedOffer.Months != 2 || !got.AcceptedOffer.ResumesAt.Equal(want) || got.AcceptedOffer.MaxMonths != 3 {
				t.Fatalf("accepted pause: %+v", got.AcceptedOffer)
			}
		})
		t.Run("NotFoundOtherMode", func(t *testing.T) {
			_, err := e.svc.Get(e.ctx, e.ws.ID, holdfast.ModeLive, now, cs.ID)
			wantCode(t, err, holdfast.ENOTFOUND)
			_, err = e.svc.Respond(e.ctx, e.ws.ID, holdfast.ModeLive, now, cs.ID, "none", nil)
			wantCode(t, err, holdfast.ENOTFOUND)
		})
		t.Run("MonthsOnNonPause", func(t *testing.T) {
			other := e.start(test, now, "cus_err2", "sub_err2")
			e.respond(test, now, other.ID, "cheap")
			_, err := e.svc.Accept(e.ctx, e.ws.ID, test, now, other.ID, 1)
			wantParam(t, err, "months")
		})
	})
}

func TestStartValidation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			name, customer, sub, hash string
			code, param               string
		}{
			{"ErrMissingCustomer", "", "sub_1", "x", holdfast.EVALIDATION, "customer"},
			{"ErrMissingSubscription", "cus_1", "", "x", holdfast.EVALIDATION, "subscription"},
			{"ErrMissingHash", "cus_1", "sub_1", "", holdfast.EAUTHHASH, ""},
			{"ErrWrongHash", "cus_1", "sub_1", strings.Repeat("ab", 32), holdfast.EAUTHHASH, ""},
			{"ErrOtherCustomersHash", "cus_1", "sub_1", "hash:cus_2", holdfast.EAUTHHASH, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				hash := tc.hash
				if c, ok := strings.CutPrefix(hash, "hash:"); ok {
					hash = authHash(e, c)
				}
				_, err := e.svc.Start(e.ctx, e.ws, test, t0, tc.customer, tc.sub, hash)
				if tc.param != "" {
					wantParam(t, err, tc.param)
				} else {
					wantCode(t, err, tc.code)
				}
			})
		}
		t.Run("ForeignMirroredSubscription", func(t *testing.T) {
			_, err := e.st.Conn(e.ctx).Exec(e.ctx, `INSERT INTO subscriptions (id, workspace_id, livemode, provider_id, provider_customer_id, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, "sub_ours", e.ws.ID, false, "sub_theirs", "cus_owner", 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.svc.Start(e.ctx, e.ws, test, t0, "cus_intruder", "sub_theirs", authHash(e, "cus_intruder"))
			wantParam(t, err, "subscription")
			if _, err := e.svc.Start(e.ctx, e.ws, test, t0, "cus_owner", "sub_theirs", authHash(e, "cus_owner")); err != nil {
				t.Fatalf("owner may start: %v", err)
			}
		})
		t.Run("MirroredCustomerLinked", func(t *testing.T) {
			_, err := e.st.Conn(e.ctx).Exec(e.ctx, `INSERT INTO customers (id, workspace_id, livemode, provider_id, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?)`, "cus_ourid", e.ws.ID, false, "cus_stripe", 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			cs := e.start(test, t0, "cus_stripe", "sub_x")
			got, _ := e.st.GetCancelSession(e.ctx, e.ws.ID, test, cs.ID)
			if got.CustomerID != "cus_ourid" || got.Customer != "cus_stripe" {
				t.Fatalf("customer link: %+v", got)
			}
		})
	})
}

func authHash(e *env, customer string) string {
	return cancelflow.AuthHash(e.ws.WidgetSecret, customer)
}
