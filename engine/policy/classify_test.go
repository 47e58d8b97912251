package policy

import "testing"

// TestClassifyCodeTable checks every decline code SPEC §6's table names, spelled
// out here rather than read from codeClass so a typo in the table is caught.
func TestClassifyCodeTable(t *testing.T) {
	t.Parallel()
	table := map[Class][]string{
		ClassNeverRetry: {"incorrect_number", "lost_card", "pickup_card", "stolen_card",
			"revocation_of_authorization", "revocation_of_all_authorizations",
			"highest_risk_level", "fraudulent", "merchant_blacklist", "restricted_card",
			"security_violation", "transaction_not_allowed"},
		ClassNeedsCustomer: {"expired_card", "incorrect_cvc", "incorrect_zip",
			"invalid_expiry_month", "invalid_expiry_year", "authentication_required"},
		ClassFunds:     {"insufficient_funds", "withdrawal_count_limit_exceeded"},
		ClassTransient: {"try_again_later", "processing_error", "issuer_not_available", "reenter_transaction"},
		ClassAmbiguous: {"generic_decline", "do_not_honor", "card_velocity_exceeded",
			"some_future_code", "card_declined", ""},
	}
	seen := 0
	for want, codes := range table {
		for _, code := range codes {
			t.Run(string(want)+"/"+code, func(t *testing.T) {
				if got := Classify(Decline{Code: code}); got != want {
					t.Errorf("Classify(%q) = %q, want %q", code, got, want)
				}
			})
			if _, ok := codeClass[code]; ok {
				seen++
			}
		}
	}
	if seen != len(codeClass) {
		t.Errorf("test covers %d of the %d codes in codeClass", seen, len(codeClass))
	}
}

func TestClassifyOverrides(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		d    Decline
		want Class
	}{
		{"AdviceDoNotTryAgainOverFunds", Decline{Code: "insufficient_funds", AdviceCode: "do_not_try_again"}, ClassNeverRetry},
		{"AdviceConfirmCardDataOverGeneric", Decline{Code: "generic_decline", AdviceCode: "confirm_card_data"}, ClassNeedsCustomer},
		{"AdviceTryAgainLaterOverDoNotHonor", Decline{Code: "do_not_honor", AdviceCode: "try_again_later"}, ClassTransient},
		{"AdviceTryAgainLaterOverLostCard", Decline{Code: "lost_card", AdviceCode: "try_again_later"}, ClassTransient},
		{"AdviceWithoutCode", Decline{AdviceCode: "confirm_card_data"}, ClassNeedsCustomer},
		{"UnknownAdviceFallsToCode", Decline{Code: "insufficient_funds", AdviceCode: "call_the_bank"}, ClassFunds},
		{"AdviceCaseAndSpace", Decline{Code: "generic_decline", AdviceCode: " Do_Not_Try_Again "}, ClassNeverRetry},
		{"CodeCase", Decline{Code: "Insufficient_Funds"}, ClassFunds},
		{"MAC03", Decline{Code: "insufficient_funds", NetworkAdviceCode: "03"}, ClassNeverRetry},
		{"MAC21", Decline{Code: "try_again_later", NetworkAdviceCode: "21"}, ClassNeverRetry},
		{"MAC3WithoutZero", Decline{Code: "generic_decline", NetworkAdviceCode: "3"}, ClassNeverRetry},
		{"MAC24", Decline{Code: "generic_decline", NetworkAdviceCode: "24"}, ClassTransient},
		{"MAC27", Decline{Code: "insufficient_funds", NetworkAdviceCode: "27"}, ClassTransient},
		{"MAC30", Decline{Code: "expired_card", NetworkAdviceCode: "30"}, ClassTransient},
		{"MAC23NoAdvice", Decline{Code: "insufficient_funds", NetworkAdviceCode: "23"}, ClassFunds},
		{"MAC31NoAdvice", Decline{Code: "insufficient_funds", NetworkAdviceCode: "31"}, ClassFunds},
		{"MAC01NoAdvice", Decline{Code: "do_not_honor", NetworkAdviceCode: "01"}, ClassAmbiguous},
		{"MACGarbage", Decline{Code: "processing_error", NetworkAdviceCode: "xx"}, ClassTransient},
		{"MACOverAdvice", Decline{Code: "generic_decline", AdviceCode: "confirm_card_data", NetworkAdviceCode: "24"}, ClassTransient},
		{"NeverWinsMACTransientAdviceNever", Decline{AdviceCode: "do_not_try_again", NetworkAdviceCode: "24"}, ClassNeverRetry},
		{"NeverWinsMACNeverAdviceTransient", Decline{AdviceCode: "try_again_later", NetworkAdviceCode: "21"}, ClassNeverRetry},
		{"Empty", Decline{}, ClassAmbiguous},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := Classify(c.d); got != c.want {
				t.Errorf("Classify(%+v) = %q, want %q", c.d, got, c.want)
			}
		})
	}
}
