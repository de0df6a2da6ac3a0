package agent

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"agora/agent/cgroups"
	"agora/agent/containerizer"
	"agora/agent/statusupdate"
)

// Defaults, with the Mesos flag each one stands for.
const (
	// DefaultPort is the agent's port (--port).
	DefaultPort = 5051
	// DefaultAgentPingTimeout and DefaultMaxAgentPingTimeouts bound how long
	// the agent waits without hearing from its master before it gives up
	// on the stream and registers again (--agent_ping_timeout,
	// --max_agent_ping_timeouts).
	DefaultAgentPingTimeout     = 15 * time.Second
	DefaultMaxAgentPingTimeouts = 5
	// DefaultHeartbeatInterval is used when the master names none.
	DefaultHeartbeatInterval = 15 * time.Second
	// DefaultRegistrationBackoff is the first wait before registering again
	// after a failure (--registration_backoff_factor); the wait doubles up
	// to MaxRegistrationBackoff, with jitter.
	DefaultRegistrationBackoff = time.Second
	MaxRegistrationBackoff     = time.Minute
	// DefaultExecutorRegistrationTimeout is how long an executor has to
	// subscribe before it is killed (--executor_registration_timeout).
	DefaultExecutorRegistrationTimeout = time.Minute
	// DefaultExecutorShutdownGracePeriod is how long an executor has between
	// SHUTDOWN and being killed (--executor_shutdown_grace_period).
	DefaultExecutorShutdownGracePeriod = containerizer.DefaultShutdownGracePeriod
	// DefaultExecutorReregistrationTimeout is Mesos's default
	// --executor_reregistration_timeout.
	DefaultExecutorReregistrationTimeout = 2 * time.Second
	// DefaultExecutorHeartbeatInterval paces HEARTBEAT events to subscribed
	// executors (DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL).
	DefaultExecutorHeartbeatInterval = 30 * time.Minute
	// DefaultKillGracePeriod is the command executor's grace period between
	// SIGTERM and SIGKILL when neither the task's kill policy nor the kill
	// names one (src/launcher/executor.cpp keeps 3 s for compatibility).
	DefaultKillGracePeriod = 3 * time.Second
)

// Version is the Mesos version the agent reports (GET_VERSION, REGISTER):
// agora speaks the Mesos 1.11 APIs.
const Version = "1.11.0"

// ErrInvalidConfig reports a Config that cannot run an agent.
var ErrInvalidConfig = errors.New("agent: invalid configuration")

// Config configures an Agent. Master and WorkDir are required; every other
// field has a default.
type Config struct {
	// Master is the master's address, host:port (--master).
	Master string
	// Listen is the address the agent's HTTP server binds, host:port;
	// default ":5051". Port 0 picks a free port (see Agent.Addr).
	Listen string
	// AdvertiseIP is the IP the agent gives the master and its executors
	// when Listen binds every interface (--advertise_ip). Default: the
	// first address of Hostname, else 127.0.0.1.
	AdvertiseIP string
	// Hostname is reported in AgentInfo (--hostname); default os.Hostname.
	Hostname string
	// WorkDir holds the sandboxes (--work_dir).
	WorkDir string
	// Resources is the --resources flag: JSON or "cpus:4;mem:1024;…".
	// cpus, mem, disk and ports it does not name are detected from the
	// machine (see DetectMachine) with Mesos's rules.
	Resources string
	// Attributes is the --attributes flag: "rack:r1;zone:a".
	Attributes string
	// FrameworksHome is where relative URI paths are looked up
	// (--frameworks_home); empty makes them an error.
	FrameworksHome string
	// DefaultRole reserves the detected resources and those written
	// without a role (--default_role); default "*", unreserved.
	DefaultRole string

	// AgentPingTimeout × MaxAgentPingTimeouts without any event from the
	// master (it sends HEARTBEAT events) makes the agent register again.
	AgentPingTimeout     time.Duration
	MaxAgentPingTimeouts int
	// RegistrationBackoff is the first wait before retrying registration.
	RegistrationBackoff time.Duration

	// ExecutorRegistrationTimeout, ExecutorShutdownGracePeriod and
	// ExecutorHeartbeatInterval: see the Default* constants.
	ExecutorRegistrationTimeout time.Duration
	ExecutorShutdownGracePeriod time.Duration
	// ExecutorReregistrationTimeout is how long a recovered executor has
	// to subscribe again after an agent restart (Mesos's
	// --executor_reregistration_timeout).
	ExecutorReregistrationTimeout time.Duration
	ExecutorHeartbeatInterval     time.Duration
	// KeepExecutorsOnStop makes the end of Run's context stop the agent
	// alone, as a Mesos agent stops on SIGTERM: the executors of frameworks
	// that checkpoint run on, and the next agent on the same work dir
	// recovers them (an upgrade or restart of the agent loses no task);
	// the others are killed, since no agent would recover them. Unset,
	// or after StopExecutorsOnStop, every executor is shut down first
	// (Mesos's SIGUSR1; agora dev's Ctrl-C).
	KeepExecutorsOnStop bool

	// StatusUpdateBackoff and StatusUpdateBackoffMax bound the resending of
	// unacknowledged status updates; default 10 s and 10 min.
	StatusUpdateBackoff    time.Duration
	StatusUpdateBackoffMax time.Duration

	// Sandbox garbage collection (sandbox_gc.go). GCDelay is how long the
	// sandbox of an executor run that ended is kept (--gc_delay, default
	// one week); DiskWatchInterval paces the disk usage checks
	// (--disk_watch_interval, default 1 min), which shorten the delay to
	// GCDelay × max(0, 1 − GCDiskHeadroom − disk usage). GCDiskHeadroom
	// (--gc_disk_headroom) lies in [0, 1]; zero means the default 0.1,
	// and a negative value means no headroom.
	GCDelay           time.Duration
	GCDiskHeadroom    float64
	DiskWatchInterval time.Duration

	// SwitchUser runs tasks and executors as CommandInfo.user or else
	// FrameworkInfo.user (--switch_user). That needs an agent running as
	// root, so agora leaves it off by default and runs everything as the
	// agent's own user; Mesos turns it on.
	SwitchUser bool

	// Isolation is the --isolation flag: IsolationAuto (the default)
	// limits each container's CPU and memory with cgroups when the host
	// allows it and warns at start-up when it does not; IsolationCgroups
	// ("cgroups/cpu,cgroups/mem", or either one) requires cgroups and makes
	// New fail when they cannot be used; IsolationPosix
	// ("posix/cpu,posix/mem", Mesos's default) limits nothing.
	Isolation string
	// CgroupsRoot is the cgroup under which the agent's containers live,
	// in <CgroupsRoot>/<agent id>/<container id> (--cgroups_root, default
	// cgroups.DefaultRoot, "agora").
	CgroupsRoot string
	// CgroupsEnableCFS caps each container's CPU time at its cpus with a
	// CFS quota (--cgroups_enable_cfs, off by default as in Mesos); without
	// it cpus only weigh containers against each other.
	CgroupsEnableCFS bool
	// CgroupsLimitSwap makes the memory limit cover swap too
	// (--cgroups_limit_swap, off by default as in Mesos), so a container
	// over its limit is OOM-killed rather than swapped out.
	CgroupsLimitSwap bool
	// CgroupsNested puts CgroupsRoot under the agent's own cgroup instead of
	// at the top of each hierarchy: for tests and delegated subtrees. The
	// containers then die with the agent's cgroup if whatever manages it
	// kills it whole (systemd's KillMode=control-group).
	CgroupsNested bool

	// Clock timestamps status updates and drives the status update
	// manager's resend backoff; default the real clock.
	Clock statusupdate.Clock
	// Logger receives the agent's structured logs; default slog.Default().
	Logger *slog.Logger
}

