package agent

import (
	"context"

	"google.golang.org/protobuf/proto"

	"agora/agent/containerizer"
	"agora/agent/health"
	mesospb "agora/api/mesos/v1"
)

// Health checks of the tasks the built-in executors run
// (TaskInfo.health_check), as Mesos's command and default executors run
// them (src/launcher/executor.cpp, default_executor.cpp, with
// src/checks/health_checker.cpp):
//
//   - checking starts when the task's process runs (after TASK_RUNNING)
//     and stops when the task is being killed or has ended;
//   - each reported result is a TASK_RUNNING update copied from the
//     task's last status, with healthy set and reason
//     REASON_TASK_HEALTH_CHECK_STATUS_UPDATED: on the first success, on
//     the first success after failures, and on every failure past the
//     grace period;
//   - after consecutive_failures failures in a row the task is killed,
//     as by KILL_TASK with its own kill policy, and ends TASK_KILLED
//     with healthy=false (no reason: Mesos sets none). A default
//     executor's group then goes down with it, as for any killed task.
//     (Mesos's default executor marks every later terminal update of the
//     executor unhealthy, MESOS-8543; agora marks only the task's own.)
//
// The checker runs on a worker goroutine (health.Checker); its results
// come back to the loop, which owns everything they touch. A
// HealthCheck Mesos would reject (health.FromProto) is logged and not
// run, as Mesos's command executor does when it cannot create the
// checker.

// healthCheckKey names a task of one executor run.
type healthCheckKey struct{ frameworkID, executorID, containerID, taskID string }

// healthCheck is the check of one task.
type healthCheck struct {
	stop context.CancelFunc
	// killing is set once the check asked for the task to be killed: its
	// terminal update says healthy=false.
	killing bool
}

func keyOf(fw *framework, ex *executor, t *task) healthCheckKey {
	return healthCheckKey{fw.id, ex.id, ex.containerID, t.info.GetTaskId().GetValue()}
}

