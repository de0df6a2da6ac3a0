package marathon

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"agora/services/app"
	"agora/services/events"
)

// Backend is what the /v2 handler needs from the services engine. Every method may be
// called from many handler goroutines at once. Errors the handler understands (anything
// else answers 500 with the error's text):
//
//   - ErrNotFound (wrapped or not): the app, group, task, deployment or queue entry named
//     does not exist → 404 with Marathon's message for the route.
//   - ErrExists: a create of something that exists → 409.
//   - *LockedError: a deployment in progress holds an app and force was not given → 409
//     with Marathon's lock body.
//   - *app.ValidationError: the change is not valid → 422 with its details (400 when it
//     wraps app.ErrInvalidJSON).
//   - ErrConflict (wrapped with a message): any other conflicting change → 409.
//   - context errors (the request's context ended) → 503.
type Backend interface {
	// Apps returns every app, ordered by id, with the parts embed asks for filled in
	// (AppStatus documents which fields each part needs).
	Apps(ctx context.Context, embed Embed) ([]AppStatus, error)
	// App returns one app by its canonical id; ErrNotFound when there is none.
	App(ctx context.Context, id string, embed Embed) (AppStatus, error)
	// AppVersions lists the stored versions of an app, newest first; ErrNotFound when
	// the app does not exist.
	AppVersions(ctx context.Context, id string) ([]string, error)
	// AppVersion returns an app as it was at version; ErrNotFound when the app or the
	// version does not exist.
	AppVersion(ctx context.Context, id, version string) (*app.App, error)

	// Deploy creates or replaces the given apps (valid, with canonical ids, as the
	// handler decoded and checked them) in one deployment, and returns it (its id and
	// version at least) as soon as it is stored and started. With opts.Create it fails
	// with ErrExists (mentioning the id) when one of the apps exists already. Without
	// opts.Force it fails with *LockedError when a running deployment holds one of the
	// apps; with Force that deployment is cancelled (no rollback) and this one replaces
	// it. The engine sets each app's Version and VersionInfo.
	Deploy(ctx context.Context, apps []*app.App, opts DeployOptions) (Deployment, error)
	// DeleteApp removes an app by stopping all its instances in a deployment.
	// ErrNotFound, *LockedError (without force).
	DeleteApp(ctx context.Context, id string, force bool) (Deployment, error)
	// RestartApp replaces every instance of an app with a new one of the same
	// definition, following its upgrade strategy. ErrNotFound, *LockedError.
	RestartApp(ctx context.Context, id string, force bool) (Deployment, error)

	// Tasks returns the tasks of one app (appID "" = of all apps), ordered by app id
	// then task id. ErrNotFound when appID names no app.
	Tasks(ctx context.Context, appID string) ([]Task, error)
	// KillTasks kills tasks (see KillRequest). Without Scale it returns the tasks it
	// is killing, in the state they had; with Scale it returns the deployment that
	// lowers the instance counts and kills them (nil when no task matched: the handler
	// then answers an empty task list). ErrNotFound when req.AppID names no
	// app; ids of unknown tasks are ignored. *LockedError when scaling a locked app
	// without Force.
	KillTasks(ctx context.Context, req KillRequest) ([]Task, *Deployment, error)

	// Group returns the group with this canonical id ("/" is the root, which always
	// exists), with all its apps (with the parts embed asks for) and groups, nested.
	// ErrNotFound for a missing group.
	Group(ctx context.Context, id string, embed Embed) (GroupStatus, error)
	// DeployGroup creates or updates the group g (ids canonical and absolute, apps
	// valid) in one deployment, in dependency order. The apps and groups listed replace
	// the group's content, as Marathon's PUT /v2/groups does. With opts.Create it fails
	// with ErrExists when the group exists, and with ErrConflict when an app has its id.
	// *LockedError, *app.ValidationError (e.g. a dependency cycle).
	DeployGroup(ctx context.Context, g *app.Group, opts DeployOptions) (Deployment, error)
	// ScaleGroup multiplies the instance count of every app in the group, at any
	// depth, by by, rounding up (Marathon's PUT /v2/groups/{id} {"scaleBy": by}), in
	// one deployment. ErrNotFound, *LockedError; opts.DryRun as for DeployGroup.
	ScaleGroup(ctx context.Context, id string, by float64, opts DeployOptions) (Deployment, error)
	// DeleteGroup removes a group and everything in it ("/" empties the root group).
	// ErrNotFound, *LockedError.
	DeleteGroup(ctx context.Context, id string, force bool) (Deployment, error)

	// Deployments returns the deployments in progress, oldest first.
	Deployments(ctx context.Context) ([]Deployment, error)
	// CancelDeployment stops a deployment in progress. With force it just stops (the
	// apps stay as they are) and returns nil. Without, it starts and returns a new
	// deployment back to the state before the cancelled one (Marathon's rollback).
	// ErrNotFound when no deployment in progress has this id.
	CancelDeployment(ctx context.Context, id string, force bool) (*Deployment, error)

	// Queue returns the apps waiting for instances to launch, with their offer
	// statistics; LastUnusedOffers may always be filled (the handler prints it only
	// when asked).
	Queue(ctx context.Context) ([]QueueItem, error)
	// ResetDelay forgets an app's launch backoff. ErrNotFound when the app is not in
	// the queue.
	ResetDelay(ctx context.Context, appID string) error

	// Info describes this services scheduler for /v2/info and /v2/leader.
	Info(ctx context.Context) (Info, error)
}

