package agent

import (
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent/containerizer"
	mesospb "agora/api/mesos/v1"
)

// The built-in executors. Mesos runs a separate executor process for tasks
// that bring no executor of their own: mesos-executor for a task with a
// command, mesos-default-executor for a task group. agora plays both parts
// inside the agent: an executor is a record on the loop, and each of its
// tasks is one process, the task's command in its own sandbox, process
// group and session. The two differ in how many tasks they run, where a
// task's sandbox is, and what they do when a task ends:
//
//   - the command executor (this file) runs one command task in the
//     executor's sandbox and ends with it; its id is the task's id and
//     the master never hears of it;
//   - the default executor (default_executor.go) runs task groups, each
//     task in tasks/<task id> of the executor's sandbox, kills the rest of
//     a group when one of its tasks fails or is killed, and ends when it
//     has no task left. The master knows it as any other executor.
//
// The tasks' updates are those the Mesos executors send, from
// SOURCE_EXECUTOR: TASK_STARTING, TASK_RUNNING once the command runs,
// TASK_KILLING (to frameworks that understand it) when asked to kill, and a
// terminal update with a message such as "Command exited with status 3".

// runCommandTask starts the command executor of a task.
func (a *Agent) runCommandTask(fw *framework, info *mesospb.TaskInfo) {
	taskID := info.GetTaskId().GetValue()
	if err := validateIDs(fw.id, taskID, nil); err != nil {
		a.rejectTask(fw, info.GetTaskId(), "", err.Error())
		return
	}
	if fw.executors[taskID] != nil {
		a.rejectTask(fw, info.GetTaskId(), "",
			"Task ID "+taskID+" is already in use as an executor ID of this framework on this agent")
		return
	}
	// The executor's sandbox is prepared (and the command's URIs fetched)
	// before the task counts as handed over, as in Mesos.
	ex := a.newExecutor(fw, commandExecutorInfo(fw, info), commandExecutor)
	ex.addTask(&task{info: info, record: newTaskRecord(info, fw.info.GetId(), a.agentID), queued: true})
	a.prepare(fw, ex)
}

// commandExecutorInfo is the ExecutorInfo of a command task's executor, as
// Mesos's Slave::getExecutorInfo makes it: named after the task and its
// command, with the task's id as executor id and source.
func commandExecutorInfo(fw *framework, info *mesospb.TaskInfo) *mesospb.ExecutorInfo {
	command := info.GetCommand()
	var what string
	switch {
	case command.GetShell() && command.Value == nil:
		what = "NO COMMAND"
	case command.GetShell():
		what = "sh -c '" + command.GetValue() + "'"
	case command.Value == nil:
		what = "NO EXECUTABLE"
	default:
		what = "[" + strings.Join(append([]string{command.GetValue()}, command.GetArguments()...), ", ") + "]"
	}
	taskID := info.GetTaskId().GetValue()
	return &mesospb.ExecutorInfo{
		ExecutorId:  &mesospb.ExecutorID{Value: proto.String(taskID)},
		FrameworkId: proto.CloneOf(fw.info.GetId()),
		Name:        proto.String("Command Executor (Task: " + taskID + ") (Command: " + what + ")"),
		Source:      proto.String(taskID),
		Labels:      info.GetLabels(),
	}
}

// startCommand runs the command executor's task once the sandbox is ready.
func (a *Agent) startCommand(fw *framework, ex *executor) {
	t := ex.tasks[ex.id]
	if t == nil {
		a.executorTerminated(fw, ex, nil)
		return
	}
	ex.state = executorRunning
	ex.everSentTask = true
	t.queued = false
	t.sandbox = ex.sandbox
	a.statusUpdate(fw.id, ex, t, a.newStatus(t.info.GetTaskId(), ex.id, statusSpec{
		state:  mesospb.TaskState_TASK_STARTING,
		source: mesospb.TaskStatus_SOURCE_EXECUTOR,
	}))
	a.launchTask(fw, ex, t)
}

