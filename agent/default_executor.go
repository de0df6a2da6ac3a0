package agent

import (
	"context"
	"time"

	"agora/agent/containerizer"
	"agora/agent/fetcher"
	mesospb "agora/api/mesos/v1"
)

// The built-in default executor, the executor of ExecutorInfo type DEFAULT
// that LAUNCH_GROUP uses (Mesos's src/launcher/default_executor.cpp, and
// docs/nested-container-and-task-group.md). Where Mesos launches a
// mesos-default-executor process that asks the agent for one nested
// container per task, agora runs each task of a group the way it runs a
// command task (command.go), in a sandbox of its own, tasks/<task id> of
// the executor's, with its command's URIs fetched there.
//
// What it reproduces of Mesos's default executor:
//   - one executor per ExecutorInfo id of a framework on the agent; a task
//     group sent to it while it runs joins it (runOnExecutor);
//   - each task gets TASK_STARTING, TASK_RUNNING once its process runs,
//     then TASK_FINISHED, TASK_FAILED or TASK_KILLED;
//   - a group lives and dies together: when a task of a group fails or is
//     killed, the rest of its group is killed (groupTaskEnded);
//   - with no task left the executor ends (endDefaultExecutorIfIdle), and
//     the master hears EXECUTOR_EXITED with status 0, which frees the
//     executor's resources.
//
// Health checks run as for command tasks (health_checks.go): a task
// killed for failing its check takes its group with it. Checks
// (TaskInfo.check) and container images are not supported.

// defaultExecutorAckTimeout bounds how long a default executor whose tasks
// have all ended waits for their updates to be acknowledged before it
// ends: Mesos's default executor waits for its unacknowledged updates the
// same way, and gives up after 60 s (DefaultExecutor::_shutdown).
const defaultExecutorAckTimeout = 60 * time.Second

// startDefaultExecutor starts the task groups that waited for the
// executor's sandbox.
func (a *Agent) startDefaultExecutor(fw *framework, ex *executor) {
	ex.state = executorRunning
	queue := ex.queue
	ex.queue = nil
	for _, l := range queue {
		a.launchGroup(fw, ex, l)
	}
	// Every task may have been killed before its sandbox was ready.
	a.endDefaultExecutorIfIdle(fw, ex)
}

// launchGroup starts the tasks of a task group (or of a single task sent to
// a default executor, a group of one): TASK_STARTING for each, as Mesos's
// default executor sends them before it launches anything, then each
// task's sandbox is prepared and its process launched.
func (a *Agent) launchGroup(fw *framework, ex *executor, l launch) {
	ex.everSentTask = true
	if ex.idleTimer != nil {
		ex.idleTimer.Stop()
		ex.idleTimer = nil
	}
	group := &taskGroup{taskIDs: l.taskIDs()}
	var tasks []*task
	for _, id := range group.taskIDs {
		t := ex.tasks[id]
		if t == nil || !t.queued {
			continue
		}
		t.queued = false
		t.group = group
		tasks = append(tasks, t)
		a.statusUpdate(fw.id, ex, t, a.newStatus(t.info.GetTaskId(), ex.id, statusSpec{
			state:  mesospb.TaskState_TASK_STARTING,
			source: mesospb.TaskStatus_SOURCE_EXECUTOR,
		}))
	}
	for _, t := range tasks {
		a.prepareTask(fw, ex, t)
	}
}

// prepareTask creates a task's sandbox in the executor's and fetches its
// command's URIs there, on a worker goroutine; the outcome comes back to
// the loop as taskPrepared.
func (a *Agent) prepareTask(fw *framework, ex *executor, t *task) {
	ctx, cancel := context.WithCancel(context.Background())
	t.cancelPrepare = cancel
	uris := fetcherURIs(t.info.GetCommand().GetUris())
	fwID, exID, containerID, taskID, executorSandbox := fw.id, ex.id, ex.containerID, t.info.GetTaskId().GetValue(), ex.sandbox
	opts := a.fetchOptions(fwID, exID)
	recorded := t.recorded
	a.goWorker(func() {
		defer cancel()
		var problem string
		sandbox, err := containerizer.CreateTaskSandbox(executorSandbox, taskID)
		if err != nil {
			problem = "Failed to create the sandbox: " + err.Error()
		} else {
			problem = fetchProblem(fetcher.Fetch(ctx, uris, sandbox, opts), containerID)
		}
		if recorded != nil {
			<-recorded // the task's record comes before its process (recovery.go)
		}
		a.post(func() { a.taskPrepared(fwID, exID, containerID, taskID, sandbox, problem) })
	})
}

