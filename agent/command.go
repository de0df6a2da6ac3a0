package agent

import (
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent/containerizer"
	mesospb "agora/api/mesos/v1"
)

// The built-in command executor. Mesos runs a separate mesos-executor
// process for each task that has a command and no executor; agora plays
// that part inside the agent, so a command task is one process: the
// task's command in its own sandbox, process group and session. The
// updates it sends are those of src/launcher/executor.cpp: TASK_STARTING,
// TASK_RUNNING once the command runs, TASK_KILLING (to frameworks that
// understand it) when asked to kill, and a terminal update with a message
// such as "Command exited with status 3". They come from
// SOURCE_EXECUTOR, as Mesos's command executor sends them.
//
// The executor run is an ordinary executor record whose id is the task's
// id, as in Mesos; the master is never told about it.

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
	ex := a.newExecutor(fw, commandExecutorInfo(fw, info), true)
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

// startCommand runs the task's command once its sandbox is ready:
// TASK_STARTING now, TASK_RUNNING once the process runs (commandStarted).
// The process is launched on a worker, so a kill can come in between;
// Mesos's command executor launches in one step and handles a kill only
// after it, so such a kill waits for the process (killCommand).
func (a *Agent) startCommand(fw *framework, ex *executor) {
	t := ex.tasks[ex.id]
	if t == nil {
		a.executorTerminated(fw, ex, nil)
		return
	}
	ex.state = executorRunning
	ex.everSentTask = true
	t.queued = false
	a.statusUpdate(fw.id, ex, t, a.newStatus(t.info.GetTaskId(), ex.id, statusSpec{
		state:  mesospb.TaskState_TASK_STARTING,
		source: mesospb.TaskStatus_SOURCE_EXECUTOR,
	}))

	// The task sees the variables Mesos's command executor has (it
	// inherits them from the agent), its command's own, and
	// MESOS_ALLOCATION_ROLE.
	command := t.info.GetCommand()
	env := a.executorEnvironment(fw, ex).Vars()
	addCommandEnvironment(env, command)
	if role := allocationRole(t.info); role != "" {
		env["MESOS_ALLOCATION_ROLE"] = role
	}
	fwID, exID, containerID := fw.id, ex.id, ex.containerID
	a.launch(ex, containerizer.ProcessSpec{
		Sandbox:   ex.sandbox,
		Shell:     command.GetShell(),
		Value:     command.GetValue(),
		Arguments: command.GetArguments(),
		Env:       env,
		User:      a.user(fw, command),
		Logger:    a.log.With("framework_id", fw.id, "task_id", ex.id),
	}, func(proc *containerizer.Process, err error) {
		a.commandStarted(fwID, exID, containerID, proc, err)
	})
}

// commandStarted takes the outcome of a command task's launch: TASK_FAILED
// if it failed, else TASK_RUNNING, followed by the kill that came while
// launching, if one did.
func (a *Agent) commandStarted(frameworkID, executorID, containerID string, proc *containerizer.Process, err error) {
	fw, ex := a.launchedRun(frameworkID, executorID, containerID, proc)
	if ex == nil {
		return
	}
	t := ex.tasks[ex.id]
	if err != nil {
		if t != nil {
			a.statusUpdate(fw.id, ex, t, a.newStatus(t.info.GetTaskId(), ex.id, statusSpec{
				state:   mesospb.TaskState_TASK_FAILED,
				source:  mesospb.TaskStatus_SOURCE_EXECUTOR,
				reason:  mesospb.TaskStatus_REASON_COMMAND_EXECUTOR_FAILED.Enum(),
				message: "Failed to launch task: " + err.Error(),
			}))
		}
		a.executorTerminated(fw, ex, nil)
		return
	}
	ex.proc = proc
	a.watch(fw, ex)
	grace := ex.pendingKill
	ex.pendingKill = nil
	if t == nil {
		// Cannot happen (a task leaves its executor only once the executor
		// has terminated), but a process without a task must not run.
		a.kill(ex, 0)
		return
	}
	a.statusUpdate(fw.id, ex, t, a.newStatus(t.info.GetTaskId(), ex.id, statusSpec{
		state:  mesospb.TaskState_TASK_RUNNING,
		source: mesospb.TaskStatus_SOURCE_EXECUTOR,
	}))
	if grace != nil {
		a.killCommand(fw, ex, t, *grace)
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

// commandExited turns the end of the command into the task's terminal
// update (the command executor's reaped()): KILLED if the agent killed it,
// FINISHED on exit 0, FAILED otherwise.
func (a *Agent) commandExited(fw *framework, ex *executor, status containerizer.ExitStatus) {
	t := ex.tasks[ex.id]
	if t != nil && !t.terminal() && !fw.terminating {
		spec := statusSpec{source: mesospb.TaskStatus_SOURCE_EXECUTOR, message: status.Message()}
		switch {
		case status.Killed:
			spec.state = mesospb.TaskState_TASK_KILLED
		case status.Success():
			spec.state = mesospb.TaskState_TASK_FINISHED
		default:
			spec.state = mesospb.TaskState_TASK_FAILED
			spec.reason = mesospb.TaskStatus_REASON_COMMAND_EXECUTOR_FAILED.Enum()
		}
		a.statusUpdate(fw.id, ex, t, a.newStatus(t.info.GetTaskId(), ex.id, spec))
	}
	a.executorTerminated(fw, ex, &status)
}

// killCommandTask handles KILL_TASK for a command task.
func (a *Agent) killCommandTask(fw *framework, ex *executor, t *task, policy *mesospb.KillPolicy) {
	if t == nil || t.terminal() {
		a.log.Info("ignoring kill of a task that has ended", "framework_id", fw.id, "task_id", ex.id)
		return
	}
	switch {
	case ex.proc == nil && !ex.launching:
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
	default:
		a.killCommand(fw, ex, t, killGracePeriod(policy, t.info.GetKillPolicy()))
	}
}

// shutdownCommand handles SHUTDOWN for a command executor: it kills the
// task, leaving time before the agent's own deadline as Mesos's command
// executor does (its grace is the shutdown grace period minus 2 s).
func (a *Agent) shutdownCommand(fw *framework, ex *executor) {
	t := ex.tasks[ex.id]
	if t == nil || (ex.proc == nil && !ex.launching) {
		return
	}
	a.killCommand(fw, ex, t, max(a.shutdownGracePeriod(ex)-2*time.Second, 0))
}

// killCommand sends TASK_KILLING (the first time, to frameworks with the
// TASK_KILLING_STATE capability, like Mesos's command executor) and kills
// the process: SIGTERM, then SIGKILL after grace. A repeated kill may
// shorten the grace period, never lengthen it.
//
// While the process is being launched the kill is only remembered:
// commandStarted carries it out after TASK_RUNNING, so the task's updates
// are those of Mesos's command executor, which takes a kill only once its
// launch is over (TASK_STARTING, TASK_RUNNING, TASK_KILLING, TASK_KILLED),
// never TASK_KILLING before TASK_RUNNING.
func (a *Agent) killCommand(fw *framework, ex *executor, t *task, grace time.Duration) {
	if ex.launching {
		a.log.Info("task is being launched; killing it once it runs", "framework_id", fw.id, "task_id", ex.id,
			"grace_period", grace)
		ex.killWhenLaunched(grace)
		return
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
	a.log.Info("killing task", "framework_id", fw.id, "task_id", ex.id, "grace_period", grace)
	a.kill(ex, grace)
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
