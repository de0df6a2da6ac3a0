package events

import (
	"time"
)

// Marathon's event type names (the "eventType" field and the SSE "event:" line).
const (
	TypeAPIPost               = "api_post_event"
	TypeStatusUpdate          = "status_update_event"
	TypeInstanceChanged       = "instance_changed_event"
	TypeInstanceHealthChanged = "instance_health_changed_event"
	TypeUnknownInstanceTerm   = "unknown_instance_terminated_event"
	TypeAppTerminated         = "app_terminated_event"
	TypeAddHealthCheck        = "add_health_check_event"
	TypeRemoveHealthCheck     = "remove_health_check_event"
	TypeFailedHealthCheck     = "failed_health_check_event"
	TypeHealthStatusChanged   = "health_status_changed_event"
	TypeUnhealthyTaskKill     = "unhealthy_task_kill_event"
	TypeUnhealthyInstanceKill = "unhealthy_instance_kill_event"
	TypeGroupChangeSuccess    = "group_change_success"
	TypeGroupChangeFailed     = "group_change_failed"
	TypeDeploymentSuccess     = "deployment_success"
	TypeDeploymentFailed      = "deployment_failed"
	TypeDeploymentInfo        = "deployment_info"
	TypeDeploymentStepSuccess = "deployment_step_success"
	TypeDeploymentStepFailure = "deployment_step_failure"
	TypeSchedulerRegistered   = "scheduler_registered_event"
	TypeSchedulerReregistered = "scheduler_reregistered_event"
	TypeSchedulerDisconnected = "scheduler_disconnected_event"
	TypeEventStreamAttached   = "event_stream_attached"
	TypeEventStreamDetached   = "event_stream_detached"
	TypeFrameworkMessage      = "framework_message_event"
)

// Event is one of the event types of this package. Publish sets its eventType and,
// when empty, its timestamp.
type Event interface {
	// Type is the event's Marathon type name, such as "status_update_event".
	Type() string
	base() *Base
}

// Base holds the two fields every Marathon event has. Event types embed it.
type Base struct {
	EventType string `json:"eventType"`
	// Timestamp is when the event happened, in Marathon's format (FormatTime); Publish
	// sets it to the current time when it is empty.
	Timestamp string `json:"timestamp"`
}

func (b *Base) base() *Base { return b }

// FormatTime prints t as Marathon prints times and versions: ISO-8601 in UTC with
// milliseconds, such as "2026-11-24T23:37:44.123Z".
func FormatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// APIPost is published by the REST layer for every request that creates or changes an
// app (POST /v2/apps, PUT/PATCH /v2/apps/{id}).
type APIPost struct {
	Base
	ClientIP string `json:"clientIp"`
	URI      string `json:"uri"`
	// AppDefinition is the app as stored (an *app.App).
	AppDefinition any `json:"appDefinition"`
}

// IPAddress is one of a task's IP addresses (Mesos NetworkInfo.IPAddress).
type IPAddress struct {
	IPAddress string `json:"ipAddress"`
	Protocol  string `json:"protocol"` // IPv4 or IPv6
}

// StatusUpdate is published for every task status update the scheduler receives.
type StatusUpdate struct {
	Base
	SlaveID     string      `json:"slaveId"`
	TaskID      string      `json:"taskId"`
	TaskStatus  string      `json:"taskStatus"` // TASK_RUNNING, TASK_FAILED, ...
	Message     string      `json:"message"`
	AppID       string      `json:"appId"`
	Host        string      `json:"host"`
	IPAddresses []IPAddress `json:"ipAddresses"`
	Ports       []int       `json:"ports"`
	Version     string      `json:"version"`
}

// InstanceChanged is published when an instance's condition changes (Running, Failed,
// Unreachable, ...).
type InstanceChanged struct {
	Base
	InstanceID     string `json:"instanceId"`
	Condition      string `json:"condition"`
	RunSpecID      string `json:"runSpecId"`
	AgentID        string `json:"agentId"`
	Host           string `json:"host"`
	RunSpecVersion string `json:"runSpecVersion"`
}