// withDefaults fills in every unset field and checks the result.
func (c Config) withDefaults() (Config, error) {
	if c.Master == "" {
		return c, fmt.Errorf("%w: no master address; pass --master=host:port", ErrInvalidConfig)
	}
	if _, _, err := net.SplitHostPort(c.Master); err != nil {
		return c, fmt.Errorf("%w: master %q is not host:port: %v", ErrInvalidConfig, c.Master, err)
	}
	if c.WorkDir == "" {
		return c, fmt.Errorf("%w: no work directory; pass --work_dir", ErrInvalidConfig)
	}
	if c.Listen == "" {
		c.Listen = fmt.Sprintf(":%d", DefaultPort)
	}
	if c.Hostname == "" {
		h, err := os.Hostname()
		if err != nil {
			return c, fmt.Errorf("%w: no hostname given and os.Hostname failed: %v", ErrInvalidConfig, err)
		}
		c.Hostname = h
	}
	if c.AdvertiseIP != "" && net.ParseIP(c.AdvertiseIP) == nil {
		return c, fmt.Errorf("%w: advertise IP %q is not an IP address", ErrInvalidConfig, c.AdvertiseIP)
	}
	durations := []struct {
		d   *time.Duration
		def time.Duration
	}{
		{&c.AgentPingTimeout, DefaultAgentPingTimeout},
		{&c.RegistrationBackoff, DefaultRegistrationBackoff},
		{&c.ExecutorRegistrationTimeout, DefaultExecutorRegistrationTimeout},
		{&c.ExecutorShutdownGracePeriod, DefaultExecutorShutdownGracePeriod},
		{&c.ExecutorReregistrationTimeout, DefaultExecutorReregistrationTimeout},
		{&c.ExecutorHeartbeatInterval, DefaultExecutorHeartbeatInterval},
		{&c.StatusUpdateBackoff, statusupdate.DefaultInitialBackoff},
		{&c.StatusUpdateBackoffMax, statusupdate.DefaultMaxBackoff},
	}
	for _, d := range durations {
		if *d.d <= 0 {
			*d.d = d.def
		}
	}
	if c.MaxAgentPingTimeouts <= 0 {
		c.MaxAgentPingTimeouts = DefaultMaxAgentPingTimeouts
	}
	if err := c.sandboxGCDefaults(); err != nil { // sandbox_gc.go
		return c, err
	}
	if c.Isolation == "" {
		c.Isolation = IsolationAuto
	}
	if c.CgroupsRoot == "" {
		c.CgroupsRoot = cgroups.DefaultRoot
	}
	if c.Clock == nil {
		c.Clock = realClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
