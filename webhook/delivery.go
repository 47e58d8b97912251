package webhook

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"holdfast"
	"holdfast/store"
)

// Payload renders the body POSTed for an event: the event object itself,
// {"id", "object": "event", "type", "livemode", "data": {"object": …},
// "created_at"} (SPEC §8), byte for byte what the signature covers.
func Payload(ev *holdfast.Event) ([]byte, error) {
	e := *ev
	e.Object = "event"
	return json.Marshal(&e)
}

// outcome is a sender's result: an attempt to record, or (release) a claim
// given back unsent because the worker is stopping.
type outcome struct {
	rec     store.AttemptRecord
	release bool
}

// attempt sends one claimed delivery and decides what follows.
func (w *Worker) attempt(ctx context.Context, c *store.DeliveryClaim) outcome {
	if ctx.Err() != nil {
		return outcome{rec: store.AttemptRecord{Claim: c}, release: true}
	}
	body, err := Payload(c.Event)
	if err != nil { // cannot happen for stored JSON; log it as the attempt's error
		return outcome{rec: w.decide(c, w.cfg.Clock.Now(), Result{Err: "payload: " + err.Error()})}
	}
	client := w.test
	if c.Mode == holdfast.ModeLive {
		client = w.live
	}
	// Signed with real time even in test mode: the receiver checks the
	// timestamp against its own clock.
	sent := w.cfg.Clock.Now()
	res := client.Deliver(ctx, c.URL, c.Secret, sent, body)
	if res.Err == "canceled" {
		return outcome{rec: store.AttemptRecord{Claim: c}, release: true}
	}
	return outcome{rec: w.decide(c, sent, res)}
}

// decide turns a result into an AttemptRecord in the delivery's mode clock.
// A failed pending delivery is retried after Backoff, never later than
// MaxRetryAge after its first attempt, and fails for good once that is
// reached. The last try is placed exactly at the limit: the endpoint has then
// been failing for MaxRetryAge too (unless something succeeded meanwhile), so
// an endpoint that never answers is disabled by it (DisableAfter =
// MaxRetryAge). A re-send of a finished delivery keeps its status.
//
// A test-mode attempt of a pending delivery counts at its due time when that
// has passed: an advance_clock that jumps over several retries plays them out
// one by one (SPEC §11: advancing the test clock fast-forwards retries), as
// the engine does for its jobs, instead of collapsing them into one attempt.
func (w *Worker) decide(c *store.DeliveryClaim, sent time.Time, res Result) store.AttemptRecord {
	at := sent.Add(c.ClockOffset)
	if c.Mode == holdfast.ModeTest && c.Status == holdfast.DeliveryPending && !c.DueAt.IsZero() && c.DueAt.Before(at) {
		at = c.DueAt
	}
	rec := store.AttemptRecord{
		Claim: c, At: at, StatusCode: res.StatusCode, Latency: res.Latency,
		ResponseBody: res.Body, Error: res.Err, Success: res.Success, DisableAfter: MaxRetryAge,
	}
	if res.Success || c.Status != holdfast.DeliveryPending {
		return rec
	}
	start := at
	if c.FirstAttemptAt != nil {
		start = *c.FirstAttemptAt
	}
	done, deadline := at.Add(res.Latency), start.Add(MaxRetryAge)
	if !done.Before(deadline) {
		rec.GiveUp = true
		return rec
	}
	next := done.Add(Backoff(c.AttemptCount+1, c.ID))
	if next.After(deadline) {
		next = deadline
	}
	rec.NextAttemptAt = &next
	return rec
}

