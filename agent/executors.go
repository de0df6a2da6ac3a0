package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent/cgroups"
	"agora/agent/containerizer"
	"agora/agent/fetcher"
	clusterpb "agora/api/agora/cluster/v1"
	mesospb "agora/api/mesos/v1"
	executorpb "agora/api/mesos/v1/executor"
)

// This file holds the life of an executor run, custom or built-in:
// preparing its sandbox, launching its process, its registration and
// shutdown timeouts and its end. Everything here runs on the loop, except
// the bodies of the goroutines started with goWorker.

// defaultPath is the PATH of executors and tasks whose environment sets
// none (stout's os::host_default_path, which Mesos's containerizer adds).
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// newExecutor adds a new executor run, in REGISTERING, to the framework.
// The caller adds its first tasks and then calls prepare.
func (a *Agent) newExecutor(fw *framework, info *mesospb.ExecutorInfo, kind executorKind) *executor {
	info = proto.CloneOf(info)
	if info.FrameworkId == nil {
		info.FrameworkId = proto.CloneOf(fw.info.GetId())
	}
	ex := &executor{
		id:          info.GetExecutorId().GetValue(),
		frameworkID: fw.id,
		info:        info,
		containerID: formatUUID(newUUID()),
		kind:        kind,
		state:       executorRegistering,
		tasks:       make(map[string]*task),
	}
	fw.executors[ex.id] = ex
	fw.executorOrder = append(fw.executorOrder, ex.id)
	a.log.Info("launching executor", "framework_id", fw.id, "executor_id", ex.id,
		"container_id", ex.containerID, "kind", kind.String())
	return ex
}

// prepare creates the executor's sandbox and fetches its URIs (the
// command's, for the built-in command executor; none for the default
// executor, whose tasks fetch theirs into their own sandboxes) on a worker
// goroutine; the outcome comes back to the loop as executorPrepared, once
// the run and the tasks it starts with are also recorded (recordRun), so
// nothing the run starts is ever unrecorded.
func (a *Agent) prepare(fw *framework, ex *executor) {
	recorded := a.recordRun(fw, ex) // recovery.go
	ctx, cancel := context.WithCancel(context.Background())
	ex.cancelPrepare = cancel
	uris := ex.info.GetCommand().GetUris()
	if ex.kind == commandExecutor {
		uris = ex.tasks[ex.id].info.GetCommand().GetUris()
	}
	agentID, fwID, exID, containerID := a.agentID.GetValue(), fw.id, ex.id, ex.containerID
	opts := a.fetchOptions(fwID, exID)
	cgroupManager, limits := a.isolation.manager, a.containerLimits(ex)
	volumes := a.runVolumes(ex)
	a.goWorker(func() {
		defer cancel()
		var problem string
		sandbox, err := containerizer.CreateSandbox(a.cfg.WorkDir, agentID, fwID, exID, containerID)
		if err != nil {
			problem = "Failed to create the sandbox: " + err.Error()
		} else {
			problem = fetchProblem(fetcher.Fetch(ctx, fetcherURIs(uris), sandbox, opts), containerID)
			linkVolumes(a.cfg.WorkDir, sandbox, volumes, a.log) // volumes.go
		}
		// The container's cgroup (isolation.go), made here rather than on
		// the loop: it takes a few file system calls per hierarchy.
		var cg *cgroups.Cgroup
		if problem == "" {
			if cg, err = createCgroup(cgroupManager, containerID, limits); err != nil {
				problem = err.Error()
			}
		}
		if recorded != nil {
			<-recorded
		}
		if !a.post(func() { a.executorPrepared(fwID, exID, containerID, sandbox, problem, cg, limits) }) && cg != nil {
			destroy(cg, a.log)
		}
	})
}

// fetchOptions are the fetcher's options for an executor's URIs and its
// tasks'.
func (a *Agent) fetchOptions(frameworkID, executorID string) fetcher.Options {
	return fetcher.Options{
		FrameworksHome: a.cfg.FrameworksHome,
		CacheDir:       fetchCacheDir(a.cfg.WorkDir),
		Logger:         a.log.With("framework_id", frameworkID, "executor_id", executorID),
	}
}

