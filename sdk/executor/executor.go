package executor

import (
	"context"

	mesospb "agora/api/mesos/v1"
)

// Executor is what a custom executor implements: the callbacks of Mesos's
// executor driver, one per event of the v1 executor API. Embed Base to
// implement only the ones you need.
//
// The driver calls them one at a time, in event order, on the goroutine
// running Driver.Run. Long work (running a task) belongs on a goroutine of
// its own that reports with Driver.Update; a callback that blocks holds up
// the events after it, kills included.
type Executor interface {
	// Registered is called on the first SUBSCRIBED.
	Registered(ctx context.Context, d *Driver, executor *mesospb.ExecutorInfo, framework *mesospb.FrameworkInfo, agent *mesospb.AgentInfo)
	// Reregistered is called on SUBSCRIBED after a reconnection to a
	// (restarted) agent.
	Reregistered(ctx context.Context, d *Driver, agent *mesospb.AgentInfo)
	// Disconnected is called when the connection to the agent breaks. With
	// checkpointing the driver subscribes again for up to the recovery
	// timeout; without, Run returns ErrDisconnected.
	Disconnected(ctx context.Context, d *Driver)
	// LaunchTask starts a task (LAUNCH). Send TASK_RUNNING (or a failure)
	// with Update, and a terminal update when it ends.
	LaunchTask(ctx context.Context, d *Driver, task *mesospb.TaskInfo)
	// LaunchTaskGroup starts a task group (LAUNCH_GROUP): every task of it
	// needs its updates.
	LaunchTaskGroup(ctx context.Context, d *Driver, group *mesospb.TaskGroupInfo)
	// KillTask asks to kill a task (KILL); answer with a terminal update,
	// usually TASK_KILLED. policy may be nil.
	KillTask(ctx context.Context, d *Driver, id *mesospb.TaskID, policy *mesospb.KillPolicy)
	// FrameworkMessage delivers data the scheduler sent (MESSAGE).
	FrameworkMessage(ctx context.Context, d *Driver, data []byte)
	// Shutdown asks the executor to kill all its tasks, send their
	// terminal updates and exit (SHUTDOWN); Run returns nil after it. The
	// agent kills the executor after the shutdown grace period.
	Shutdown(ctx context.Context, d *Driver)
	// Error reports an ERROR event; the driver then drops the connection
	// and subscribes again, as Mesos recommends.
	Error(ctx context.Context, d *Driver, message string)
}

// Base implements every Executor method by doing nothing, except
// LaunchTask and LaunchTaskGroup, which answer TASK_FAILED so that a task
// the executor cannot run does not stay staging forever. Embed it and
// override what you use.
type Base struct{}

var _ Executor = Base{}

func (Base) Registered(context.Context, *Driver, *mesospb.ExecutorInfo, *mesospb.FrameworkInfo, *mesospb.AgentInfo) {
}
func (Base) Reregistered(context.Context, *Driver, *mesospb.AgentInfo) {}
func (Base) Disconnected(context.Context, *Driver)                     {}

// LaunchTask answers TASK_FAILED: an executor that does not override it
// cannot run tasks.
func (Base) LaunchTask(ctx context.Context, d *Driver, task *mesospb.TaskInfo) {
	_ = d.Update(ctx, task.GetTaskId(), mesospb.TaskState_TASK_FAILED, "executor does not run single tasks")
}

// LaunchTaskGroup answers TASK_FAILED for each task.
func (Base) LaunchTaskGroup(ctx context.Context, d *Driver, group *mesospb.TaskGroupInfo) {
	for _, t := range group.GetTasks() {
		_ = d.Update(ctx, t.GetTaskId(), mesospb.TaskState_TASK_FAILED, "executor does not run task groups")
	}
}
func (Base) KillTask(context.Context, *Driver, *mesospb.TaskID, *mesospb.KillPolicy) {}
func (Base) FrameworkMessage(context.Context, *Driver, []byte)                       {}
func (Base) Shutdown(context.Context, *Driver)                                       {}
func (Base) Error(context.Context, *Driver, string)                                  {}
