package cancelflow_test

import (
	"testing"
	"time"

	"holdfast"
)

// offerOf returns the offer shown for a reason in a started session.
func offerOf(cs *holdfast.CancelSession, reason string) *holdfast.Offer {
	for _, r := range cs.Reasons {
		if r.ID == reason {
			return r.Offer
		}
	}
	return nil
}

func TestDiscountAbuseGuard(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.setFlow(test, fullFlow())
		shown := e.start(test, t0, "cus_guard", "sub_1")
		if o := offerOf(shown, "price"); o == nil || o.Type != "discount" {
			t.Fatalf("first session offers the discount: %+v", o)
		}
		// A discount only shown (then declined) does not count.
		e.respond(test, t0, shown.ID, "price")
		if _, err := e.svc.Cancel(e.ctx, e.ws.ID, test, t0, shown.ID); err != nil {
			t.Fatal(err)
		}
		if w, err := e.svc.DiscountWithheld(e.ctx, e.ws.ID, test, "cus_guard", t0.Add(time.Minute)); err != nil || w != nil {
			t.Fatalf("a declined discount withholds the next one: %+v %v", w, err)
		}
		// An accepted one does.
		accepted := e.start(test, t0.Add(time.Hour), "cus_guard", "sub_1")
		if o := offerOf(accepted, "price"); o == nil {
			t.Fatal("the discount is withheld after being declined")
		}
		e.respond(test, t0.Add(time.Hour), accepted.ID, "price")
		if _, err := e.svc.Accept(e.ctx, e.ws.ID, test, t0.Add(time.Hour), accepted.ID, 0); err != nil {
			t.Fatal(err)
		}
		w, err := e.svc.DiscountWithheld(e.ctx, e.ws.ID, test, "cus_guard", t0.AddDate(0, 0, 1))
		if err != nil || w == nil || w.CooldownDays != 90 || !w.AcceptedAt.Equal(t0.Add(time.Hour)) || !w.Until.Equal(t0.Add(time.Hour).AddDate(0, 0, 90)) {
			t.Fatalf("withheld after an accepted discount: %+v %v", w, err)
		}
		acceptedAt := t0.Add(time.Hour)
		for _, tc := range []struct {
			name     string
			customer string
			at       time.Time
			want     bool // discount offered
		}{
			{"SameCustomerWithin90Days", "cus_guard", acceptedAt.AddDate(0, 0, 89), false},
			{"OtherCustomer", "cus_other", acceptedAt.AddDate(0, 0, 1), true},
			{"SameCustomerAfter90Days", "cus_guard", acceptedAt.AddDate(0, 0, 90).Add(time.Second), true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cs := e.start(test, tc.at, tc.customer, "sub_1")
				if got := offerOf(cs, "price") != nil; got != tc.want {
					t.Fatalf("discount in reasons: %v, want %v", got, tc.want)
				}
				if o := offerOf(cs, "break"); o == nil || o.Type != "pause" {
					t.Fatalf("other offers stay: %+v", o)
				}
				r := e.respond(test, tc.at, cs.ID, "price")
				if got := r.Offer != nil; got != tc.want {
					t.Fatalf("discount on respond: %v, want %v", got, tc.want)
				}
				if !tc.want {
					_, err := e.svc.Accept(e.ctx, e.ws.ID, test, tc.at, cs.ID, 0)
					wantCode(t, err, holdfast.ECONFLICT)
				}
				// Leave no open session behind for the next case.
				if _, err := e.svc.Cancel(e.ctx, e.ws.ID, test, tc.at, cs.ID); err != nil {
					t.Fatal(err)
				}
			})
		}
		t.Run("SameSessionMayRespondAgain", func(t *testing.T) {
			cs := e.start(test, t0, "cus_fresh", "sub_1")
			e.respond(test, t0, cs.ID, "price")
			e.respond(test, t0, cs.ID, "break")
			if r := e.respond(test, t0, cs.ID, "price"); r.Offer == nil {
				t.Fatal("the session that showed the discount may show it again")
			}
		})
		t.Run("GuardOff", func(t *testing.T) {
			f := fullFlow()
			f.DiscountCooldownDays = 0
			e.setFlow(test, f)
			cs := e.start(test, acceptedAt.AddDate(0, 0, 1), "cus_guard", "sub_1")
			if offerOf(cs, "price") == nil {
				t.Fatal("cooldown 0 turns the guard off")
			}
		})
	})
}