// fetchProblem says why a fetch failed, as Mesos's fetcher reports it; ""
// if it did not.
func fetchProblem(err error, containerID string) string {
	if err == nil {
		return ""
	}
	return fmt.Sprintf("Failed to fetch all URIs for container '%s': %v", containerID, err)
}

// fetchCacheDir is where URIs with cache set are kept.
func fetchCacheDir(workDir string) string {
	return filepath.Join(workDir, "fetch")
}

// fetcherURIs converts CommandInfo.URIs, keeping Mesos's default of
// extract=true.
func fetcherURIs(uris []*mesospb.CommandInfo_URI) []fetcher.URI {
	out := make([]fetcher.URI, 0, len(uris))
	for _, u := range uris {
		out = append(out, fetcher.URI{
			Value:      u.GetValue(),
			Executable: u.GetExecutable(),
			Extract:    u.GetExtract(),
			OutputFile: u.GetOutputFile(),
			Cache:      u.GetCache(),
		})
	}
	return out
}

// executorPrepared continues a launch once the sandbox is ready, or ends
// it when problem says why it could not be made ready.
func (a *Agent) executorPrepared(frameworkID, executorID, containerID, sandbox, problem string,
	cg *cgroups.Cgroup, limits cgroups.Limits) {
	fw, ex := a.executorRun(frameworkID, executorID, containerID)
	if ex == nil {
		if cg != nil {
			a.goWorker(func() { destroy(cg, a.log) })
		}
		return
	}
	ex.cancelPrepare = nil
	ex.sandbox = sandbox
	a.attachCgroup(fw, ex, cg, limits) // isolation.go
	switch {
	case ex.state != executorRegistering:
		// Killed or shut down while preparing: nothing was started.
		a.executorTerminated(fw, ex, nil)
	case problem != "":
		a.log.Warn("executor failed to launch", "framework_id", frameworkID, "executor_id", executorID, "problem", problem)
		ex.pendingTermination = &termination{
			state:   mesospb.TaskState_TASK_FAILED,
			reason:  mesospb.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED,
			message: "Failed to launch container: " + problem,
		}
		a.executorTerminated(fw, ex, nil)
	case ex.kind == commandExecutor:
		a.startCommand(fw, ex)
	case ex.kind == defaultExecutor:
		a.startDefaultExecutor(fw, ex)
	default:
		a.startExecutor(fw, ex)
	}
}

// startExecutor launches a custom executor's command; once it runs, it has
// the registration timeout to subscribe.
func (a *Agent) startExecutor(fw *framework, ex *executor) {
	command := ex.info.GetCommand()
	if command == nil {
		ex.pendingTermination = &termination{
			state:  mesospb.TaskState_TASK_FAILED,
			reason: mesospb.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED,
			message: "Failed to launch container: the executor has no command; " +
				"ExecutorInfo.command must say what to run, unless its type is DEFAULT (the built-in default executor)",
		}
		a.executorTerminated(fw, ex, nil)
		return
	}
	env := a.executorEnvironment(fw, ex).Vars()
	addCommandEnvironment(env, command)
	fwID, exID, containerID := fw.id, ex.id, ex.containerID
	a.launch(&ex.process, containerizer.ProcessSpec{
		Sandbox:     ex.sandbox,
		Shell:       command.GetShell(),
		Value:       command.GetValue(),
		Arguments:   command.GetArguments(),
		Env:         env,
		User:        a.user(fw, command),
		StatusPath:  a.statusPath(fw, ex, ""),
		CgroupProcs: ex.cgroupProcs(),
		Logger:      a.log.With("framework_id", fw.id, "executor_id", ex.id),
	}, a.processRecorder(fw, ex, ""), func(proc *containerizer.Process, err error) {
		a.executorStarted(fwID, exID, containerID, proc, err)
	})
}