// launchTask starts a built-in executor's task in t.sandbox: TASK_RUNNING
// comes once the process runs (taskLaunched). The process is launched on a
// worker, so a kill can come in between; Mesos's command executor launches
// in one step and handles a kill only after it, so such a kill waits for
// the process (killTaskProcess).
func (a *Agent) launchTask(fw *framework, ex *executor, t *task) {
	command := t.info.GetCommand()
	fwID, exID, containerID, taskID := fw.id, ex.id, ex.containerID, t.info.GetTaskId().GetValue()
	a.launch(&t.process, containerizer.ProcessSpec{
		Sandbox:     t.sandbox,
		Shell:       command.GetShell(),
		Value:       command.GetValue(),
		Arguments:   command.GetArguments(),
		Env:         a.taskEnvironment(fw, ex, t),
		User:        a.user(fw, command),
		StatusPath:  a.statusPath(fw, ex, taskID),
		CgroupProcs: ex.cgroupProcs(),
		Logger:      a.log.With("framework_id", fw.id, "executor_id", ex.id, "task_id", taskID),
	}, a.processRecorder(fw, ex, taskID), func(proc *containerizer.Process, err error) {
		a.taskLaunched(fwID, exID, containerID, taskID, proc, err)
	})
}

// taskEnvironment is a task's whole environment. A command task sees the
// variables Mesos's command executor has (it inherits them from the
// agent); a default executor's task the same, describing its own sandbox,
// and MESOS_TASK_ID. Then come its command's own variables and
// MESOS_ALLOCATION_ROLE, which both Mesos executors add.
func (a *Agent) taskEnvironment(fw *framework, ex *executor, t *task) map[string]string {
	described := a.executorEnvironment(fw, ex)
	described.Directory = t.sandbox
	env := described.Vars()
	if ex.kind == defaultExecutor {
		env["MESOS_TASK_ID"] = t.info.GetTaskId().GetValue()
	}
	addCommandEnvironment(env, t.info.GetCommand())
	if role := allocationRole(t.info); role != "" {
		env["MESOS_ALLOCATION_ROLE"] = role
	}
	return env
}

// taskLaunched takes the outcome of a task's launch: TASK_FAILED if it
// failed, else TASK_RUNNING, followed by the kill that came while
// launching, if one did.
func (a *Agent) taskLaunched(frameworkID, executorID, containerID, taskID string, proc *containerizer.Process, err error) {
	fw, ex, t := a.launchedTask(frameworkID, executorID, containerID, taskID, proc)
	if t == nil {
		return
	}
	if err != nil {
		spec := statusSpec{
			state:   mesospb.TaskState_TASK_FAILED,
			source:  mesospb.TaskStatus_SOURCE_EXECUTOR,
			reason:  mesospb.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED.Enum(),
			message: "Failed to launch task: " + err.Error(),
		}
		if ex.kind == commandExecutor {
			spec.reason = mesospb.TaskStatus_REASON_COMMAND_EXECUTOR_FAILED.Enum()
		}
		a.statusUpdate(fw.id, ex, t, a.newStatus(t.info.GetTaskId(), ex.id, spec))
		a.taskEnded(fw, ex, t, nil)
		return
	}
	t.proc = proc
	a.watchTask(fw, ex, t)
	grace := t.pendingKill
	t.pendingKill = nil
	a.statusUpdate(fw.id, ex, t, a.newStatus(t.info.GetTaskId(), ex.id, statusSpec{
		state:  mesospb.TaskState_TASK_RUNNING,
		source: mesospb.TaskStatus_SOURCE_EXECUTOR,
	}))
	a.startHealthCheck(fw, ex, t) // health_checks.go
	if grace != nil {
		a.killTaskProcess(fw, ex, t, *grace)
	}
}

