package agent

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent/cgroups"
	"agora/agent/containerizer"
	"agora/agent/statusupdate"
	mesospb "agora/api/mesos/v1"
)

// The records below are the agent's view of what runs on it. They are
// owned by the agent's loop goroutine (see Agent.loop) and never touched by
// any other goroutine.

// maxCompleted bounds the completed frameworks, executors and tasks kept
// for /state (Mesos's --max_completed_* defaults are of this order).
const maxCompleted = 100

// framework is a framework that has (or had) executors on this agent.
type framework struct {
	id   string
	info *mesospb.FrameworkInfo
	// terminating is set by SHUTDOWN_FRAMEWORK: its executors are being
	// shut down and its status updates are no longer sent, as nobody would
	// acknowledge them.
	terminating bool
	executors   map[string]*executor
	// executorOrder keeps executors in launch order for stable listings.
	executorOrder      []string
	completedExecutors []*executor
	// checkpointed is the FrameworkInfo last written to the checkpoint,
	// so that an unchanged one is not written again for every run.
	checkpointed *mesospb.FrameworkInfo
}

func (f *framework) capability(c mesospb.FrameworkInfo_Capability_Type) bool {
	for _, have := range f.info.GetCapabilities() {
		if have.GetType() == c {
			return true
		}
	}
	return false
}

// executorState follows Mesos's Executor::State.
type executorState int

const (
	// executorRegistering: the sandbox is being prepared, the process
	// launched, or (for a custom executor) it has not subscribed yet.
	executorRegistering executorState = iota
	// executorRunning: subscribed (custom executor), launching and then
	// running its command (command executor, from TASK_STARTING), or
	// sandbox ready and running task groups (default executor).
	executorRunning
	// executorTerminating: shutdown or a kill is under way.
	executorTerminating
	// executorTerminated: the process has ended (or never started); for
	// the default executor, its tasks have all ended.
	executorTerminated
)

func (s executorState) String() string {
	return [...]string{"REGISTERING", "RUNNING", "TERMINATING", "TERMINATED"}[s]
}

// executorKind says who runs an executor's tasks.
type executorKind int

const (
	// customExecutor is a framework's own executor, a process speaking
	// the v1 executor API: the agent hands it tasks and relays its updates.
	customExecutor executorKind = iota
	// commandExecutor is the built-in command executor of one command task
	// (Mesos's mesos-executor): the task's process runs in the executor's
	// sandbox, and the master never hears of the executor (Mesos's
	// isGeneratedForCommandTask).
	commandExecutor
	// defaultExecutor is the built-in default executor, ExecutorInfo type
	// DEFAULT (Mesos's mesos-default-executor): it runs task groups, each
	// task a process in its own sandbox, tasks/<task id> of the
	// executor's. The master knows it and counts its resources.
	defaultExecutor
)

func (k executorKind) String() string {
	return [...]string{"custom", "command", "default"}[k]
}

// executor is one run of an executor: a custom executor speaking the v1
// executor API, or one of the agent's built-in executors, whose tasks the
// agent runs itself, each as a process (see command.go).
type executor struct {
	id          string
	frameworkID string
	info        *mesospb.ExecutorInfo
	// containerID names this run; events from an earlier run of the same
	// executor carry another one and are ignored.
	containerID string
	sandbox     string
	kind        executorKind
	state       executorState
	// cancelPrepare stops the sandbox preparation (fetching) while it runs.
	cancelPrepare context.CancelFunc
	// process is a custom executor's process; the built-in executors have
	// none of their own, their tasks have one each.
	process
	// conn is the SUBSCRIBE stream of a custom executor, nil while it is
	// not connected.
	conn         *executorConn
	everSentTask bool
	// queue holds launches waiting for the executor to subscribe (or, for
	// the default executor, for its sandbox), in the order they arrived.
	queue []launch
	// recording counts the journal entries still writing records of tasks
	// queued for a custom executor: the queue is delivered only when it
	// is zero (tasksRecorded).
	recording int
	// tasks holds every task not yet completed: queued, launched, and
	// terminal but not yet acknowledged. taskOrder keeps arrival order.
	tasks          map[string]*task
	taskOrder      []string
	completedTasks []*mesospb.Task

	registrationTimer *time.Timer
	shutdownTimer     *time.Timer
	// idleTimer bounds how long a default executor whose tasks have all
	// ended waits for their last acknowledgements (see
	// endDefaultExecutorIfIdle).
	idleTimer *time.Timer
	// pendingTermination says why the agent is ending the executor, for
	// the updates of the tasks it leaves behind.
	pendingTermination *termination

	// cgroup isolates the run's container (isolation.go); nil without
	// cgroups isolation. limits are the limits last applied to it, and
	// stopWatch ends the watch for memory limitations.
	cgroup    *cgroups.Cgroup
	limits    cgroups.Limits
	stopWatch context.CancelFunc
}

