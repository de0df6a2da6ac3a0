package agent

import (
	"errors"

	"google.golang.org/protobuf/proto"

	"agora/agent/containerizer"
	"agora/agent/statusupdate"
	clusterpb "agora/api/agora/cluster/v1"
	mesospb "agora/api/mesos/v1"
	executorpb "agora/api/mesos/v1/executor"
)

// This file holds what the master asks of the agent (run, kill, shut
// down, acknowledge) and the status update pipeline. Everything here runs
// on the loop.

// runTask handles RUN_TASK: a task with a command runs under the built-in
// command executor, a task with an executor on that executor.
func (a *Agent) runTask(fwInfo *mesospb.FrameworkInfo, info *mesospb.TaskInfo) {
	fw := a.frameworkFor(fwInfo, info.GetTaskId().GetValue())
	if fw == nil {
		return
	}
	switch {
	case info.GetExecutor() != nil && info.GetCommand() == nil:
		a.runOnExecutor(fw, info.GetExecutor(), launch{task: info})
	case info.GetCommand() != nil && info.GetExecutor() == nil:
		a.runCommandTask(fw, info)
	default:
		a.rejectTask(fw, info.GetTaskId(), "", "Task must have exactly one of 'command' and 'executor'")
	}
	a.removeFrameworkIfIdle(fw)
}

// runTaskGroup handles RUN_TASK_GROUP: the tasks go to the executor
// together, in one LAUNCH_GROUP, or to the built-in default executor when
// the ExecutorInfo's type is DEFAULT.
func (a *Agent) runTaskGroup(fwInfo *mesospb.FrameworkInfo, exInfo *mesospb.ExecutorInfo, group *mesospb.TaskGroupInfo) {
	if len(group.GetTasks()) == 0 {
		a.log.Warn("ignoring an empty task group", "framework_id", fwInfo.GetId().GetValue())
		return
	}
	fw := a.frameworkFor(fwInfo, group.GetTasks()[0].GetTaskId().GetValue())
	if fw == nil {
		return
	}
	for _, t := range group.GetTasks()[1:] {
		if _, _, dup := a.findTaskIn(fw.id, t.GetTaskId().GetValue()); dup != nil {
			a.log.Warn("ignoring task group with a task already on this agent", "task_id", t.GetTaskId().GetValue())
			return
		}
	}
	a.runOnExecutor(fw, exInfo, launch{group: group})
	a.removeFrameworkIfIdle(fw)
}

// frameworkFor returns the framework to launch a task of, creating it on
// its first task; nil when the task must be ignored.
func (a *Agent) frameworkFor(info *mesospb.FrameworkInfo, taskID string) *framework {
	id := info.GetId().GetValue()
	log := a.log.With("framework_id", id, "task_id", taskID)
	if a.terminating {
		log.Warn("ignoring task: the agent is shutting down")
		return nil
	}
	if a.agentID == nil {
		log.Warn("ignoring task: the agent is not registered")
		return nil
	}
	fw := a.frameworks[id]
	switch {
	case id == "":
		log.Warn("ignoring task: its framework has no id")
		return nil
	case fw != nil && fw.terminating:
		log.Warn("ignoring task of a framework that is shutting down")
		return nil
	case fw != nil:
		if _, _, dup := a.findTaskIn(id, taskID); dup != nil {
			log.Warn("ignoring task already on this agent")
			return nil
		}
		fw.info = info
		return fw
	}
	fw = &framework{id: id, info: info, executors: make(map[string]*executor)}
	// A framework that comes back keeps its history, as in Mesos.
	for i, done := range a.completedFrameworks {
		if done.id == id {
			fw.completedExecutors = done.completedExecutors
			a.completedFrameworks = append(a.completedFrameworks[:i], a.completedFrameworks[i+1:]...)
			break
		}
	}
	a.frameworks[id] = fw
	a.frameworkOrder = append(a.frameworkOrder, id)
	return fw
}

