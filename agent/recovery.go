package agent

import (
	"bytes"
	"errors"
	"slices"

	"google.golang.org/protobuf/proto"

	"agora/agent/checkpoint"
	"agora/agent/containerizer"
	"agora/agent/statusupdate"
	mesospb "agora/api/mesos/v1"
)

// Checkpointing and recovery, as a Mesos agent does them with its meta
// directory. For every executor run the agent records the framework, the
// executor, the run and the supervisor of each process it launches, so
// that a restarted agent (after kill -9, a crash or an upgrade) finds them
// again: containers of frameworks that asked for checkpointing
// (FrameworkInfo.checkpoint) are re-attached, the others are killed, as
// Mesos destroys the containers it does not recover. For checkpointing
// frameworks the agent also records each task and every status update and
// acknowledgement, so that no update is lost and none is sent twice.
// Under cgroups isolation the runs of frameworks without checkpointing are
// not recorded at all, as in Mesos: their containers' cgroups, which no
// recovered run claims, are destroyed instead (destroyOrphanCgroups), and
// the launch path saves a handful of file system operations per task.
//
// Every record is written before the event it records has any effect
// outside the agent: a run and its tasks before the run's first process
// starts, a task joining a running executor before the executor hears of
// it, a process before its task's TASK_RUNNING is forwarded, an update
// before it is forwarded, so recovery never meets an effect it has no
// record of. (The one window Mesos also has: a process that started just
// before the agent died, its supervisor not yet recorded. Its supervisor is
// in the agent's cgroup or session at worst, and its task is reported
// failed.) The loop does none of this writing itself: it hands the records
// to the journal (journal.go), which writes them in order on its own
// goroutine, and what must wait for a record waits for the journal.

// recordsRuns reports whether the framework's executor runs are recorded:
// always for frameworks that checkpoint; for the others only so that a
// restarted agent can kill their containers, which it does through their
// cgroups when there are some.
func (a *Agent) recordsRuns(fw *framework) bool {
	return a.checkpoint != nil && (fw.info.GetCheckpoint() || a.isolation.manager == nil)
}

// recordRun records a new executor run with the tasks it starts with, and
// its framework unless the checkpoint has its FrameworkInfo already. The
// channel it returns is closed once they are written (nil when nothing is
// recorded): the run's preparing worker waits for it, so the run's first
// process never starts unrecorded.
func (a *Agent) recordRun(fw *framework, ex *executor) <-chan struct{} {
	if !a.recordsRuns(fw) {
		return nil
	}
	store := a.checkpoint
	var fwInfo *mesospb.FrameworkInfo
	if fw.checkpointed == nil || !proto.Equal(fw.checkpointed, fw.info) {
		fwInfo, fw.checkpointed = fw.info, fw.info
	}
	fwID, exInfo, containerID := fw.id, ex.info, ex.containerID
	run := checkpoint.Run{
		Kind:    ex.kind.String(),
		Sandbox: sandboxPath(a.cfg.WorkDir, a.agentID.GetValue(), fw.id, ex.id, ex.containerID),
	}
	var tasks []*mesospb.TaskInfo
	if fw.info.GetCheckpoint() {
		for _, t := range ex.orderedTasks() {
			tasks = append(tasks, t.info)
		}
	}
	done := make(chan struct{})
	a.journal.add(journalEntry{done: done, write: func(*checkpoint.Batch) error {
		if fwInfo != nil {
			if err := store.WriteFramework(fwInfo); err != nil {
				return err
			}
		}
		if err := store.WriteRun(fwID, exInfo, containerID, run); err != nil {
			return err
		}
		return writeTasks(store, fwID, exInfo.GetExecutorId().GetValue(), containerID, tasks)
	}})
	return done
}

// recordFramework records the framework's FrameworkInfo unless the
// checkpoint has it already.
func (a *Agent) recordFramework(fw *framework) {
	if !a.recordsRuns(fw) || (fw.checkpointed != nil && proto.Equal(fw.checkpointed, fw.info)) {
		return
	}
	store, info := a.checkpoint, fw.info
	fw.checkpointed = info
	a.journal.add(journalEntry{write: func(*checkpoint.Batch) error { return store.WriteFramework(info) }})
}

// recordTasks records tasks given to a running executor run. It returns a
// channel closed once they are written and runs then on the loop after
// that; nil (and then is not run) when nothing is recorded.
func (a *Agent) recordTasks(fw *framework, ex *executor, tasks []*mesospb.TaskInfo, then func()) <-chan struct{} {
	if !a.checkpointsTasks(fw) {
		return nil
	}
	store, fwID, exID, containerID := a.checkpoint, fw.id, ex.id, ex.containerID
	done := make(chan struct{})
	a.journal.add(journalEntry{done: done, then: then, write: func(*checkpoint.Batch) error {
		return writeTasks(store, fwID, exID, containerID, tasks)
	}})
	return done
}

