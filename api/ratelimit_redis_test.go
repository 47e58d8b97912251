package api_test

import (
	"net/http/httptest"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"holdfast"
	"holdfast/api"
	"holdfast/api/apitest"
	"holdfast/ratelimit"
)

// TestSharedLimitAcrossProcesses runs two API servers over one database and
// one Redis, as two `serve` processes behind a load balancer would, and checks
// they enforce one limit per key.
func TestSharedLimitAcrossProcesses(t *testing.T) {
	url := os.Getenv("HOLDFAST_TEST_REDIS_URL")
	if url == "" {
		t.Skip("HOLDFAST_TEST_REDIS_URL not set; skipping shared Redis limit test")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	newLimiter := func() ratelimit.Limiter {
		c := redis.NewClient(opts)
		t.Cleanup(func() { c.Close() })
		return ratelimit.NewRedis(c, holdfast.RealClock{}, nil)
	}
	a := apitest.New(t, "sqlite", func(c *api.Config) { c.Limiter = newLimiter() })
	b := httptest.NewServer(api.New(api.Config{Store: a.Store, Limiter: newLimiter()}))
	t.Cleanup(b.Close)
	ws := a.Workspace("Acme")
	k := a.KeyWith(ws.ID, holdfast.ModeTest, func(k *holdfast.APIKey) { l := 4; k.RateLimit = &l })

	statuses := []int{}
	for i := 0; i < 6; i++ {
		e := a
		if i%2 == 1 {
			e = &apitest.Env{T: t, Store: a.Store, Server: b}
		}
		statuses = append(statuses, e.Do("GET", "/v1/auth/me", k.Token, nil).Status)
	}
	want := []int{200, 200, 200, 200, 429, 429}
	for i := range want {
		if statuses[i] != want[i] {
			t.Fatalf("statuses %v, want %v", statuses, want)
		}
	}
}