// runOnExecutor gives a task or task group to an executor, custom or
// default, starting the executor if it is not running yet. Tasks wait in
// the executor's queue until it subscribes (custom executor) or its
// sandbox is ready (default executor).
func (a *Agent) runOnExecutor(fw *framework, exInfo *mesospb.ExecutorInfo, l launch) {
	exID := exInfo.GetExecutorId().GetValue()
	tasks := l.group.GetTasks()
	if l.task != nil {
		tasks = []*mesospb.TaskInfo{l.task}
	}
	if err := validateIDs(fw.id, exID, tasks); err != nil {
		for _, t := range tasks {
			a.rejectTask(fw, t.GetTaskId(), exID, err.Error())
		}
		return
	}
	kind := customExecutor
	if exInfo.GetType() == mesospb.ExecutorInfo_DEFAULT {
		kind = defaultExecutor
	}
	ex := fw.executors[exID]
	start := ex == nil
	switch {
	case start:
		ex = a.newExecutor(fw, exInfo, kind)
	case ex.kind != commandExecutor && ex.kind != kind:
		for _, t := range tasks {
			a.rejectTask(fw, t.GetTaskId(), exID, "ExecutorInfo is not compatible with the running executor "+
				exID+" ("+ex.kind.String()+" executor)")
		}
		return
	case ex.kind == commandExecutor || ex.state == executorTerminating || ex.state == executorTerminated:
		// Mesos drops tasks sent to an executor on its way out; the
		// framework launches them again.
		state := mesospb.TaskState_TASK_LOST
		if fw.capability(mesospb.FrameworkInfo_Capability_PARTITION_AWARE) {
			state = mesospb.TaskState_TASK_DROPPED
		}
		for _, t := range tasks {
			a.statusUpdate(fw.id, nil, nil, a.newStatus(t.GetTaskId(), exID, statusSpec{
				state:   state,
				source:  mesospb.TaskStatus_SOURCE_AGENT,
				reason:  mesospb.TaskStatus_REASON_EXECUTOR_TERMINATED.Enum(),
				message: "Executor terminating",
			}))
		}
		return
	}
	added := make([]*task, 0, len(tasks))
	for _, info := range tasks {
		record := newTaskRecord(info, fw.info.GetId(), a.agentID)
		// The tasks of a group name no executor; their record names the
		// one they run on, as the master's does.
		record.ExecutorId = proto.CloneOf(ex.info.GetExecutorId())
		t := &task{info: info, record: record, queued: true}
		ex.addTask(t)
		added = append(added, t)
	}
	// The container grows with the executor's tasks (isolation.go).
	a.updateLimits(ex)
	if start {
		// The tasks are recorded with the run (prepare).
		ex.queue = append(ex.queue, l)
		a.prepare(fw, ex)
		return
	}
	// Tasks joining a run are recorded before they reach it (recovery.go):
	// a default executor's task waits for its record before its process
	// starts (prepareTask), a custom executor hears of it only once the
	// records of every task queued for it are written (tasksRecorded).
	var then func()
	if ex.kind == customExecutor {
		fwID, exID, containerID := fw.id, ex.id, ex.containerID
		then = func() { a.tasksRecorded(fwID, exID, containerID) }
	}
	recorded := a.recordTasks(fw, ex, tasks, then)
	if recorded != nil && then != nil {
		ex.recording++
	}
	for _, t := range added {
		t.recorded = recorded
	}
	switch {
	case ex.kind == defaultExecutor && ex.state == executorRunning:
		// A task group sent to a running default executor joins it.
		a.launchGroup(fw, ex, l)
	case ex.state == executorRunning && ex.conn != nil && ex.recording == 0:
		a.deliver(ex, l)
	default:
		ex.queue = append(ex.queue, l)
	}
}

// tasksRecorded delivers the launches queued for a subscribed custom
// executor once the records of all their tasks are written.
func (a *Agent) tasksRecorded(frameworkID, executorID, containerID string) {
	_, ex := a.executorRun(frameworkID, executorID, containerID)
	if ex == nil {
		return
	}
	ex.recording--
	if ex.recording == 0 && ex.state == executorRunning && ex.conn != nil {
		a.deliverQueued(ex)
	}
}

