package api

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"holdfast/store"
)

// queueCollector reports the engine's and the outbound queue's figures at
// scrape time, read from the database (the same numbers on every node).
type queueCollector struct {
	st *store.Store

	jobsDue, jobsLag, attempts, deliveries, deliveriesDue, deliveriesLag, up *prometheus.Desc
}

func newQueueCollector(st *store.Store) *queueCollector {
	return &queueCollector{
		st: st,
		jobsDue: prometheus.NewDesc("holdfast_jobs_due", "Scheduled engine jobs (retries, emails, timeouts) due now and not yet done, by mode and kind; test mode follows each workspace's test clock.",
			[]string{"mode", "kind"}, nil),
		jobsLag: prometheus.NewDesc("holdfast_jobs_lag_seconds", "How late the oldest due job is, by mode (0 when none is due).",
			[]string{"mode"}, nil),
		attempts: prometheus.NewDesc("holdfast_payment_attempts", "Payment attempts recorded, by outcome (succeeded, failed, refused; started while the provider call is in flight).",
			[]string{"outcome"}, nil),
		deliveries: prometheus.NewDesc("holdfast_webhook_deliveries", "Outbound webhook deliveries, by status (pending, succeeded, failed).",
			[]string{"status"}, nil),
		deliveriesDue: prometheus.NewDesc("holdfast_webhook_deliveries_due", "Backlog: pending outbound deliveries whose next attempt is due now.", nil, nil),
		deliveriesLag: prometheus.NewDesc("holdfast_webhook_deliveries_lag_seconds", "How late the oldest due outbound delivery is (0 when none is due).", nil, nil),
		up:            prometheus.NewDesc("holdfast_queue_stats_up", "1 when the engine and queue figures above could be read from the database at this scrape.", nil, nil),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.jobsDue, c.jobsLag, c.attempts, c.deliveries, c.deliveriesDue, c.deliveriesLag, c.up} {
		ch <- d
	}
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	qs, err := c.st.QueueStats(ctx, time.Now())
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	for _, mode := range []string{"live", "test"} {
		ch <- prometheus.MustNewConstMetric(c.jobsLag, prometheus.GaugeValue, qs.JobsLag[mode].Seconds(), mode)
	}
	for k, n := range qs.JobsDue {
		ch <- prometheus.MustNewConstMetric(c.jobsDue, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
	for _, o := range []string{"succeeded", "failed", "refused", "started"} {
		if _, ok := qs.Attempts[o]; !ok {
			qs.Attempts[o] = 0
		}
	}
	for o, n := range qs.Attempts {
		ch <- prometheus.MustNewConstMetric(c.attempts, prometheus.GaugeValue, float64(n), o)
	}
	for _, st := range []string{"pending", "succeeded", "failed"} {
		if _, ok := qs.Deliveries[st]; !ok {
			qs.Deliveries[st] = 0
		}
	}
	for st, n := range qs.Deliveries {
		ch <- prometheus.MustNewConstMetric(c.deliveries, prometheus.GaugeValue, float64(n), st)
	}
	ch <- prometheus.MustNewConstMetric(c.deliveriesDue, prometheus.GaugeValue, float64(qs.DeliveriesDue))
	ch <- prometheus.MustNewConstMetric(c.deliveriesLag, prometheus.GaugeValue, qs.DeliveriesLag.Seconds())
}
