package stripe

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	stripego "github.com/stripe/stripe-go/v85"

	"holdfast"
)

// SyncOptions selects a backfill.
type SyncOptions struct {
	WorkspaceID string
	Mode        holdfast.Mode
	// Progress, when set, is called after every page Stripe returns.
	Progress func(SyncProgress)
}

// SyncProgress is the running count of a backfill.
type SyncProgress struct {
	Stage         string // customers, subscriptions, invoices
	Pages         int
	Customers     int
	Subscriptions int
	Invoices      int
}

// SyncResult summarises a backfill.
type SyncResult struct {
	Customers     int `json:"customers"`     // customers mirrored (created or updated)
	Subscriptions int `json:"subscriptions"` // subscriptions mirrored
	Invoices      int `json:"invoices"`      // open past-due invoices handed to the engine
	Pages         int `json:"pages"`         // list pages fetched
}

// syncPageSize is Stripe's maximum list page.
const syncPageSize = 100

// Sync backfills a workspace's mode from the Stripe API: every customer,
// every subscription (status=all) and every open invoice whose payment has
// failed, which the engine then recovers like an invoice.payment_failed
// event. Pages are walked with stripe-go's auto-pagination. Re-running is
// safe: objects are upserted by Stripe id and the engine opens one recovery
// per invoice. Each object commits on its own, so an interrupted sync keeps
// what it did and a re-run completes it.
//
// Each page's objects are stamped with the time Stripe served the page (its
// Date header, less a second of margin), so an event raised during or after
// the fetch still applies and an older one cannot overwrite the fetched state.
func (in *Ingester) Sync(ctx context.Context, opts SyncOptions) (*SyncResult, error) {
	if _, err := in.store.GetWorkspace(ctx, opts.WorkspaceID); err != nil {
		return nil, err
	}
	sc, err := in.client(ctx, opts.WorkspaceID, opts.Mode)
	if err != nil {
		return nil, err
	}
	if sc == nil {
		return nil, holdfast.Errorf(holdfast.EVALIDATION,
			"workspace %s has no Stripe API key for %s mode (holdfast workspace update %s --stripe-api-key %s=sk_…)",
			opts.WorkspaceID, opts.Mode, opts.WorkspaceID, opts.Mode)
	}
	res := &SyncResult{}
	s := &syncRun{in: in, ws: opts.WorkspaceID, mode: opts.Mode, res: res, progress: opts.Progress}

	limit := stripego.Int64(syncPageSize)
	s.sc = sc
	cp := &stripego.CustomerListParams{ListParams: stripego.ListParams{Limit: limit}}
	// Default cards come expanded with their customers; any that do not are
	// fetched one by one (syncCard).
	cp.AddExpand("data.invoice_settings.default_payment_method")
	customers := sc.V1Customers.List(ctx, cp)
	if err := eachRaw(ctx, s, "customers", customers, s.customer); err != nil {
		return res, err
	}
	subs := sc.V1Subscriptions.List(ctx, &stripego.SubscriptionListParams{ListParams: stripego.ListParams{Limit: limit}, Status: stripego.String("all")})
	if err := eachRaw(ctx, s, "subscriptions", subs, s.subscription); err != nil {
		return res, err
	}
	invoices := sc.V1Invoices.List(ctx, &stripego.InvoiceListParams{ListParams: stripego.ListParams{Limit: limit}, Status: stripego.String("open")})
	if err := eachRaw(ctx, s, "invoices", invoices, s.invoice); err != nil {
		return res, err
	}
	return res, nil
}

// syncRun is one backfill in progress.
type syncRun struct {
	in       *Ingester
	ws       string
	mode     holdfast.Mode
	res      *SyncResult
	progress func(SyncProgress)
	sc       *stripego.Client
}

func (s *syncRun) report(stage string) {
	if s.progress != nil {
		s.progress(SyncProgress{Stage: stage, Pages: s.res.Pages, Customers: s.res.Customers,
			Subscriptions: s.res.Subscriptions, Invoices: s.res.Invoices})
	}
}

