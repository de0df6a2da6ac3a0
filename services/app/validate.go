package app

import (
	"errors"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"agora/constraints"
)

// Validate checks a decoded app against Marathon's rules and returns nil or a
// *ValidationError wrapping ErrInvalid, with every problem found, in Marathon's wording
// where Marathon has one:
//   - id: absolute, at least one segment, segments of lowercase letters, digits, '-' and
//     '.' (Marathon's regular expression), not ending in restart, tasks or versions;
//   - exactly one of cmd and args;
//   - cpus, mem, disk, gpus, instances, backoffSeconds, maxLaunchDelaySeconds and
//     taskKillGracePeriodSeconds ≥ 0, backoffFactor ≥ 1, the upgrade strategy's values
//     in [0, 1], unreachable inactiveAfterSeconds ≤ expungeAfterSeconds;
//   - killSelection YOUNGEST_FIRST or OLDEST_FIRST; executor "", "//cmd" or a path;
//   - constraints valid (package constraints);
//   - port definitions: ports in 0–65535, unique non-zero ports, unique names of
//     Marathon's name form, protocol tcp, udp or "udp,tcp";
//   - health checks: a known protocol, portIndex within the port definitions (or a port),
//     not both, COMMAND with a command, non-negative durations, at most one check the
//     agent runs (COMMAND or MESOS_*), as Marathon;
//   - fetch URIs present and parseable, dependencies valid ids, env names non-empty,
//     accepted roles valid Mesos role names.
//
// cpus may be 0 (Marathon wants 0.001 or more): a task of memory only is valid in Mesos.
func (a *App) Validate() error {
	var p problems
	for _, m := range checkID(a.ID) {
		p.add("/id", m)
	}
	if (a.Cmd != "") == (len(a.Args) > 0) {
		p.add("/", "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.")
	}
	atLeast(&p, "/cpus", a.CPUs, 0)
	atLeast(&p, "/mem", a.Mem, 0)
	atLeast(&p, "/disk", a.Disk, 0)
	atLeastInt(&p, "/gpus", a.GPUs, 0)
	atLeastInt(&p, "/instances", a.Instances, 0)
	atLeast(&p, "/backoffSeconds", a.BackoffSeconds, 0)
	atLeast(&p, "/backoffFactor", a.BackoffFactor, 1)
	atLeast(&p, "/maxLaunchDelaySeconds", a.MaxLaunchDelaySeconds, 0)
	atLeast(&p, "/taskKillGracePeriodSeconds", a.TaskKillGracePeriodSeconds, 0)
	atLeast(&p, "/deploymentTimeoutSeconds", a.DeploymentTimeoutSeconds, 0)
	within(&p, "/upgradeStrategy/minimumHealthCapacity", a.UpgradeStrategy.MinimumHealthCapacity, 0, 1)
	within(&p, "/upgradeStrategy/maximumOverCapacity", a.UpgradeStrategy.MaximumOverCapacity, 0, 1)
	if u := a.UnreachableStrategy; !u.Disabled {
		switch {
		case u.InactiveAfterSeconds < 0 || math.IsNaN(u.InactiveAfterSeconds):
			p.add("/unreachableStrategy/inactiveAfterSeconds", "inactiveAfterSeconds ("+seconds(u.InactiveAfterSeconds)+") must be greater than or equal to 0")
		case u.InactiveAfterSeconds > u.ExpungeAfterSeconds:
			p.add("/unreachableStrategy/inactiveAfterSeconds", "inactiveAfterSeconds ("+seconds(u.InactiveAfterSeconds)+") must be less or equal to expungeAfterSeconds, which is "+seconds(u.ExpungeAfterSeconds))
		}
	}
	switch a.KillSelection {
	case KillYoungestFirst, KillOldestFirst:
	default:
		p.add("/killSelection", "is not one of (YOUNGEST_FIRST,OLDEST_FIRST)")
	}
	if !executorPattern.MatchString(a.Executor) {
		p.add("/executor", "must fully match regular expression '"+executorPattern.String()+"'")
	}
	if _, err := constraints.FromMarathonList(a.Constraints); err != nil {
		path := "/constraints"
		var ce *constraints.Error
		if errors.As(err, &ce) && ce.Index >= 0 {
			path += "(" + strconv.Itoa(ce.Index) + ")"
		}
		p.add(path, err.Error())
	}
	validatePorts(&p, a.PortDefinitions)
	validateHealthChecks(&p, a)
	for i, f := range a.Fetch {
		path := "/fetch(" + strconv.Itoa(i) + ")/uri"
		switch {
		case f.URI == "":
			p.add(path, "must not be empty")
		case len(f.URI) > 1024:
			p.add(path, "must be at most 1024 characters")
		default:
			if _, err := url.Parse(f.URI); err != nil {
				p.add(path, "is not a valid URI: "+err.Error())
			}
		}
	}
	for i, d := range a.Dependencies {
		path := "/dependencies(" + strconv.Itoa(i) + ")"
		for _, m := range checkID(d) {
			p.add(path, m)
		}
	}
	for k := range a.Env {
		if k == "" {
			p.add("/env", "variable names must not be empty")
		}
	}
	if a.Role != "" {
		if msg := roleProblem(a.Role); msg != "" {
			p.add("/role", msg)
		}
	}
	for i, r := range a.AcceptedResourceRoles {
		if msg := roleProblem(r); msg != "" {
			p.add("/acceptedResourceRoles("+strconv.Itoa(i)+")", msg)
		}
	}
	return p.err(MessageInvalid)
}