// cgroupProcs are the cgroup.procs files the run's processes join; none
// without cgroups isolation.
func (e *executor) cgroupProcs() []string {
	if e.cgroup == nil {
		return nil
	}
	return e.cgroup.ProcsFiles()
}

// limitedContainer reports whether the run's container hit a limit.
func (e *executor) limitedContainer() bool {
	p := e.pendingTermination
	return p != nil && p.reason == mesospb.TaskStatus_REASON_CONTAINER_LIMITATION_MEMORY
}

// builtIn reports whether the agent runs the executor's tasks itself.
func (e *executor) builtIn() bool { return e.kind != customExecutor }

// process is one process the agent launches and watches: a custom
// executor's, or a task's of a built-in executor.
type process struct {
	// launching is set while a worker starts the process (see
	// Agent.launch); proc is nil until the worker reports back.
	launching bool
	// pendingKill is a kill that came while launching, with its grace
	// period: it is carried out as soon as the process exists.
	pendingKill *time.Duration
	proc        *containerizer.Process
}

// launch is one RUN_TASK or RUN_TASK_GROUP for an executor.
type launch struct {
	task  *mesospb.TaskInfo      // set for a single task
	group *mesospb.TaskGroupInfo // set for a task group
}

func (l launch) taskIDs() []string {
	if l.task != nil {
		return []string{l.task.GetTaskId().GetValue()}
	}
	var ids []string
	for _, t := range l.group.GetTasks() {
		ids = append(ids, t.GetTaskId().GetValue())
	}
	return ids
}

// termination is the outcome the agent gives the tasks of an executor it
// ended (Mesos's ContainerTermination in Executor::pendingTermination).
type termination struct {
	state   mesospb.TaskState
	reason  mesospb.TaskStatus_Reason
	message string
	// limited are the resources over their limit, for a container that
	// hit one (TaskStatus.limitation).
	limited []*mesospb.Resource
}

// task is one task on an executor.
type task struct {
	info *mesospb.TaskInfo
	// record is the Mesos Task the agent reports to the master and on
	// /state: latest state, statuses, the update being delivered.
	record *mesospb.Task
	// queued is set until the task is handed to its executor.
	queued bool

	// The fields below are for the tasks of built-in executors, which the
	// agent runs as processes of their own.
	process
	// sandbox is where the task's process runs: the executor's sandbox
	// (command executor) or tasks/<task id> in it (default executor).
	sandbox string
	// cancelPrepare stops the preparation of a default executor task's
	// sandbox (fetching its URIs) while it runs.
	cancelPrepare context.CancelFunc
	// recorded is closed once the record of a task that joined a running
	// default executor is written; its process waits for it. Nil when the
	// task was recorded with its run, or is not recorded.
	recorded <-chan struct{}
	// killing is set once a kill reached the task's process.
	killing bool
	// ended is set once the task's process has ended, or once it is known
	// that it will never run.
	ended bool
	// group is the task group the task came in (default executor).
	group *taskGroup
}

// taskGroup is the tasks of one RUN_TASK_GROUP on the default executor,
// which live and die together.
type taskGroup struct {
	taskIDs []string
	// killing is set once the rest of the group is being killed because
	// one of its tasks failed or was killed (Mesos's killingTaskGroup).
	killing bool
}

func (t *task) state() mesospb.TaskState { return t.record.GetState() }

func (t *task) terminal() bool { return statusupdate.IsTerminal(t.state()) }

// apply records a status update in the task's record, as Mesos's
// Executor::updateTaskState does: the latest state, and the status (without
// its data, which may be large) in the list of statuses.
func (t *task) apply(status *mesospb.TaskStatus) {
	t.record.State = status.GetState().Enum()
	kept := proto.CloneOf(status)
	kept.Data = nil
	t.record.Statuses = append(t.record.Statuses, kept)
}

// newTaskRecord builds the Task the agent keeps for a TaskInfo, in
// TASK_STAGING (Mesos's protobuf::createTask). Tasks of the built-in
// command executor have no executor_id, as in Mesos.
func newTaskRecord(info *mesospb.TaskInfo, frameworkID *mesospb.FrameworkID, agentID *mesospb.AgentID) *mesospb.Task {
	t := &mesospb.Task{
		Name:        proto.String(info.GetName()),
		TaskId:      proto.CloneOf(info.GetTaskId()),
		FrameworkId: proto.CloneOf(frameworkID),
		AgentId:     proto.CloneOf(agentID),
		State:       mesospb.TaskState_TASK_STAGING.Enum(),
		Resources:   info.GetResources(),
		Labels:      info.GetLabels(),
		Discovery:   info.GetDiscovery(),
		Container:   info.GetContainer(),
		HealthCheck: info.GetHealthCheck(),
		KillPolicy:  info.GetKillPolicy(),
		Limits:      info.GetLimits(),
	}
	if info.GetExecutor() != nil {
		t.ExecutorId = proto.CloneOf(info.GetExecutor().GetExecutorId())
	}
	if user := info.GetCommand().GetUser(); user != "" {
		t.User = proto.String(user)
	}
	return t
}

