package main

import (
	"context"

	"holdfast/store"
)

func (b *bench) countCustomers(ctx context.Context) (int, error) {
	st, err := store.Open(ctx, b.url)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	var n int
	err = st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM customers`).Scan(&n)
	return n, err
}