// executorStarted takes the outcome of a custom executor's launch. An
// executor shut down meanwhile is killed at once, as Mesos's
// Slave::executorLaunched destroys the container of an executor (or
// framework) that is terminating: it has not subscribed, so it never got
// the SHUTDOWN.
func (a *Agent) executorStarted(frameworkID, executorID, containerID string, proc *containerizer.Process, err error) {
	fw, ex := a.launchedRun(frameworkID, executorID, containerID, proc)
	if ex == nil {
		return
	}
	if err != nil {
		ex.pendingTermination = &termination{
			state:   mesospb.TaskState_TASK_FAILED,
			reason:  mesospb.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED,
			message: "Failed to launch container: " + err.Error(),
		}
		a.executorTerminated(fw, ex, nil)
		return
	}
	ex.proc = proc
	a.watch(fw, ex)
	killed := ex.pendingKill != nil // by the shutdown timeout
	ex.pendingKill = nil
	switch {
	case fw.terminating || ex.state == executorTerminating || killed:
		a.log.Warn("killing executor: it is terminating", "framework_id", frameworkID, "executor_id", executorID)
		a.kill(&ex.process, 0)
	case ex.state == executorRegistering:
		ex.registrationTimer = a.afterFunc(a.cfg.ExecutorRegistrationTimeout, func() {
			a.registrationTimeout(frameworkID, executorID, containerID, false)
		})
	}
}

// launch starts a process, a custom executor's or a built-in executor's
// task's, on a worker and hands the outcome to started on the loop; record
// (if not nil) records the process on the worker first (processRecorder).
// Launching forks, execs, opens the output files and may look up a user:
// done on the loop, every launch and every status update of every task
// would wait behind the launches queued before it.
//
// At most launchSlots launches run at once (one per CPU, at least two);
// the others wait their turn in arrival order. Launching is mostly CPU and
// kernel work: started all at once, the hundreds of launches of a large
// offer share the CPUs, all finish together near the end and meanwhile
// starve the goroutines that carry updates and acknowledgements; taking
// turns, the first tasks run while the last still wait. (A launch that
// hangs, such as an exec from a dead network filesystem, keeps its slot.)
//
// While the launch is in flight p.launching is set and p.proc is nil;
// kills meanwhile are remembered (kill, killTaskProcess) and carried out
// by started. The worker kills a process whose outcome the loop can no
// longer take: the loop ends only when every executor has terminated, so
// such a process belongs to a run killEverything gave up on, and Run
// waits for the worker, so no process outlives Run. A launch still
// waiting for a slot when the loop ends does not start at all.
func (a *Agent) launch(p *process, spec containerizer.ProcessSpec, record func(*containerizer.Process),
	started func(*containerizer.Process, error)) {
	p.launching = true
	launchProcess := a.launchProcess
	a.goWorker(func() {
		select {
		case a.launchSlots <- struct{}{}:
		case <-a.done:
			return
		}
		select {
		case <-a.done: // both were ready, and select picked the slot
			<-a.launchSlots
			return
		default:
		}
		proc, err := launchProcess(spec)
		<-a.launchSlots
		if err == nil && record != nil {
			record(proc)
		}
		if !a.post(func() { started(proc, err) }) && proc != nil {
			a.log.Warn("killing a process launched after the agent gave up on it", "pid", proc.Pid())
			proc.Kill(0)
		}
	})
}

// launchedRun returns the executor run a launch outcome is for, with its
// launch over. A process launched for a run that is gone or terminated
// (Mesos's "Killing unknown executor") is killed, so nothing runs that the
// agent does not watch.
func (a *Agent) launchedRun(frameworkID, executorID, containerID string, proc *containerizer.Process) (*framework, *executor) {
	fw, ex := a.executorRun(frameworkID, executorID, containerID)
	if ex == nil || ex.state == executorTerminated {
		if proc != nil {
			a.log.Warn("killing a process launched for an executor run that is gone", "framework_id", frameworkID,
				"executor_id", executorID, "container_id", containerID, "pid", proc.Pid())
			a.goWorker(func() { proc.Kill(0) })
		}
		return nil, nil
	}
	ex.launching = false
	return fw, ex
}

// executorEnvironment describes an executor run for its MESOS_* variables.
func (a *Agent) executorEnvironment(fw *framework, ex *executor) containerizer.ExecutorEnvironment {
	return containerizer.ExecutorEnvironment{
		AgentID:             a.agentID.GetValue(),
		FrameworkID:         fw.id,
		ExecutorID:          ex.id,
		Directory:           ex.sandbox,
		AgentEndpoint:       a.endpoint,
		Checkpoint:          fw.info.GetCheckpoint(),
		ShutdownGracePeriod: a.shutdownGracePeriod(ex),
	}
}

