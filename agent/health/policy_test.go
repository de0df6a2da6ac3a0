package health

import (
	"errors"
	"testing"
	"time"
)

func TestPolicy(t *testing.T) {
	fail := errors.New("connection refused")
	timing := Timing{GracePeriod: 10 * time.Second, ConsecutiveFailures: 3}
	type step struct {
		at     time.Duration // since the task started
		err    error
		report bool
		health bool // reported health
		count  int  // consecutive failures
		kill   bool
		grace  bool
	}
	tests := []struct {
		name   string
		timing Timing
		steps  []step
	}{
		{"first success reports healthy, later ones say nothing", timing, []step{
			{at: 1 * time.Second, report: true, health: true},
			{at: 2 * time.Second},
			{at: 3 * time.Second},
		}},
		{"failures within the grace period are ignored", timing, []step{
			{at: 1 * time.Second, err: fail, grace: true},
			{at: 10 * time.Second, err: fail, grace: true}, // the period includes its end
			{at: 11 * time.Second, err: fail, report: true, count: 1},
		}},
		{"the grace period ends with the first success", timing, []step{
			{at: 1 * time.Second, report: true, health: true},
			{at: 2 * time.Second, err: fail, report: true, count: 1},
			{at: 3 * time.Second, report: true, health: true},
		}},
		{"every counted failure reports; the last asks for a kill", timing, []step{
			{at: 11 * time.Second, err: fail, report: true, count: 1},
			{at: 12 * time.Second, err: fail, report: true, count: 2},
			{at: 13 * time.Second, err: fail, report: true, count: 3, kill: true},
		}},
		{"a success resets the count", timing, []step{
			{at: 11 * time.Second, err: fail, report: true, count: 1},
			{at: 12 * time.Second, err: fail, report: true, count: 2},
			{at: 13 * time.Second, report: true, health: true},
			{at: 14 * time.Second, err: fail, report: true, count: 1},
		}},
		{"no grace period counts every failure", Timing{ConsecutiveFailures: 1}, []step{
			{at: 0, err: fail, report: true, count: 1, kill: true},
		}},
		{"zero consecutive failures kills on the first", Timing{}, []step{
			{at: time.Second, err: fail, report: true, count: 1, kill: true},
		}},
	}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPolicy(tt.timing, start)
			for i, s := range tt.steps {
				d := p.Observe(start.Add(s.at), s.err)
				if d.Report != s.report || (s.report && d.Healthy != s.health) || d.ConsecutiveFailures != s.count ||
					d.Kill != s.kill || d.InGracePeriod != s.grace || !errors.Is(d.Err, s.err) {
					t.Fatalf("step %d (%+v): decision %+v", i, s, d)
				}
			}
		})
	}
}
