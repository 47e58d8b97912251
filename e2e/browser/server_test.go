package browser

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"holdfast"
	"holdfast/store/storetest"
)

// repoRoot is the module root (this package lives at e2e/browser).
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// TestMain removes the binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildBinary compiles cmd/holdfast once per test process.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "holdfast-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binDir, binPath = dir, filepath.Join(dir, "holdfast")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/holdfast")
		cmd.Dir = repoRoot(t)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/holdfast: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// demoServer is a running `holdfast serve --demo`.
type demoServer struct {
	Base     string // http://127.0.0.1:PORT
	TestKey  string // the demo workspace's test secret key (admin)
	Password string // the demo login's password
	// Env is what the server ran with beyond the process's environment
	// (its database and secret key), for admin commands on its database.
	Env []string
}

var (
	dashboardLine = regexp.MustCompile(`Dashboard:\s+(http://\S+?)/?\s*$`)
	keyLine       = regexp.MustCompile(`Test secret key:\s+(hf_test_\S+)`)
	passwordLine  = regexp.MustCompile(`Demo login:\s+\S+\s+password: (\S+)`)
)

// startDemo runs the real binary with --demo on a fresh database of backend
// and waits until it prints its URL and key; it is interrupted when the test ends.
// Extra arguments (like a smaller --demo-customers) go after the others.
func startDemo(t *testing.T, backend string, extra ...string) *demoServer {
	t.Helper()
	bin := buildBinary(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append([]string{"serve", "--demo", "--addr", "127.0.0.1:0"}, extra...)...)
	dbEnv := []string{"HOLDFAST_DATABASE_URL=" + storetest.URL(t, backend), "HOLDFAST_SECRET_KEY=" + holdfast.RandomBase62(32)}
	cmd.Env = append(append(os.Environ(), dbEnv...),
		"HOLDFAST_LOG_LEVEL=warn",
		// Nothing in test mode talks to Stripe; a dead address proves it.
		"HOLDFAST_STRIPE_API_BASE=http://127.0.0.1:9",
	)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server stderr:\n%s", stderr.String())
		}
	})
	found := make(chan *demoServer, 1)
	go func() {
		s := &demoServer{Env: dbEnv}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if m := passwordLine.FindStringSubmatch(line); m != nil {
				s.Password = m[1]
			}
			if m := dashboardLine.FindStringSubmatch(line); m != nil {
				s.Base = strings.TrimSuffix(m[1], "/")
			}
			if m := keyLine.FindStringSubmatch(line); m != nil {
				s.TestKey = m[1]
			}
			if s.Base != "" && s.TestKey != "" {
				found <- s
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case s := <-found:
		return s
	case <-time.After(240 * time.Second): // the demo generates its history first; generous under CI load
		t.Fatalf("serve --demo did not print its URL and key; stderr:\n%s", stderr.String())
	}
	return nil
}

// get calls the API with the demo's test secret key and decodes the answer.
func (s *demoServer) get(t *testing.T, path string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.Base+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.TestKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v %v", path, res.StatusCode, out, err)
	}
	return out
}