// eachRaw walks a stripe-go list with auto-pagination and hands fn each
// item's raw JSON (read from the page the library fetched), so the sync
// reads objects with the same tolerant readers as webhooks.
func eachRaw[T any](ctx context.Context, s *syncRun, stage string, list *stripego.V1List[T], fn func(ctx context.Context, o obj, at time.Time) error) error {
	var (
		last *stripego.APIResponse
		raw  []obj
		at   time.Time
		i    int
	)
	for _, err := range list.All(ctx) {
		if err != nil {
			return err
		}
		if r := list.LastResponse(); r != last {
			last, i = r, 0
			page, err := decodePage(r)
			if err != nil {
				return err
			}
			raw, at = page, pageTime(r)
			s.res.Pages++
		}
		if i >= len(raw) {
			continue // the library saw more items than the raw page holds: never expected
		}
		if err := fn(ctx, raw[i], at); err != nil {
			return err
		}
		i++
		if i == len(raw) {
			s.report(stage)
		}
	}
	return ctx.Err()
}

func decodePage(r *stripego.APIResponse) ([]obj, error) {
	if r == nil {
		return nil, nil
	}
	var page obj
	if err := json.Unmarshal(r.RawJSON, &page); err != nil {
		return nil, err
	}
	return page.list("data"), nil
}

// pageTime is when Stripe served a page, less a second: its Date header has
// one-second resolution and events carry whole seconds too.
func pageTime(r *stripego.APIResponse) time.Time {
	if r != nil {
		if t, err := http.ParseTime(r.Header.Get("Date")); err == nil {
			return t.Add(-time.Second).UTC()
		}
	}
	return time.Now().Add(-2 * time.Second).Truncate(time.Second).UTC()
}

func (s *syncRun) customer(ctx context.Context, o obj, at time.Time) error {
	snap := customerSnapshot(o, at)
	if snap.ProviderID == "" || o.bool("deleted") {
		return nil
	}
	now, err := s.in.now(ctx, s.ws, s.mode)
	if err != nil {
		return err
	}
	if _, err := s.in.store.UpsertCustomer(ctx, s.ws, s.mode, snap, now); err != nil {
		return err
	}
	s.res.Customers++
	return s.card(ctx, o, snap, at)
}

func (s *syncRun) subscription(ctx context.Context, o obj, at time.Time) error {
	err := s.in.retryTx(ctx, func(ctx context.Context) error {
		c := &call{in: s.in, ws: s.ws, mode: s.mode, ev: &Event{Type: "sync", Object: o, Created: at}}
		var err error
		if c.now, err = s.in.now(ctx, s.ws, s.mode); err != nil {
			return err
		}
		return applySubscription(ctx, c)
	})
	if err == nil {
		s.res.Subscriptions++
	}
	return err
}

// invoice opens a recovery for an open invoice whose automatic payment failed.
func (s *syncRun) invoice(ctx context.Context, o obj, at time.Time) error {
	inv := parseInvoice(o)
	if inv.ID == "" || inv.Amount <= 0 || !(o.bool("attempted") || o.int("attempt_count") > 0) {
		return nil
	}
	if s.mode == holdfast.ModeLive && inv.Decline.Code == "" {
		if _, _, ok, err := s.in.store.FindDecline(ctx, s.ws, s.mode, inv.PaymentIntent, inv.Charge, inv.ID); err == nil && !ok {
			if full := s.in.fetchDecline(ctx, s.ws, inv); full != nil {
				inv = *full
			}
		}
	}
	var handed bool
	err := s.in.retryTx(ctx, func(ctx context.Context) error {
		c := &call{in: s.in, ws: s.ws, mode: s.mode, ev: &Event{Type: "sync", Object: o, Created: at}}
		var err error
		if c.now, err = s.in.now(ctx, s.ws, s.mode); err != nil {
			return err
		}
		handed, err = c.openRecovery(ctx, inv, at)
		return err
	})
	if err == nil && handed {
		s.res.Invoices++
	}
	return err
}