// Errors a Backend returns; see Backend.
var (
	ErrNotFound = errors.New("marathon: not found")
	ErrExists   = errors.New("marathon: already exists")
	ErrConflict = errors.New("marathon: conflicting change")
)

// LockedError says that running deployments hold an app the change needs. The handler
// answers 409 with Marathon's body: the message and {"id": ...} for each deployment.
type LockedError struct {
	Deployments []string
}

// LockedMessage is Marathon's message for a change refused because of a lock.
const LockedMessage = "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'."

func (e *LockedError) Error() string {
	return fmt.Sprintf("marathon: locked by deployments %s", strings.Join(e.Deployments, ", "))
}

// Embed says which parts of an app's status a listing carries (Marathon's embed query
// parameter: apps.tasks, apps.counts, apps.deployments, apps.lastTaskFailure,
// apps.readiness).
type Embed struct {
	Tasks           bool
	Counts          bool
	Deployments     bool
	LastTaskFailure bool
	Readiness       bool
}

// AppStatus is an app with its run-time state, as /v2/apps prints it: the app's fields
// followed by the embedded parts.
type AppStatus struct {
	App *app.App
	// Counts (always filled by the Backend; cheap): tasks staged (STAGING or
	// STARTING), running, and among the running ones healthy and unhealthy (by their
	// health checks; both 0 without checks).
	TasksStaged    int
	TasksRunning   int
	TasksHealthy   int
	TasksUnhealthy int
	// Deployments are the ids of the deployments in progress that affect the app.
	Deployments []string
	// Tasks are the app's tasks; filled when Embed.Tasks.
	Tasks []Task
	// LastTaskFailure is the app's most recent failed task; when Embed.LastTaskFailure.
	LastTaskFailure *TaskFailure
	// ReadinessCheckResults: when Embed.Readiness.
	ReadinessCheckResults []events.ReadinessCheckResult
}

// Task is one task of an app as /v2/tasks prints it.
type Task struct {
	ID      string `json:"id"`
	AppID   string `json:"appId"`
	Host    string `json:"host"`
	SlaveID string `json:"slaveId,omitempty"`
	// State is the Mesos state name: TASK_STAGING, TASK_RUNNING, ...
	State        string              `json:"state"`
	Ports        []int               `json:"ports"`
	ServicePorts []int               `json:"servicePorts"`
	IPAddresses  []events.IPAddress  `json:"ipAddresses"`
	StagedAt     string              `json:"stagedAt,omitempty"`
	StartedAt    string              `json:"startedAt,omitempty"`
	Version      string              `json:"version,omitempty"`
	Region       string              `json:"region,omitempty"`
	Zone         string              `json:"zone,omitempty"`
	Role         string              `json:"role"`
	HealthChecks []HealthCheckResult `json:"healthCheckResults,omitempty"`
}