// deliverQueued hands a subscribed executor every launch queued for it,
// in order.
func (a *Agent) deliverQueued(ex *executor) {
	queue := ex.queue
	ex.queue = nil
	for _, l := range queue {
		a.deliver(ex, l)
	}
}

// validateIDs checks that the ids name directories of the sandbox layout.
func validateIDs(frameworkID, executorID string, tasks []*mesospb.TaskInfo) error {
	if err := containerizer.ValidateID(frameworkID); err != nil {
		return err
	}
	if err := containerizer.ValidateID(executorID); err != nil {
		return err
	}
	for _, t := range tasks {
		if err := containerizer.ValidateID(t.GetTaskId().GetValue()); err != nil {
			return err
		}
	}
	return nil
}

// rejectTask fails a task the agent cannot even start to launch.
func (a *Agent) rejectTask(fw *framework, taskID *mesospb.TaskID, executorID, message string) {
	a.log.Warn("rejecting task", "framework_id", fw.id, "task_id", taskID.GetValue(), "reason", message)
	a.statusUpdate(fw.id, nil, nil, a.newStatus(taskID, executorID, statusSpec{
		state:   mesospb.TaskState_TASK_ERROR,
		source:  mesospb.TaskStatus_SOURCE_AGENT,
		reason:  mesospb.TaskStatus_REASON_TASK_INVALID.Enum(),
		message: message,
	}))
}

// deliver hands a queued launch to a subscribed executor.
func (a *Agent) deliver(ex *executor, l launch) {
	for _, id := range l.taskIDs() {
		if t := ex.tasks[id]; t != nil {
			t.queued = false
		}
	}
	ex.everSentTask = true
	event := &executorpb.Event{Type: executorpb.Event_LAUNCH.Enum(), Launch: &executorpb.Event_Launch{Task: l.task}}
	if l.group != nil {
		event = &executorpb.Event{
			Type:        executorpb.Event_LAUNCH_GROUP.Enum(),
			LaunchGroup: &executorpb.Event_LaunchGroup{TaskGroup: l.group},
		}
	}
	a.sendToExecutor(ex, event)
}

// killTask handles KILL_TASK (Mesos's Slave::killTask and Slave::kill).
func (a *Agent) killTask(frameworkID string, taskID *mesospb.TaskID, policy *mesospb.KillPolicy) {
	log := a.log.With("framework_id", frameworkID, "task_id", taskID.GetValue())
	fw := a.frameworks[frameworkID]
	switch {
	case a.terminating:
		log.Warn("ignoring kill: the agent is shutting down")
		return
	case fw == nil:
		log.Warn("ignoring kill: no such framework on this agent")
		return
	case fw.terminating:
		log.Warn("ignoring kill: the framework is shutting down")
		return
	}
	_, ex, t := a.findTaskIn(frameworkID, taskID.GetValue())
	if ex == nil {
		// The task is not here (any more): tell the framework so it stops
		// waiting for it.
		state := mesospb.TaskState_TASK_LOST
		if fw.capability(mesospb.FrameworkInfo_Capability_PARTITION_AWARE) {
			state = mesospb.TaskState_TASK_DROPPED
		}
		a.statusUpdate(fw.id, nil, nil, a.newStatus(taskID, "", statusSpec{
			state:   state,
			source:  mesospb.TaskStatus_SOURCE_AGENT,
			reason:  mesospb.TaskStatus_REASON_EXECUTOR_TERMINATED.Enum(),
			message: "Cannot find executor",
		}))
		return
	}
	if ex.kind == commandExecutor {
		a.killCommandTask(fw, ex, t, policy)
		return
	}
	switch {
	case ex.state == executorTerminating || ex.state == executorTerminated:
		log.Warn("ignoring kill: the executor is shutting down", "executor_id", ex.id)
	case t.queued:
		a.killQueuedTask(fw, ex, taskID.GetValue())
		if ex.state == executorRunning && !ex.everSentTask && len(ex.queue) == 0 {
			log.Info("shutting down executor: all its tasks were killed before delivery", "executor_id", ex.id)
			a.shutdownExecutor(fw, ex)
		}
	case ex.kind == defaultExecutor:
		a.killGroupTask(fw, ex, t, policy)
	default:
		a.sendToExecutor(ex, &executorpb.Event{
			Type: executorpb.Event_KILL.Enum(),
			Kill: &executorpb.Event_Kill{TaskId: taskID, KillPolicy: policy},
		})
	}
}

