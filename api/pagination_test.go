package api_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"holdfast"
	"holdfast/api/apitest"
	"holdfast/store"
)

// clientLoop is the documented /v1 client loop: page = 1; loop { GET
// ?page=&per_page=100; append data; if page >= pagination.total_pages
// break; page++ }.
func clientLoop(t *testing.T, c *client, path, token string) []string {
	t.Helper()
	sep := "?"
	if containsRune(path, '?') {
		sep = "&"
	}
	var out []string
	for page := 1; ; page++ {
		res := c.get(fmt.Sprintf("%s%spage=%d&per_page=100", path, sep, page), token)
		wantOK(t, res)
		out = append(out, ids(res)...)
		if page >= int(pagination(res)["total_pages"]) {
			return out
		}
		if page > 1000 {
			t.Fatal("client loop does not end")
		}
	}
}

// exactlyOnce asserts got holds each of want exactly once.
func exactlyOnce(t *testing.T, got, want []string) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Fatalf("%s seen %d times (got %d ids, want %d)", id, seen[id], len(got), len(want))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d ids, want %d", len(got), len(want))
	}
}

// bulkCustomers mirrors n customers in one transaction; at(i) gives each
// one's creation time.
func bulkCustomers(t *testing.T, e *apitest.Env, ws *holdfast.Workspace, n int, at func(i int) time.Time) []*holdfast.Customer {
	t.Helper()
	var out []*holdfast.Customer
	err := e.Store.InTx(context.Background(), func(ctx context.Context) error {
		for i := 0; i < n; i++ {
			email := fmt.Sprintf("bulk%d@example.com", i)
			ch, err := e.Store.UpsertCustomer(ctx, ws.ID, holdfast.ModeTest, store.CustomerSnapshot{
				ProviderID: fmt.Sprintf("cus_bulk%s%d", holdfast.RandomBase62(4), i), Email: &email, ProviderTime: at(i),
			}, at(i))
			if err != nil {
				return err
			}
			out = append(out, ch.Customer)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func customerIDs(cs []*holdfast.Customer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func TestClientLoopCollectsEverythingOnce(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws := e.Workspace("Acme")
		tok := bigKey(e, ws.ID, holdfast.ModeTest, holdfast.ScopeRead)
		c := newClient(t, e)
		t.Run("Empty", func(t *testing.T) {
			c := c.with(t)
			for _, path := range []string{"/v1/payments", "/v1/customers"} {
				res := c.get(path, tok)
				wantPage(0, 1, 20, 0)(t, res)
				if got := clientLoop(t, c, path, tok); len(got) != 0 {
					t.Fatalf("%s: %v", path, got)
				}
			}
		})
		// 237 customers and payments, a third of them sharing a timestamp.
		cs := bulkCustomers(t, e, ws, 237, func(i int) time.Time { return t0.Add(time.Duration(i/3) * time.Second) })
		sd := newSeeder(t, e, ws, holdfast.ModeTest)
		var pays []string
		for i := 0; i < 237; i++ {
			p, _ := sd.payment(cs[i], 100, "usd", genStatuses[i%4], "", t0.Add(time.Duration(i/3)*time.Second))
			pays = append(pays, p.ID)
		}
		t.Run("Customers", func(t *testing.T) { exactlyOnce(t, clientLoop(t, c.with(t), "/v1/customers", tok), customerIDs(cs)) })
		t.Run("Payments", func(t *testing.T) { exactlyOnce(t, clientLoop(t, c.with(t), "/v1/payments", tok), pays) })
		t.Run("PagesAreNewestFirst", func(t *testing.T) {
			c := c.with(t)
			var all []string
			for page := 1; page <= 24; page++ {
				all = append(all, ids(c.get(fmt.Sprintf("/v1/customers?page=%d&per_page=10", page), tok))...)
			}
			want := sortedNewestFirst(cs)
			if !slices.Equal(all, want) {
				t.Fatal("per_page=10 pages do not follow (created_at, id) descending order")
			}
		})
	})
}

// sortedNewestFirst orders customers as every list does.
func sortedNewestFirst(cs []*holdfast.Customer) []string {
	s := slices.Clone(cs)
	sort.Slice(s, func(i, j int) bool {
		if !s[i].CreatedAt.Equal(s[j].CreatedAt) {
			return s[i].CreatedAt.After(s[j].CreatedAt)
		}
		return s[i].ID > s[j].ID
	})
	return customerIDs(s)
}

func TestCursorPaging(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws := e.Workspace("Acme")
		tok := bigKey(e, ws.ID, holdfast.ModeTest, holdfast.ScopeRead)
		c := newClient(t, e)
		// 1,000 customers; 100 of them (the middle ones) share one created_at.
		cs := bulkCustomers(t, e, ws, 1000, func(i int) time.Time {
			if i >= 450 && i < 550 {
				return t0.Add(450 * time.Second)
			}
			return t0.Add(time.Duration(i) * time.Second)
		})
		t.Run("SharedTimestampLimit7", func(t *testing.T) {
			c := c.with(t)
			got := collectCursor(t, c, "/api/v1/customers", tok, 7)
			exactlyOnce(t, got, customerIDs(cs))
			if !slices.Equal(got, sortedNewestFirst(cs)) {
				t.Fatal("cursor pages are not newest first by (created_at, id)")
			}
		})
		t.Run("InsertWhilePaging", func(t *testing.T) {
			c := c.with(t)
			var got []string
			cursor := ""
			added := 0
			for i := 0; ; i++ {
				path := "/api/v1/customers?limit=7"
				if cursor != "" {
					path += "&cursor=" + cursor
				}
				res := c.get(path, tok)
				wantOK(t, res)
				got = append(got, ids(res)...)
				// New customers arrive between pages (always newer than
				// everything listed so far), some sharing a timestamp.
				now := t0.Add(time.Hour + time.Duration(i)*time.Second)
				bulkCustomers(t, e, ws, 2, func(int) time.Time { return now })
				added += 2
				if res.JSON["has_more"] != true {
					break
				}
				cursor = res.JSON["next_cursor"].(string)
			}
			exactlyOnce(t, got, customerIDs(cs))
			if added < 100 {
				t.Fatalf("only %d inserted while paging", added)
			}
		})
		t.Run("TagFilterSharedTimestamp", func(t *testing.T) {
			c := c.with(t)
			// Tagged customers page through customer_tags with the same cursor.
			var tagged []*holdfast.Customer
			err := e.Store.InTx(context.Background(), func(ctx context.Context) error {
				for i := 0; i < 40; i++ {
					ch, err := e.Store.UpsertCustomer(ctx, ws.ID, holdfast.ModeTest, store.CustomerSnapshot{
						ProviderID: fmt.Sprintf("cus_tagged%d", i), Tags: []string{"vip"}, ProviderTime: t0,
					}, t0.Add(time.Duration(i%3)*time.Millisecond))
					if err != nil {
						return err
					}
					tagged = append(tagged, ch.Customer)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			got := collectCursor(t, c, "/api/v1/customers?tag=vip", tok, 7)
			if !slices.Equal(got, sortedNewestFirst(tagged)) {
				t.Fatal("tag pages wrong")
			}
			exactlyOnce(t, clientLoop(t, c, "/v1/customers?tag=vip", tok), customerIDs(tagged))
		})
	})
}

func TestRecoveryCursorPagingSharedTimestamps(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ws := e.Workspace("Acme")
		tok := bigKey(e, ws.ID, holdfast.ModeTest, holdfast.ScopeRead)
		c := newClient(t, e)
		sd := newSeeder(t, e, ws, holdfast.ModeTest)
		var want []string
		for i := 0; i < 60; i++ {
			_, r := sd.payment(nil, 100, "usd", genStatuses[i%4], "", t0.Add(time.Duration(i/20)*time.Second))
			want = append(want, r.ID)
		}
		exactlyOnce(t, collectCursor(t, c, "/api/v1/campaigns", tok, 7), want)
		var inFlight []string
		for i, id := range want {
			if i%4 == 0 {
				inFlight = append(inFlight, id)
			}
		}
		exactlyOnce(t, collectCursor(t, c, "/api/v1/campaigns?status=in_flight", tok, 4), inFlight)
	})
}
