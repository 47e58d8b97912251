package stripe_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestServicesDoNotImportStripe: the services state what they need of a
// billing provider in the root package; only cmd/holdfast wires package
// stripe into them (issue 17: engine must not import stripe).
func TestServicesDoNotImportStripe(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	for _, pkg := range []string{"holdfast/engine", "holdfast/cancelflow"} {
		out, err := exec.Command(goBin, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == "holdfast/stripe" || strings.HasPrefix(dep, "github.com/stripe/stripe-go") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
