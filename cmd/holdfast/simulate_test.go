package main

import (
	"runtime"
	"strings"
	"testing"
)

// TestSimulateShardProcesses: with two or more CPUs simulate runs its
// shards as `simulate-shard` child processes (here the test binary, through
// TestMain); the report is the one the same run gives in one process,.
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