// InstanceHealthChanged is published when an instance becomes healthy or unhealthy;
// Healthy is nil when its health is not known.
type InstanceHealthChanged struct {
	Base
	InstanceID     string `json:"instanceId"`
	RunSpecVersion string `json:"runSpecVersion"`
	RunSpecID      string `json:"runSpecId"`
	Healthy        *bool  `json:"healthy"`
}

// UnknownInstanceTerminated is published when a task the scheduler does not know ends.
type UnknownInstanceTerminated struct {
	Base
	InstanceID string `json:"instanceId"`
	RunSpecID  string `json:"runSpecId"`
	Condition  string `json:"condition"`
}

// AppTerminated is published when an app is removed and its last instance is gone.
type AppTerminated struct {
	Base
	AppID string `json:"appId"`
}

// AddHealthCheck is published when the scheduler starts running a health check for an
// app version.
type AddHealthCheck struct {
	Base
	AppID   string `json:"appId"`
	Version string `json:"version"`
	// HealthCheck is the check (an app.HealthCheck).
	HealthCheck any `json:"healthCheck"`
}

// RemoveHealthCheck is published when an app version's health checks stop.
type RemoveHealthCheck struct {
	Base
	AppID string `json:"appId"`
}

// FailedHealthCheck is published for each failed health check of an instance.
type FailedHealthCheck struct {
	Base
	AppID      string `json:"appId"`
	TaskID     string `json:"taskId"`
	InstanceID string `json:"instanceId"`
	// HealthCheck is the check that failed (an app.HealthCheck).
	HealthCheck any `json:"healthCheck"`
}

// HealthStatusChanged is published when an instance's health flips.
type HealthStatusChanged struct {
	Base
	AppID      string `json:"appId"`
	TaskID     string `json:"taskId"`
	InstanceID string `json:"instanceId"`
	Version    string `json:"version"`
	Alive      bool   `json:"alive"`
}

// UnhealthyTaskKill is published when a task is killed for failing its health checks
// (Marathon before 1.4; see UnhealthyInstanceKill).
type UnhealthyTaskKill struct {
	Base
	AppID   string `json:"appId"`
	TaskID  string `json:"taskId"`
	Version string `json:"version"`
	Reason  string `json:"reason"`
	Host    string `json:"host"`
	SlaveID string `json:"slaveId,omitempty"`
}

// UnhealthyInstanceKill is published when an instance is killed for failing its health
// checks (Marathon 1.4 and later).
type UnhealthyInstanceKill struct {
	Base
	AppID      string `json:"appId"`
	TaskID     string `json:"taskId"`
	InstanceID string `json:"instanceId"`
	Version    string `json:"version"`
	Reason     string `json:"reason"`
	Host       string `json:"host"`
	SlaveID    string `json:"slaveId,omitempty"`
}

// GroupChangeSuccess is published when a group change has been deployed.
type GroupChangeSuccess struct {
	Base
	GroupID string `json:"groupId"`
	Version string `json:"version"`
}

// GroupChangeFailed is published when a group change could not be deployed.
type GroupChangeFailed struct {
	Base
	GroupID string `json:"groupId"`
	Version string `json:"version"`
	Reason  string `json:"reason"`
}

// DeploymentAction is one action of a deployment step: StartApplication,
// StopApplication, ScaleApplication, RestartApplication, ResolveArtifacts.
type DeploymentAction struct {
	Action string `json:"action"`
	App    string `json:"app,omitempty"`
	// ReadinessCheckResults are only printed in the currentActions of /v2/deployments.
	ReadinessCheckResults []ReadinessCheckResult `json:"readinessCheckResults,omitempty"`
}

// ReadinessCheckResult is the last result of a readiness check of a task being deployed.
type ReadinessCheckResult struct {
	Name   string `json:"name"`
	TaskID string `json:"taskId"`
	Ready  bool   `json:"ready"`
}

// DeploymentStep is a set of actions run together; a deployment runs its steps in order.
type DeploymentStep struct {
	Actions []DeploymentAction `json:"actions"`
}

// DeploymentPlan is a deployment as events print it.
type DeploymentPlan struct {
	ID      string           `json:"id"`
	Steps   []DeploymentStep `json:"steps"`
	Version string           `json:"version"`
}

// DeploymentSuccess is published when a deployment has finished.
type DeploymentSuccess struct {
	Base
	ID   string         `json:"id"`
	Plan DeploymentPlan `json:"plan"`
}

