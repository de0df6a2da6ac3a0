package services

import (
	"time"

	mesospb "agora/api/mesos/v1"
	"agora/constraints"

	"agora/services/app"
	"agora/services/placement"
	"agora/services/plan"
)

// appState is everything the engine knows of one app. It is owned by the
// engine's loop.
type appState struct {
	// def is the app's latest definition: what the API shows and what its
	// deployment drives towards. A definition is immutable once stored:
	// changes replace it, so readers outside the loop may keep it.
	def *app.App
	// active is the definition converge drives the instances to now: def,
	// or the previous definition while an earlier step of the app's
	// deployment runs (dependencies first); nil means no instances.
	active *app.App
	// deleting is set once the app is being stopped for removal.
	deleting bool
	// deployment is the id of the deployment that locks the app, if any.
	deployment string

	instances map[string]*instance // by task id

	// wanted is how many instances converge asked to launch now.
	wanted int
	// done is what plan said at the last converge: the instances are what
	// the active definition asks, all ready.
	done bool
	// planBuf is reused for the plan's view of the instances.
	planBuf []plan.Instance
	// waitingSince is when wanted last went from 0 to more.
	waitingSince time.Time
	// waiting explains, in words, what the app waits for (plan's reason).
	waiting string
	// blocked, when set, says why the app's deployment cannot go on as it
	// is (blockedHint); it is worked out from each round of offers, and
	// set once they have all said so since blockedSince for
	// Config.BlockedAfter.
	blocked      string
	blockedSince time.Time

	backoff struct {
		failures int
		until    time.Time
	}
	offers offerStats
	// request is the placement request of active, built once per version.
	request    *placement.Request
	requestFor *app.App
	// lastFailure is the last task of the app that failed.
	lastFailure *TaskFailure
}

// offerStats is what recent offers said about an app that waits for
// instances: why they could not take one (the first reason per offer).
type offerStats struct {
	Total  placement.Rejections // since the app started waiting
	Last   placement.Rejections // the last round of offers
	LastAt time.Time
}

// TaskFailure is the last failed task of an app, as Marathon reports it in
// lastTaskFailure.
type TaskFailure struct {
	AppID     string `json:"appId"`
	TaskID    string `json:"taskId"`
	State     string `json:"state"`
	Message   string `json:"message"`
	Host      string `json:"host"`
	Version   string `json:"version"`
	Timestamp string `json:"timestamp"`
	AgentID   string `json:"slaveId"`
}

// instance is one task the engine launched. The persisted fields are enough
// to find it again after a restart of the services scheduler; its state comes
// back through reconciliation.
type instance struct {
	TaskID  string `json:"taskId"`
	AppID   string `json:"appId"`
	Version string `json:"version"`       // the app version it was launched with
	Config  string `json:"configVersion"` // that version's lastConfigChangeAt: a change of it means restart
	AgentID string `json:"agentId"`
	Host    string `json:"host"`
	Ports   []int  `json:"ports"`
	Index   int    `json:"index"`
	// Agent is what constraints read of its agent, kept as it was at launch.
	Agent constraints.Agent `json:"agent"`

	StagedAt  time.Time `json:"stagedAt"`
	StartedAt time.Time `json:"startedAt,omitzero"`

	State            mesospb.TaskState `json:"-"`
	Healthy          *bool             `json:"-"`
	UnhealthySince   time.Time         `json:"-"`
	UnreachableSince time.Time         `json:"-"`
	KilledAt         time.Time         `json:"-"` // when the engine last asked to kill it
}

// deployment is a change in progress: steps of app actions run in order
// (dependencies first); an app's instances follow its new definition once
// the step that names it begins.
type deployment struct {
	ID      string     `json:"id"`
	Version string     `json:"version"`
	Steps   [][]action `json:"steps"`
	Current int        `json:"current"` // index of the running step
	Started time.Time  `json:"started"`
	// Previous holds each affected app's definition before the change
	// (nil: the app did not exist), for a rollback.
	Previous map[string]*app.App `json:"previous"`
	// Timeout, when not zero, fails the deployment when it runs longer.
	Timeout  time.Duration `json:"timeout,omitempty"`
	Rollback bool          `json:"rollback,omitempty"`

	// pending holds the actions of the running step not done yet (nil:
	// not computed); see Engine.advanceFor.
	pending map[string]action
}

// action is one app's part in a deployment step; Action is one of Marathon's
// names.
type action struct {
	Action string `json:"action"`
	App    string `json:"app"`
}

// Marathon's deployment action names.
const (
	actionStart   = "StartApplication"
	actionScale   = "ScaleApplication"
	actionRestart = "RestartApplication"
	actionStop    = "StopApplication"
)

func (d *deployment) apps() []string {
	var out []string
	for _, step := range d.Steps {
		for _, a := range step {
			out = append(out, a.App)
		}
	}
	return out
}

// stepOf returns the index of the step that names app id, or -1.
func (d *deployment) stepOf(id string) int {
	for i, step := range d.Steps {
		for _, a := range step {
			if a.App == id {
				return i
			}
		}
	}
	return -1
}
