package holdfast

// Mode is live or test. Every object belongs to exactly one mode, and a key
// sees only its own mode's objects.
type Mode string

// The two modes.
const (
	ModeLive Mode = "live"
	ModeTest Mode = "test"
)

// Livemode reports whether m is live mode (the `livemode` JSON field).
func (m Mode) Livemode() bool { return m == ModeLive }

// ModeOf returns the mode for a livemode flag.
func ModeOf(livemode bool) Mode {
	if livemode {
		return ModeLive
	}
	return ModeTest
}

// ParseMode validates a mode name.
func ParseMode(s string) (Mode, bool) {
	switch Mode(s) {
	case ModeLive, ModeTest:
		return Mode(s), true
	}
	return "", false
}
