package holdfast

import "time"

// Customer mirrors a Stripe customer. Personal data is erased on delete.
type Customer struct {
	ID                   string            `json:"id"`
	Object               string            `json:"object"` // "customer"
	Livemode             bool              `json:"livemode"`
	WorkspaceID          string            `json:"-"`
	ProviderID           string            `json:"provider_id"`
	Email                *string           `json:"email"`
	Name                 *string           `json:"name"`
	Metadata             map[string]string `json:"metadata"`
	Tags                 []string          `json:"tags"`
	Timezone             string            `json:"timezone,omitempty"`
	DefaultPaymentMethod string            `json:"default_payment_method,omitempty"`
	CardFingerprint      string            `json:"-"`
	CardBrand            string            `json:"card_brand,omitempty"`
	CardFunding          string            `json:"card_funding,omitempty"`
	CardUpdatedAt        *time.Time        `json:"-"`
	CardLast4            string            `json:"-"`
	CardExpMonth         int               `json:"-"`
	CardExpYear          int               `json:"-"`
	CardEventAt          int64             `json:"-"` // µs of the Stripe event that set the default card
	// Card is the default card as Stripe shows it (never the number); nil
	// when none is known. Filled from the fields above by the store.
	Card              *CustomerCard `json:"card"`
	Deleted           bool          `json:"-"`
	ProviderUpdatedAt int64         `json:"-"`
	CreatedAt         time.Time     `json:"created_at"`
	UpdatedAt         time.Time     `json:"updated_at"`
}

// Subscription mirrors a Stripe subscription.
type Subscription struct {
	ID                   string         `json:"id"`
	Object               string         `json:"object"` // "subscription"
	Livemode             bool           `json:"livemode"`
	WorkspaceID          string         `json:"-"`
	ProviderID           string         `json:"provider_id"`
	Customer             string         `json:"customer"` // our customer id, when mirrored
	ProviderCustomerID   string         `json:"provider_customer_id"`
	Status               string         `json:"status"`
	PriceID              string         `json:"price"`
	ProductID            string         `json:"product"`
	Amount               int64          `json:"amount"`
	Currency             string         `json:"currency"`
	Interval             string         `json:"interval"`
	CurrentPeriodEnd     *time.Time     `json:"current_period_end"`
	CancelAtPeriodEnd    bool           `json:"cancel_at_period_end"`
	CanceledAt           *time.Time     `json:"canceled_at"`
	PauseCollection      map[string]any `json:"pause_collection"`
	Discount             map[string]any `json:"discount"`
	DefaultPaymentMethod string         `json:"default_payment_method,omitempty"`
	ProviderUpdatedAt    int64          `json:"-"`
	CreatedAt            time.Time      `json:"created_at"`
	UpdatedAt            time.Time      `json:"updated_at"`
}
