package stripe

import "context"

// handlers is every Stripe event type Holdfast handles, on one screen. Each
// applies its event inside the event's transaction; a type not listed here is
// acknowledged and ignored (OutcomeIgnored). The handlers live beside the
// object they mirror: customer.go, payment_method.go, subscription.go, invoice.go, decline.go.
var handlers = map[string]func(ctx context.Context, c *call) error{
	// Customers (customer.go): mirror, tombstone, card changes.
	"customer.created":        applyCustomer,
	"customer.updated":        applyCustomer,
	"customer.deleted":        deleteCustomer,
	"payment_method.attached": paymentMethodAttached,

	// Default cards (payment_method.go): refresh the mirrored card; an
	// updated card is a new card, so the old one's expiry notices stop.
	"payment_method.updated":               paymentMethodUpdated,
	"payment_method.automatically_updated": paymentMethodUpdated,

	// Subscriptions (subscription.go): mirror; an unpaid end loses recoveries.
	"customer.subscription.created":                applySubscription,
	"customer.subscription.updated":                applySubscription,
	"customer.subscription.deleted":                applySubscription,
	"customer.subscription.paused":                 applySubscription,
	"customer.subscription.resumed":                applySubscription,
	"customer.subscription.pending_update_applied": applySubscription,
	"customer.subscription.pending_update_expired": applySubscription,

	// Invoices (invoice.go): open, recover and lose recoveries.
	"invoice.payment_failed":       invoicePaymentFailed,
	"invoice.paid":                 invoicePaid,
	"invoice.payment_succeeded":    invoicePaid,
	"invoice.voided":               invoiceLost,
	"invoice.marked_uncollectible": invoiceLost,

	// Decline details (decline.go), whichever arrives before the invoice event.
	"charge.failed":                 declineReported,
	"payment_intent.payment_failed": declineReported,
}

// prepares run before an event's transaction, for network look-ups that
// must not hold it open (live mode only fetches missing decline details).
var prepares = map[string]func(ctx context.Context, c *call){
	"invoice.payment_failed": prepareInvoiceFailure,
}
