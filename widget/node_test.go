package widget

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runNode runs node with args and returns its stdout. Node is optional on
// developer machines: without it the calling test is skipped, saying why.
func runNode(t *testing.T, args ...string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH; skipping the JavaScript check")
	}
	cmd := exec.Command(node, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// writeTemp writes data to a file in the test's temp dir and returns its path.
func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
