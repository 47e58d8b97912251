package stripe

import (
	"context"
	"sync"
	"time"

	"holdfast"
	"holdfast/store"
)

// secretTTL is how long a workspace's signing secrets are reused between
// webhooks. SPEC §11 wants CLI changes (a rotated whsec_) live within 2 s;
// one second keeps well inside that while sparing every delivery three
// queries and two decryptions.
const secretTTL = time.Second

// secretCache remembers, per workspace, whether it exists and its webhook
// signing secret for each mode.
type secretCache struct {
	mu      sync.Mutex
	entries map[string]secretEntry
}

type secretEntry struct {
	secrets map[holdfast.Mode]string // nil: no such workspace
	at      time.Time
}

// get returns the signing secrets of a workspace by mode, or nil when the
// workspace does not exist. Expiry follows real time, not a test clock.
func (c *secretCache) get(ctx context.Context, st *store.Store, wsID string) (map[holdfast.Mode]string, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.entries[wsID]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < secretTTL {
		return e.secrets, nil
	}
	secrets, err := loadSecrets(ctx, st, wsID)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) > 10000 {
		c.entries = map[string]secretEntry{} // bounded: unknown ids from strangers cannot grow it forever
	}
	c.entries[wsID] = secretEntry{secrets: secrets, at: now}
	return secrets, nil
}

func loadSecrets(ctx context.Context, st *store.Store, wsID string) (map[holdfast.Mode]string, error) {
	if _, err := st.GetWorkspace(ctx, wsID); err != nil {
		if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
			return nil, nil
		}
		return nil, err
	}
	out := map[holdfast.Mode]string{}
	for _, mode := range []holdfast.Mode{holdfast.ModeLive, holdfast.ModeTest} {
		s, err := st.WorkspaceSecret(ctx, wsID, mode, store.SecretStripeWebhook)
		if err != nil {
			return nil, err
		}
		out[mode] = s
	}
	return out, nil
}