// addCommandEnvironment adds a CommandInfo's variables, which win over the
// agent's (Mesos skips unresolved secrets), and a PATH if none is set.
func addCommandEnvironment(env map[string]string, command *mesospb.CommandInfo) {
	for _, v := range command.GetEnvironment().GetVariables() {
		if v.GetType() == mesospb.Environment_Variable_SECRET {
			continue
		}
		env[v.GetName()] = v.GetValue()
	}
	if _, ok := env["PATH"]; !ok {
		env["PATH"] = defaultPath
	}
}

// user is who a command runs as: nobody in particular (the agent's own
// user) unless the agent switches users (Config.SwitchUser).
func (a *Agent) user(fw *framework, command *mesospb.CommandInfo) string {
	if !a.cfg.SwitchUser {
		return ""
	}
	if u := command.GetUser(); u != "" {
		return u
	}
	return fw.info.GetUser()
}

// shutdownGracePeriod is how long the executor has between SHUTDOWN and
// being killed: its own ExecutorInfo.shutdown_grace_period, else the
// agent's.
func (a *Agent) shutdownGracePeriod(ex *executor) time.Duration {
	if d := ex.info.GetShutdownGracePeriod(); d != nil {
		return time.Duration(d.GetNanoseconds())
	}
	return a.cfg.ExecutorShutdownGracePeriod
}

// watch waits for a custom executor's process on a worker goroutine and
// reports its end to the loop.
func (a *Agent) watch(fw *framework, ex *executor) {
	proc, fwID, exID, containerID := ex.proc, fw.id, ex.id, ex.containerID
	a.goWorker(func() {
		select {
		case <-proc.Done():
			status := proc.Wait()
			a.post(func() { a.processExited(fwID, exID, containerID, status) })
		case <-a.done: // the agent stopped: the process is the next agent's
		}
	})
}

// processExited handles the end of a custom executor's process.
func (a *Agent) processExited(frameworkID, executorID, containerID string, status containerizer.ExitStatus) {
	fw, ex := a.executorRun(frameworkID, executorID, containerID)
	if ex == nil {
		return
	}
	a.log.Info("executor process ended", "framework_id", frameworkID, "executor_id", executorID,
		"status", status.String())
	a.checkLimitation(ex, status) // isolation.go
	a.executorTerminated(fw, ex, &status)
}

// executorTerminated ends an executor run: a custom executor's process
// has ended, a built-in executor has no task left, or the run never got
// going. Tasks it leaves unfinished fail (Mesos's executorTerminated and
// sendExecutorTerminatedStatusUpdate), and the master hears that the
// executor exited.
func (a *Agent) executorTerminated(fw *framework, ex *executor, status *containerizer.ExitStatus) {
	ex.state = executorTerminated
	ex.stopTimers()
	a.destroyCgroup(ex) // isolation.go
	if ex.conn != nil {
		ex.conn.Close()
		ex.conn = nil
	}
	ex.queue = nil
	for _, t := range ex.tasks {
		t.ended = true
	}
	if fw.terminating {
		for _, t := range ex.orderedTasks() {
			ex.completeTask(t.info.GetTaskId().GetValue())
		}
	} else {
		for _, t := range ex.orderedTasks() {
			if t.terminal() {
				continue
			}
			t.queued = false
			a.statusUpdate(fw.id, ex, t, a.newStatus(t.info.GetTaskId(), ex.id, ex.terminationStatus(status)))
		}
	}
	// Mesos tells the master even when the framework is shutting down;
	// it never tells it about command executors, which it does not know.
	if ex.kind != commandExecutor {
		waitStatus := int32(-1) // Mesos's value when there is no status
		message := "Executor did not start"
		if status != nil {
			waitStatus, message = encodeWaitStatus(*status), "Executor "+status.String()
		}
		a.sendCall(&clusterpb.Call{
			Type: clusterpb.Call_EXECUTOR_EXITED.Enum(),
			ExecutorExited: &clusterpb.Call_ExecutorExited{
				FrameworkId: proto.CloneOf(fw.info.GetId()),
				ExecutorId:  proto.CloneOf(ex.info.GetExecutorId()),
				Status:      proto.Int32(waitStatus),
				Message:     proto.String(message),
			},
		})
	}
	a.removeExecutorIfDone(fw, ex)
}

