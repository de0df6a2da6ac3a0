package health

import (
	"context"
	"log/slog"
	"time"
)

// Checker runs one task's health check until its context ends: a first
// check after Timing.Delay, then one every Timing.Interval after the
// previous ended, each bounded by Timing.Timeout. Every result goes
// through a Policy; decisions to report are handed to Report.
type Checker struct {
	Timing Timing
	Probe  Prober
	// Report receives the decisions with Report set, in order, on the
	// checker's goroutine. It must not wait for the checker to stop.
	Report func(Decision)
	// Logger receives a line per failed check; nil means slog.Default().
	Logger *slog.Logger
}

// Run checks until ctx ends. The task is taken to have started when Run
// is called. A check under way when ctx ends is abandoned (its process
// killed) and its result dropped.
func (c *Checker) Run(ctx context.Context) {
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	policy := NewPolicy(c.Timing, time.Now())
	wait := c.Timing.Delay
	for {
		if !sleep(ctx, wait) {
			return
		}
		wait = c.Timing.Interval
		err := c.probe(ctx)
		if ctx.Err() != nil {
			return
		}
		d := policy.Observe(time.Now(), err)
		switch {
		case d.InGracePeriod:
			log.Info("health check failed within its grace period; ignoring", "err", err)
		case err != nil:
			log.Warn("health check failed", "err", err, "consecutive_failures", d.ConsecutiveFailures, "kill", d.Kill)
		}
		if d.Report {
			c.Report(d)
		}
	}
}

// probe runs one check within the timeout.
func (c *Checker) probe(ctx context.Context) error {
	if c.Timing.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timing.Timeout)
		defer cancel()
	}
	return c.Probe.Probe(ctx)
}

// sleep waits d unless ctx ends first; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
