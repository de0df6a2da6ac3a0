package containerizer

import (
	"time"
)

// Agent defaults that reach executors through their environment
// (src/slave/constants.hpp).
const (
	// DefaultShutdownGracePeriod is --executor_shutdown_grace_period.
	DefaultShutdownGracePeriod = 5 * time.Second
	// DefaultRecoveryTimeout is --recovery_timeout.
	DefaultRecoveryTimeout = 15 * time.Minute
	// DefaultSubscriptionBackoffMax is --executor_reregistration_timeout,
	// which Mesos hands to executors as MESOS_SUBSCRIPTION_BACKOFF_MAX.
	DefaultSubscriptionBackoffMax = 2 * time.Second
)

// ExecutorEnvironment describes one executor run to the executor. Vars
// turns it into the MESOS_* variables a Mesos agent sets
// (executorEnvironment in src/slave/slave.cpp, MESOS_SANDBOX from the Mesos
// containerizer), which executor libraries such as mesos-go read at start.
type ExecutorEnvironment struct {
	AgentID     string
	FrameworkID string
	ExecutorID  string
	// Directory is the sandbox as the agent sees it (MESOS_DIRECTORY).
	Directory string
	// Sandbox is the sandbox as the executor sees it (MESOS_SANDBOX). It
	// differs from Directory only when the container has its own root
	// filesystem; empty means Directory.
	Sandbox string
	// AgentEndpoint is the agent's address as host:port; the executor
	// POSTs to http://<AgentEndpoint>/api/v1/executor.
	AgentEndpoint string
	// Checkpoint is the framework's checkpoint flag: the executor should
	// wait for a restarted agent instead of exiting.
	Checkpoint bool
	// ShutdownGracePeriod is how long the executor has between SHUTDOWN and
	// being killed; zero means DefaultShutdownGracePeriod.
	ShutdownGracePeriod time.Duration
	// RecoveryTimeout and SubscriptionBackoffMax are given to checkpointing
	// executors only; zero means the defaults above.
	RecoveryTimeout        time.Duration
	SubscriptionBackoffMax time.Duration
}

// Vars returns the executor's MESOS_* variables. Durations are in Mesos
// units ("5secs"), as executors parse them with Mesos's Duration parser.
//
// Besides the variables the executor API documents, it sets MESOS_SLAVE_ID
// (Mesos sets it and old executors read it; Mesos sets no MESOS_AGENT_ID)
// and MESOS_HTTP_COMMAND_EXECUTOR=1, so that Mesos's own mesos-executor
// talks the v1 HTTP API, the only executor API agora has. MESOS_SLAVE_PID
// and LIBPROCESS_* are left out: they address a libprocess agent, and
// agora is not one.
func (e ExecutorEnvironment) Vars() map[string]string {
	sandbox := e.Sandbox
	if sandbox == "" {
		sandbox = e.Directory
	}
	vars := map[string]string{
		"MESOS_FRAMEWORK_ID":                   e.FrameworkID,
		"MESOS_EXECUTOR_ID":                    e.ExecutorID,
		"MESOS_SLAVE_ID":                       e.AgentID,
		"MESOS_DIRECTORY":                      e.Directory,
		"MESOS_SANDBOX":                        sandbox,
		"MESOS_AGENT_ENDPOINT":                 e.AgentEndpoint,
		"MESOS_CHECKPOINT":                     "0",
		"MESOS_HTTP_COMMAND_EXECUTOR":          "1",
		"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": FormatDuration(orDefault(e.ShutdownGracePeriod, DefaultShutdownGracePeriod)),
	}
	if e.Checkpoint {
		vars["MESOS_CHECKPOINT"] = "1"
		vars["MESOS_RECOVERY_TIMEOUT"] = FormatDuration(orDefault(e.RecoveryTimeout, DefaultRecoveryTimeout))
		vars["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = FormatDuration(orDefault(e.SubscriptionBackoffMax, DefaultSubscriptionBackoffMax))
	}
	return vars
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