func writeTasks(store *checkpoint.Store, fwID, exID, containerID string, tasks []*mesospb.TaskInfo) error {
	var problems []error
	for _, info := range tasks {
		problems = append(problems, store.WriteTask(fwID, exID, containerID, info))
	}
	return errors.Join(problems...)
}

// processRecorder returns what records the supervisor of an executor's
// process (taskID "") or a task's, nil if nothing is recorded. The launching
// worker calls it as soon as the process exists, so the record is queued
// before anything the loop records after the launch, such as the task's
// TASK_RUNNING.
func (a *Agent) processRecorder(fw *framework, ex *executor, taskID string) func(*containerizer.Process) {
	if !a.recordsRuns(fw) {
		return nil
	}
	store, fwID, exID, containerID := a.checkpoint, fw.id, ex.id, ex.containerID
	return func(proc *containerizer.Process) {
		p := checkpoint.Process{Pid: proc.Pid(), StartTime: proc.StartTime()}
		a.journal.add(journalEntry{write: func(*checkpoint.Batch) error {
			return store.WriteProcess(fwID, exID, containerID, taskID, p)
		}})
	}
}

// statusPath is where a process's supervisor leaves its exit status.
func (a *Agent) statusPath(fw *framework, ex *executor, taskID string) string {
	if !a.checkpointsTasks(fw) {
		return ""
	}
	return a.checkpoint.StatusPath(fw.id, ex.id, ex.containerID, taskID)
}

// logsUpdates reports whether the updates and acknowledgements of a task
// of the framework on ex are logged: those of checkpointing frameworks'
// tasks that the agent holds.
func (a *Agent) logsUpdates(frameworkID string, ex *executor) bool {
	return ex != nil && a.checkpointsTasks(a.frameworks[frameworkID])
}

// checkpointsTasks reports whether the agent records the tasks of fw: it
// keeps a checkpoint and the framework asked for checkpointing.
func (a *Agent) checkpointsTasks(fw *framework) bool {
	return a.checkpoint != nil && fw != nil && fw.info.GetCheckpoint()
}

// recordUpdate logs a status update of a checkpointing framework's task
// (logsUpdates); the status update manager forwards it once the log is
// synced.
func (a *Agent) recordUpdate(frameworkID string, ex *executor, status *mesospb.TaskStatus) {
	store, exID, containerID := a.checkpoint, ex.id, ex.containerID
	a.recordAppend(frameworkID, status.GetTaskId().GetValue(), status.GetUuid(), func(b *checkpoint.Batch) error {
		return store.AppendUpdate(b, frameworkID, exID, containerID, status)
	})
}

// recordAck logs an acknowledgement (logsUpdates); the task's next update
// is forwarded once the log is synced.
func (a *Agent) recordAck(frameworkID string, ex *executor, taskID string, uuid []byte) {
	store, exID, containerID := a.checkpoint, ex.id, ex.containerID
	a.recordAppend(frameworkID, taskID, uuid, func(b *checkpoint.Batch) error {
		return store.AppendAck(b, frameworkID, exID, containerID, taskID, uuid)
	})
}

// recordAppend queues one append to a task's update log; once it is synced
// the status update manager learns it (Persisted) and forwards what it may.
func (a *Agent) recordAppend(frameworkID, taskID string, uuid []byte, write func(*checkpoint.Batch) error) {
	a.journal.add(journalEntry{
		appends: true,
		write:   write,
		then:    func() { a.forward(a.updates.Persisted(frameworkID, taskID, uuid)) },
	})
}

// forgetRun drops an executor run that is over from the checkpoint.
func (a *Agent) forgetRun(fw *framework, ex *executor) {
	if !a.recordsRuns(fw) {
		return
	}
	store, fwID, exID, containerID := a.checkpoint, fw.id, ex.id, ex.containerID
	a.journal.add(journalEntry{write: func(*checkpoint.Batch) error {
		return store.RemoveRun(fwID, exID, containerID)
	}})
}

// forgetFramework drops a framework with nothing left on the agent.
func (a *Agent) forgetFramework(fw *framework) {
	if !a.recordsRuns(fw) {
		return
	}
	store, fwID := a.checkpoint, fw.id
	a.journal.add(journalEntry{write: func(*checkpoint.Batch) error { return store.RemoveFramework(fwID) }})
}

// sandboxPath is the sandbox of an executor run; ids were validated when
// the run was created.
func sandboxPath(workDir, agentID, frameworkID, executorID, containerID string) string {
	path, _ := containerizer.SandboxPath(workDir, agentID, frameworkID, executorID, containerID)
	return path
}

