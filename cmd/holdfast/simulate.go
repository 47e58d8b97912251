package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"holdfast"
	"holdfast/sim"
)

type simulateCmd struct {
	Campaign     []string `name:"campaign" sep:"none" help:"Compare a workspace's campaign (cmp_…, from the database); repeatable."`
	CampaignFile []string `name:"campaign-file" sep:"none" type:"path" help:"Compare a campaign JSON file in the POST /v1/campaigns shape; repeatable."`
	Strategy     []string `name:"strategy" sep:"none" help:"Compare a built-in strategy: default, fixed-8x14d, fixed-4x7d, emails-only, unguarded-8x14d; repeatable."`
	Population   string   `name:"population" default:"default" help:"default (the model's population) or ws_… (resample that workspace's live payments of the last 180 days)."`
	N            int      `name:"n" default:"20000" help:"Simulated failed payments."`
	Seed         uint64   `name:"seed" default:"1" help:"Random seed; a seed always gives the same result."`
	Days         int      `name:"days" default:"60" help:"Length of the run in days; payments fail during its first half."`
	Model        string   `name:"model" type:"path" help:"Population model file (default: the shipped sim/model/default.json)."`
	JSON         bool     `name:"json" help:"Print the report as JSON."`
}

// Help describes the command at length for --help.
func (c *simulateCmd) Help() string {
	return "Runs the real recovery engine (campaigns, smart-retry policy, network limits, dunning schedule, test clock) " +
		"in throwaway in-memory SQLite databases (one per 1,000 payments, each in a child process so that every CPU " +
		"is used) against a simulated card network and simulated customers, and compares strategies side by side " +
		"on the same population and the same random draws. Without strategies it compares the default campaign " +
		"with fixed-8x14d. See docs/simulate.md."
}

