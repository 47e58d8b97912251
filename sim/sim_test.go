package sim_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"holdfast/sim"
)

func strategies(t *testing.T, names ...string) []sim.Strategy {
	t.Helper()
	var out []sim.Strategy
	for _, n := range names {
		s, ok := sim.Builtin(n)
		if !ok {
			t.Fatalf("no built-in %q", n)
		}
		out = append(out, s)
	}
	return out
}

func TestRunSmoke(t *testing.T) {
	n := 100
	r, err := sim.Run(context.Background(), sim.Options{Strategies: strategies(t, "default", "fixed-8x14d"), N: n, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("SIM_PRINT") != "" {
		_ = r.WriteTable(os.Stdout)
		b, _ := json.MarshalIndent(r.Comparison, "", " ")
		t.Log(string(b))
	}
}
