package services

import (
	"context"
	"time"

	mesospb "agora/api/mesos/v1"
	"agora/services/app"
	"agora/services/events"
	"agora/services/plan"

	"google.golang.org/protobuf/proto"
)

// target is what plan drives a's instances to: its active definition, or
// no instance at all.
func target(a *appState) plan.Target {
	def := a.active
	if def == nil {
		return plan.Target{KillSelection: app.DefaultKillSelection}
	}
	t := plan.Target{
		Version:               configVersion(def),
		Instances:             def.Instances,
		MinimumHealthCapacity: def.UpgradeStrategy.MinimumHealthCapacity,
		MaximumOverCapacity:   def.UpgradeStrategy.MaximumOverCapacity,
		KillSelection:         def.KillSelection,
		HealthChecked:         len(def.HealthChecks) > 0,
	}
	if !def.UnreachableStrategy.Disabled {
		t.UnreachableInactiveAfter = seconds(def.UnreachableStrategy.InactiveAfterSeconds)
		t.UnreachableExpungeAfter = seconds(def.UnreachableStrategy.ExpungeAfterSeconds)
	} else {
		t.UnreachableInactiveAfter = 1<<63 - 1
		t.UnreachableExpungeAfter = 1<<63 - 1
	}
	return t
}

// current is a's instances as plan sees them, in a buffer the next call
// reuses.
func current(a *appState) []plan.Instance {
	out := a.planBuf[:0]
	for _, in := range a.instances {
		out = append(out, planInstance(in))
	}
	a.planBuf = out
	return out
}

func planInstance(in *instance) plan.Instance {
	p := plan.Instance{
		ID:               in.TaskID,
		Version:          in.Config,
		Healthy:          in.Healthy,
		StartedAt:        in.StartedAt,
		UnreachableSince: in.UnreachableSince,
	}
	switch {
	case !in.KilledAt.IsZero() || in.State == mesospb.TaskState_TASK_KILLING:
		p.State = plan.Killing
	case !in.UnreachableSince.IsZero():
		p.State = plan.Unreachable
	case in.State == mesospb.TaskState_TASK_RUNNING:
		p.State = plan.Running
	case in.State == mesospb.TaskState_TASK_STARTING:
		p.State = plan.Starting
	default:
		p.State = plan.Staged
	}
	if p.StartedAt.IsZero() {
		p.StartedAt = in.StagedAt
	}
	return p
}

// converge asks plan what a's instances need now, kills what is to be
// killed and sets how many instances a waits for. Launches are not recorded
// as instances until an offer takes them: wanted is recomputed from the
// plan each time, never added to, so asking again never launches twice.
func (e *Engine) converge(a *appState) {
	if a == nil {
		return
	}
	now := e.now()
	t := target(a)
	cur := current(a)
	step := plan.Next(t, cur, now)
	for _, id := range step.Kill {
		e.kill(a.instances[id], now, "")
	}
	for _, id := range step.Expunge {
		// Given up: the master keeps the kill for when the agent
		// comes back; services forgets the instance now.
		if in := a.instances[id]; in != nil {
			e.kill(in, now, "")
			e.forget(in)
		}
	}
	if step.Launch > 0 && a.wanted == 0 {
		a.waitingSince = now
		a.offers = offerStats{}
		e.needRevive = true
	}
	a.wanted = step.Launch
	if a.wanted == 0 {
		a.blocked, a.blockedSince = "", time.Time{}
	}
	a.waiting = step.Waiting
	a.done = step.Done
	if a.active != nil && len(a.active.HealthChecks) > 0 {
		// Launches waiting for an offer are replacements in flight too.
		worthy := e.killWorthy(a, current(a), now)
		for range a.wanted {
			worthy = append(worthy, plan.Instance{State: plan.Scheduled})
		}
		for _, id := range plan.Unhealthy(t, worthy) {
			e.kill(a.instances[id], now, "unhealthy")
		}
	}
}

// settled reports whether a's instances are what its active definition
// asks, all ready.
func (e *Engine) settled(a *appState) bool {
	a.done = plan.Next(target(a), current(a), e.now()).Done
	return a.done
}

// killWorthy marks as unhealthy only the instances that failed their
// health check for maxConsecutiveFailures intervals in a row; the others
// read as healthy, so plan.Unhealthy never picks them.
func (e *Engine) killWorthy(a *appState, cur []plan.Instance, now time.Time) []plan.Instance {
	hc := a.active.HealthChecks[0]
	if hc.MaxConsecutiveFailures <= 0 {
		return nil
	}
	limit := time.Duration(hc.MaxConsecutiveFailures*max(hc.IntervalSeconds, 1)) * time.Second
	out := make([]plan.Instance, len(cur))
	copy(out, cur)
	for i := range out {
		in := a.instances[out[i].ID]
		if in.Healthy != nil && !*in.Healthy && now.Sub(in.UnhealthySince) < limit {
			out[i].Healthy = proto.Bool(true)
		}
	}
	return out
}

