package health

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	mesospb "agora/api/mesos/v1"
)

// ErrInvalid reports a HealthCheck that cannot be run, with Mesos's
// message for it.
var ErrInvalid = errors.New("health: invalid health check")

// Spec is a validated HealthCheck: its timing and what to probe. Exactly
// one of Command, HTTP and TCP is set.
type Spec struct {
	Timing Timing
	// Command is a COMMAND check's command, run like a task's.
	Command *mesospb.CommandInfo
	HTTP    *HTTP
	TCP     *TCP
}

// Type is the check's type as Mesos names it: COMMAND, HTTP or TCP.
func (s Spec) Type() string {
	switch {
	case s.Command != nil:
		return "COMMAND"
	case s.HTTP != nil:
		return "HTTP"
	default:
		return "TCP"
	}
}

// FromProto validates a HealthCheck as Mesos does
// (common::validation::validateHealthCheck) and fills in its defaults.
func FromProto(hc *mesospb.HealthCheck) (Spec, error) {
	var spec Spec
	if hc.Type == nil {
		return spec, fmt.Errorf("%w: HealthCheck must specify 'type'", ErrInvalid)
	}
	switch hc.GetType() {
	case mesospb.HealthCheck_COMMAND:
		command := hc.GetCommand()
		if command == nil {
			return spec, fmt.Errorf("%w: Expecting 'command' to be set for COMMAND health check", ErrInvalid)
		}
		if command.Value == nil {
			kind := "'executable path'"
			if command.GetShell() {
				kind = "'shell command'"
			}
			return spec, fmt.Errorf("%w: Command health check must contain %s", ErrInvalid, kind)
		}
		spec.Command = command
	case mesospb.HealthCheck_HTTP:
		h := hc.GetHttp()
		if h == nil {
			return spec, fmt.Errorf("%w: Expecting 'http' to be set for HTTP health check", ErrInvalid)
		}
		if h.Scheme != nil && h.GetScheme() != "http" && h.GetScheme() != "https" {
			return spec, fmt.Errorf("%w: Unsupported HTTP health check scheme: '%s'", ErrInvalid, h.GetScheme())
		}
		if h.Path != nil && !strings.HasPrefix(h.GetPath(), "/") {
			return spec, fmt.Errorf("%w: The path '%s' of HTTP health check must start with '/'", ErrInvalid, h.GetPath())
		}
		spec.HTTP = &HTTP{
			Scheme: h.GetScheme(),
			Port:   h.GetPort(),
			Path:   h.GetPath(),
			IPv6:   h.GetProtocol() == mesospb.NetworkInfo_IPv6,
		}
	case mesospb.HealthCheck_TCP:
		t := hc.GetTcp()
		if t == nil {
			return spec, fmt.Errorf("%w: Expecting 'tcp' to be set for TCP health check", ErrInvalid)
		}
		spec.TCP = &TCP{Port: t.GetPort(), IPv6: t.GetProtocol() == mesospb.NetworkInfo_IPv6}
	default:
		return spec, fmt.Errorf("%w: '%s' is not a valid health check type", ErrInvalid, hc.GetType())
	}

	// The getters return the proto's defaults for unset fields.
	var err error
	durations := []struct {
		name string
		v    float64
		dst  *time.Duration
	}{
		{"delay_seconds", hc.GetDelaySeconds(), &spec.Timing.Delay},
		{"grace_period_seconds", hc.GetGracePeriodSeconds(), &spec.Timing.GracePeriod},
		{"interval_seconds", hc.GetIntervalSeconds(), &spec.Timing.Interval},
		{"timeout_seconds", hc.GetTimeoutSeconds(), &spec.Timing.Timeout},
	}
	for _, d := range durations {
		if *d.dst, err = seconds(d.name, d.v); err != nil {
			return Spec{}, err
		}
	}
	spec.Timing.ConsecutiveFailures = int(hc.GetConsecutiveFailures())
	return spec, nil
}

// seconds converts one of HealthCheck's double fields.
func seconds(name string, v float64) (time.Duration, error) {
	switch {
	case v < 0:
		return 0, fmt.Errorf("%w: Expecting '%s' to be non-negative", ErrInvalid, name)
	case math.IsNaN(v) || v > float64(math.MaxInt64)/float64(time.Second):
		return 0, fmt.Errorf("%w: '%s' is not a duration: %v", ErrInvalid, name, v)
	}
	return time.Duration(v * float64(time.Second)), nil
}
