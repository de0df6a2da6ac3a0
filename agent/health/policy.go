package health

import (
	"time"
)

// Defaults of HealthCheck's fields (include/mesos/v1/mesos.proto).
const (
	DefaultDelay               = 15 * time.Second
	DefaultInterval            = 10 * time.Second
	DefaultTimeout             = 20 * time.Second
	DefaultGracePeriod         = 10 * time.Second
	DefaultConsecutiveFailures = 3
)

// Timing is when a check runs and how its failures count.
type Timing struct {
	// Delay is the wait before the first check, from the task's start.
	Delay time.Duration
	// Interval is the wait between the end of one check and the start of
	// the next.
	Interval time.Duration
	// Timeout bounds one check; zero means no bound.
	Timeout time.Duration
	// GracePeriod, from the task's start, is when failures are ignored,
	// until the first success. It includes Delay.
	GracePeriod time.Duration
	// ConsecutiveFailures in a row get the task killed.
	ConsecutiveFailures int
}

// DefaultTiming is the timing of a HealthCheck that sets none of it.
func DefaultTiming() Timing {
	return Timing{
		Delay:               DefaultDelay,
		Interval:            DefaultInterval,
		Timeout:             DefaultTimeout,
		GracePeriod:         DefaultGracePeriod,
		ConsecutiveFailures: DefaultConsecutiveFailures,
	}
}

// Decision is what one check result means for the task.
type Decision struct {
	// Report is set when the executor sends a status update with the
	// task's health: on the first success, on the first success after
	// failures, and on every failure that counts.
	Report bool
	// Healthy is the health to report.
	Healthy bool
	// ConsecutiveFailures counts the failures in a row so far.
	ConsecutiveFailures int
	// Kill is set when this failure reached Timing.ConsecutiveFailures:
	// the task must be killed.
	Kill bool
	// InGracePeriod is set for a failure that was ignored.
	InGracePeriod bool
	// Err is the check's failure, nil for a success.
	Err error
}

// Policy turns check results into decisions (Mesos's HealthChecker::
// success and ::failure). It is pure: results and their times come in as
// arguments. It is not safe for concurrent use.
type Policy struct {
	timing   Timing
	start    time.Time
	failures int
	// initializing holds until the first success: only then do failures
	// within the grace period count.
	initializing bool
}

// NewPolicy starts a policy for a task that started at start.
func NewPolicy(timing Timing, start time.Time) *Policy {
	return &Policy{timing: timing, start: start, initializing: true}
}

// Observe takes the result of one check, which ended at now: err is nil
// if the check passed.
func (p *Policy) Observe(now time.Time, err error) Decision {
	if err == nil {
		d := Decision{Report: p.initializing || p.failures > 0, Healthy: true}
		p.initializing = false
		p.failures = 0
		return d
	}
	if p.initializing && p.timing.GracePeriod > 0 && now.Sub(p.start) <= p.timing.GracePeriod {
		return Decision{InGracePeriod: true, Err: err}
	}
	p.failures++
	return Decision{
		Report:              true,
		Healthy:             false,
		ConsecutiveFailures: p.failures,
		Kill:                p.failures >= p.timing.ConsecutiveFailures,
		Err:                 err,
	}
}
