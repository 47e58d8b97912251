package stripe

// SetFailpoint lets the external tests inject a crash between the writes of
// an event: f runs at each named step ("recorded", "mirrored", "applied") and an error
// aborts the event's transaction.
func SetFailpoint(in *Ingester, f func(step string) error) { in.failpoint = f }
