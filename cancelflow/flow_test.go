package cancelflow_test

import (
	"strings"
	"testing"
	"time"

	"holdfast"
	"holdfast/cancelflow"
)

func TestValidateFlow(t *testing.T) {
	t.Parallel()
	if _, err := cancelflow.ValidateFlow(holdfast.DefaultCancelFlow(false)); err != nil {
		t.Fatalf("default flow must be valid: %v", err)
	}
	ok := func(o *holdfast.Offer) *holdfast.CancelFlow {
		return &holdfast.CancelFlow{Reasons: []holdfast.CancelReason{{ID: "r", Label: "R", Offer: o}}, SessionTimeoutMinutes: 30, DiscountCooldownDays: 90}
	}
	resumes := time.Now()
	for _, tc := range []struct {
		name  string
		flow  *holdfast.CancelFlow
		param string // "" = valid
	}{
		{"OKNoOffer", ok(nil), ""},
		{"OKNoReasons", &holdfast.CancelFlow{SessionTimeoutMinutes: 1}, ""},
		{"OKDiscountWithoutCoupon", ok(&holdfast.Offer{Type: "discount", PercentOff: 100, DurationMonths: 36}), ""},
		{"OKPauseManual", ok(&holdfast.Offer{Type: "pause", MaxMonths: 12, ResumeBehavior: "manual", Behavior: "keep_as_draft"}), ""},
		{"OKDowngrade", ok(&holdfast.Offer{Type: "downgrade", PriceID: "price_1", Proration: "none"}), ""},
		{"ErrReasonID", &holdfast.CancelFlow{Reasons: []holdfast.CancelReason{{ID: "Bad Id", Label: "x"}}, SessionTimeoutMinutes: 30}, "reasons[0].id"},
		{"ErrDuplicateID", &holdfast.CancelFlow{Reasons: []holdfast.CancelReason{{ID: "a", Label: "x"}, {ID: "a", Label: "y"}}, SessionTimeoutMinutes: 30}, "reasons[1].id"},
		{"ErrEmptyLabel", &holdfast.CancelFlow{Reasons: []holdfast.CancelReason{{ID: "a", Label: "  "}}, SessionTimeoutMinutes: 30}, "reasons[0].label"},
		{"ErrLongLabel", &holdfast.CancelFlow{Reasons: []holdfast.CancelReason{{ID: "a", Label: strings.Repeat("x", 201)}}, SessionTimeoutMinutes: 30}, "reasons[0].label"},
		{"ErrTooManyReasons", &holdfast.CancelFlow{Reasons: make([]holdfast.CancelReason, 21), SessionTimeoutMinutes: 30}, "reasons"},
		{"ErrOfferType", ok(&holdfast.Offer{Type: "refund"}), "reasons[0].offer.type"},
		{"ErrDiscountPercent", ok(&holdfast.Offer{Type: "discount", PercentOff: 101, DurationMonths: 1}), "reasons[0].offer.percent_off"},
		{"ErrDiscountMonths", ok(&holdfast.Offer{Type: "discount", PercentOff: 10}), "reasons[0].offer.duration_months"},
		{"ErrDiscountCouponSpaces", ok(&holdfast.Offer{Type: "discount", PercentOff: 10, DurationMonths: 1, CouponID: "a b"}), "reasons[0].offer.coupon"},
		{"ErrDiscountWithPrice", ok(&holdfast.Offer{Type: "discount", PercentOff: 10, DurationMonths: 1, PriceID: "price_1"}), "reasons[0].offer.price"},
		{"ErrPauseMonths", ok(&holdfast.Offer{Type: "pause", MaxMonths: 13}), "reasons[0].offer.max_months"},
		{"ErrPauseResume", ok(&holdfast.Offer{Type: "pause", MaxMonths: 1, ResumeBehavior: "later"}), "reasons[0].offer.resume_behavior"},
		{"ErrPauseBehavior", ok(&holdfast.Offer{Type: "pause", MaxMonths: 1, Behavior: "skip"}), "reasons[0].offer.behavior"},
		{"ErrPauseWithCoupon", ok(&holdfast.Offer{Type: "pause", MaxMonths: 1, CouponID: "X"}), "reasons[0].offer.coupon"},
		{"ErrDowngradeNoPrice", ok(&holdfast.Offer{Type: "downgrade"}), "reasons[0].offer.price"},
		{"ErrDowngradeProration", ok(&holdfast.Offer{Type: "downgrade", PriceID: "p", Proration: "sometimes"}), "reasons[0].offer.proration_behavior"},
		{"ErrOtherNoMessage", ok(&holdfast.Offer{Type: "other"}), "reasons[0].offer.message"},
		{"ErrOtherWithPercent", ok(&holdfast.Offer{Type: "other", Message: "m", PercentOff: 5}), "reasons[0].offer.percent_off"},
		{"ErrMonthsInConfig", ok(&holdfast.Offer{Type: "pause", MaxMonths: 2, Months: 1}), "reasons[0].offer.months"},
		{"ErrResumesAtInConfig", ok(&holdfast.Offer{Type: "pause", MaxMonths: 2, ResumesAt: &resumes}), "reasons[0].offer.resumes_at"},
		{"ErrTimeoutZero", &holdfast.CancelFlow{SessionTimeoutMinutes: 0}, "session_timeout_minutes"},
		{"ErrTimeoutHuge", &holdfast.CancelFlow{SessionTimeoutMinutes: 1441}, "session_timeout_minutes"},
		{"ErrCooldownNegative", &holdfast.CancelFlow{SessionTimeoutMinutes: 30, DiscountCooldownDays: -1}, "discount_cooldown_days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cancelflow.ValidateFlow(tc.flow)
			if tc.param == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				if got == nil {
					t.Fatal("nil flow")
				}
				return
			}
			wantParam(t, err, tc.param)
		})
	}
}

