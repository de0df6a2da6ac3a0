package executor

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"agora/wire"
)

// Defaults the Mesos agent uses when it sets no variable.
const (
	DefaultRecoveryTimeout        = 15 * time.Minute
	DefaultSubscriptionBackoffMax = 2 * time.Second
	DefaultShutdownGracePeriod    = 5 * time.Second
	// initialSubscribeTimeout is how long a non-checkpointing executor
	// keeps trying its first SUBSCRIBE (the agent's default
	// --executor_registration_timeout).
	initialSubscribeTimeout = time.Minute
)

// Config is what the driver needs to reach its agent; ConfigFromEnv reads
// it from the environment the agent gives its executors.
type Config struct {
	// AgentEndpoint is the agent's host:port (MESOS_AGENT_ENDPOINT).
	AgentEndpoint string
	// FrameworkID and ExecutorID identify the executor
	// (MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID).
	FrameworkID, ExecutorID string
	// Checkpoint is the framework's checkpoint flag (MESOS_CHECKPOINT):
	// with it the executor outlives an agent restart by subscribing again.
	Checkpoint bool
	// RecoveryTimeout bounds the time spent re-subscribing after a
	// disconnection (MESOS_RECOVERY_TIMEOUT).
	RecoveryTimeout time.Duration
	// SubscriptionBackoffMax bounds each wait between attempts
	// (MESOS_SUBSCRIPTION_BACKOFF_MAX).
	SubscriptionBackoffMax time.Duration
	// ShutdownGracePeriod is how long the agent lets the executor shut
	// down before killing it (MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD).
	ShutdownGracePeriod time.Duration
	// Sandbox is the executor's sandbox directory (MESOS_SANDBOX).
	Sandbox string
	// Codec is the encoding spoken to the agent (default wire.Protobuf).
	Codec wire.Codec
	// HTTPClient sends the requests (default: a client of the driver's
	// own; Run closes its idle connections when it returns).
	HTTPClient *http.Client
	// Logger receives the driver's logs (default slog.Default()).
	Logger *slog.Logger
}

// ErrMissingEnvironment: a variable the executor API requires is not set;
// the program was probably not started by an agent.
var ErrMissingEnvironment = errors.New("executor: missing Mesos environment variable")

// ConfigFromEnv reads the Mesos executor environment (Mesos's
// docs/executor-http-api.md, "Executor Environment Variables").
func ConfigFromEnv() (Config, error) { return configFrom(os.LookupEnv) }

func configFrom(lookup func(string) (string, bool)) (Config, error) {
	var cfg Config
	for name, dst := range map[string]*string{
		"MESOS_AGENT_ENDPOINT": &cfg.AgentEndpoint,
		"MESOS_FRAMEWORK_ID":   &cfg.FrameworkID,
		"MESOS_EXECUTOR_ID":    &cfg.ExecutorID,
	} {
		v, ok := lookup(name)
		if !ok || v == "" {
			return Config{}, fmt.Errorf("%w: %s", ErrMissingEnvironment, name)
		}
		*dst = v
	}
	cfg.Sandbox, _ = lookup("MESOS_SANDBOX")
	if v, ok := lookup("MESOS_CHECKPOINT"); ok {
		cfg.Checkpoint = v == "1" || strings.EqualFold(v, "true")
	}
	for name, dst := range map[string]*time.Duration{
		"MESOS_RECOVERY_TIMEOUT":               &cfg.RecoveryTimeout,
		"MESOS_SUBSCRIPTION_BACKOFF_MAX":       &cfg.SubscriptionBackoffMax,
		"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": &cfg.ShutdownGracePeriod,
	} {
		v, ok := lookup(name)
		if !ok || v == "" {
			continue
		}
		d, err := ParseDuration(v)
		if err != nil {
			return Config{}, fmt.Errorf("executor: %s: %w", name, err)
		}
		*dst = d
	}
	return cfg, nil
}

// ErrBadDuration: a duration is not in Mesos's format.
var ErrBadDuration = errors.New("executor: bad duration")

// ParseDuration reads a duration as Mesos writes them: a non-negative
// decimal number and a unit among ns, us, ms, secs, mins, hrs, days and
// weeks ("5secs", "2.5mins", "250ms"; stout's Duration::parse). Go's
// forms ("5s", "1m30s") are accepted too.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i <= 0 {
		return 0, fmt.Errorf("%w: %q", ErrBadDuration, s)
	}
	units := map[string]time.Duration{
		"ns": time.Nanosecond, "us": time.Microsecond, "ms": time.Millisecond,
		"secs": time.Second, "mins": time.Minute, "hrs": time.Hour,
		"days": 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
	}
	if unit, ok := units[s[i:]]; ok {
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil || n < 0 || n*float64(unit) > float64(1<<63-1) {
			return 0, fmt.Errorf("%w: %q", ErrBadDuration, s)
		}
		return time.Duration(n * float64(unit)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%w: %q (want a number and ns, us, ms, secs, mins, hrs, days or weeks)", ErrBadDuration, s)
	}
	return d, nil
}
