package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// agg sums alternating runs of one server on one path.
type agg struct {
	requests int
	elapsed  time.Duration
	p50, p99 []time.Duration
	errors   int
	firstErr string
	cpu      time.Duration // server process CPU time over the runs
	cpuOK    bool
}

// cpuPerReq is the server's CPU time per request in µs ("-" when unknown).
func (a *agg) cpuPerReq() string {
	if !a.cpuOK || a.requests == 0 {
		return "-"
	}
	return strconv.FormatInt(a.cpu.Microseconds()/int64(a.requests), 10)
}

func (a *agg) add(r result) {
	a.requests += r.Requests
	a.elapsed += r.Elapsed
	a.p50 = append(a.p50, r.P50)
	a.p99 = append(a.p99, r.P99)
	a.errors += r.Errors
	if a.firstErr == "" {
		a.firstErr = r.FirstErr
	}
}

func (a *agg) rps() float64 { return float64(a.requests) / a.elapsed.Seconds() }

// measured runs one load run and adds the server process's CPU time.
func (a *agg) measured(pid int, run func() result) {
	before, ok1 := procCPU(pid)
	r := run()
	after, ok2 := procCPU(pid)
	a.add(r)
	if ok1 && ok2 {
		a.cpu += after - before
		a.cpuOK = true
	}
}

// median of the runs' percentiles.
func median(d []time.Duration) time.Duration { return medianOf(d) }

// medianOf is the middle value, or the mean of the middle two for an even
// count (xs must not be empty).
func medianOf[T float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	mid := s[len(s)/2]
	if len(s)%2 == 0 {
		mid = (s[len(s)/2-1] + mid) / 2
	}
	return mid
}

// roundRatio is the throughput of the run added to a since before.
func roundRatio(before, a agg) float64 {
	return float64(a.requests-before.requests) / (a.elapsed - before.elapsed).Seconds()
}

// spread shows the rounds' own ratios: their median and range. Each round
// runs both servers back to back, so a burst of load from outside the
// machine (steal time on a shared host) moves one round, not the median.
func spread(pairs []float64) string {
	s := slices.Clone(pairs)
	slices.Sort(s)
	return fmt.Sprintf("%.2f× (%.2f–%.2f)", medianOf(s), s[0], s[len(s)-1])
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

func (b *bench) measure(ctx context.Context, cfg config, out io.Writer) error {
	d := time.Duration(cfg.duration)
	tr := newTransport(cfg.clients)
	defer tr.CloseIdleConnections()
	fmt.Fprintf(out, "\n%s, %d customers, %d clients, %d alternating rounds of %s per server\n", b.dialect, b.customers, cfg.clients, cfg.rounds, d)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "path\tholdfast/s\tp50 ms\tp99 ms\tcpu µs/req\tfloor/s\tp50 ms\tp99 ms\tcpu µs/req\tratio\trounds\tp99 ratio\t")
	for _, p := range allPaths {
		if !slices.Contains(cfg.paths, shortName(p.name)) {
			continue
		}
		mk := p.mk(b)
		// Warm both (connections, caches, prepared plans).
		closedLoop(ctx, tr, b.holdfast, cfg.clients, d/5, 0, mk(true))
		closedLoop(ctx, tr, b.floor, cfg.clients, d/5, 0, mk(false))
		var hf, fl agg
		var pairs []float64 // each round's Holdfast/floor throughput ratio
		for r := 0; r < cfg.rounds; r++ {
			hfBefore, flBefore := hf, fl
			runHF := func() {
				hf.measured(b.hfPID, func() result { return closedLoop(ctx, tr, b.holdfast, cfg.clients, d, 0, mk(true)) })
			}
			runFL := func() {
				fl.measured(b.floorPID, func() result { return closedLoop(ctx, tr, b.floor, cfg.clients, d, 0, mk(false)) })
			}
			if r%2 == 0 {
				runHF()
				runFL()
			} else {
				runFL()
				runHF()
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			pairs = append(pairs, roundRatio(hfBefore, hf)/roundRatio(flBefore, fl))
		}
		if hf.errors > 0 || fl.errors > 0 {
			return fmt.Errorf("%s: %d holdfast errors (%s), %d floor errors (%s)", p.name, hf.errors, hf.firstErr, fl.errors, fl.firstErr)
		}
		name := p.name
		if p.webhook {
			name += " (events/s)"
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%.2f×\t%s\t%.2f×\t\n", name, hf.rps(), ms(median(hf.p50)), ms(median(hf.p99)), hf.cpuPerReq(),
			fl.rps(), ms(median(fl.p50)), ms(median(fl.p99)), fl.cpuPerReq(), hf.rps()/fl.rps(), spread(pairs), float64(median(hf.p99))/float64(median(fl.p99)))
	}
	return tw.Flush()
}

// growth ingests customer.created webhooks into Holdfast until the database
// holds cfg.growthTo customers, and prints the rate of each tenth: flat
// ingestion keeps the last tenth within 1.2× of the first.
func (b *bench) growth(ctx context.Context, cfg config, out io.Writer) error {
	have, err := b.countCustomers(ctx)
	if err != nil {
		return err
	}
	n := cfg.growthTo - have
	if n < 10 { // the rate is reported per tenth
		fmt.Fprintf(out, "%s ingestion: the database already holds %d customers; -growth-to %d leaves fewer than 10 to ingest\n", b.dialect, have, cfg.growthTo)
		return nil
	}
	tr := newTransport(cfg.clients)
	defer tr.CloseIdleConnections()
	var wh path
	for _, p := range allPaths {
		if p.webhook {
			wh = p
		}
	}
	r := closedLoop(ctx, tr, b.holdfast, cfg.clients, 24*time.Hour, n, wh.mk(b)(true))
	if r.Errors > 0 {
		return fmt.Errorf("growth: %d errors (%s)", r.Errors, r.FirstErr)
	}
	var parts []string
	for _, x := range r.Rates {
		parts = append(parts, fmt.Sprintf("%.0f", x))
	}
	fmt.Fprintf(out, "%s ingestion from %d to %d customers, events/s per tenth: %s; first/last tenth %.2f× (%.0f events/s overall)\n",
		b.dialect, have, cfg.growthTo, strings.Join(parts, " "), r.Rates[0]/r.Rates[len(r.Rates)-1], r.RPS())
	return nil
}