// terminationStatus is the update a task gets when its executor ends
// before it: what the agent said when it ended the executor (registration
// timeout, launch failure), else TASK_FAILED with
// REASON_EXECUTOR_TERMINATED.
func (ex *executor) terminationStatus(status *containerizer.ExitStatus) statusSpec {
	spec := statusSpec{
		state:   mesospb.TaskState_TASK_FAILED,
		source:  mesospb.TaskStatus_SOURCE_AGENT,
		reason:  mesospb.TaskStatus_REASON_EXECUTOR_TERMINATED.Enum(),
		message: "Executor terminated",
	}
	if status != nil {
		spec.message = "Executor " + status.String()
	}
	if p := ex.pendingTermination; p != nil {
		spec.state, spec.reason, spec.message, spec.limited = p.state, p.reason.Enum(), p.message, p.limited
	}
	return spec
}

// encodeWaitStatus turns an exit status back into a wait(2) status, the
// form Mesos reports executor exits in.
func encodeWaitStatus(s containerizer.ExitStatus) int32 {
	if s.Signal != 0 {
		ws := int32(s.Signal) & 0x7f
		if s.CoreDumped {
			ws |= 0x80
		}
		return ws
	}
	return int32(s.Code&0xff) << 8
}

// shutdownExecutor asks an executor to shut down (SHUTDOWN) and kills it
// if it is still there after its shutdown grace period (Mesos's
// _shutdownExecutor).
func (a *Agent) shutdownExecutor(fw *framework, ex *executor) {
	if ex.state == executorTerminating || ex.state == executorTerminated {
		return
	}
	a.log.Info("shutting down executor", "framework_id", fw.id, "executor_id", ex.id)
	ex.state = executorTerminating
	if ex.cancelPrepare != nil {
		// Nothing runs yet; executorPrepared finishes the executor off.
		ex.cancelPrepare()
		return
	}
	if ex.builtIn() {
		a.shutdownBuiltIn(fw, ex)
		return
	}
	a.sendToExecutor(ex, &executorpb.Event{Type: executorpb.Event_SHUTDOWN.Enum()})
	fwID, exID, containerID := fw.id, ex.id, ex.containerID
	ex.shutdownTimer = a.afterFunc(a.shutdownGracePeriod(ex), func() {
		a.shutdownTimeout(fwID, exID, containerID)
	})
}

// shutdownTimeout kills an executor that outlived its shutdown grace
// period.
func (a *Agent) shutdownTimeout(frameworkID, executorID, containerID string) {
	_, ex := a.executorRun(frameworkID, executorID, containerID)
	if ex == nil || ex.state != executorTerminating {
		return
	}
	a.log.Info("killing executor: it outlived its shutdown grace period", "framework_id", frameworkID, "executor_id", executorID)
	a.kill(&ex.process, 0)
}

// registrationTimeout kills an executor that did not subscribe in time;
// its tasks fail with REASON_EXECUTOR_REGISTRATION_TIMEOUT. An executor
// recovered after an agent restart (recovered) had
// --executor_reregistration_timeout to subscribe again, and its tasks fail
// with REASON_EXECUTOR_REREGISTRATION_TIMEOUT, as in Mesos.
func (a *Agent) registrationTimeout(frameworkID, executorID, containerID string, recovered bool) {
	_, ex := a.executorRun(frameworkID, executorID, containerID)
	if ex == nil || ex.state != executorRegistering {
		return
	}
	limit, reason, verb := a.cfg.ExecutorRegistrationTimeout, mesospb.TaskStatus_REASON_EXECUTOR_REGISTRATION_TIMEOUT, "register"
	if recovered {
		limit, reason, verb = a.cfg.ExecutorReregistrationTimeout, mesospb.TaskStatus_REASON_EXECUTOR_REREGISTRATION_TIMEOUT, "reregister"
	}
	timeout := containerizer.FormatDuration(limit)
	a.log.Warn("killing executor: it did not subscribe in time", "framework_id", frameworkID,
		"executor_id", executorID, "timeout", timeout, "recovered", recovered)
	ex.state = executorTerminating
	ex.pendingTermination = &termination{
		state:   mesospb.TaskState_TASK_FAILED,
		reason:  reason,
		message: "Executor did not " + verb + " within " + timeout,
	}
	a.kill(&ex.process, 0)
}

