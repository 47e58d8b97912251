package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"holdfast"
)

// Customer writes from Stripe (webhooks and sync). Each method joins the
// transaction in ctx, so the Stripe ingester can record the event, mirror the
// customer and hand consequences to the engine in one commit. Ordering rule:
// a snapshot older than the stored one (provider_updated_at) changes nothing,
// and a deleted customer is final — Stripe never revives a deleted customer,
// so a late customer.created/updated after customer.deleted is ignored.

// CustomerSnapshot is a customer as Stripe described it at ProviderTime.
type CustomerSnapshot struct {
	ProviderID           string
	Email                *string
	Name                 *string
	Metadata             map[string]string
	Tags                 []string
	Timezone             string
	DefaultPaymentMethod string
	// ProviderTime orders snapshots: the event's `created`, or the moment a
	// sync fetched the object.
	ProviderTime time.Time
	// Created says the snapshot comes from the customer's creation
	// (customer.created): the customer is most likely new, so UpsertCustomer
	// tries the insert first and saves the lookup.
	Created bool
}

// CustomerChange reports what a customer write did.
type CustomerChange struct {
	Customer *holdfast.Customer // the row after the call
	Previous *holdfast.Customer // the row before; nil when the call created it
	Applied  bool               // false: the snapshot was older, or the customer is deleted
}

// UpsertCustomer mirrors a Stripe customer snapshot, creating the customer
// (id cus_…, created_at = now, the mode's clock) when it is new.
func (s *Store) UpsertCustomer(ctx context.Context, wsID string, mode holdfast.Mode, snap CustomerSnapshot, now time.Time) (*CustomerChange, error) {
	var out *CustomerChange
	err := s.InTx(ctx, func(ctx context.Context) error {
		if snap.Created {
			c, err := s.ingestTryInsertCustomer(ctx, wsID, mode, snap, snap.ProviderTime, now)
			if err != nil || c != nil {
				out = &CustomerChange{Customer: c, Applied: true}
				return err
			}
		}
		prev, err := s.ingestLockCustomer(ctx, wsID, mode, snap.ProviderID)
		if err != nil {
			return err
		}
		if prev == nil {
			c, created, err := s.ingestInsertCustomer(ctx, wsID, mode, snap, snap.ProviderTime, now)
			if err != nil {
				return err
			}
			if created {
				out = &CustomerChange{Customer: c, Applied: true}
				return nil
			}
			prev = c // lost a race with a concurrent insert: now locked, treat as an update
		}
		if prev.Deleted || prev.ProviderUpdatedAt > holdfast.Micros(snap.ProviderTime) {
			out = &CustomerChange{Customer: prev, Previous: prev}
			return nil
		}
		meta, tags := ingestJSON(snap.Metadata, "{}"), ingestJSON(ingestTags(snap.Tags), "[]")
		// RETURNING hands back the row as written: no second read.
		c, err := scanCustomer(s.queryRow(ctx, `UPDATE customers SET email = ?, email_lower = ?, name = ?, metadata = ?, tags = ?, timezone = ?,
			default_payment_method = ?, provider_updated_at = ?, updated_at = ? WHERE id = ? RETURNING `+customerCols,
			snap.Email, ingestLower(snap.Email), snap.Name, meta, tags, snap.Timezone, snap.DefaultPaymentMethod,
			holdfast.Micros(snap.ProviderTime), holdfast.Micros(now), prev.ID))
		if err != nil {
			return err
		}
		if !slices.Equal(prev.Tags, ingestTags(snap.Tags)) {
			if err := s.ingestReplaceTags(ctx, prev, snap.Tags); err != nil {
				return err
			}
		}
		out = &CustomerChange{Customer: c, Previous: prev, Applied: true}
		return nil
	})
	return out, err
}

// EnsureCustomer returns the customer with a Stripe id, creating a stub from
// what an invoice or subscription knows (email, name) when it has not been
// mirrored yet. The stub's provider_updated_at is 0, so the first real
// customer snapshot overwrites it. Deleted customers are returned as they are.
func (s *Store) EnsureCustomer(ctx context.Context, wsID string, mode holdfast.Mode, providerID string, email, name *string, now time.Time) (*holdfast.Customer, error) {
	var out *holdfast.Customer
	err := s.InTx(ctx, func(ctx context.Context) error {
		c, err := s.ingestLockCustomer(ctx, wsID, mode, providerID)
		if err != nil || c != nil {
			out = c
			return err
		}
		out, _, err = s.ingestInsertCustomer(ctx, wsID, mode, CustomerSnapshot{ProviderID: providerID, Email: email, Name: name}, time.Unix(0, 0), now)
		return err
	})
	return out, err
}

