package master

import (
	"bytes"
	"time"

	mesospb "agora/api/mesos/v1"
	"agora/resources"
	"agora/wire"
)

// framework is a registered framework, connected or not.
type framework struct {
	id         string
	info       *mesospb.FrameworkInfo
	caps       capabilities
	roles      []string
	registered time.Time

	// stream is the current scheduler stream; nil while disconnected.
	stream *wire.EventStream
	// disconnectedAt is when the stream went away; the framework is removed
	// once failover_timeout has passed since.
	disconnectedAt time.Time

	tasks     map[string]*task // by task id, non-terminal or not yet acknowledged
	completed []*task          // terminal and acknowledged, newest last (bounded)
	offers    map[string]*offer
	// executors this framework runs, by agent then executor id.
	executors map[string]map[string]*executor
	// operations with feedback not yet acknowledged, by operation id
	// (operations.go).
	operations map[string]*operation

	removedAt time.Time // set once removed
}

func (f *framework) connected() bool { return f.stream != nil }

func (f *framework) failoverTimeout() time.Duration {
	return time.Duration(f.info.GetFailoverTimeout() * float64(time.Second))
}

// task is the master's record of a task: the Mesos Task message it reports
// plus what the master needs to route updates and free resources.
type task struct {
	pb        *mesospb.Task
	resources resources.Resources // allocated to the framework's role
	role      string              // the role its resources are allocated to
	// unacknowledged is the uuid of the update last forwarded and not yet
	// acknowledged by the framework, if any.
	unacknowledged []byte
	// recovered is set once the task's resources went back to the allocator
	// (when the agent first reported a terminal state).
	recovered bool
	// killRequested is set by KILL; the kill is sent again if the agent
	// re-registers still running the task.
	killRequested bool
	killPolicy    *mesospb.KillPolicy
}

// record applies a master-generated status to the task: it becomes the
// task's state and the state of its latest update, as Mesos's updateTask
// does, so reconciliation reports it.
func (t *task) record(st *mesospb.TaskStatus) {
	t.pb.State = st.State
	t.pb.StatusUpdateState = st.State
	t.pb.Statuses = appendBounded(t.pb.Statuses, st, maxStatuses)
}

// pendingStatus returns the forwarded update the framework has not
// acknowledged yet, if any.
func (t *task) pendingStatus() *mesospb.TaskStatus {
	if t.unacknowledged == nil {
		return nil
	}
	for i := len(t.pb.Statuses) - 1; i >= 0; i-- {
		if bytes.Equal(t.pb.Statuses[i].GetUuid(), t.unacknowledged) {
			return t.pb.Statuses[i]
		}
	}
	return nil
}

func (t *task) id() string          { return t.pb.GetTaskId().GetValue() }
func (t *task) agentID() string     { return t.pb.GetAgentId().GetValue() }
func (t *task) frameworkID() string { return t.pb.GetFrameworkId().GetValue() }
func (t *task) state() mesospb.TaskState {
	return t.pb.GetState()
}

// executor is a custom executor the master knows to be running on an agent.
type executor struct {
	info      *mesospb.ExecutorInfo
	agentID   string
	resources resources.Resources
}

// agent is a registered agent.
type agent struct {
	id       string
	info     *mesospb.AgentInfo
	endpoint string
	total    resources.Resources
	// attributes rendered for constraints and offers.
	registered time.Time
	lastSeen   time.Time
	// stream is the cluster stream; nil while the agent is disconnected.
	stream *wire.EventStream
	// unreachableSince is set when the agent stopped heart-beating; its
	// tasks were reported UNREACHABLE (or LOST).
	unreachableSince time.Time
	// tasks on this agent by framework then task id.
	tasks map[string]map[string]*task
}

func (a *agent) reachable() bool { return a.unreachableSince.IsZero() }

func (a *agent) addTask(t *task) {
	fw := t.frameworkID()
	if a.tasks[fw] == nil {
		a.tasks[fw] = map[string]*task{}
	}
	a.tasks[fw][t.id()] = t
}

func (a *agent) removeTask(t *task) {
	if ts := a.tasks[t.frameworkID()]; ts != nil {
		delete(ts, t.id())
		if len(ts) == 0 {
			delete(a.tasks, t.frameworkID())
		}
	}
}

// offer is an outstanding offer.
type offer struct {
	pb          *mesospb.Offer
	frameworkID string
	agentID     string
	// resources by role, as the allocator granted them.
	byRole  map[string]resources.Resources
	created time.Time
}

func (o *offer) id() string { return o.pb.GetId().GetValue() }

func (o *offer) total() resources.Resources {
	var sum resources.Resources
	for _, r := range o.byRole {
		sum = sum.Add(r)
	}
	return sum
}