// taskPrepared launches a task whose sandbox is ready. A task killed
// meanwhile is not launched: it is TASK_KILLED. One whose sandbox could
// not be prepared is TASK_FAILED, as the default executor reports a nested
// container that failed to launch.
func (a *Agent) taskPrepared(frameworkID, executorID, containerID, taskID, sandbox, problem string) {
	fw, ex, t := a.liveTask(frameworkID, executorID, containerID, taskID)
	if t == nil {
		return
	}
	t.cancelPrepare = nil
	t.sandbox = sandbox
	var spec *statusSpec
	switch {
	case t.pendingKill != nil && ex.limitedContainer():
		t.pendingKill = nil
		limited := ex.terminationStatus(nil)
		spec = &limited
	case t.pendingKill != nil:
		t.pendingKill = nil
		spec = &statusSpec{
			state:   mesospb.TaskState_TASK_KILLED,
			source:  mesospb.TaskStatus_SOURCE_EXECUTOR,
			reason:  mesospb.TaskStatus_REASON_TASK_KILLED_DURING_LAUNCH.Enum(),
			message: "Killed before the task was launched",
		}
	case problem != "":
		a.log.Warn("task failed to launch", "framework_id", frameworkID, "executor_id", executorID,
			"task_id", taskID, "problem", problem)
		spec = &statusSpec{
			state:   mesospb.TaskState_TASK_FAILED,
			source:  mesospb.TaskStatus_SOURCE_EXECUTOR,
			reason:  mesospb.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED.Enum(),
			message: "Failed to launch container: " + problem,
		}
	}
	if spec != nil {
		a.statusUpdate(fw.id, ex, t, a.newStatus(t.info.GetTaskId(), ex.id, *spec))
		a.taskEnded(fw, ex, t, nil)
		return
	}
	a.launchTask(fw, ex, t)
}

// killGroupTask handles KILL_TASK for a task the default executor has
// started. The rest of its group is killed once it has ended
// (groupTaskEnded), as in Mesos.
func (a *Agent) killGroupTask(fw *framework, ex *executor, t *task, policy *mesospb.KillPolicy) {
	if t.ended {
		a.log.Info("ignoring kill of a task that has ended", "framework_id", fw.id, "executor_id", ex.id,
			"task_id", t.info.GetTaskId().GetValue())
		return
	}
	a.killTaskProcess(fw, ex, t, killGracePeriod(policy, t.info.GetKillPolicy()))
}

// groupTaskEnded applies the default executor's policy when one of its
// tasks has ended: Mesos's default restart policy for a task group kills
// the group's other tasks when one fails or is killed, unless the executor
// is shutting down anyway. The others are killed as if by KILL_TASK with
// their own kill policy (Mesos gives them its default 3 s grace whatever
// their policy says). The executor ends once no task is left.
func (a *Agent) groupTaskEnded(fw *framework, ex *executor, t *task) {
	state := t.state()
	failed := state == mesospb.TaskState_TASK_FAILED || state == mesospb.TaskState_TASK_KILLED
	if g := t.group; failed && g != nil && !g.killing && ex.state == executorRunning && !fw.terminating {
		g.killing = true
		a.log.Info("killing the task group of a task that ended", "framework_id", fw.id, "executor_id", ex.id,
			"task_id", t.info.GetTaskId().GetValue(), "state", state.String(), "group", g.taskIDs)
		for _, id := range g.taskIDs {
			sibling := ex.tasks[id]
			// A sibling already being killed keeps its kill (MESOS-8051).
			if sibling == nil || sibling.ended || sibling.killing || sibling.pendingKill != nil {
				continue
			}
			a.killTaskProcess(fw, ex, sibling, killGracePeriod(nil, sibling.info.GetKillPolicy()))
		}
	}
	a.endDefaultExecutorIfIdle(fw, ex)
}

// endDefaultExecutorIfIdle ends a default executor that has no task left
// running or waiting to run, as Mesos's default executor shuts itself down
// when its last child container has terminated. Like it, the executor
// first waits (up to defaultExecutorAckTimeout) for its tasks' updates to
// be acknowledged, so a task group sent meanwhile still joins it; one
// being shut down ends at once.
func (a *Agent) endDefaultExecutorIfIdle(fw *framework, ex *executor) {
	if ex.kind != defaultExecutor || ex.state == executorRegistering || ex.state == executorTerminated ||
		ex.cancelPrepare != nil || len(ex.queue) > 0 {
		return
	}
	for _, t := range ex.tasks {
		if !t.ended {
			return
		}
	}
	switch {
	case len(ex.tasks) == 0 || ex.state == executorTerminating || fw.terminating:
		a.log.Info("default executor has no task left; ending it", "framework_id", fw.id, "executor_id", ex.id)
		a.executorTerminated(fw, ex, &containerizer.ExitStatus{})
	case ex.idleTimer == nil:
		fwID, exID, containerID := fw.id, ex.id, ex.containerID
		var timer *time.Timer
		timer = a.afterFunc(defaultExecutorAckTimeout, func() {
			fw, ex := a.executorRun(fwID, exID, containerID)
			if ex == nil || ex.idleTimer != timer {
				return // a task group came meanwhile
			}
			a.log.Warn("default executor's last updates were not acknowledged in time; ending it anyway",
				"framework_id", fwID, "executor_id", exID, "timeout", defaultExecutorAckTimeout)
			ex.idleTimer = nil
			ex.state = executorTerminating
			a.endDefaultExecutorIfIdle(fw, ex)
		})
		ex.idleTimer = timer
	}
}
