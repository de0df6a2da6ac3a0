package scheduler

import "errors"

// Errors returned by the driver, checked with errors.Is.
var (
	// ErrInvalidConfig: Config cannot run a driver (no master, no
	// framework info, a bad URL).
	ErrInvalidConfig = errors.New("scheduler: invalid configuration")
	// ErrAlreadyRunning: Run was called while another Run is active.
	ErrAlreadyRunning = errors.New("scheduler: driver already running")
	// ErrNotSubscribed: a call was made while the driver has no
	// subscription (before SUBSCRIBED or after a disconnection).
	ErrNotSubscribed = errors.New("scheduler: not subscribed")
	// ErrCallRejected: the master answered a call with an error status;
	// the error carries the status and the master's message.
	ErrCallRejected = errors.New("scheduler: call rejected by the master")
	// ErrSubscribeRejected: the master refused SUBSCRIBE with a 4xx
	// status (an invalid FrameworkInfo, an unauthorized principal, a
	// removed framework). Retrying would not help, so Run returns it.
	ErrSubscribeRejected = errors.New("scheduler: subscription rejected by the master")
	// ErrFrameworkError: the master sent an ERROR event (the framework was
	// removed, or another scheduler failed over to it). Run returns it.
	ErrFrameworkError = errors.New("scheduler: master reported an error")
	// ErrTooManyRedirects: masters kept redirecting to each other.
	ErrTooManyRedirects = errors.New("scheduler: too many redirects")
	// ErrHeartbeatsMissed is the cause of a disconnection after the master
	// was silent for Config.MissedHeartbeats heartbeat intervals.
	ErrHeartbeatsMissed = errors.New("scheduler: heartbeats missed")
	// ErrLeaderChanged is the cause of a disconnection after a call was
	// redirected to another master.
	ErrLeaderChanged = errors.New("scheduler: leading master changed")
)