// killQueuedTask ends a task (with its whole group) that the executor has
// not received yet.
func (a *Agent) killQueuedTask(fw *framework, ex *executor, taskID string) {
	l, ok := ex.dequeue(taskID)
	if !ok {
		return
	}
	message := "Killed before delivery to the executor"
	if l.group != nil {
		message = "A task within the task group was killed before delivery to the executor"
	}
	for _, id := range l.taskIDs() {
		t := ex.tasks[id]
		if t == nil {
			continue
		}
		t.queued = false
		t.ended = true
		a.statusUpdate(fw.id, ex, t, a.newStatus(t.info.GetTaskId(), ex.id, statusSpec{
			state:   mesospb.TaskState_TASK_KILLED,
			source:  mesospb.TaskStatus_SOURCE_AGENT,
			reason:  mesospb.TaskStatus_REASON_TASK_KILLED_DURING_LAUNCH.Enum(),
			message: message,
		}))
	}
}

// shutdownFramework handles SHUTDOWN_FRAMEWORK: every executor of the
// framework is shut down and its pending status updates are dropped, as
// nobody is left to acknowledge them.
func (a *Agent) shutdownFramework(frameworkID string) {
	fw := a.frameworks[frameworkID]
	if fw == nil {
		a.log.Warn("ignoring shutdown of a framework not on this agent", "framework_id", frameworkID)
		return
	}
	a.log.Info("shutting down framework", "framework_id", frameworkID)
	fw.terminating = true
	a.updates.RemoveFramework(frameworkID)
	for _, ex := range fw.orderedExecutors() {
		a.shutdownExecutor(fw, ex)
		// Terminated executors may only have been waiting for
		// acknowledgements that will not come now.
		if ex.state == executorTerminated {
			for _, t := range ex.orderedTasks() {
				ex.completeTask(t.info.GetTaskId().GetValue())
			}
			a.removeExecutorIfDone(fw, ex)
		}
	}
}

// shutdownExecutorByID handles SHUTDOWN_EXECUTOR.
func (a *Agent) shutdownExecutorByID(frameworkID, executorID string) {
	fw := a.frameworks[frameworkID]
	if fw == nil || fw.terminating {
		a.log.Warn("ignoring executor shutdown: no such running framework", "framework_id", frameworkID, "executor_id", executorID)
		return
	}
	ex := fw.executors[executorID]
	if ex == nil {
		a.log.Warn("ignoring shutdown of an unknown executor", "framework_id", frameworkID, "executor_id", executorID)
		return
	}
	a.shutdownExecutor(fw, ex)
}

// frameworkMessage relays a framework's MESSAGE to its executor. Messages
// are best effort, as in Mesos: one for an executor that is not
// subscribed is dropped.
func (a *Agent) frameworkMessage(frameworkID, executorID string, data []byte) {
	ex := a.executor(frameworkID, executorID)
	if ex == nil || ex.conn == nil {
		a.log.Warn("dropping framework message: executor not subscribed", "framework_id", frameworkID, "executor_id", executorID)
		return
	}
	a.sendToExecutor(ex, &executorpb.Event{
		Type:    executorpb.Event_MESSAGE.Enum(),
		Message: &executorpb.Event_Message{Data: data},
	})
}

// updateFramework keeps the framework's latest FrameworkInfo.
func (a *Agent) updateFramework(info *mesospb.FrameworkInfo) {
	if fw := a.frameworks[info.GetId().GetValue()]; fw != nil {
		fw.info = info
		a.recordFramework(fw) // recovery.go
	}
}