// launchedTask returns the task a launch outcome is for, with its launch
// over. A process launched for a task whose executor run is gone or
// terminated, or that has ended meanwhile, is killed, so nothing runs that
// the agent does not watch.
func (a *Agent) launchedTask(frameworkID, executorID, containerID, taskID string, proc *containerizer.Process) (*framework, *executor, *task) {
	fw, ex := a.executorRun(frameworkID, executorID, containerID)
	var t *task
	if ex != nil && ex.state != executorTerminated {
		t = ex.tasks[taskID]
	}
	if t == nil || t.ended {
		if proc != nil {
			a.log.Warn("killing a process launched for a task that is gone", "framework_id", frameworkID,
				"executor_id", executorID, "container_id", containerID, "task_id", taskID, "pid", proc.Pid())
			a.goWorker(func() { proc.Kill(0) })
		}
		return nil, nil, nil
	}
	t.launching = false
	return fw, ex, t
}

// watchTask waits for a task's process on a worker goroutine and reports
// its end to the loop.
func (a *Agent) watchTask(fw *framework, ex *executor, t *task) {
	proc, fwID, exID, containerID, taskID := t.proc, fw.id, ex.id, ex.containerID, t.info.GetTaskId().GetValue()
	a.goWorker(func() {
		select {
		case <-proc.Done():
			status := proc.Wait()
			a.post(func() { a.taskExited(fwID, exID, containerID, taskID, status) })
		case <-a.done: // the agent stopped: the process is the next agent's
		}
	})
}

// taskExited turns the end of a task's process into its terminal update
// (the Mesos executors' reaped() and waited()): KILLED if the agent killed
// it, FINISHED on exit 0, FAILED otherwise.
func (a *Agent) taskExited(frameworkID, executorID, containerID, taskID string, status containerizer.ExitStatus) {
	fw, ex, t := a.liveTask(frameworkID, executorID, containerID, taskID)
	if t == nil {
		return
	}
	a.log.Info("task process ended", "framework_id", frameworkID, "executor_id", executorID, "task_id", taskID,
		"status", status.String())
	a.checkLimitation(ex, status) // isolation.go
	if !t.terminal() && !fw.terminating {
		spec := statusSpec{source: mesospb.TaskStatus_SOURCE_EXECUTOR, message: status.Message()}
		switch {
		case ex.limitedContainer():
			// The container hit its memory limit: the agent reports the
			// task's end, as Mesos's agent does for a container it
			// destroyed.
			spec = ex.terminationStatus(&status)
		case status.Killed:
			spec.state = mesospb.TaskState_TASK_KILLED
		case status.Success():
			spec.state = mesospb.TaskState_TASK_FINISHED
		default:
			spec.state = mesospb.TaskState_TASK_FAILED
			if ex.kind == commandExecutor {
				spec.reason = mesospb.TaskStatus_REASON_COMMAND_EXECUTOR_FAILED.Enum()
			}
		}
		update := a.newStatus(t.info.GetTaskId(), ex.id, spec)
		a.markHealthOnExit(fw, ex, t, update) // health_checks.go
		a.statusUpdate(fw.id, ex, t, update)
	}
	a.taskEnded(fw, ex, t, &status)
}

// taskEnded follows the end of a task of a built-in executor (status is nil
// if it never ran): the command executor ends with its task, the default
// executor applies its group policy.
func (a *Agent) taskEnded(fw *framework, ex *executor, t *task, status *containerizer.ExitStatus) {
	t.ended = true
	a.forgetHealthCheck(fw, ex, t) // health_checks.go
	switch ex.kind {
	case commandExecutor:
		a.executorTerminated(fw, ex, status)
	case defaultExecutor:
		a.groupTaskEnded(fw, ex, t)
	}
}

// allocationRole is the role the task's resources are allocated to.
func allocationRole(info *mesospb.TaskInfo) string {
	for _, r := range info.GetResources() {
		if role := r.GetAllocationInfo().GetRole(); role != "" {
			return role
		}
	}
	return ""
}

