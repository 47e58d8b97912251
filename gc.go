package holdfast

// ServeGCPercent is the garbage collector's target (GOGC) `holdfast serve`
// sets when GOGC is not in its environment: its live heap is small and
// nearly every allocation is per request, so letting the heap grow 4× past
// the live data before a collection (Go's default: 1×) cuts the collector's
// share of CPU under load from ~7 % to ~2 % for some tens of MiB more. The
// benchmark harness gives its floor the same setting, so the two are
// compared like for like.
const ServeGCPercent = 400
