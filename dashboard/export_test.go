package dashboard

// Test hooks for package dashboard_test.

// SetOnVerify makes d call f before every password check of a sign-in.
func SetOnVerify(d *Dashboard, f func()) { d.onVerify = f }

// HashPeak is the most argon2id computations seen running at once.
func HashPeak() int32 { return hashPeak.Load() }
