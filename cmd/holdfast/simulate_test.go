package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"holdfast/sim"
)

// TestSimulateShardProcesses: with two or more CPUs simulate runs its
// shards as `simulate-shard` child processes (here the test binary, through
// TestMain); the report is the one the same run gives in one process.
func TestSimulateShardProcesses(t *testing.T) {
	args := []string{"simulate", "--n", "240", "--seed", "4", "--days", "40", "--strategy", "default", "--strategy", "fixed-4x7d", "--json"}
	c := newCLI(t)
	old := runtime.GOMAXPROCS(1) // one CPU: shards run in this process
	code, inProcess, errs := c.run(args...)
	runtime.GOMAXPROCS(max(old, 2)) // two or more: child processes
	defer runtime.GOMAXPROCS(old)
	if code != 0 {
		t.Fatalf("in process: exit %d: %s", code, errs)
	}
	workers := filepath.Join(t.TempDir(), "workers")
	t.Setenv(shardLogEnv, workers)
	code, children, errs := c.run(args...)
	if code != 0 {
		t.Fatalf("child processes: exit %d: %s", code, errs)
	}
	if b, _ := os.ReadFile(workers); strings.Count(string(b), "\n") != 2 { // one shard per strategy at n=240
		t.Fatalf("worker processes that ran: %q, want 2", b)
	}
	if inProcess != children {
		t.Fatalf("reports differ:\nin process: %s\nchildren:   %s", inProcess, children)
	}
	var rep struct {
		Strategies []struct {
			Name           string `json:"name"`
			Charges        int    `json:"charges"`
			RecoveredRetry int    `json:"recovered_by_retry"`
		} `json:"strategies"`
	}
	if err := json.Unmarshal([]byte(children), &rep); err != nil || len(rep.Strategies) != 2 {
		t.Fatalf("report %v: %s", err, children)
	}
	for _, s := range rep.Strategies {
		if s.Charges == 0 || s.RecoveredRetry == 0 {
			t.Fatalf("strategy %s with nothing in it: %+v", s.Name, s)
		}
	}
}

// shardLogEnv names a file each shard worker started under test appends its
// pid to (see TestMain).
const shardLogEnv = "HOLDFAST_TEST_SHARD_LOG"

// TestSimulateShardBadJob: the worker answers a job it cannot read with a
// clear error on stderr and a failing exit code, never a trace.
func TestSimulateShardBadJob(t *testing.T) {
	for _, tc := range []struct{ name, stdin, want string }{
		{"NotJSON", "nonsense", "simulate-shard: read the job"},
		{"Empty", "", "simulate-shard: read the job"},
		{"Malformed", `{"lo": 5, "hi": 3, "days": 60}`, "malformed job"},
		// Well formed, but a model the simulator cannot step through: refused, not spun on.
		{"BadModel", `{"model": {}, "days": 1, "lo": 0, "hi": 1, "profiles": [{"code": "insufficient_funds"}]}`, "model: version"},
		{"ZeroReaction", `{"model": ` + zeroReactionModel(t) + `, "days": 1, "lo": 0, "hi": 1, "profiles": [{"code": "insufficient_funds"}]}`,
			"reaction_min_hours"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), shardProcessEnv+"=1")
			cmd.Stdin = strings.NewReader(tc.stdin)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			if err == nil || ctx.Err() != nil || out.Len() != 0 || !strings.Contains(errb.String(), tc.want) ||
				strings.Contains(errb.String(), "goroutine ") {
				t.Fatalf("exit %v (timed out: %v), stdout %q, stderr %q; want a failure naming %q", err, ctx.Err() != nil, out.String(), errb.String(), tc.want)
			}
		})
	}
}

// zeroReactionModel is the default model with a reaction time of zero.
func zeroReactionModel(t *testing.T) string {
	m := sim.DefaultModel()
	m.Customer.ReactionMinHours = 0
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestChildError(t *testing.T) {
	for in, want := range map[string]string{
		"holdfast: error: simulate-shard: model: version: unsupported\n": "simulate-shard: model: version: unsupported",
		"panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n":           "panic: boom",
	} {
		if got := childError(in); got != want {
			t.Errorf("childError(%q) = %q, want %q", in, got, want)
		}
	}
}
