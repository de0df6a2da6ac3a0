package services

import (
	"context"
	"math"
	"time"

	mesospb "agora/api/mesos/v1"
	"agora/sdk/scheduler"
	"agora/services/events"
	"agora/services/plan"
	"agora/services/store"

	"google.golang.org/protobuf/proto"
)

// statusUpdate records a task's new state, forgets ended instances, and
// lets the app converge again.
func (e *Engine) statusUpdate(st *mesospb.TaskStatus) {
	defer e.ack(st)
	id := st.GetTaskId().GetValue()
	state := st.GetState()
	in := e.instances[id]
	if in == nil {
		if !gone(state) && state != mesospb.TaskState_TASK_KILLING { // a kill under way needs no other
			// A task services does not know (its record was wiped, or
			// the app was removed while services was away): Marathon
			// kills those.
			e.log.Warn("killing an unknown task", "task", id, "state", state)
			agent := st.GetAgentId()
			e.call(func(ctx context.Context) { e.drv().Kill(ctx, st.GetTaskId(), agent) })
		}
		return
	}
	now := e.now()
	prev := in.State
	in.State = state
	a := e.apps[in.AppID]
	// A reconciliation answer that changes nothing is not news: periodic
	// implicit reconciliation would otherwise repeat every task on
	// /v2/events.
	if prev != state || st.GetReason() != mesospb.TaskStatus_REASON_RECONCILIATION {
		e.publish(&events.StatusUpdate{
			SlaveID: in.AgentID, TaskID: id, TaskStatus: state.String(), Message: st.GetMessage(),
			AppID: in.AppID, Host: in.Host, Ports: nonNil(in.Ports), Version: in.Version,
			IPAddresses: []events.IPAddress{},
		})
	}
	if prev != in.State {
		e.publish(&events.InstanceChanged{InstanceID: id, Condition: condition(state), RunSpecID: in.AppID,
			AgentID: in.AgentID, Host: in.Host, RunSpecVersion: in.Version})
	}
	switch {
	case gone(state):
		e.forget(in)
		// A task reconciliation finds gone (lost while services was
		// away) is replaced at once: it says nothing about the app.
		reconciled := st.GetReason() == mesospb.TaskStatus_REASON_RECONCILIATION
		if a != nil && isFailure(state) && in.KilledAt.IsZero() && !reconciled {
			a.backoff.failures++
			a.backoff.until = now.Add(plan.Backoff(a.backoff.failures,
				a.def.BackoffSeconds, a.def.BackoffFactor, a.def.MaxLaunchDelaySeconds))
			a.lastFailure = &TaskFailure{
				AppID: in.AppID, TaskID: id, State: state.String(), Message: st.GetMessage(), Host: in.Host,
				Version: in.Version, Timestamp: events.FormatTime(now), AgentID: in.AgentID,
			}
			e.log.Info("instance failed", "app", in.AppID, "task", id, "state", state,
				"message", st.GetMessage(), "next_launch_in", a.backoff.until.Sub(now).Round(time.Millisecond))
		}
	case state == mesospb.TaskState_TASK_UNREACHABLE:
		if in.UnreachableSince.IsZero() {
			in.UnreachableSince = now
		}
	case state == mesospb.TaskState_TASK_RUNNING:
		in.UnreachableSince = time.Time{}
		if in.StartedAt.IsZero() {
			in.StartedAt = statusTime(st, now)
		}
		if st.Healthy != nil {
			e.health(in, st.GetHealthy(), now)
		}
	}
	if a != nil {
		e.converge(a)
		if d := e.deployments[a.deployment]; d != nil {
			e.advanceFor(d, a.def.ID)
		}
	}
}