// statusUpdate is where every status update enters the status update
// manager, whatever its source: the command executor, a custom executor or
// the agent itself. ex and t may be nil for tasks the agent does not hold.
func (a *Agent) statusUpdate(frameworkID string, ex *executor, t *task, status *mesospb.TaskStatus) {
	log := a.log.With("framework_id", frameworkID, "task_id", status.GetTaskId().GetValue(), "state", status.GetState().String())
	if fw := a.frameworks[frameworkID]; fw != nil && fw.terminating {
		log.Debug("dropping status update of a framework that is shutting down")
		return
	}
	if t != nil && t.terminal() {
		log.Warn("ignoring status update of a task already in a terminal state", "task_state", t.state().String())
		return
	}
	// An update that is logged (recovery.go) is forwarded once its record
	// is durable: the journal tells the status update manager (Persisted).
	u := statusupdate.Update{FrameworkID: &mesospb.FrameworkID{Value: proto.String(frameworkID)}, Status: status}
	logged := a.logsUpdates(frameworkID, ex)
	var forward []statusupdate.Update
	var err error
	if logged {
		err = a.updates.UpdatePersisting(u)
	} else {
		forward, err = a.updates.Update(u)
	}
	if errors.Is(err, statusupdate.ErrDuplicateUpdate) {
		log.Debug("ignoring duplicate status update", "uuid", formatUUID(status.GetUuid()))
		return
	}
	if err != nil {
		log.Warn("ignoring invalid status update", "err", err)
		return
	}
	log.Info("status update", "source", status.GetSource().String(), "message", status.GetMessage(),
		"uuid", formatUUID(status.GetUuid()))
	if logged {
		a.recordUpdate(frameworkID, ex, status)
	}
	if t != nil {
		t.apply(status)
	}
	a.forward(forward)
}

// forward sends status updates to the master as UPDATE calls, with the
// latest state of each task, which may be ahead of the update.
func (a *Agent) forward(updates []statusupdate.Update) {
	for _, u := range updates {
		latest := u.Status.GetState()
		if _, _, t := a.findTaskIn(u.FrameworkID.GetValue(), u.Status.GetTaskId().GetValue()); t != nil {
			latest = t.state()
			t.record.StatusUpdateState = u.Status.GetState().Enum()
			t.record.StatusUpdateUuid = u.Status.GetUuid()
		}
		a.sendCall(&clusterpb.Call{
			Type: clusterpb.Call_UPDATE.Enum(),
			Update: &clusterpb.Call_Update{
				FrameworkId: u.FrameworkID,
				Status:      u.Status,
				LatestState: latest.Enum(),
			},
		})
	}
}

// acknowledge handles ACKNOWLEDGE: the framework has the update with uuid.
// The executor hears of it (ACKNOWLEDGED), the next update of the task is
// sent, and a task whose terminal update is acknowledged is complete.
//
// A logged acknowledgement (recovery.go) holds the task's next update back
// until its record is durable, as an update waits for its own.
func (a *Agent) acknowledge(frameworkID, taskID string, uuid []byte) {
	fw, ex, t := a.findTaskIn(frameworkID, taskID)
	logged := a.logsUpdates(frameworkID, ex)
	acknowledge := a.updates.Acknowledge
	if logged {
		acknowledge = a.updates.AcknowledgePersisting
	}
	ack, err := acknowledge(frameworkID, taskID, uuid)
	if err != nil {
		// Duplicates are expected: updates are resent until acknowledged.
		a.log.Debug("ignoring acknowledgement", "framework_id", frameworkID, "task_id", taskID, "err", err)
		return
	}
	if logged {
		a.recordAck(frameworkID, ex, taskID, uuid)
	}
	if t != nil {
		t.record.StatusUpdateState = nil
		t.record.StatusUpdateUuid = nil
	}
	if ex != nil && ex.kind == customExecutor && ack.Update.Status.GetSource() == mesospb.TaskStatus_SOURCE_EXECUTOR {
		a.sendToExecutor(ex, &executorpb.Event{
			Type: executorpb.Event_ACKNOWLEDGED.Enum(),
			Acknowledged: &executorpb.Event_Acknowledged{
				TaskId: ack.Update.Status.GetTaskId(),
				Uuid:   uuid,
			},
		})
	}
	if ack.Terminal && t != nil {
		ex.completeTask(taskID)
		a.endDefaultExecutorIfIdle(fw, ex)
		a.removeExecutorIfDone(fw, ex)
	}
	a.forward(ack.Forward)
}