// TombstoneCustomer marks a Stripe customer deleted and erases its personal
// data (email, name, metadata, tags). An unknown customer gets a tombstone row
// so that a customer.created delivered late cannot resurrect it. Applied is
// false when the customer was already deleted.
func (s *Store) TombstoneCustomer(ctx context.Context, wsID string, mode holdfast.Mode, providerID string, providerTime, now time.Time) (*CustomerChange, error) {
	var out *CustomerChange
	err := s.InTx(ctx, func(ctx context.Context) error {
		prev, err := s.ingestLockCustomer(ctx, wsID, mode, providerID)
		if err != nil {
			return err
		}
		if prev == nil {
			if prev, _, err = s.ingestInsertCustomer(ctx, wsID, mode, CustomerSnapshot{ProviderID: providerID}, providerTime, now); err != nil {
				return err
			}
		} else if prev.Deleted {
			out = &CustomerChange{Customer: prev, Previous: prev}
			return nil
		}
		pt := max(prev.ProviderUpdatedAt, holdfast.Micros(providerTime))
		if _, err := s.exec(ctx, `UPDATE customers SET email = NULL, email_lower = NULL, name = NULL, metadata = '{}', tags = '[]',
			deleted_at = ?, provider_updated_at = ?, updated_at = ? WHERE id = ?`, holdfast.Micros(now), pt, holdfast.Micros(now), prev.ID); err != nil {
			return err
		}
		if _, err := s.exec(ctx, `DELETE FROM customer_tags WHERE customer_id = ?`, prev.ID); err != nil {
			return err
		}
		c, err := s.ingestLockCustomer(ctx, wsID, mode, providerID)
		out = &CustomerChange{Customer: c, Previous: prev, Applied: true}
		return err
	})
	return out, err
}

// ingestLockCustomer reads a customer by Stripe id (deleted ones included),
// locking the row on PostgreSQL until the transaction ends; nil when absent.
func (s *Store) ingestLockCustomer(ctx context.Context, wsID string, mode holdfast.Mode, providerID string) (*holdfast.Customer, error) {
	q := `SELECT ` + customerCols + ` FROM customers WHERE workspace_id = ? AND livemode = ? AND provider_id = ?`
	if s.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	c, err := scanCustomer(s.queryRow(ctx, q, wsID, mode.Livemode(), providerID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return c, err
}

// ingestTryInsertCustomer inserts a customer in one statement and returns
// the row, or nil when the Stripe id is already mirrored (nothing written;
// on PostgreSQL a concurrent insert of the same id is waited for). A new row
// has no tag rows to clear, so only its tags are inserted.
func (s *Store) ingestTryInsertCustomer(ctx context.Context, wsID string, mode holdfast.Mode, snap CustomerSnapshot, providerTime, now time.Time) (*holdfast.Customer, error) {
	tags := ingestTags(snap.Tags)
	meta := ingestJSON(snap.Metadata, "{}")
	c := &holdfast.Customer{ID: holdfast.NewID(holdfast.PrefixCustomer), Object: "customer", Livemode: mode.Livemode(), WorkspaceID: wsID,
		ProviderID: snap.ProviderID, Email: snap.Email, Name: snap.Name, Metadata: map[string]string{}, Tags: tags,
		Timezone: snap.Timezone, DefaultPaymentMethod: snap.DefaultPaymentMethod, ProviderUpdatedAt: holdfast.Micros(providerTime),
		CreatedAt: holdfast.FromMicros(holdfast.Micros(now)), UpdatedAt: holdfast.FromMicros(holdfast.Micros(now))}
	res, err := s.exec(ctx, `INSERT INTO customers (id, workspace_id, livemode, provider_id, email, email_lower, name, metadata, tags,
		timezone, default_payment_method, provider_updated_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, livemode, provider_id) DO NOTHING`,
		c.ID, wsID, c.Livemode, snap.ProviderID, snap.Email, ingestLower(snap.Email), snap.Name,
		meta, ingestJSON(tags, "[]"), snap.Timezone, snap.DefaultPaymentMethod, c.ProviderUpdatedAt, holdfast.Micros(now), holdfast.Micros(now))
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return nil, err
	}
	// The row as written, without reading it back.
	maps.Copy(c.Metadata, snap.Metadata)
	if err := s.ingestInsertTags(ctx, c, snap.Tags); err != nil {
		return nil, err
	}
	return c, nil
}

// ingestInsertCustomer inserts a customer unless a concurrent transaction
// already did (ON CONFLICT waits for it); it returns the row either way,
// locked, and whether this call created it.
func (s *Store) ingestInsertCustomer(ctx context.Context, wsID string, mode holdfast.Mode, snap CustomerSnapshot, providerTime, now time.Time) (*holdfast.Customer, bool, error) {
	c, err := s.ingestTryInsertCustomer(ctx, wsID, mode, snap, providerTime, now)
	if err != nil || c != nil {
		return c, c != nil, err
	}
	c, err = s.ingestLockCustomer(ctx, wsID, mode, snap.ProviderID)
	if err == nil && c == nil {
		err = errors.New("store: customer vanished after insert")
	}
	if err != nil {
		return nil, false, err
	}
	return c, false, nil
}

// ingestReplaceTags keeps customer_tags equal to the customer's tags.
func (s *Store) ingestReplaceTags(ctx context.Context, c *holdfast.Customer, tags []string) error {
	if _, err := s.exec(ctx, `DELETE FROM customer_tags WHERE customer_id = ?`, c.ID); err != nil {
		return err
	}
	return s.ingestInsertTags(ctx, c, tags)
}

// ingestInsertTags adds the tag rows of a customer that has none.
func (s *Store) ingestInsertTags(ctx context.Context, c *holdfast.Customer, tags []string) error {
	for _, t := range ingestTags(tags) {
		if _, err := s.exec(ctx, `INSERT INTO customer_tags (customer_id, tag, workspace_id, livemode, created_at) VALUES (?, ?, ?, ?, ?)`,
			c.ID, t, c.WorkspaceID, c.Livemode, holdfast.Micros(c.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}

// ingestTags trims, drops empties and de-duplicates, keeping first-seen order.
func ingestTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

func ingestLower(s *string) any {
	if s == nil {
		return nil
	}
	return strings.ToLower(strings.TrimSpace(*s))
}

func ingestJSON(v any, empty string) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return empty
	}
	return string(b)
}
