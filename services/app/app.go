package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Marathon's defaults for an app definition (docs/docs/rest-api/public/api/v2/types/app.raml
// and the normalization in Marathon's api/v2/AppNormalization.scala). Decode applies them to
// every field a body leaves out or sets to null.
const (
	DefaultInstances             = 1
	DefaultCPUs                  = 1.0
	DefaultMem                   = 128.0
	DefaultDisk                  = 0.0
	DefaultBackoffSeconds        = 1.0
	DefaultBackoffFactor         = 1.15
	DefaultMaxLaunchDelaySeconds = 300.0
	DefaultKillSelection         = KillYoungestFirst
	// DefaultPortName is the name Marathon gives the one port definition an app gets when
	// its body names none.
	DefaultPortName = "default"
	// ServicePortMin and ServicePortMax bound the service ports Marathon assigns to port
	// definitions with port 0 (its --local_port_min and --local_port_max).
	ServicePortMin = 10000
	ServicePortMax = 20000
)

// Kill selections: which instance goes first when an app scales down.
const (
	KillYoungestFirst = "YOUNGEST_FIRST"
	KillOldestFirst   = "OLDEST_FIRST"
)

// Health check protocols. HTTP, HTTPS and TCP checks are run by the services scheduler;
// COMMAND and the MESOS_* ones are delegated to the agent (Mesos health checks).
const (
	ProtocolHTTP       = "HTTP"
	ProtocolHTTPS      = "HTTPS"
	ProtocolTCP        = "TCP"
	ProtocolCommand    = "COMMAND"
	ProtocolMesosHTTP  = "MESOS_HTTP"
	ProtocolMesosHTTPS = "MESOS_HTTPS"
	ProtocolMesosTCP   = "MESOS_TCP"
)

// Health check defaults, as Marathon's healthCheck.raml.
const (
	DefaultHealthGracePeriodSeconds     = 300
	DefaultHealthIntervalSeconds        = 60
	DefaultHealthTimeoutSeconds         = 20
	DefaultHealthMaxConsecutiveFailures = 3
	DefaultHealthDelaySeconds           = 15
	DefaultHealthPath                   = "/"
)

