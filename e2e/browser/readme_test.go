package browser

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// walkthroughBlock is a ```sh block right after a <!-- walkthrough --> line.
var walkthroughBlock = regexp.MustCompile("(?s)<!-- walkthrough -->\\s*\n```sh\n(.*?)\n```")

// TestREADMEWalkthrough runs the README's walk-through blocks, in order,
// in one shell against a fresh `serve --demo` (the real binary on PATH as
// `holdfast`, on the server's database), exactly as a reader pastes them:
// only the address and the printed key are put in. Every command must
// succeed (curl fails on any HTTP error), and the demo's answers must carry
// real data, so the README cannot drift from the product.
func TestREADMEWalkthrough(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := walkthroughBlock.FindAllStringSubmatch(string(raw), -1)
	if len(blocks) < 2 {
		t.Fatalf("found %d walk-through blocks in README.md, want the demo one and the own-workspace one", len(blocks))
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed; the README walk-through uses it")
	}
	srv := startDemo(t, "sqlite", "--demo-customers", "200", "--demo-days", "20")
	bin := buildBinary(t)

	var script strings.Builder
	// curl fails on HTTP errors (printing the body) and each answer ends
	// its line; both only make failures visible, they change no answer.
	script.WriteString("set -euo pipefail\ncurl() { command curl --fail-with-body \"$@\"; echo; }\n")
	for i, b := range blocks {
		body := strings.ReplaceAll(b[1], "http://127.0.0.1:8080", srv.Base)
		body = strings.ReplaceAll(body, "hf_test_…", srv.TestKey)
		if strings.Contains(body, "…") {
			t.Fatalf("walk-through block %d has a placeholder a reader cannot run:\n%s", i+1, b[1])
		}
		script.WriteString("echo '### block " + string(rune('1'+i)) + "'\n" + body + "\n")
	}
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = t.TempDir() // admin commands find the database through the environment only
	cmd.Env = append(append(os.Environ(), srv.Env...), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	t.Logf("walk-through output:\n%s", out)
	if err != nil {
		t.Fatalf("the README walk-through failed: %v", err)
	}
	demoPart, ownPart, _ := strings.Cut(string(out), "### block 2")
	for _, want := range []string{`"object":"payment"`, `"status":"recovered"`, `"cus_`, `"recovered_revenue"`, `"object":"cancel_session"`} {
		if !strings.Contains(demoPart, want) {
			t.Errorf("the demo walk-through shows no %s: real data is missing", want)
		}
	}
	if strings.Contains(demoPart, `"data":[]`) {
		t.Errorf("the demo walk-through lists nothing somewhere")
	}
	for _, want := range []string{"ID", "NAME", "walk-through", "/dashboard/setup?token=", `"workspace"`} {
		if !strings.Contains(ownPart, want) {
			t.Errorf("the own-workspace walk-through shows no %q", want)
		}
	}
}