// HealthCheckResult is the last result of one health check of a task.
type HealthCheckResult struct {
	Alive               bool   `json:"alive"`
	ConsecutiveFailures int    `json:"consecutiveFailures"`
	FirstSuccess        string `json:"firstSuccess,omitempty"`
	LastFailure         string `json:"lastFailure,omitempty"`
	LastSuccess         string `json:"lastSuccess,omitempty"`
	LastFailureCause    string `json:"lastFailureCause,omitempty"`
	InstanceID          string `json:"instanceId"`
}

// TaskFailure is an app's last failed task.
type TaskFailure struct {
	AppID     string `json:"appId"`
	Host      string `json:"host"`
	Message   string `json:"message"`
	State     string `json:"state"`
	TaskID    string `json:"taskId"`
	Timestamp string `json:"timestamp"`
	Version   string `json:"version"`
	SlaveID   string `json:"slaveId,omitempty"`
}

// DeployOptions qualify Deploy and DeployGroup.
type DeployOptions struct {
	// Force overrides locks held by running deployments (?force=true).
	Force bool
	// Create refuses to replace an existing app or group (POST).
	Create bool
	// DryRun works out the deployment and changes nothing (?dryRun=true): the
	// Deployment returned has no ID and lists only the actions that would
	// change something.
	DryRun bool
}

// Deployment is a deployment in progress as /v2/deployments prints it.
type Deployment struct {
	ID             string                    `json:"id"`
	Version        string                    `json:"version"`
	AffectedApps   []string                  `json:"affectedApps"`
	AffectedPods   []string                  `json:"affectedPods"`
	Steps          []events.DeploymentStep   `json:"steps"`
	CurrentActions []events.DeploymentAction `json:"currentActions"`
	CurrentStep    int                       `json:"currentStep"`
	TotalSteps     int                       `json:"totalSteps"`
}

// KillRequest names tasks to kill.
type KillRequest struct {
	// AppID limits the kill to one app (DELETE /v2/apps/{id}/tasks); "" for
	// POST /v2/tasks/delete, where TaskIDs says which.
	AppID string
	// TaskIDs are the tasks to kill. Empty with an AppID: all the app's tasks (or
	// those on Host).
	TaskIDs []string
	// Host, with AppID and no TaskIDs: only tasks on this host ("*" = all).
	Host string
	// Scale lowers the apps' instance counts by the number killed, so they are not
	// replaced. Wipe also forgets the instances' reservations (they are not
	// relaunched in place). Never both. Force overrides locks when scaling.
	Scale, Wipe, Force bool
}

// GroupStatus is a group with its apps' status, as /v2/groups prints it.
type GroupStatus struct {
	ID           string
	Apps         []AppStatus
	Groups       []GroupStatus
	Dependencies []string
	Version      string
	// EnforceRole is the group's enforceRole (Marathon 1.9; it matters on
	// top-level groups).
	EnforceRole bool
}

// QueueItem is an app with instances waiting to launch, as /v2/queue prints it.
type QueueItem struct {
	App *app.App `json:"app"`
	// Count is how many instances wait.
	Count int    `json:"count"`
	Role  string `json:"role"`
	Delay Delay  `json:"delay"`
	// Since is when the app started waiting.
	Since                  string        `json:"since"`
	ProcessedOffersSummary OffersSummary `json:"processedOffersSummary"`
	LastUnusedOffers       []UnusedOffer `json:"lastUnusedOffers,omitempty"`
	// Blocked is agora's own: when set, it says in words why the app's
	// deployment cannot go on as it is and what would let it (a restart of
	// a hostname:UNIQUE app on every agent with minimumHealthCapacity 1).
	Blocked string `json:"blocked,omitempty"`
}