// Run simulates and prints the comparison.
func (c *simulateCmd) Run(e *env) error {
	if c.N < 1 || c.N > sim.MaxN {
		return holdfast.ParamError("n", "--n must be between 1 and %d.", sim.MaxN)
	}
	if c.Days < 1 || c.Days > sim.MaxDays {
		return holdfast.ParamError("days", "--days must be between 1 and %d.", sim.MaxDays)
	}
	model := sim.DefaultModel()
	if c.Model != "" {
		m, err := sim.LoadModel(c.Model)
		if err != nil {
			return err
		}
		model = m
	}
	var strategies []sim.Strategy
	for _, name := range c.Strategy {
		s, ok := sim.Builtin(name)
		if !ok {
			return holdfast.ParamError("strategy", "Unknown strategy %q (built-ins: %s).", name, strings.Join(sim.BuiltinNames, ", "))
		}
		strategies = append(strategies, s)
	}
	opts := sim.Options{Model: model, N: c.N, Seed: c.Seed, Days: c.Days}
	if len(c.Campaign) > 0 || strings.HasPrefix(c.Population, holdfast.PrefixWorkspace) {
		st, err := e.openStore(e.ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, id := range c.Campaign {
			cmp, err := st.CampaignByID(e.ctx, id)
			if err != nil {
				return err
			}
			strategies = append(strategies, sim.CampaignStrategy(cmp))
		}
		if c.Population != "default" {
			pop, err := sim.LoadWorkspacePopulation(e.ctx, st, c.Population, model, time.Now())
			if err != nil {
				return err
			}
			opts.Population = pop
		}
	} else if c.Population != "default" {
		return holdfast.ParamError("population", "--population must be default or a workspace id (ws_…).")
	}
	for _, path := range c.CampaignFile {
		s, err := sim.LoadCampaignFile(path)
		if err != nil {
			return err
		}
		strategies = append(strategies, s)
	}
	if len(strategies) == 0 {
		def, _ := sim.Builtin(sim.StrategyDefault)
		fix, _ := sim.Builtin(sim.StrategyFixed8x14)
		strategies = []sim.Strategy{def, fix}
	}
	opts.Strategies = sim.UniqueNames(strategies)
	opts.Runner = shardProcesses(e)
	if f, ok := e.stderr.(*os.File); ok && isTerminal(f) {
		bar := &progressBar{w: f}
		opts.Progress = bar.update
		defer bar.done()
	}
	rep, err := sim.Run(e.ctx, opts)
	if err != nil {
		return err
	}
	if c.JSON {
		return printJSON(e.stdout, rep)
	}
	return rep.WriteTable(e.stdout)
}

// maxShardJobBytes bounds what simulate-shard reads.
const maxShardJobBytes = 256 << 20

// simShardCmd is the worker end of shardProcesses.
type simShardCmd struct{}

// Run reads one sim.ShardJob from stdin, runs it and writes the trace.
func (c *simShardCmd) Run(e *env) error {
	var job sim.ShardJob
	// A worker process: the job is its whole input, bounded (a shard of the
	// default 1,000 payments is well under a MiB).
	dec := json.NewDecoder(io.LimitReader(os.Stdin, maxShardJobBytes))
	if err := dec.Decode(&job); err != nil {
		return holdfast.Errorf(holdfast.EINVALID, "simulate-shard: read the job: %v", err)
	}
	tr, err := sim.RunShard(e.ctx, job)
	if err != nil {
		return err
	}
	return json.NewEncoder(e.stdout).Encode(tr)
}

// shardProcessEnv marks a child started by shardProcesses, for test
// binaries that stand in for holdfast (TestMain).
const shardProcessEnv = "HOLDFAST_SIMULATE_SHARD"

// shardProcesses runs each shard of a simulation in a child process
// (`holdfast simulate-shard`): the embedded SQLite driver serializes its
// memory allocation within a process, so shards in one process use about
// one core however many there are, while processes use them all. With one
// CPU, or without a way to start ourselves, shards run in this process.
func shardProcesses(e *env) sim.ShardRunner {
	if runtime.GOMAXPROCS(0) < 2 {
		return nil
	}
	self, err := os.Executable()
	if err != nil {
		return nil
	}
	return func(ctx context.Context, job sim.ShardJob) (*sim.Trace, error) {
		in, err := json.Marshal(job)
		if err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, self, "simulate-shard")
		cmd.Env = append(os.Environ(), shardProcessEnv+"=1", "GOMAXPROCS=1")
		cmd.Stdin = bytes.NewReader(in)
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("simulate-shard (payments %d…%d): %v: %s", job.Lo, job.Hi, err, childError(stderr.String()))
		}
		var tr sim.Trace
		if err := json.Unmarshal(out.Bytes(), &tr); err != nil {
			return nil, fmt.Errorf("simulate-shard (payments %d…%d): read the trace: %w", job.Lo, job.Hi, err)
		}
		return &tr, nil
	}
}

// childError is the line of a worker's stderr worth showing: its
// "holdfast: error:" line, else (a crash) the first line, never a whole
// goroutine dump.
func childError(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for _, l := range lines {
		if m, ok := strings.CutPrefix(l, "holdfast: error: "); ok {
			return m
		}
	}
	l := lines[0]
	if len(l) > 300 {
		l = l[:300] + "…"
	}
	return l
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressBar draws one line on a terminal, at most ten times a second.
type progressBar struct {
	w     *os.File
	mu    sync.Mutex
	last  time.Time
	shown bool
}

func (b *progressBar) update(done, total int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if time.Since(b.last) < 100*time.Millisecond && done < total {
		return
	}
	b.last = time.Now()
	const width = 40
	frac := min(float64(done)/float64(max(total, 1)), 1)
	n := int(frac * width)
	fmt.Fprintf(b.w, "\rsimulating [%s%s] %3.0f%%", strings.Repeat("#", n), strings.Repeat(".", width-n), 100*frac)
	b.shown = true
}

func (b *progressBar) done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.shown {
		fmt.Fprint(b.w, "\r\033[K")
	}
}