// DeploymentFailed is published when a deployment fails or is cancelled.
type DeploymentFailed struct {
	Base
	ID     string         `json:"id"`
	Plan   DeploymentPlan `json:"plan"`
	Reason string         `json:"reason,omitempty"`
}

// DeploymentInfo is published when a deployment starts a step.
type DeploymentInfo struct {
	Base
	Plan        DeploymentPlan `json:"plan"`
	CurrentStep DeploymentStep `json:"currentStep"`
}

// DeploymentStepSuccess is published when a step of a deployment has finished.
type DeploymentStepSuccess struct {
	Base
	Plan        DeploymentPlan `json:"plan"`
	CurrentStep DeploymentStep `json:"currentStep"`
}

// DeploymentStepFailure is published when a step of a deployment fails.
type DeploymentStepFailure struct {
	Base
	Plan        DeploymentPlan `json:"plan"`
	CurrentStep DeploymentStep `json:"currentStep"`
}

// SchedulerRegistered is published when the scheduler subscribes to the master for the
// first time.
type SchedulerRegistered struct {
	Base
	FrameworkID string `json:"frameworkId"`
	Master      string `json:"master"`
}

// SchedulerReregistered is published when the scheduler subscribes again.
type SchedulerReregistered struct {
	Base
	Master string `json:"master"`
}

// SchedulerDisconnected is published when the scheduler loses the master.
type SchedulerDisconnected struct {
	Base
}

// EventStreamAttached is published when a client opens /v2/events.
type EventStreamAttached struct {
	Base
	RemoteAddress string `json:"remoteAddress"`
}

// EventStreamDetached is published when a /v2/events client goes away.
type EventStreamDetached struct {
	Base
	RemoteAddress string `json:"remoteAddress"`
}

// FrameworkMessage is published for a message from an executor; Message is base64 in JSON.
type FrameworkMessage struct {
	Base
	ExecutorID string `json:"executorId"`
	SlaveID    string `json:"slaveId"`
	Message    []byte `json:"message"`
}

func (*APIPost) Type() string                   { return TypeAPIPost }
func (*StatusUpdate) Type() string              { return TypeStatusUpdate }
func (*InstanceChanged) Type() string           { return TypeInstanceChanged }
func (*InstanceHealthChanged) Type() string     { return TypeInstanceHealthChanged }
func (*UnknownInstanceTerminated) Type() string { return TypeUnknownInstanceTerm }
func (*AppTerminated) Type() string             { return TypeAppTerminated }
func (*AddHealthCheck) Type() string            { return TypeAddHealthCheck }
func (*RemoveHealthCheck) Type() string         { return TypeRemoveHealthCheck }
func (*FailedHealthCheck) Type() string         { return TypeFailedHealthCheck }
func (*HealthStatusChanged) Type() string       { return TypeHealthStatusChanged }
func (*GroupChangeSuccess) Type() string        { return TypeGroupChangeSuccess }
func (*GroupChangeFailed) Type() string         { return TypeGroupChangeFailed }
func (*DeploymentSuccess) Type() string         { return TypeDeploymentSuccess }
func (*DeploymentFailed) Type() string          { return TypeDeploymentFailed }
func (*DeploymentInfo) Type() string            { return TypeDeploymentInfo }
func (*DeploymentStepSuccess) Type() string     { return TypeDeploymentStepSuccess }
func (*DeploymentStepFailure) Type() string     { return TypeDeploymentStepFailure }
func (*SchedulerRegistered) Type() string       { return TypeSchedulerRegistered }
func (*SchedulerReregistered) Type() string     { return TypeSchedulerReregistered }
func (*SchedulerDisconnected) Type() string     { return TypeSchedulerDisconnected }
func (*EventStreamAttached) Type() string       { return TypeEventStreamAttached }
func (*EventStreamDetached) Type() string       { return TypeEventStreamDetached }
func (*FrameworkMessage) Type() string          { return TypeFrameworkMessage }

func (*UnhealthyTaskKill) Type() string     { return TypeUnhealthyTaskKill }
func (*UnhealthyInstanceKill) Type() string { return TypeUnhealthyInstanceKill }