func TestValidateFlowFillsDefaults(t *testing.T) {
	t.Parallel()
	f := &holdfast.CancelFlow{Reasons: []holdfast.CancelReason{
		{ID: "a", Label: " A ", Offer: &holdfast.Offer{Type: "pause", MaxMonths: 2}},
		{ID: "b", Label: "B", Offer: &holdfast.Offer{Type: "downgrade", PriceID: "price_1"}},
	}, SessionTimeoutMinutes: 30}
	got, err := cancelflow.ValidateFlow(f)
	if err != nil {
		t.Fatal(err)
	}
	if p := got.Reasons[0].Offer; p.ResumeBehavior != "auto" || p.Behavior != "void" || got.Reasons[0].Label != "A" {
		t.Fatalf("pause defaults: %+v", p)
	}
	if d := got.Reasons[1].Offer; d.Proration != "create_prorations" {
		t.Fatalf("downgrade default: %+v", d)
	}
	if f.Reasons[0].Offer.Behavior != "" {
		t.Fatal("ValidateFlow modified its input")
	}
}

func TestAuthHash(t *testing.T) {
	t.Parallel()
	// Reference value: printf %s cus_123 | openssl dgst -sha256 -hmac wsec_test
	const want = "2c387c4d693172f28706be418a32be7ccc5d26d7f2edada796b188e74486b153"
	secret := "wsec_test"
	h := cancelflow.AuthHash(secret, "cus_123")
	if h != want {
		t.Fatalf("AuthHash = %q, want %q", h, want)
	}
	for _, tc := range []struct {
		name     string
		customer string
		given    string
		ok       bool
	}{
		{"OK", "cus_123", h, true},
		{"OKUppercaseHex", "cus_123", strings.ToUpper(h), true},
		{"ErrMissing", "cus_123", "", false},
		{"ErrWrong", "cus_123", strings.Repeat("0", 64), false},
		{"ErrOtherCustomersHash", "cus_456", h, false},
		{"ErrTruncated", "cus_123", h[:62], false},
		{"ErrNotHex", "cus_123", "zz" + h[2:], false},
		{"ErrOtherSecret", "cus_123", cancelflow.AuthHash("wsec_other", "cus_123"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := cancelflow.CheckAuthHash(secret, tc.customer, tc.given)
			if tc.ok && err != nil {
				t.Fatalf("want ok, got %v", err)
			}
			if !tc.ok {
				wantCode(t, err, holdfast.EAUTHHASH)
			}
		})
	}
}
