package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// request builds the i-th request of client c (bodies and URLs vary per call).
type request func(base string, c, i int, rng *rand.Rand) (*http.Request, error)

// result is one closed-loop run against one server.
type result struct {
	Requests int
	Errors   int
	Elapsed  time.Duration
	P50, P99 time.Duration
	// Rates is the throughput of each tenth of the run (growth runs).
	Rates []float64
	// FirstErr describes the first failure (status and body).
	FirstErr string
}

func (r result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// newTransport keeps one keep-alive connection per client.
func newTransport(clients int) *http.Transport {
	return &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2, MaxConnsPerHost: clients,
		IdleConnTimeout: time.Minute, DisableCompression: true}
}

// closedLoop runs `clients` goroutines, each sending its next request as soon
// as the previous answer was read, until d has passed (or, when total > 0,
// until total requests were sent). Every answer must be 200.
func closedLoop(ctx context.Context, tr *http.Transport, base string, clients int, d time.Duration, total int, mk request) result {
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var (
		mu       sync.Mutex
		lat      []time.Duration
		stamps   []time.Time
		errs     int
		firstErr string
		next     int
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c)+1, uint64(time.Now().UnixNano())))
			my := make([]time.Duration, 0, 4096)
			myStamps := make([]time.Time, 0, 4096)
			myErrs := 0
			for i := 0; ; i++ {
				if total > 0 {
					mu.Lock()
					n := next
					next++
					mu.Unlock()
					if n >= total {
						break
					}
				} else if time.Now().After(deadline) {
					break
				}
				if ctx.Err() != nil {
					break
				}
				req, err := mk(base, c, i, rng)
				if err != nil {
					panic(err)
				}
				t0 := time.Now()
				res, err := hc.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				el := time.Since(t0)
				if err != nil || res.StatusCode != http.StatusOK {
					myErrs++
					mu.Lock()
					if firstErr == "" {
						if err != nil {
							firstErr = err.Error()
						} else {
							firstErr = fmt.Sprintf("%s %s: %d", req.Method, req.URL.Path, res.StatusCode)
						}
					}
					mu.Unlock()
					continue
				}
				my = append(my, el)
				myStamps = append(myStamps, t0.Add(el))
			}
			mu.Lock()
			lat = append(lat, my...)
			stamps = append(stamps, myStamps...)
			errs += myErrs
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	out := result{Requests: len(lat), Errors: errs, Elapsed: time.Since(start), FirstErr: firstErr}
	if len(lat) > 0 {
		slices.Sort(lat)
		out.P50 = lat[len(lat)*50/100]
		out.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	if total > 0 && len(stamps) >= 10 {
		// Throughput of each tenth of the requests, in completion order.
		slices.SortFunc(stamps, func(a, b time.Time) int { return a.Compare(b) })
		prev := start
		for k := 1; k <= 10; k++ {
			i := len(stamps)*k/10 - 1
			n := len(stamps) / 10
			out.Rates = append(out.Rates, float64(n)/stamps[i].Sub(prev).Seconds())
			prev = stamps[i]
		}
	}
	return out
}