// health records an instance's health check result.
func (e *Engine) health(in *instance, healthy bool, now time.Time) {
	if in.Healthy != nil && *in.Healthy == healthy {
		return
	}
	in.Healthy = proto.Bool(healthy)
	if healthy {
		in.UnhealthySince = time.Time{}
	} else if in.UnhealthySince.IsZero() {
		in.UnhealthySince = now
	}
	e.publish(&events.HealthStatusChanged{AppID: in.AppID, TaskID: in.TaskID, InstanceID: in.TaskID,
		Version: in.Version, Alive: healthy})
	if !healthy {
		var hc any
		if a := e.apps[in.AppID]; a != nil && a.def != nil && len(a.def.HealthChecks) > 0 {
			hc = a.def.HealthChecks[0]
		}
		e.publish(&events.FailedHealthCheck{AppID: in.AppID, TaskID: in.TaskID, InstanceID: in.TaskID, HealthCheck: hc})
	}
}

// forget removes an ended instance, from the store too.
func (e *Engine) forget(in *instance) {
	delete(e.instances, in.TaskID)
	if a := e.apps[in.AppID]; a != nil {
		delete(a.instances, in.TaskID)
	}
	if err := e.store.Update(func(tx *store.Tx) error { return tx.Delete(store.Instances, in.TaskID) }); err != nil {
		e.log.Error("cannot record an ended instance", "task", in.TaskID, "err", err)
	}
}

func statusTime(st *mesospb.TaskStatus, now time.Time) time.Time {
	if ts := st.GetTimestamp(); ts > 0 {
		sec, frac := math.Modf(ts)
		return time.Unix(int64(sec), int64(frac*1e9))
	}
	return now
}

// gone reports whether an instance in state s is over for services: a
// terminal state, or TASK_UNKNOWN (the master does not know the task; for
// Mesos it is not terminal, as the task may still turn up).
func gone(s mesospb.TaskState) bool {
	return scheduler.IsTerminal(s) || s == mesospb.TaskState_TASK_UNKNOWN
}

// isFailure: the task ended on its own, for a reason that should slow down
// the next launch (Marathon's backoff counts these).
func isFailure(s mesospb.TaskState) bool {
	switch s {
	case mesospb.TaskState_TASK_FAILED, mesospb.TaskState_TASK_ERROR, mesospb.TaskState_TASK_FINISHED,
		mesospb.TaskState_TASK_LOST, mesospb.TaskState_TASK_DROPPED:
		return true
	}
	return false
}

// condition is Marathon's instance condition name for a task state.
func condition(s mesospb.TaskState) string {
	switch s {
	case mesospb.TaskState_TASK_STAGING:
		return "Staging"
	case mesospb.TaskState_TASK_STARTING:
		return "Starting"
	case mesospb.TaskState_TASK_RUNNING:
		return "Running"
	case mesospb.TaskState_TASK_KILLING:
		return "Killing"
	case mesospb.TaskState_TASK_FINISHED:
		return "Finished"
	case mesospb.TaskState_TASK_FAILED:
		return "Failed"
	case mesospb.TaskState_TASK_KILLED:
		return "Killed"
	case mesospb.TaskState_TASK_ERROR:
		return "Error"
	case mesospb.TaskState_TASK_LOST:
		return "Lost"
	case mesospb.TaskState_TASK_DROPPED:
		return "Dropped"
	case mesospb.TaskState_TASK_UNREACHABLE:
		return "Unreachable"
	case mesospb.TaskState_TASK_GONE:
		return "Gone"
	case mesospb.TaskState_TASK_GONE_BY_OPERATOR:
		return "GoneByOperator"
	default:
		return "Unknown"
	}
}

func nonNil(p []int) []int {
	if p == nil {
		return []int{}
	}
	return p
}

// ack acknowledges an update the engine has recorded (updates without a
// uuid, such as answers to reconciliation, take none).
func (e *Engine) ack(st *mesospb.TaskStatus) {
	if len(st.GetUuid()) == 0 {
		return
	}
	e.acks.push(func(ctx context.Context) {
		if err := e.drv().Acknowledge(ctx, st); err != nil && ctx.Err() == nil {
			// Not acknowledged: the agent sends the update again.
			e.log.Debug("acknowledgement failed", "task", st.GetTaskId().GetValue(), "err", err)
		}
	})
}