// startHealthCheck starts checking a task whose process now runs, if it
// has a health check.
func (a *Agent) startHealthCheck(fw *framework, ex *executor, t *task) {
	hc := t.info.GetHealthCheck()
	if hc == nil {
		return
	}
	key := keyOf(fw, ex, t)
	log := a.log.With("framework_id", fw.id, "executor_id", ex.id, "task_id", key.taskID)
	spec, err := health.FromProto(hc)
	if err != nil {
		log.Warn("not running the task's health check", "err", err)
		return
	}
	probe := a.prober(fw, ex, t, spec)
	if old := a.healthChecks[key]; old != nil {
		old.stop()
	}
	ctx, cancel := context.WithCancel(context.Background())
	check := &healthCheck{stop: cancel}
	if a.healthChecks == nil {
		a.healthChecks = make(map[healthCheckKey]*healthCheck)
	}
	a.healthChecks[key] = check
	checker := &health.Checker{
		Timing: spec.Timing,
		Probe:  &liveProbe{a: a, key: key, check: check, stop: cancel, probe: probe},
		Report: func(d health.Decision) { a.post(func() { a.healthDecided(key, check, d) }) },
		Logger: log.With("health_check", spec.Type()),
	}
	log.Info("starting health check", "type", spec.Type(), "delay", spec.Timing.Delay,
		"interval", spec.Timing.Interval, "timeout", spec.Timing.Timeout,
		"grace_period", spec.Timing.GracePeriod, "consecutive_failures", spec.Timing.ConsecutiveFailures)
	a.goWorker(func() {
		defer cancel()
		// The checker also ends with the agent's loop.
		go func() {
			select {
			case <-a.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		checker.Run(ctx)
	})
}

// prober builds what a check does. A COMMAND check runs in the task's
// sandbox, as the task's user, with the task's environment and its own
// variables on top; its output goes to the sandbox's stderr, where Mesos's
// executors send it.
func (a *Agent) prober(fw *framework, ex *executor, t *task, spec health.Spec) health.Prober {
	switch {
	case spec.HTTP != nil:
		return spec.HTTP
	case spec.TCP != nil:
		return spec.TCP
	}
	env := a.taskEnvironment(fw, ex, t)
	addCommandEnvironment(env, spec.Command)
	return &health.Command{Spec: containerizer.ProcessSpec{
		Sandbox:    t.sandbox,
		Shell:      spec.Command.GetShell(),
		Value:      spec.Command.GetValue(),
		Arguments:  spec.Command.GetArguments(),
		Env:        env,
		User:       a.user(fw, t.info.GetCommand()),
		StdoutPath: "stderr",
		StderrPath: "stderr",
		Logger:     a.log.With("framework_id", fw.id, "executor_id", ex.id, "task_id", t.info.GetTaskId().GetValue(), "health_check", "COMMAND"),
	}}
}

// liveProbe asks the loop, before each check, whether the task still
// wants checking: a task can end without the loop stopping its check (its
// executor ended), and a checker whose task is gone must not go on
// launching commands.
type liveProbe struct {
	a     *Agent
	key   healthCheckKey
	check *healthCheck
	stop  context.CancelFunc
	probe health.Prober
}

func (p *liveProbe) Probe(ctx context.Context) error {
	live := false
	if err := p.a.query(func() { live = p.a.healthCheckWanted(p.key, p.check) }); err != nil || !live {
		p.stop()
		return context.Canceled
	}
	return p.probe.Probe(ctx)
}

// healthCheckWanted reports whether a check is still that of a running
// task, and forgets it if not.
func (a *Agent) healthCheckWanted(key healthCheckKey, check *healthCheck) bool {
	if a.healthChecks[key] != check {
		return false
	}
	_, _, t := a.liveTask(key.frameworkID, key.executorID, key.containerID, key.taskID)
	if t == nil || t.killing || t.terminal() {
		check.stop()
		if !check.killing {
			delete(a.healthChecks, key)
		}
		return false
	}
	return true
}

// healthDecided acts on a check's decision: a status update with the
// task's health, and a kill after too many failures.
func (a *Agent) healthDecided(key healthCheckKey, check *healthCheck, d health.Decision) {
	if !a.healthCheckWanted(key, check) {
		return
	}
	fw, ex, t := a.liveTask(key.frameworkID, key.executorID, key.containerID, key.taskID)
	// Mesos copies the task's last status, so the update keeps what the
	// executor said before (state, message, source), with a new uuid and
	// time.
	var status *mesospb.TaskStatus
	if n := len(t.record.GetStatuses()); n > 0 {
		status = proto.CloneOf(t.record.GetStatuses()[n-1])
	} else {
		status = a.newStatus(t.info.GetTaskId(), ex.id, statusSpec{
			state: t.state(), source: mesospb.TaskStatus_SOURCE_EXECUTOR,
		})
	}
	status.Uuid = newUUID()
	status.Timestamp = proto.Float64(a.timestamp())
	status.Reason = mesospb.TaskStatus_REASON_TASK_HEALTH_CHECK_STATUS_UPDATED.Enum()
	status.Healthy = proto.Bool(d.Healthy)
	a.statusUpdate(fw.id, ex, t, status)
	if d.Kill {
		a.log.Warn("killing task: it failed its health check", "framework_id", fw.id, "executor_id", ex.id,
			"task_id", key.taskID, "consecutive_failures", d.ConsecutiveFailures, "err", d.Err)
		check.killing = true
		a.killTaskProcess(fw, ex, t, killGracePeriod(nil, t.info.GetKillPolicy()))
	}
}

// stopHealthCheck stops checking a task that is being killed; what the
// check decided is kept for its terminal update.
func (a *Agent) stopHealthCheck(fw *framework, ex *executor, t *task) {
	if check := a.healthChecks[keyOf(fw, ex, t)]; check != nil {
		check.stop()
	}
}

// markHealthOnExit sets healthy=false on the terminal update of a task
// killed for failing its health check, and forgets the check.
func (a *Agent) markHealthOnExit(fw *framework, ex *executor, t *task, update *mesospb.TaskStatus) {
	key := keyOf(fw, ex, t)
	check := a.healthChecks[key]
	if check == nil {
		return
	}
	check.stop()
	delete(a.healthChecks, key)
	if check.killing && update.GetState() == mesospb.TaskState_TASK_KILLED {
		update.Healthy = proto.Bool(false)
	}
}

// forgetHealthCheck stops and forgets a task's check once the task has
// ended.
func (a *Agent) forgetHealthCheck(fw *framework, ex *executor, t *task) {
	key := keyOf(fw, ex, t)
	if check := a.healthChecks[key]; check != nil {
		check.stop()
		delete(a.healthChecks, key)
	}
}