// executorPattern is Marathon's rule for "executor" (app.raml).
var executorPattern = regexp.MustCompile(`^(//cmd)$|^(/?[^/]+(/[^/]+)*)$|^$`)

// portName is Marathon's LegacyName rule for port names.
var portName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func validatePorts(p *problems, defs []PortDefinition) {
	names := map[string]bool{}
	ports := map[int]bool{}
	for i, d := range defs {
		path := "/portDefinitions(" + strconv.Itoa(i) + ")"
		switch {
		case d.Port < 0:
			p.add(path+"/port", "got "+strconv.Itoa(d.Port)+", expected 0 or more")
		case d.Port > 65535:
			p.add(path+"/port", "got "+strconv.Itoa(d.Port)+", expected 65535 or less")
		}
		switch d.Protocol {
		case "tcp", "udp", "udp,tcp", "tcp,udp":
		default:
			p.add(path+"/protocol", "is not one of (tcp,udp,udp,tcp)")
		}
		if d.Name != "" {
			if !portName.MatchString(d.Name) {
				p.add(path+"/name", "must fully match regular expression '"+portName.String()+"'")
			}
			if names[d.Name] {
				p.add("/portDefinitions", "Port names must be unique.")
			}
			names[d.Name] = true
		}
		if d.Port != 0 {
			if ports[d.Port] {
				p.add("/portDefinitions", "Ports must be unique.")
			}
			ports[d.Port] = true
		}
	}
}

func validateHealthChecks(p *problems, a *App) {
	mesosChecks := 0
	for i, h := range a.HealthChecks {
		path := "/healthChecks(" + strconv.Itoa(i) + ")"
		switch h.Protocol {
		case ProtocolHTTP, ProtocolHTTPS, ProtocolTCP:
		case ProtocolCommand, ProtocolMesosHTTP, ProtocolMesosHTTPS, ProtocolMesosTCP:
			if h.Command == nil {
				mesosChecks++
			}
		default:
			p.add(path+"/protocol", "is not one of (HTTP,HTTPS,TCP,COMMAND,MESOS_HTTP,MESOS_HTTPS,MESOS_TCP)")
		}
		if h.Protocol == ProtocolCommand {
			if h.Command == nil || strings.TrimSpace(h.Command.Value) == "" {
				p.add(path+"/command", "a COMMAND health check needs a command: {\"value\": \"...\"}")
			}
		} else {
			if h.Port != nil && h.PortIndex != nil {
				p.add(path, "a health check takes either port or portIndex, not both")
			}
			if h.Port != nil && (*h.Port < 0 || *h.Port > 65535) {
				p.add(path+"/port", "got "+strconv.Itoa(*h.Port)+", expected between 0 and 65535")
			}
			if h.Port == nil && (h.PortIndex == nil || *h.PortIndex < 0 || *h.PortIndex >= len(a.PortDefinitions)) {
				p.add(path, "Health check port indices must address an element of the ports array or container port mappings.")
			}
		}
		if h.UsesPath() && h.Path != "" && !strings.HasPrefix(h.Path, "/") {
			p.add(path+"/path", "must start with /")
		}
		atLeastInt(p, path+"/gracePeriodSeconds", h.GracePeriodSeconds, 0)
		atLeastInt(p, path+"/intervalSeconds", h.IntervalSeconds, 0)
		atLeastInt(p, path+"/timeoutSeconds", h.TimeoutSeconds, 0)
		atLeastInt(p, path+"/maxConsecutiveFailures", h.MaxConsecutiveFailures, 0)
		atLeastInt(p, path+"/delaySeconds", h.DelaySeconds, 0)
	}
	if mesosChecks > 1 {
		p.add("/", "AppDefinition can contain at most one Mesos health check")
	}
}

// roleProblem applies Mesos's role name rules (roles.cpp): not empty, not "." or "..",
// no leading '-', no whitespace, slashes only between non-empty path segments.
func roleProblem(r string) string {
	switch {
	case r == "":
		return "must not be empty"
	case r == "*":
		return ""
	case r == "." || r == "..":
		return "must not be '.' or '..'"
	case strings.HasPrefix(r, "-"):
		return "must not start with '-'"
	case strings.ContainsAny(r, " \t\n\v\f\r\x00\\"):
		return "must not contain whitespace or backslashes"
	}
	for _, seg := range strings.Split(r, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "must be '*' or a role name such as 'web' or 'eng/web'"
		}
	}
	return ""
}

func atLeast(p *problems, path string, v, min float64) {
	if v < min || math.IsNaN(v) {
		p.add(path, "got "+number(v)+", expected "+number(min)+" or more")
	}
}

func atLeastInt(p *problems, path string, v, min int) {
	if v < min {
		p.add(path, "got "+strconv.Itoa(v)+", expected "+strconv.Itoa(min)+" or more")
	}
}

func within(p *problems, path string, v, min, max float64) {
	switch {
	case v < min || math.IsNaN(v):
		p.add(path, "got "+number(v)+", expected "+number(min)+" or more")
	case v > max:
		p.add(path, "got "+number(v)+", expected "+number(max)+" or less")
	}
}

// number prints a float as Marathon (the JVM) does: 1 as "1.0", 0.5 as "0.5".
func number(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eEN") {
		s += ".0"
	}
	return s
}

func seconds(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