// addTask adds a task to the executor, queued until it is handed over.
func (e *executor) addTask(t *task) {
	id := t.info.GetTaskId().GetValue()
	if e.tasks == nil {
		e.tasks = make(map[string]*task)
	}
	e.tasks[id] = t
	e.taskOrder = append(e.taskOrder, id)
}

// orderedTasks returns the executor's tasks in arrival order.
func (e *executor) orderedTasks() []*task {
	out := make([]*task, 0, len(e.tasks))
	for _, id := range e.taskOrder {
		if t := e.tasks[id]; t != nil {
			out = append(out, t)
		}
	}
	return out
}

// completeTask moves a task whose terminal update was acknowledged (or
// that will never get one) to the completed tasks.
func (e *executor) completeTask(id string) {
	t := e.tasks[id]
	if t == nil {
		return
	}
	delete(e.tasks, id)
	for i, tid := range e.taskOrder {
		if tid == id {
			e.taskOrder = append(e.taskOrder[:i], e.taskOrder[i+1:]...)
			break
		}
	}
	e.completedTasks = appendBounded(e.completedTasks, t.record)
}

// dequeue removes the launch holding taskID from the queue and returns it.
func (e *executor) dequeue(taskID string) (launch, bool) {
	for i, l := range e.queue {
		for _, id := range l.taskIDs() {
			if id == taskID {
				e.queue = append(e.queue[:i], e.queue[i+1:]...)
				return l, true
			}
		}
	}
	return launch{}, false
}

// killWhenLaunched remembers a kill that came while the process was being
// launched. Like a repeated kill of a running process, a later one may
// shorten the grace period, never lengthen it.
func (p *process) killWhenLaunched(grace time.Duration) {
	if p.pendingKill == nil || grace < *p.pendingKill {
		p.pendingKill = &grace
	}
}

// stopTimers cancels the executor's timers.
func (e *executor) stopTimers() {
	if e.registrationTimer != nil {
		e.registrationTimer.Stop()
	}
	if e.shutdownTimer != nil {
		e.shutdownTimer.Stop()
	}
	if e.idleTimer != nil {
		e.idleTimer.Stop()
	}
}

func (e *executor) String() string {
	return fmt.Sprintf("executor %q of framework %q", e.id, e.frameworkID)
}

// appendBounded appends v and drops the oldest entries beyond maxCompleted.
func appendBounded[T any](list []T, v T) []T {
	list = append(list, v)
	if len(list) > maxCompleted {
		list = append(list[:0:0], list[len(list)-maxCompleted:]...)
	}
	return list
}

// newUUID returns 16 random bytes shaped as a version 4 UUID, the form of
// Mesos's status update uuids.
func newUUID() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails on Linux (crypto/rand documents it)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}

// formatUUID writes a uuid in its canonical text form.
func formatUUID(b []byte) string {
	if len(b) != 16 {
		return fmt.Sprintf("%x", b)
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// statusSpec is what varies between the status updates the agent creates.
type statusSpec struct {
	state   mesospb.TaskState
	source  mesospb.TaskStatus_Source
	reason  *mesospb.TaskStatus_Reason // nil: none (0 is a real reason)
	message string
	// limited are the resources a container went over (TaskStatus.limitation).
	limited []*mesospb.Resource
}

// newStatus creates a status update with a fresh uuid, stamped with the
// agent, the executor and the time (Mesos's protobuf::createStatusUpdate).
func (a *Agent) newStatus(taskID *mesospb.TaskID, executorID string, spec statusSpec) *mesospb.TaskStatus {
	s := &mesospb.TaskStatus{
		TaskId:    proto.CloneOf(taskID),
		State:     spec.state.Enum(),
		Source:    spec.source.Enum(),
		Reason:    spec.reason,
		AgentId:   proto.CloneOf(a.agentID),
		Timestamp: proto.Float64(a.timestamp()),
		Uuid:      newUUID(),
	}
	if spec.message != "" {
		s.Message = proto.String(spec.message)
	}
	if executorID != "" {
		s.ExecutorId = &mesospb.ExecutorID{Value: proto.String(executorID)}
	}
	if len(spec.limited) > 0 {
		s.Limitation = &mesospb.TaskResourceLimitation{Resources: spec.limited}
	}
	return s
}

// timestamp is now in seconds since the epoch, Mesos's TaskStatus time.
func (a *Agent) timestamp() float64 {
	return float64(a.cfg.Clock.Now().UnixNano()) / 1e9
}
