package main

import "holdfast"

type stripeCmd struct {
	Sync stripeSyncCmd `cmd:"" help:"Backfill customers, subscriptions and open failed invoices from Stripe."`
}

type stripeSyncCmd struct {
	Workspace string `required:"" help:"Workspace id (ws_…)."`
	Mode      string `required:"" help:"live or test."`
	JSON      bool   `name:"json" help:"Print JSON."`
}

func (c *stripeSyncCmd) Run(e *env) error {
	return holdfast.Errorf(holdfast.EINVALID, "stripe sync is not available yet")
}