// kill ends a process, an executor's or a task's: SIGTERM, then SIGKILL
// after grace (at once for a grace of zero). Process.Kill blocks until the
// process is gone, so it runs on a worker; the end arrives as processExited
// or taskExited. A process still being launched is killed when it exists.
func (a *Agent) kill(p *process, grace time.Duration) {
	switch proc := p.proc; {
	case proc != nil:
		a.goWorker(func() { proc.Kill(grace) })
	case p.launching:
		p.killWhenLaunched(grace)
	}
}

// sendToExecutor queues an event on the executor's stream. An executor that
// cannot keep up loses its stream and must subscribe again.
func (a *Agent) sendToExecutor(ex *executor, event *executorpb.Event) {
	if ex.conn == nil {
		a.log.Debug("dropping event for an executor that is not connected", "framework_id", ex.frameworkID,
			"executor_id", ex.id, "event", event.GetType().String())
		return
	}
	if !ex.conn.Send(event) {
		a.log.Warn("executor is not reading its event stream; closing it", "framework_id", ex.frameworkID,
			"executor_id", ex.id)
		ex.conn.Close()
		ex.conn = nil
	}
}

// beginShutdown starts the agent's graceful stop: every framework's
// executors are shut down as for SHUTDOWN_FRAMEWORK, but their status
// updates still go through. It returns a channel that fires when
// whatever is left should be killed outright.
func (a *Agent) beginShutdown() <-chan time.Time {
	a.log.Info("shutting down: stopping every executor")
	a.terminating = true
	var longest time.Duration
	for _, fw := range a.orderedFrameworks() {
		for _, ex := range fw.orderedExecutors() {
			longest = max(longest, a.shutdownGracePeriod(ex))
			a.shutdownExecutor(fw, ex)
		}
	}
	return time.After(longest + 2*time.Second)
}

// leaveExecutors ends the loop leaving the executors of checkpointing
// frameworks running for the next agent to recover (their records are in
// the journal, which Run flushes); the others' processes are killed, on
// workers Run waits for, since nothing would recover them.
func (a *Agent) leaveExecutors() {
	kept := 0
	for _, fw := range a.orderedFrameworks() {
		if a.checkpointsTasks(fw) {
			kept += len(fw.executors)
			continue
		}
		for _, ex := range fw.orderedExecutors() {
			a.killRun(ex)
		}
	}
	a.log.Info("stopping; the executors of checkpointing frameworks keep running for the next agent", "executors", kept)
	a.closeExecutorStreams()
	a.left = true
}

// killEverything kills every process the agent still runs, without grace,
// and marks every executor terminated, which ends the loop. The kills run
// on workers, all at once, and Run waits for them; a process still being
// launched is killed by its launch's worker, which finds the loop gone.
func (a *Agent) killEverything() {
	for _, fw := range a.orderedFrameworks() {
		for _, ex := range fw.orderedExecutors() {
			a.killRun(ex)
		}
	}
}

// killRun kills an executor run's processes without grace and marks it
// terminated.
func (a *Agent) killRun(ex *executor) {
	if ex.cancelPrepare != nil {
		ex.cancelPrepare()
	}
	if proc := ex.proc; proc != nil {
		a.goWorker(func() { proc.Kill(0) })
	}
	for _, t := range ex.tasks {
		if t.cancelPrepare != nil {
			t.cancelPrepare()
		}
		if proc := t.proc; proc != nil && !t.ended {
			a.goWorker(func() { proc.Kill(0) })
		}
	}
	if ex.state != executorTerminated {
		ex.state = executorTerminated
		ex.stopTimers()
		a.destroyCgroup(ex) // kills whatever the kills above miss
	}
}

// allExecutorsTerminated reports whether no executor runs any more.
func (a *Agent) allExecutorsTerminated() bool {
	for _, fw := range a.frameworks {
		for _, ex := range fw.executors {
			if ex.state != executorTerminated {
				return false
			}
		}
	}
	return true
}

// closeExecutorStreams ends every executor's event stream.
func (a *Agent) closeExecutorStreams() {
	for _, fw := range a.frameworks {
		for _, ex := range fw.executors {
			if ex.conn != nil {
				ex.conn.Close()
				ex.conn = nil
			}
		}
	}
}

// clearFetchCache empties the fetcher's cache, as a Mesos agent does when
// it starts.
func clearFetchCache(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.MkdirAll(dir, 0o755)
}