// removeExecutorIfDone retires a terminated executor once none of its tasks
// waits for anything, and its framework once it has no executors left.
func (a *Agent) removeExecutorIfDone(fw *framework, ex *executor) {
	if ex.state != executorTerminated || len(ex.tasks) > 0 {
		return
	}
	if fw.executors[ex.id] == ex {
		delete(fw.executors, ex.id)
		fw.executorOrder = removeString(fw.executorOrder, ex.id)
		fw.completedExecutors = appendBounded(fw.completedExecutors, ex)
		a.forgetRun(fw, ex)
		a.scheduleSandboxGC(fw, ex) // sandbox_gc.go
	}
	a.removeFrameworkIfIdle(fw)
}

// removeFrameworkIfIdle retires a framework without executors.
func (a *Agent) removeFrameworkIfIdle(fw *framework) {
	if len(fw.executors) > 0 || a.frameworks[fw.id] != fw {
		return
	}
	delete(a.frameworks, fw.id)
	a.frameworkOrder = removeString(a.frameworkOrder, fw.id)
	a.forgetFramework(fw)
	a.completedFrameworks = appendBounded(a.completedFrameworks, fw)
}

// findTask looks a task up in every framework.
func (a *Agent) findTask(taskID string) (*framework, *executor, *task) {
	for _, id := range a.frameworkOrder {
		if fw, ex, t := a.findTaskIn(id, taskID); t != nil {
			return fw, ex, t
		}
	}
	return nil, nil, nil
}

// findTaskIn looks a task up in one framework.
func (a *Agent) findTaskIn(frameworkID, taskID string) (*framework, *executor, *task) {
	fw := a.frameworks[frameworkID]
	if fw == nil {
		return nil, nil, nil
	}
	// A command task's executor has the task's id: found at once, where
	// the scan below would make a framework's hundreds of command tasks
	// cost quadratic time in updates.
	if ex := fw.executors[taskID]; ex != nil {
		if t := ex.tasks[taskID]; t != nil {
			return fw, ex, t
		}
	}
	for _, ex := range fw.executors {
		if t := ex.tasks[taskID]; t != nil {
			return fw, ex, t
		}
	}
	return fw, nil, nil
}

// executor returns a framework's current executor with that id.
func (a *Agent) executor(frameworkID, executorID string) *executor {
	if fw := a.frameworks[frameworkID]; fw != nil {
		return fw.executors[executorID]
	}
	return nil
}

// liveTask finds a task of an executor run that has not ended; a result
// (a sandbox prepared, a process exited) for anything else is stale.
func (a *Agent) liveTask(frameworkID, executorID, containerID, taskID string) (*framework, *executor, *task) {
	fw, ex := a.executorRun(frameworkID, executorID, containerID)
	if ex == nil {
		return fw, nil, nil
	}
	t := ex.tasks[taskID]
	if t == nil || t.ended {
		return fw, ex, nil
	}
	return fw, ex, t
}

// executorRun returns the executor only if it is still the run named by
// containerID: events of an earlier run are stale.
func (a *Agent) executorRun(frameworkID, executorID, containerID string) (*framework, *executor) {
	fw := a.frameworks[frameworkID]
	if fw == nil {
		return nil, nil
	}
	ex := fw.executors[executorID]
	if ex == nil || ex.containerID != containerID {
		return fw, nil
	}
	return fw, ex
}

func (a *Agent) orderedFrameworks() []*framework {
	out := make([]*framework, 0, len(a.frameworkOrder))
	for _, id := range a.frameworkOrder {
		out = append(out, a.frameworks[id])
	}
	return out
}

func (f *framework) orderedExecutors() []*executor {
	out := make([]*executor, 0, len(f.executorOrder))
	for _, id := range f.executorOrder {
		out = append(out, f.executors[id])
	}
	return out
}

func removeString(list []string, s string) []string {
	for i, v := range list {
		if v == s {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}
