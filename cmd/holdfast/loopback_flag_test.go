package main

import (
	"testing"

	"github.com/alecthomas/kong"
)

// TestAllowLoopbackWebhooksConfig: the operator's consent to loopback
// webhook receivers is off unless given by flag or environment, and
// --demo turns it on.
func TestAllowLoopbackWebhooksConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want bool
	}{
		{"OffByDefault", []string{"serve"}, nil, false},
		{"Flag", []string{"serve", "--allow-loopback-webhooks"}, nil, true},
		{"FlagFalse", []string{"serve", "--allow-loopback-webhooks=false"}, nil, false},
		{"EnvTrue", []string{"serve"}, map[string]string{"HOLDFAST_ALLOW_LOOPBACK_WEBHOOKS": "true"}, true},
		{"EnvFalse", []string{"serve"}, map[string]string{"HOLDFAST_ALLOW_LOOPBACK_WEBHOOKS": "false"}, false},
		{"DemoImpliesIt", []string{"serve", "--demo"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var root cli
			p, err := kong.New(&root, kong.Resolvers(envResolver{getenv: func(k string) string { return tc.env[k] }}),
				kong.Exit(func(int) { t.Fatal("exit") }))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			cfg, err := root.Serve.config()
			if err != nil {
				t.Fatal(err)
			}
			if cfg.AllowLoopbackWebhooks != tc.want {
				t.Fatalf("AllowLoopbackWebhooks = %v, want %v", cfg.AllowLoopbackWebhooks, tc.want)
			}
		})
	}
}
