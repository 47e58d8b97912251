package policy

import (
	"math/rand/v2"
	"testing"
	"time"
)

var (
	fuzzCodes = []Decline{
		{Code: "lost_card"}, {Code: "expired_card"}, {Code: "insufficient_funds"},
		{Code: "processing_error"}, {Code: "generic_decline"}, {Code: "weird"}, {},
		{AdviceCode: "do_not_try_again"}, {AdviceCode: "try_again_later"},
		{NetworkAdviceCode: "21"}, {NetworkAdviceCode: "25"}, {NetworkAdviceCode: "-99999999999999999999"},
	}
	fuzzZones   = []string{"UTC", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe", "Pacific/Chatham", "America/Santiago"}
	fuzzCards   = []Card{visaCard, mcCard, amexCard, {}, {Fingerprint: "fp_visa", Brand: "visa", Funding: "debit"}, {Fingerprint: "fp_mc", Brand: "MASTERCARD", Funding: "debit"}}
	fuzzOutcome = []string{OutcomeFailed, OutcomeSucceeded, OutcomeRefused, ""}
)

// FuzzNext checks that Next never panics, never retries before now, and that
// every retry it plans passes the network limits it promises to respect.
func FuzzNext(f *testing.F) {
	f.Add(int64(0), int64(0), uint8(0), uint8(0), uint8(0), int8(0), int8(3), false, uint8(0), uint64(1))
	f.Add(int64(1772445600), int64(-86400), uint8(2), uint8(2), uint8(4), int8(2), int8(5), false, uint8(40), uint64(7))
	f.Add(int64(1772445600), int64(-3600), uint8(3), uint8(4), uint8(1), int8(1), int8(10), false, uint8(60), uint64(99))
	f.Add(int64(-62135596800), int64(1<<40), uint8(9), uint8(5), uint8(5), int8(-3), int8(-1), true, uint8(255), uint64(3))
	f.Add(int64(1800000000), int64(-30*86400), uint8(1), uint8(1), uint8(3), int8(6), int8(7), false, uint8(200), uint64(12))
	f.Fuzz(func(t *testing.T, now, openedDelta int64, code, zone, card uint8, used, maxRetries int8, changed bool, nHistory uint8, seed uint64) {
		// A missing zone is a broken environment, not an input to skip: the
		// other policy tests fail on it too.
		loc := mustZone(t, fuzzZones[int(zone)%len(fuzzZones)])
		rng := rand.New(rand.NewPCG(seed, uint64(nHistory)))
		nowT := time.Unix(now%(1<<36), 0).UTC() // keep within years Go formats sanely
		in := Input{
			Now:                     nowT,
			Opened:                  nowT.Add(time.Duration(openedDelta%(400*86400)) * time.Second),
			Decline:                 fuzzCodes[int(code)%len(fuzzCodes)],
			Card:                    fuzzCards[int(card)%len(fuzzCards)],
			Location:                loc,
			RetriesUsed:             int(used),
			MaxRetries:              int(maxRetries),
			CardChangedSinceDecline: changed,
		}
		if zone%7 == 6 {
			in.Location = nil
		}
		for range nHistory {
			c := fuzzCards[rng.IntN(len(fuzzCards))]
			in.History = append(in.History, Attempt{
				At:          nowT.Add(-time.Duration(rng.Int64N(int64(40*day))) + time.Duration(rng.Int64N(int64(time.Hour)))),
				Fingerprint: c.Fingerprint,
				Brand:       c.Brand,
				Outcome:     fuzzOutcome[rng.IntN(len(fuzzOutcome))],
				Decline:     fuzzCodes[rng.IntN(len(fuzzCodes))],
				Manual:      rng.IntN(2) == 0,
			})
		}
		d := Next(in)
		if d.Retry {
			if d.At.Before(in.Now) {
				t.Fatalf("retry at %v before now %v", d.At, in.Now)
			}
			if d.GiveUp {
				t.Fatalf("retry and give up at once: %+v", d)
			}
			if err := CheckNetworkLimits(d.At, in.Card, in.History); err != nil {
				t.Fatalf("retry at %v breaks the network limits: %v", d.At, err)
			}
		} else if !d.At.IsZero() {
			t.Fatalf("no retry but At set: %+v", d)
		}
		if d.Reason == "" {
			t.Fatalf("no reason: %+v", d)
		}
	})
}