// RunDue synchronously delivers everything due now for one workspace and
// mode: new events are fanned out, then due deliveries are attempted until
// none is left (failures are rescheduled into the future, so it ends). It
// waits for due deliveries another worker holds, up to one lease-free
// attempt's time. POST /v1/test_helpers/advance_clock calls it with
// ModeTest after moving the test clock, so retries the advance made due have
// run before it answers.
func (w *Worker) RunDue(ctx context.Context, wsID string, mode holdfast.Mode) error {
	f := store.DueFilter{WorkspaceID: wsID, Mode: mode}
	giveUp := time.Now().Add(w.cfg.Timeout + 5*time.Second)
	// Played-out retries (decide) can keep a delivery due round after round;
	// a receiver that hangs every time must not hold advance_clock for
	// minutes, so the rounds stop after runDueBudget and the background
	// worker carries on.
	budget := time.Now().Add(runDueBudget)
	for {
		if time.Now().After(budget) {
			w.cfg.Logger.Warn("webhooks: RunDue stopped after its time budget; the background worker continues", "workspace", wsID)
			return nil
		}
		// Fan out first, every round: attempts can record events too
		// (webhook_endpoint.disabled) that are due at once.
		if err := w.fanOutAll(ctx); err != nil {
			return err
		}
		progress := w.progress()
		unlock := w.lockWrites()
		claims, err := w.st.ClaimDueDeliveries(ctx, f, w.cfg.Clock.Now(), w.cfg.Lease, w.cfg.BatchSize)
		unlock()
		if err != nil {
			return err
		}
		if len(claims) > 0 {
			w.commit(context.WithoutCancel(ctx), w.attemptAll(ctx, claims))
			if err := ctx.Err(); err != nil {
				return err
			}
			continue
		}
		held, err := w.st.CountDueDeliveries(ctx, f, w.cfg.Clock.Now())
		if err != nil || held == 0 || time.Now().After(giveUp) {
			return err
		}
		// Another worker (or process) is sending them: wait for a commit
		// here, or poll briefly for one elsewhere.
		t := time.NewTimer(50 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-progress:
		case <-t.C:
		}
		t.Stop()
	}
}

// runDueBudget bounds one RunDue call in wall time.
const runDueBudget = 30 * time.Second

// fanOutAll fans out every event waiting.
func (w *Worker) fanOutAll(ctx context.Context) error {
	for {
		unlock := w.lockWrites()
		n, _, err := w.st.FanOutEvents(ctx, w.cfg.BatchSize)
		unlock()
		if err != nil || n < w.cfg.BatchSize {
			return err
		}
	}
}

// attemptAll sends claims with bounded concurrency.
func (w *Worker) attemptAll(ctx context.Context, claims []*store.DeliveryClaim) []outcome {
	out := make([]outcome, len(claims))
	sem := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, c := range claims {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i] = w.attempt(ctx, c)
		})
	}
	wg.Wait()
	return out
}

// Send attempts one delivery of an endpoint now, whatever its status, and
// returns it with its attempts. A pending delivery continues its schedule
// from this attempt; a finished one keeps its status unless this attempt
// succeeds. ENOTFOUND for an unknown endpoint or delivery, ECONFLICT while
// another attempt of it is in flight.
func (w *Worker) Send(ctx context.Context, wsID string, mode holdfast.Mode, endpointID, deliveryID string) (*holdfast.WebhookDelivery, error) {
	unlock := w.lockWrites()
	c, err := w.st.ClaimDelivery(ctx, wsID, mode, endpointID, deliveryID, w.cfg.Clock.Now(), w.cfg.Lease)
	unlock()
	if err != nil {
		return nil, err
	}
	w.commit(context.WithoutCancel(ctx), []outcome{w.attempt(ctx, c)})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return w.st.GetWebhookDelivery(ctx, wsID, mode, endpointID, deliveryID)
}

// Ping records a "ping" event for one endpoint (only that endpoint receives
// it, enabled or not) and sends it at once, returning the delivery with its
// first attempt. ENOTFOUND for an unknown endpoint.
func (w *Worker) Ping(ctx context.Context, wsID string, mode holdfast.Mode, endpointID string) (*holdfast.WebhookDelivery, error) {
	now, err := holdfast.ModeNow(ctx, w.cfg.Clock, w.st, wsID, mode)
	if err != nil {
		return nil, err
	}
	d, err := w.st.CreatePingDelivery(ctx, wsID, mode, endpointID, now)
	if err != nil {
		return nil, err
	}
	return w.Send(ctx, wsID, mode, endpointID, d.ID)
}
