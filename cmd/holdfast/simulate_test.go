package main

import (
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
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
	code, children, errs := c.run(args...)
	if code != 0 {
		t.Fatalf("child processes: exit %d: %s", code, errs)
	}
	if inProcess != children {
		t.Fatalf("reports differ:\nin process: %s\nchildren:   %s", inProcess, children)
	}
	if !strings.Contains(children, `"recovered"`) || strings.Contains(children, `"charges": 0,`) {
		t.Fatalf("report with nothing in it: %s", children)
	}
}

// TestSimulateShardBadJob: the worker answers a job it cannot read with a
// clear error on stderr and a failing exit code, never a trace.
func TestSimulateShardBadJob(t *testing.T) {
	for _, tc := range []struct{ name, stdin, want string }{
		{"NotJSON", "nonsense", "simulate-shard: read the job"},
		{"Empty", "", "simulate-shard: read the job"},
		{"Malformed", `{"lo": 5, "hi": 3, "days": 60}`, "malformed job"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), shardProcessEnv+"=1")
			cmd.Stdin = strings.NewReader(tc.stdin)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			if err == nil || out.Len() != 0 || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %v, stdout %q, stderr %q; want a failure naming %q", err, out.String(), errb.String(), tc.want)
			}
		})
	}
}
