package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"holdfast/store"
	"holdfast/store/storetest"
)

// TestLoginAttemptsTwoPools: the sign-in allowance is counted in the
// database, so two servers (two connection pools on one database) guessing
// the same account at once still check at most the allowance of passwords.
func TestLoginAttemptsTwoPools(t *testing.T) {
	storetest.EachNodes(t, 2, func(t *testing.T, nodes []*store.Store) {
		ctx := context.Background()
		const allowance, perNode = 5, 20
		lockFor := func(failures, allowance int) time.Duration {
			if failures >= allowance {
				return 15 * time.Minute
			}
			return 0
		}
		now := time.Now()
		var checked, refused atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, s := range nodes {
			for range perNode {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					a, err := s.BeginLoginAttempt(ctx, []store.LoginKey{{Key: "email:ann@example.com", Allowance: allowance}},
						now, time.Hour, lockFor)
					if err != nil {
						t.Error(err)
						return
					}
					if a.Refused {
						refused.Add(1)
					} else {
						checked.Add(1)
					}
				}()
			}
		}
		close(start)
		wg.Wait()
		if c, r := checked.Load(), refused.Load(); c != allowance || c+r != 2*perNode {
			t.Fatalf("%d attempts may check a password and %d were refused, want exactly %d of %d checked",
				c, r, allowance, 2*perNode)
		}
	})
}
