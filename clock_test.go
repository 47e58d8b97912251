package holdfast_test

import (
	"context"
	"testing"
	"time"

	"holdfast"
)

// offsets is a TestClockOffsets that counts its reads.
type offsets struct {
	off   time.Duration
	err   error
	reads int
}

func (o *offsets) TestClockOffset(context.Context, string) (time.Duration, error) {
	o.reads++
	return o.off, o.err
}

func TestModeClock(t *testing.T) {
	base := holdfast.FixedClock{T: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	cases := []struct {
		name      string
		mode      holdfast.Mode
		src       *offsets
		want      time.Time
		wantReads int
		wantCode  string
	}{
		{"LiveIsBaseWithoutQuery", holdfast.ModeLive, &offsets{off: time.Hour}, base.T, 0, ""},
		{"TestAddsOffset", holdfast.ModeTest, &offsets{off: 36 * time.Hour}, base.T.Add(36 * time.Hour), 1, ""},
		{"ErrNotFound", holdfast.ModeTest, &offsets{err: holdfast.NotFound("workspace", "ws_x")}, time.Time{}, 1, holdfast.ENOTFOUND},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk, err := holdfast.ModeClock(context.Background(), base, tc.src, "ws_x", tc.mode)
			if tc.src.reads != tc.wantReads {
				t.Fatalf("offset read %d times, want %d", tc.src.reads, tc.wantReads)
			}
			if tc.wantCode != "" {
				if holdfast.ErrorCode(err) != tc.wantCode || clk != nil {
					t.Fatalf("got %v, %v; want code %s", clk, err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := clk.Now(); !got.Equal(tc.want) {
				t.Fatalf("Now() = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestModeNow(t *testing.T) {
	base := holdfast.FixedClock{T: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	cases := []struct {
		name     string
		mode     holdfast.Mode
		src      *offsets
		want     time.Time
		wantCode string
	}{
		{"LiveIsBase", holdfast.ModeLive, &offsets{off: time.Hour}, base.T, ""},
		{"TestAddsOffset", holdfast.ModeTest, &offsets{off: 90 * time.Minute}, base.T.Add(90 * time.Minute), ""},
		// A failed read must surface, not fall back to real time.
		{"ErrorIsReturnedNotRealTime", holdfast.ModeTest, &offsets{off: time.Hour, err: holdfast.Errorf(holdfast.EINTERNAL, "db down")}, time.Time{}, holdfast.EINTERNAL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := holdfast.ModeNow(context.Background(), base, tc.src, "ws_x", tc.mode)
			if tc.wantCode != "" {
				if holdfast.ErrorCode(err) != tc.wantCode || !got.IsZero() {
					t.Fatalf("got %s, %v; want zero time and code %s", got, err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tc.want) {
				t.Fatalf("ModeNow = %s, want %s", got, tc.want)
			}
		})
	}
}