// App is one Marathon application definition: what to run, how many, where, and how to
// replace it. The JSON form is Marathon's (GET /v2/apps/{id} prints it, POST /v2/apps
// reads it through Decode). A decoded App has every default applied and no nil slice or
// map, so it prints as Marathon prints a stored app.
//
// An App is a value: Decode, Patch and Clone return new ones and never share slices or
// maps with their inputs. The engine stores one App per version.
type App struct {
	// ID is the app's absolute path, such as "/prod/web" (see CanonicalID).
	ID string `json:"id"`
	// Cmd runs under /bin/sh -c. Exactly one of Cmd and Args is set.
	Cmd string `json:"cmd,omitempty"`
	// Args runs argv directly, without a shell.
	Args []string `json:"args,omitempty"`
	// User runs the tasks as this user on the agent; empty means the framework's user.
	User string `json:"user,omitempty"`
	// Env is added to every task's environment. Values are strings; Marathon's secret
	// references ({"secret": "name"}) are refused.
	Env map[string]string `json:"env"`
	// Instances is how many instances should run.
	Instances int `json:"instances"`
	// CPUs, Mem (MB), Disk (MB) and GPUs are each instance's resources.
	CPUs float64 `json:"cpus"`
	Mem  float64 `json:"mem"`
	Disk float64 `json:"disk"`
	GPUs int     `json:"gpus"`
	// Executor is "" or "//cmd" for the command executor, or a path to a custom one.
	Executor string `json:"executor"`
	// Constraints are Marathon constraints, [field, OPERATOR] or [field, OPERATOR, value]
	// (package constraints reads them).
	Constraints [][]string `json:"constraints"`
	// Role is the Mesos role the app's instances run as (Marathon 1.9): its offers are
	// the resources allocated to this role, so its role's quota, weight and reservations
	// apply. Empty in a request means the services scheduler's role (or, on an update,
	// the app's current one); the engine sets it on every stored version. An app in the
	// root group may use the scheduler's role; one under a top-level group /g may also
	// use "g" (Marathon's group role).
	Role string `json:"role,omitempty"`
	// AcceptedResourceRoles limits the offers used to resources of these roles ("*" for
	// unreserved, or the app's role); empty means both.
	AcceptedResourceRoles []string `json:"acceptedResourceRoles,omitempty"`
	// PortDefinitions are the host ports each instance needs. Port 0 gets a service port
	// assigned (AssignServicePorts); the host ports are taken from offers, unless
	// RequirePorts, when the host port must equal the definition's port.
	PortDefinitions []PortDefinition `json:"portDefinitions"`
	RequirePorts    bool             `json:"requirePorts"`
	// Fetch lists URIs the agent downloads into the sandbox before the task starts.
	Fetch []Fetch `json:"fetch"`
	// HealthChecks decide whether an instance is healthy (see HealthCheck).
	HealthChecks []HealthCheck `json:"healthChecks"`
	// UpgradeStrategy bounds a rolling replacement (see UpgradeStrategy).
	UpgradeStrategy UpgradeStrategy `json:"upgradeStrategy"`
	// UnreachableStrategy says when an unreachable instance is replaced and when it is
	// given up (see UnreachableStrategy).
	UnreachableStrategy UnreachableStrategy `json:"unreachableStrategy"`
	// KillSelection is YOUNGEST_FIRST (default) or OLDEST_FIRST.
	KillSelection string `json:"killSelection"`
	// A failed instance is relaunched after BackoffSeconds, multiplied by BackoffFactor
	// for each consecutive failure, at most MaxLaunchDelaySeconds.
	BackoffSeconds        float64 `json:"backoffSeconds"`
	BackoffFactor         float64 `json:"backoffFactor"`
	MaxLaunchDelaySeconds float64 `json:"maxLaunchDelaySeconds"`
	// TaskKillGracePeriodSeconds is the time between SIGTERM and SIGKILL when an instance
	// is killed; 0 means the agent's default.
	TaskKillGracePeriodSeconds float64 `json:"taskKillGracePeriodSeconds,omitempty"`
	// Dependencies are the absolute ids of apps or groups this app starts after.
	Dependencies []string `json:"dependencies"`
	// Labels are free-form metadata.
	Labels map[string]string `json:"labels"`
	// Version is when this definition was created: ISO-8601 UTC with milliseconds, as
	// Marathon prints it (VersionAt). Set by the engine, not by clients.
	Version string `json:"version,omitempty"`
	// VersionInfo says when the app was last scaled and last changed in configuration
	// (lastScalingAt, lastConfigChangeAt). Set by the engine.
	VersionInfo *VersionInfo `json:"versionInfo,omitempty"`

	// agora extensions (not in Marathon): a deployment of this app that has not finished
	// after DeploymentTimeoutSeconds (0 = never) fails with its reason, and is rolled back
	// when RollbackOnTimeout.
	DeploymentTimeoutSeconds float64 `json:"deploymentTimeoutSeconds,omitempty"`
	RollbackOnTimeout        bool    `json:"rollbackOnTimeout,omitempty"`
}