func (a *Agent) checkpointErr(err error) {
	if err != nil {
		a.log.Error("cannot checkpoint; a restarted agent may not recover this", "err", err)
	}
}

// recover rebuilds the agent's records from its checkpoint and re-attaches
// to the processes still running. It runs on the loop before anything
// else, so the first REGISTER already lists what was recovered, and the
// unacknowledged updates are sent again once the master has the agent.
func (a *Agent) recover() {
	if a.checkpoint == nil {
		return
	}
	state, err := a.checkpoint.Load()
	if err != nil {
		a.log.Warn("parts of the checkpoint cannot be read; recovering the rest", "err", err)
	}
	if state == nil {
		return
	}
	var ended []func()
	for _, rfw := range state.Frameworks {
		if !rfw.Info.GetCheckpoint() {
			a.destroyUnrecovered(rfw)
			continue
		}
		fw := &framework{id: rfw.Info.GetId().GetValue(), info: rfw.Info, executors: make(map[string]*executor),
			checkpointed: rfw.Info}
		for _, rex := range rfw.Executors {
			if ex := a.recoverRun(fw, rex, &ended); ex != nil {
				fw.executors[ex.id] = ex
				fw.executorOrder = append(fw.executorOrder, ex.id)
			}
		}
		if len(fw.executors) == 0 {
			a.checkpointErr(a.checkpoint.RemoveFramework(fw.id))
			continue
		}
		a.frameworks[fw.id] = fw
		a.frameworkOrder = append(a.frameworkOrder, fw.id)
		a.log.Info("recovered framework", "framework_id", fw.id, "executors", len(fw.executors))
	}
	// What ended while the agent was down is handled once every record
	// is back in place.
	for _, f := range ended {
		f()
	}
}

// destroyUnrecovered kills the containers of a framework that did not ask
// for checkpointing and forgets it.
func (a *Agent) destroyUnrecovered(rfw checkpoint.Framework) {
	for _, rex := range rfw.Executors {
		procs := []*checkpoint.Process{rex.Process}
		for _, t := range rex.Tasks {
			procs = append(procs, t.Process)
		}
		for _, p := range procs {
			if p == nil {
				continue
			}
			proc := containerizer.Recover(containerizer.Recovery{Pid: p.Pid, StartTime: p.StartTime, Logger: a.log})
			if _, done := proc.Status(); !done {
				a.log.Info("killing a container of a framework without checkpointing",
					"framework_id", rfw.Info.GetId().GetValue(), "executor_id", rex.Info.GetExecutorId().GetValue())
				a.goWorker(func() { proc.Kill(0) })
			}
		}
	}
	a.checkpointErr(a.checkpoint.RemoveFramework(rfw.Info.GetId().GetValue()))
}

// recoverRun rebuilds one executor run. Ends that happened while the agent
// was down (and updates it did not get to log) are appended to ended, to
// run once all records are in place.
func (a *Agent) recoverRun(fw *framework, rex checkpoint.Executor, ended *[]func()) *executor {
	kind := customExecutor
	switch rex.Run.Kind {
	case commandExecutor.String():
		kind = commandExecutor
	case defaultExecutor.String():
		kind = defaultExecutor
	}
	ex := &executor{
		id:           rex.Info.GetExecutorId().GetValue(),
		frameworkID:  fw.id,
		info:         rex.Info,
		containerID:  rex.ContainerID,
		sandbox:      rex.Run.Sandbox,
		kind:         kind,
		state:        executorRunning,
		tasks:        make(map[string]*task),
		everSentTask: true,
	}
	log := a.log.With("framework_id", fw.id, "executor_id", ex.id, "container_id", ex.containerID)
	for _, rt := range rex.Tasks {
		if rt.Info != nil {
			a.recoverTask(fw, ex, rt, ended)
		}
	}
	a.recoverCgroup(ex) // isolation.go; destroyed with the run when it ends
	switch {
	case kind != customExecutor && len(ex.tasks) == 0:
		// Every task was over and acknowledged: the run is over too.
		a.checkpointErr(a.checkpoint.RemoveRun(fw.id, ex.id, ex.containerID))
		return nil
	case kind != customExecutor:
		log.Info("recovered executor", "kind", kind.String(), "tasks", len(ex.tasks))
		if ex.cgroup != nil {
			a.watchLimitation(fw, ex)
		}
		if allEnded(ex.tasks) {
			// Every task had ended before the agent stopped, only their
			// last updates were not yet acknowledged: the built-in
			// executor had ended with them.
			*ended = append(*ended, func() { a.executorTerminated(fw, ex, nil) })
		}
		return ex
	case rex.Process == nil:
		log.Warn("executor was launching when the agent stopped; its tasks fail")
		*ended = append(*ended, func() { a.executorTerminated(fw, ex, nil) })
		return ex
	}
	proc := containerizer.Recover(containerizer.Recovery{Pid: rex.Process.Pid, StartTime: rex.Process.StartTime,
		StatusPath: rex.StatusPath, Logger: log})
	ex.proc = proc
	if status, done := proc.Status(); done {
		log.Info("executor ended while the agent was down", "status", status.String())
		*ended = append(*ended, func() { a.executorTerminated(fw, ex, &status) })
		return ex
	}
	// The executor subscribes again (it retries for MESOS_RECOVERY_TIMEOUT
	// when checkpointing); until then it is REGISTERING, and one that does
	// not come back in time is killed, as Mesos's
	// --executor_reregistration_timeout does.
	ex.state = executorRegistering
	a.watch(fw, ex)
	if ex.cgroup != nil {
		a.watchLimitation(fw, ex)
	}
	fwID, exID, containerID := fw.id, ex.id, ex.containerID
	ex.registrationTimer = a.afterFunc(a.cfg.ExecutorReregistrationTimeout, func() {
		a.registrationTimeout(fwID, exID, containerID, true)
	})
	log.Info("recovered executor; waiting for it to subscribe again", "tasks", len(ex.tasks))
	return ex
}