// killCommandTask handles KILL_TASK for a command task.
func (a *Agent) killCommandTask(fw *framework, ex *executor, t *task, policy *mesospb.KillPolicy) {
	if t == nil || t.terminal() {
		a.log.Info("ignoring kill of a task that has ended", "framework_id", fw.id, "task_id", ex.id)
		return
	}
	if t.queued {
		// Still preparing the sandbox: the command will never run.
		t.queued = false
		a.statusUpdate(fw.id, ex, t, a.newStatus(t.info.GetTaskId(), ex.id, statusSpec{
			state:   mesospb.TaskState_TASK_KILLED,
			source:  mesospb.TaskStatus_SOURCE_AGENT,
			reason:  mesospb.TaskStatus_REASON_TASK_KILLED_DURING_LAUNCH.Enum(),
			message: "Killed before delivery to the executor",
		}))
		ex.state = executorTerminating
		if ex.cancelPrepare != nil {
			ex.cancelPrepare()
		}
		return
	}
	a.killTaskProcess(fw, ex, t, killGracePeriod(policy, t.info.GetKillPolicy()))
}

// shutdownBuiltIn handles SHUTDOWN for a built-in executor whose sandbox is
// ready: it kills every task it started, leaving time before the agent's
// own deadline as Mesos's executors do (the command executor's grace is
// the shutdown grace period minus 2 s; the default executor's, 3 s, is
// the same with the default 5 s).
func (a *Agent) shutdownBuiltIn(fw *framework, ex *executor) {
	grace := max(a.shutdownGracePeriod(ex)-2*time.Second, 0)
	for _, t := range ex.orderedTasks() {
		if !t.queued {
			a.killTaskProcess(fw, ex, t, grace)
		}
	}
	if ex.kind == defaultExecutor {
		a.endDefaultExecutorIfIdle(fw, ex)
	}
}

// killTaskProcess sends TASK_KILLING (the first time, to frameworks with
// the TASK_KILLING_STATE capability, like Mesos's executors) and kills the
// task's process: SIGTERM, then SIGKILL after grace. A repeated kill may
// shorten the grace period, never lengthen it.
//
// While the process is being launched the kill is only remembered:
// taskLaunched carries it out after TASK_RUNNING, so the task's updates
// are those of Mesos's command executor, which takes a kill only once its
// launch is over (TASK_STARTING, TASK_RUNNING, TASK_KILLING, TASK_KILLED),
// never TASK_KILLING before TASK_RUNNING. A default executor's task whose
// sandbox is still being prepared is not launched at all (taskPrepared).
func (a *Agent) killTaskProcess(fw *framework, ex *executor, t *task, grace time.Duration) {
	taskID := t.info.GetTaskId().GetValue()
	a.stopHealthCheck(fw, ex, t) // health_checks.go
	switch {
	case t.ended:
		return
	case t.cancelPrepare != nil:
		a.log.Info("task sandbox is being prepared; the task will not be launched", "framework_id", fw.id,
			"executor_id", ex.id, "task_id", taskID)
		t.killWhenLaunched(grace)
		t.cancelPrepare()
		return
	case t.launching:
		a.log.Info("task is being launched; killing it once it runs", "framework_id", fw.id,
			"executor_id", ex.id, "task_id", taskID, "grace_period", grace)
		t.killWhenLaunched(grace)
		return
	case t.proc == nil:
		return // not started: nothing to kill
	}
	if !t.killing {
		t.killing = true
		if fw.capability(mesospb.FrameworkInfo_Capability_TASK_KILLING_STATE) {
			a.statusUpdate(fw.id, ex, t, a.newStatus(t.info.GetTaskId(), ex.id, statusSpec{
				state:  mesospb.TaskState_TASK_KILLING,
				source: mesospb.TaskStatus_SOURCE_EXECUTOR,
			}))
		}
	}
	a.log.Info("killing task", "framework_id", fw.id, "executor_id", ex.id, "task_id", taskID, "grace_period", grace)
	a.kill(&t.process, grace)
}

// killGracePeriod picks the grace between SIGTERM and SIGKILL: the kill's
// own policy, else the task's, else DefaultKillGracePeriod.
func killGracePeriod(override, task *mesospb.KillPolicy) time.Duration {
	if d := override.GetGracePeriod(); d != nil {
		return time.Duration(d.GetNanoseconds())
	}
	if d := task.GetGracePeriod(); d != nil {
		return time.Duration(d.GetNanoseconds())
	}
	return DefaultKillGracePeriod
}