// Delay is an app's launch backoff: TimeLeftSeconds until the next launch attempt;
// Overdue when it is waiting for offers, not for its backoff.
type Delay struct {
	TimeLeftSeconds int  `json:"timeLeftSeconds"`
	Overdue         bool `json:"overdue"`
}

// OffersSummary counts the offers considered for an app and why they were not used.
type OffersSummary struct {
	ProcessedOffersCount int    `json:"processedOffersCount"`
	UnusedOffersCount    int    `json:"unusedOffersCount"`
	LastUnusedOfferAt    string `json:"lastUnusedOfferAt,omitempty"`
	LastUsedOfferAt      string `json:"lastUsedOfferAt,omitempty"`
	// RejectSummaryLastOffers counts, over the last offer of each agent, how many were
	// processed by each check and how many it declined. Marathon's reasons are
	// UnfulfilledRole, UnfulfilledConstraint, NoCorrespondingReservationFound,
	// InsufficientCpus, InsufficientMemory, InsufficientDisk, InsufficientGpus,
	// InsufficientPorts, DeclinedScarceResources; agora may name each constraint
	// ("UnfulfilledConstraint hostname:UNIQUE").
	RejectSummaryLastOffers    []DeclinedOfferStep `json:"rejectSummaryLastOffers,omitempty"`
	RejectSummaryLaunchAttempt []DeclinedOfferStep `json:"rejectSummaryLaunchAttempt,omitempty"`
}

// DeclinedOfferStep is one check of the offer matching and its counts.
type DeclinedOfferStep struct {
	Reason    string `json:"reason"`
	Declined  int    `json:"declined"`
	Processed int    `json:"processed"`
}

// UnusedOffer is a recent offer an app could not use, and why.
type UnusedOffer struct {
	Offer     Offer    `json:"offer"`
	Reason    []string `json:"reason"`
	Timestamp string   `json:"timestamp"`
}

// Offer is an offer as /v2/queue prints it.
type Offer struct {
	ID         string           `json:"id"`
	Hostname   string           `json:"hostname"`
	AgentID    string           `json:"agentId"`
	Resources  []OfferResource  `json:"resources"`
	Attributes []AgentAttribute `json:"attributes"`
}

// OfferResource is one resource of an offer.
type OfferResource struct {
	Name   string        `json:"name"`
	Role   string        `json:"role"`
	Scalar *float64      `json:"scalar,omitempty"`
	Ranges []NumberRange `json:"ranges,omitempty"`
	Set    []string      `json:"set,omitempty"`
}

// AgentAttribute is one attribute of an offer's agent.
type AgentAttribute struct {
	Name   string        `json:"name"`
	Text   *string       `json:"text,omitempty"`
	Scalar *float64      `json:"scalar,omitempty"`
	Ranges []NumberRange `json:"ranges,omitempty"`
	Set    []string      `json:"set,omitempty"`
}

// NumberRange is a range of an offer's ranges resource, both ends included.
type NumberRange struct {
	Begin int64 `json:"begin"`
	End   int64 `json:"end"`
}

// Info describes the services scheduler for GET /v2/info; Leader ("host:port") also
// answers GET /v2/leader.
type Info struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Buildref    string `json:"buildref"`
	Elected     bool   `json:"elected"`
	Leader      string `json:"leader"`
	FrameworkID string `json:"frameworkId,omitempty"`
	// MarathonConfig holds Marathon's configuration keys that apply (master,
	// framework_name, failover_timeout, mesos_role, ...).
	MarathonConfig  map[string]any `json:"marathon_config"`
	ZookeeperConfig map[string]any `json:"zookeeper_config"`
	HTTPConfig      HTTPConfig     `json:"http_config"`
}

// HTTPConfig is the http_config part of /v2/info.
type HTTPConfig struct {
	HTTPPort  int `json:"http_port"`
	HTTPSPort int `json:"https_port"`
}