// allEnded reports whether every task has ended.
func allEnded(tasks map[string]*task) bool {
	for _, t := range tasks {
		if !t.ended {
			return false
		}
	}
	return true
}

// recoverTask rebuilds one task: its record from its updates, the updates
// not yet acknowledged back in the status update manager, and, for the
// built-in executors, its process.
func (a *Agent) recoverTask(fw *framework, ex *executor, rt checkpoint.Task, ended *[]func()) {
	t := &task{info: rt.Info, record: newTaskRecord(rt.Info, fw.info.GetId(), a.agentID)}
	if ex.kind != commandExecutor {
		t.record.ExecutorId = &mesospb.ExecutorID{Value: &ex.id}
	}
	acked := func(uuid []byte) bool {
		return slices.ContainsFunc(rt.Acknowledged, func(u []byte) bool { return bytes.Equal(u, uuid) })
	}
	allAcked := true
	for _, status := range rt.Updates {
		t.apply(status)
		if acked(status.GetUuid()) {
			continue
		}
		allAcked = false
		if _, err := a.updates.Update(statusupdate.Update{FrameworkID: fw.info.GetId(), Status: status}); err != nil {
			a.log.Warn("cannot recover a status update", "task_id", rt.Info.GetTaskId().GetValue(), "err", err)
		}
	}
	if t.terminal() && allAcked {
		return // complete: nothing left to do for it
	}
	ex.addTask(t)
	switch ex.kind {
	case commandExecutor:
		t.sandbox = ex.sandbox
	case defaultExecutor:
		t.sandbox, _ = containerizer.TaskSandboxPath(ex.sandbox, rt.Info.GetTaskId().GetValue())
	default:
		return // a custom executor's task: the executor tells us of it
	}
	taskID := rt.Info.GetTaskId().GetValue()
	switch {
	case t.terminal():
		t.ended = true
	case rt.Process == nil:
		// Handed over but never started: it fails, as one whose executor
		// never registered does.
		*ended = append(*ended, func() { a.taskEnded(fw, ex, t, nil) })
	default:
		proc := containerizer.Recover(containerizer.Recovery{Pid: rt.Process.Pid, StartTime: rt.Process.StartTime,
			StatusPath: rt.StatusPath, Logger: a.log.With("framework_id", fw.id, "task_id", taskID)})
		t.proc = proc
		if _, done := proc.Status(); done {
			*ended = append(*ended, func() { a.taskExited(fw.id, ex.id, ex.containerID, taskID, proc.Wait()) })
		} else {
			if t.state() == mesospb.TaskState_TASK_STARTING {
				// The agent died after the process started but before
				// its TASK_RUNNING was logged: the built-in executor
				// sends it now, as Mesos's command executor, a process
				// of its own, would have sent it anyway.
				*ended = append(*ended, func() {
					if !t.terminal() {
						a.statusUpdate(fw.id, ex, t, a.newStatus(t.info.GetTaskId(), ex.id, statusSpec{
							state:  mesospb.TaskState_TASK_RUNNING,
							source: mesospb.TaskStatus_SOURCE_EXECUTOR,
						}))
					}
				})
			}
			a.watchTask(fw, ex, t)
			// Its health check starts afresh, with its delay and grace.
			a.startHealthCheck(fw, ex, t)
		}
	}
}