// PortDefinition is one port an instance needs on its host.
type PortDefinition struct {
	// Port is the service port (or, with RequirePorts, the host port); 0 asks for one.
	Port int `json:"port"`
	// Protocol is "tcp" (default), "udp" or "udp,tcp".
	Protocol string            `json:"protocol"`
	Name     string            `json:"name,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
}

// Fetch is one URI the agent downloads into the sandbox (Mesos CommandInfo.URI).
type Fetch struct {
	URI        string `json:"uri"`
	Executable bool   `json:"executable"`
	// Extract unpacks archives; Marathon's default is true for fetch entries, and for the
	// deprecated "uris" form true only for archive names (.tgz, .tar.gz, .zip, ...).
	Extract  bool   `json:"extract"`
	Cache    bool   `json:"cache"`
	DestPath string `json:"destPath,omitempty"`
}

// HealthCheck is one of Marathon's app health checks. HTTP/HTTPS checks pass on a status
// 200-399 within TimeoutSeconds, TCP ones on a connection, COMMAND ones on exit code 0.
// Failures within GracePeriodSeconds of the start (before the first success) do not
// count; MaxConsecutiveFailures failures in a row (0 = never) kill the instance.
type HealthCheck struct {
	Protocol string `json:"protocol"`
	// Path is the HTTP path; "/" by default, for HTTP and HTTPS checks only.
	Path string `json:"path,omitempty"`
	// PortIndex picks a port definition (default 0 when the app has ports); Port names a
	// fixed port instead. At most one of them is set.
	PortIndex *int `json:"portIndex,omitempty"`
	Port      *int `json:"port,omitempty"`
	// Command is the shell command of a COMMAND check.
	Command                *Command `json:"command,omitempty"`
	GracePeriodSeconds     int      `json:"gracePeriodSeconds"`
	IntervalSeconds        int      `json:"intervalSeconds"`
	TimeoutSeconds         int      `json:"timeoutSeconds"`
	MaxConsecutiveFailures int      `json:"maxConsecutiveFailures"`
	// DelaySeconds delays the first check (Mesos health checks only).
	DelaySeconds  int  `json:"delaySeconds"`
	IgnoreHTTP1xx bool `json:"ignoreHttp1xx"`
}

// Command is a COMMAND health check's shell command.
type Command struct {
	Value string `json:"value"`
}

// UpgradeStrategy bounds a rolling replacement: at least
// ceil(instances × MinimumHealthCapacity) healthy instances stay up, and at most
// floor(instances × (1 + MaximumOverCapacity)) run at once. Both are in [0, 1]; the default
// {1, 1} starts all new instances before killing an old one.
type UpgradeStrategy struct {
	MinimumHealthCapacity float64 `json:"minimumHealthCapacity"`
	MaximumOverCapacity   float64 `json:"maximumOverCapacity"`
}

// UnreachableStrategy says what happens to an instance whose agent is unreachable: after
// InactiveAfterSeconds a replacement is launched (the old one is kept); after
// ExpungeAfterSeconds the old one is given up, and killed if it comes back. When the old
// instance comes back before that, the surplus is killed. Marathon's default (since 1.5)
// is {0, 0}: replace at once. Disabled (JSON: the string "disabled") never replaces an
// unreachable instance.
type UnreachableStrategy struct {
	InactiveAfterSeconds float64 `json:"inactiveAfterSeconds"`
	ExpungeAfterSeconds  float64 `json:"expungeAfterSeconds"`
	Disabled             bool    `json:"-"`
}

// VersionInfo is Marathon's record of the last scaling and the last configuration change
// of an app, both in the Version format.
type VersionInfo struct {
	LastScalingAt      string `json:"lastScalingAt"`
	LastConfigChangeAt string `json:"lastConfigChangeAt"`
}

// Group is a Marathon group: a folder of apps and groups with its own dependencies. Ids of
// apps and groups inside may be relative to the group's id; Flatten resolves them.
type Group struct {
	ID           string   `json:"id"`
	Apps         []*App   `json:"apps"`
	Groups       []*Group `json:"groups"`
	Dependencies []string `json:"dependencies"`
	Version      string   `json:"version,omitempty"`
	// EnforceRole, on a top-level group /g (Marathon 1.9), makes every app under it run as
	// role "g": it is their default role and the only new one they may take.
	EnforceRole bool `json:"enforceRole,omitempty"`
	// EnforceRoleGiven says the body named enforceRole; when it did not, the services
	// scheduler's --new_group_enforce_role decides for a top-level group.
	EnforceRoleGiven bool `json:"-"`
}

// Defaults returns an app with no id and every field at Marathon's default: 1 instance of
// 1 cpu, 128 MB, one port definition {0, tcp, "default"}, upgrade strategy {1, 1},
// YOUNGEST_FIRST, backoff 1 s × 1.15 up to 300 s, unreachable strategy {0, 0}, and empty
// (not nil) lists and maps.
func Defaults() *App {
	return &App{
		Env:                   map[string]string{},
		Instances:             DefaultInstances,
		CPUs:                  DefaultCPUs,
		Mem:                   DefaultMem,
		Disk:                  DefaultDisk,
		Constraints:           [][]string{},
		PortDefinitions:       DefaultPortDefinitions(),
		Fetch:                 []Fetch{},
		HealthChecks:          []HealthCheck{},
		UpgradeStrategy:       UpgradeStrategy{MinimumHealthCapacity: 1, MaximumOverCapacity: 1},
		KillSelection:         DefaultKillSelection,
		BackoffSeconds:        DefaultBackoffSeconds,
		BackoffFactor:         DefaultBackoffFactor,
		MaxLaunchDelaySeconds: DefaultMaxLaunchDelaySeconds,
		Dependencies:          []string{},
		Labels:                map[string]string{},
	}
}

// DefaultPortDefinitions is what an app without "portDefinitions" and "ports" gets: one
// port, 0 (a service port is assigned), tcp, named "default".
func DefaultPortDefinitions() []PortDefinition {
	return []PortDefinition{{Port: 0, Protocol: "tcp", Name: DefaultPortName}}
}

// DefaultHealthCheck returns a health check of the given protocol with Marathon's
// defaults: grace 300 s, interval 60 s, timeout 20 s, 3 failures, delay 15 s, path "/"
// for HTTP and HTTPS.
func DefaultHealthCheck(protocol string) HealthCheck {
	h := HealthCheck{
		Protocol:               protocol,
		GracePeriodSeconds:     DefaultHealthGracePeriodSeconds,
		IntervalSeconds:        DefaultHealthIntervalSeconds,
		TimeoutSeconds:         DefaultHealthTimeoutSeconds,
		MaxConsecutiveFailures: DefaultHealthMaxConsecutiveFailures,
		DelaySeconds:           DefaultHealthDelaySeconds,
	}
	if h.UsesPath() {
		h.Path = DefaultHealthPath
	}
	return h
}

// UsesPath reports whether the check is an HTTP one that requests a path.
func (h HealthCheck) UsesPath() bool {
	switch h.Protocol {
	case ProtocolHTTP, ProtocolHTTPS, ProtocolMesosHTTP, ProtocolMesosHTTPS:
		return true
	}
	return false
}

// VersionAt formats t as a Marathon version: ISO-8601 in UTC with milliseconds, such as
// "2026-11-24T23:37:44.123Z".
func VersionAt(t time.Time) string {
	return t.UTC().Format(versionLayout)
}

const versionLayout = "2006-01-02T15:04:05.000Z"

// ParseVersion reads a version written by VersionAt (or any RFC 3339 time, as Marathon
// accepts in /v2/apps/{id}/versions/{version}).
func ParseVersion(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q is not an ISO-8601 time such as 2026-11-24T23:37:44.123Z", ErrBadVersion, v)
	}
	return t.UTC(), nil
}

// ErrBadVersion is returned by ParseVersion.
var ErrBadVersion = errors.New("app: bad version")

// MarshalJSON writes the strategy as Marathon does: an object, or "disabled".
func (u UnreachableStrategy) MarshalJSON() ([]byte, error) {
	if u.Disabled {
		return []byte(`"disabled"`), nil
	}
	type plain UnreachableStrategy
	return json.Marshal(plain(u))
}

// UnmarshalJSON reads an object or the string "disabled". Fields left out of the object
// keep their current values (Decode starts from the defaults).
func (u *UnreachableStrategy) UnmarshalJSON(data []byte) error {
	var s string
	if json.Unmarshal(data, &s) == nil {
		if s != "disabled" {
			return fmt.Errorf(`want "disabled" or an object with inactiveAfterSeconds and expungeAfterSeconds, got %q`, s)
		}
		*u = UnreachableStrategy{Disabled: true}
		return nil
	}
	type plain UnreachableStrategy
	p := plain(*u)
	p.Disabled = false
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*u = UnreachableStrategy(p)
	return nil
}

// Clone returns a deep copy of a.
func (a *App) Clone() *App {
	if a == nil {
		return nil
	}
	c := *a
	c.Args = slices.Clone(a.Args)
	c.Env = maps.Clone(a.Env)
	c.Constraints = make([][]string, len(a.Constraints))
	for i, cs := range a.Constraints {
		c.Constraints[i] = slices.Clone(cs)
	}
	if a.Constraints == nil {
		c.Constraints = nil
	}
	c.AcceptedResourceRoles = slices.Clone(a.AcceptedResourceRoles)
	c.PortDefinitions = slices.Clone(a.PortDefinitions)
	for i := range c.PortDefinitions {
		c.PortDefinitions[i].Labels = maps.Clone(c.PortDefinitions[i].Labels)
	}
	c.Fetch = slices.Clone(a.Fetch)
	c.HealthChecks = slices.Clone(a.HealthChecks)
	for i := range c.HealthChecks {
		h := &c.HealthChecks[i]
		if h.PortIndex != nil {
			v := *h.PortIndex
			h.PortIndex = &v
		}
		if h.Port != nil {
			v := *h.Port
			h.Port = &v
		}
		if h.Command != nil {
			v := *h.Command
			h.Command = &v
		}
	}
	c.Dependencies = slices.Clone(a.Dependencies)
	c.Labels = maps.Clone(a.Labels)
	if a.VersionInfo != nil {
		v := *a.VersionInfo
		c.VersionInfo = &v
	}
	return &c
}