// kill asks the master to kill an instance (again, when the last request
// is older than DefaultKillRetry).
func (e *Engine) kill(in *instance, now time.Time, why string) {
	if in == nil {
		return
	}
	if !in.KilledAt.IsZero() && now.Sub(in.KilledAt) < DefaultKillRetry {
		return
	}
	in.KilledAt = now
	if why == "unhealthy" {
		e.publish(&events.UnhealthyTaskKill{AppID: in.AppID, TaskID: in.TaskID,
			Version: in.Version, Reason: "health check failed", Host: in.Host, SlaveID: in.AgentID})
	}
	e.sendKill(in)
}

// sendKill sends an instance's KILL to the master.
func (e *Engine) sendKill(in *instance) {
	taskID := &mesospb.TaskID{Value: proto.String(in.TaskID)}
	agentID := &mesospb.AgentID{Value: proto.String(in.AgentID)}
	e.call(func(ctx context.Context) {
		if err := e.drv().Kill(ctx, taskID, agentID); err != nil {
			e.log.Warn("kill failed; will retry", "task", taskID.GetValue(), "err", err)
		}
	})
}

// retryKills asks again to kill the instances that are still there after
// their kill: each every DefaultKillRetry (Marathon's --kill_retry_timeout),
// and all at once after a (re)registration (all), since a kill sent while
// services was away, or to a master that failed over since, is lost. A
// deployment waits for its old instances to be gone; without this a lost
// kill held it forever.
func (e *Engine) retryKills(now time.Time, all bool) {
	for _, in := range e.instances {
		if in.KilledAt.IsZero() || !all && now.Sub(in.KilledAt) < DefaultKillRetry {
			continue
		}
		in.KilledAt = now
		e.sendKill(in)
	}
}

func (e *Engine) convergeAll() {
	for _, a := range e.apps {
		e.converge(a)
	}
	for _, in := range e.instances {
		if e.apps[in.AppID] == nil { // an app removed while its instance lived
			e.kill(in, e.now(), "")
		}
	}
	for _, d := range e.deployments {
		e.advance(d)
	}
}

// tick does the time-driven work: instances whose unreachable or health
// deadlines passed, kill retries, launch delays that expired, deployment
// timeouts, the framework's roles.
func (e *Engine) tick() {
	now := e.now()
	e.convergeAll()
	e.retryKills(now, false)
	e.syncRoles()
	e.reconcileImplicitly(now)
	for _, d := range e.deployments {
		if d.Timeout > 0 && now.Sub(d.Started) > d.Timeout {
			reason := e.timeoutReason(d, now)
			e.log.Warn("deployment timed out", "id", d.ID, "reason", reason)
			if d.Rollback {
				if _, err := e.rollback(d, reason); err != nil {
					e.log.Error("rollback after a timeout failed", "id", d.ID, "err", err)
				}
			} else {
				e.dropDeployment(d, reason)
			}
		}
	}
}

// reconcileImplicitly asks the master, when it is time, for every task it
// has of the framework. The answers come as status updates, and one for a
// task services does not know gets it killed (statusUpdate), as Marathon
// does: a task services gave up on while its agent was away, whose kill a
// failed-over master no longer remembers, is found this way when the agent
// comes back.
func (e *Engine) reconcileImplicitly(now time.Time) {
	if !e.subscribed || e.nextReconciliation.IsZero() || now.Before(e.nextReconciliation) {
		return
	}
	e.nextReconciliation = now.Add(e.cfg.ReconciliationInterval)
	e.call(func(ctx context.Context) {
		if err := e.drv().Reconcile(ctx); err != nil {
			e.log.Warn("implicit reconciliation failed", "err", err)
		}
	})
}

// reviveOrSuppress keeps offers coming while some app waits, and stops them
// when none does.
func (e *Engine) reviveOrSuppress() {
	if !e.subscribed {
		return
	}
	waiting := e.anyWaiting(e.now())
	switch {
	case waiting && (e.suppressed || e.needRevive):
		// Reviving also clears the refuse filters of declined offers,
		// so new demand is offered everything at once.
		e.suppressed, e.needRevive = false, false
		e.call(func(ctx context.Context) {
			e.log.Debug("reviving offers")
			if err := e.drv().Revive(ctx); err != nil {
				e.log.Warn("revive failed", "err", err)
			}
		})
	case !waiting && !e.suppressed:
		e.suppressed = true
		e.call(func(ctx context.Context) {
			if err := e.drv().Suppress(ctx); err != nil {
				e.log.Warn("suppress failed", "err", err)
			}
		})
	}
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
