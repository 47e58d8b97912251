package sim

import (
	"context"
	"time"

	"holdfast"
	"holdfast/campaign"
)

// ShardJob is one shard of a run: a strategy on payments [Lo, Hi) of the
// population. It is plain data, so a shard can run in another process
// (`holdfast simulate` sends it as JSON to `holdfast simulate-shard`).
type ShardJob struct {
	Model    *Model             `json:"model"`
	Strategy Strategy           `json:"strategy"`
	Campaign *holdfast.Campaign `json:"campaign"` // Strategy.Campaign, which Strategy's JSON leaves out
	Seed     uint64             `json:"seed"`
	Days     int                `json:"days"`
	Start    time.Time          `json:"start"`
	Lo       int                `json:"lo"`
	Hi       int                `json:"hi"`
	Profiles []Profile          `json:"profiles"` // payments Lo…Hi-1
	Dir      string             `json:"dir,omitempty"`
}

// ShardRunner runs one shard and returns its trace.
type ShardRunner func(ctx context.Context, job ShardJob) (*Trace, error)

func newShardJob(o Options, s Strategy, profiles []Profile, lo, hi int) ShardJob {
	return ShardJob{Model: o.Model, Strategy: s, Campaign: s.Campaign, Seed: o.Seed, Days: o.Days, Start: o.Start,
		Lo: lo, Hi: hi, Profiles: profiles[lo:hi], Dir: o.Dir}
}

// RunShard runs one shard in this process: what Run does for each shard
// when no Runner is set, and what `holdfast simulate-shard` does for a job
// it reads. The result is the same wherever it runs.
func RunShard(ctx context.Context, job ShardJob) (*Trace, error) {
	if job.Model == nil || job.Lo < 0 || job.Hi < job.Lo || job.Hi > MaxN || len(job.Profiles) != job.Hi-job.Lo ||
		job.Days < 1 || job.Days > MaxDays {
		return nil, holdfast.Errorf(holdfast.EINVALID, "simulate-shard: malformed job (payments %d…%d, %d profiles, %d days)",
			job.Lo, job.Hi, len(job.Profiles), job.Days)
	}
	// A job comes from another process: check what Run's options and the
	// campaign loaders check (a model with a zero reaction time would never
	// move the clock, and the shard would spin).
	if err := job.Model.Validate(); err != nil {
		return nil, err
	}
	if job.Campaign != nil {
		if err := campaign.Validate(job.Campaign); err != nil {
			return nil, err
		}
	}
	o := Options{Model: job.Model, Seed: job.Seed, Days: job.Days, Start: job.Start, Dir: job.Dir}
	if o.Start.IsZero() {
		o.Start = DefaultStart
	}
	if o.Dir == "" {
		o.Dir = scratchDir()
	}
	s := job.Strategy
	s.Campaign = job.Campaign
	return runShard(ctx, o, s, job.Profiles, job.Lo, job.Hi, func(int64) {})
}
