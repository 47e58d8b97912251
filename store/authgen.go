package store

// AuthGeneration is a number that grows whenever this Store changes an API
// key, a workspace or a test clock. The API keeps keys, workspaces and test
// clocks in memory between requests; a cached entry loaded under an older
// generation is reloaded, so a change made in this process (dashboard, API,
// tests) is seen by the very next request. Changes made by other processes
// (the CLI, other `serve` nodes) are picked up by the cache's short TTL.
func (s *Store) AuthGeneration() uint64 { return s.authGen.Load() }

// authChanged bumps AuthGeneration. Callers bump after the write statement;
// a reload racing with the commit may cache the old row under the new
// generation, which the TTL then bounds.
func (s *Store) authChanged() { s.authGen.Add(1) }
