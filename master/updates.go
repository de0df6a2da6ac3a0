package master

import (
	"bytes"
	"time"

	"google.golang.org/protobuf/proto"

	clusterpb "agora/api/agora/cluster/v1"
	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
)

// maxStatuses bounds the status history kept per task (Task.statuses).
const maxStatuses = 16

func nowSeconds() float64 { return float64(time.Now().UnixNano()) / 1e9 }

// masterStatus is a status the master generates for task t.
func masterStatus(t *task, state mesospb.TaskState, reason mesospb.TaskStatus_Reason, msg string) *mesospb.TaskStatus {
	return &mesospb.TaskStatus{
		TaskId:     t.pb.GetTaskId(),
		State:      state.Enum(),
		Message:    ptr(msg),
		Source:     mesospb.TaskStatus_SOURCE_MASTER.Enum(),
		Reason:     reason.Enum(),
		AgentId:    t.pb.GetAgentId(),
		ExecutorId: t.pb.GetExecutorId(),
		Timestamp:  ptr(nowSeconds()),
	}
}

// sendMasterUpdate sends a master-generated update: no uuid, so the
// framework does not acknowledge it, and the state translated for the
// framework's capabilities.
func (m *Master) sendMasterUpdate(fw *framework, st *mesospb.TaskStatus) {
	m.deliverUpdate(fw, st)
}

// deliverUpdate sends st to fw as an UPDATE event with its state translated
// for the framework's capabilities. It reports false, sending nothing, for
// an update the framework may not see (KILLING without TASK_KILLING_STATE).
func (m *Master) deliverUpdate(fw *framework, st *mesospb.TaskStatus) bool {
	state, ok := fw.caps.stateFor(st.GetState())
	if !ok {
		return false
	}
	if state != st.GetState() {
		st = proto.Clone(st).(*mesospb.TaskStatus)
		st.State = state.Enum()
	}
	m.sendToFramework(fw, &schedulerpb.Event{
		Type:   schedulerpb.Event_UPDATE.Enum(),
		Update: &schedulerpb.Event_Update{Status: st},
	})
	return true
}

// statusUpdate handles an UPDATE from an agent: record the task's state,
// free its resources once the agent reports it terminal, and forward the
// update to the framework, which acknowledges it by uuid.
func (m *Master) statusUpdate(a *agent, u *clusterpb.Call_Update) {
	st := u.GetStatus()
	fwID := u.GetFrameworkId().GetValue()
	fw := m.frameworks[fwID]
	if fw == nil {
		if m.removedFws[fwID] != nil {
			// Nobody will ever acknowledge it: tell the agent to stop.
			m.ackToAgent(a, u.GetFrameworkId(), st.GetTaskId(), st.GetUuid())
		}
		m.log.Debug("status update for an unknown framework", "framework", fwID, "task", st.GetTaskId().GetValue())
		return
	}
	t := fw.tasks[st.GetTaskId().GetValue()]
	if t == nil {
		// A task the master does not know (it restarted, say): forward
		// anyway, as Mesos does, so the framework learns of it; the
		// acknowledgement is routed by agent id.
		m.log.Info("status update for an unknown task; forwarding", "framework", fwID, "task", st.GetTaskId().GetValue())
		m.forwardUpdate(fw, nil, a, st)
		return
	}
	latest := st.GetState()
	if u.LatestState != nil {
		latest = u.GetLatestState()
	}
	t.pb.State = latest.Enum()
	t.pb.StatusUpdateState = st.State
	t.pb.StatusUpdateUuid = st.GetUuid()
	if len(t.pb.Statuses) == 0 || !proto.Equal(t.pb.Statuses[len(t.pb.Statuses)-1], st) {
		t.pb.Statuses = appendBounded(t.pb.Statuses, st, maxStatuses)
	}
	if isTerminal(latest) && !t.recovered {
		m.countTerminal(latest)
		m.recoverTask(fw, t)
	}
	m.forwardUpdate(fw, t, a, st)
}

// recoverTask returns a finished task's resources to the allocator.
func (m *Master) recoverTask(fw *framework, t *task) {
	t.recovered = true
	m.logAllocErr(m.alloc.Recover(fw.id, t.agentID(), t.resources, 0, time.Now()))
	m.allocPending = true
}

// forwardUpdate sends an agent's update to the framework. Updates a
// framework may not see (KILLING without TASK_KILLING_STATE) are
// acknowledged by the master itself so the agent moves on.
func (m *Master) forwardUpdate(fw *framework, t *task, a *agent, st *mesospb.TaskStatus) {
	if !m.deliverUpdate(fw, st) {
		if a != nil {
			m.ackToAgent(a, fw.info.GetId(), st.GetTaskId(), st.GetUuid())
		}
		return
	}
	if t != nil {
		t.unacknowledged = st.GetUuid()
	}
}

// acknowledge is ACKNOWLEDGE: relay the framework's acknowledgement to the
// agent, and retire the task once its terminal update is acknowledged.
func (m *Master) acknowledge(fw *framework, ack *schedulerpb.Call_Acknowledge) {
	a := m.agents[ack.GetAgentId().GetValue()]
	if a == nil {
		m.log.Warn("acknowledgement for an unknown agent", "framework", fw.id, "agent", ack.GetAgentId().GetValue())
		m.count("master/invalid_status_update_acknowledgements")
		return
	}
	m.count("master/valid_status_update_acknowledgements")
	m.ackToAgent(a, fw.info.GetId(), ack.GetTaskId(), ack.GetUuid())
	t := fw.tasks[ack.GetTaskId().GetValue()]
	if t == nil || !bytes.Equal(t.unacknowledged, ack.GetUuid()) {
		return
	}
	t.unacknowledged = nil
	if isTerminal(t.pb.GetStatusUpdateState()) && bytes.Equal(t.pb.GetStatusUpdateUuid(), ack.GetUuid()) {
		m.retireTask(fw, t)
	}
}

// retireTask moves a terminal, acknowledged task to the completed list.
func (m *Master) retireTask(fw *framework, t *task) {
	if !t.recovered {
		m.recoverTask(fw, t)
	}
	delete(fw.tasks, t.id())
	if a := m.agents[t.agentID()]; a != nil {
		a.removeTask(t)
	}
	fw.completed = appendBounded(fw.completed, t, maxCompletedTasks)
}

func (m *Master) ackToAgent(a *agent, fwID *mesospb.FrameworkID, taskID *mesospb.TaskID, uuid []byte) {
	if len(uuid) == 0 {
		return
	}
	m.sendToAgent(a, &clusterpb.Event{
		Type:        clusterpb.Event_ACKNOWLEDGE.Enum(),
		Acknowledge: &clusterpb.Event_Acknowledge{FrameworkId: fwID, TaskId: taskID, Uuid: uuid},
	})
}

// kill is KILL. An unknown task is answered by reconciling it, as Mesos
// does, so the framework always hears something. A kill for a task on a
// disconnected agent is remembered and sent again when the agent returns.
func (m *Master) kill(fw *framework, k *schedulerpb.Call_Kill) {
	t := fw.tasks[k.GetTaskId().GetValue()]
	if t == nil {
		m.reconcile(fw, &schedulerpb.Call_Reconcile{Tasks: []*schedulerpb.Call_Reconcile_Task{{
			TaskId: k.GetTaskId(), AgentId: k.GetAgentId(),
		}}})
		return
	}
	if k.AgentId != nil && k.GetAgentId().GetValue() != t.agentID() {
		m.log.Warn("KILL names the wrong agent; ignored", "task", t.id(), "agent", k.GetAgentId().GetValue(), "actual", t.agentID())
		return
	}
	t.killRequested = true
	t.killPolicy = k.GetKillPolicy()
	if a := m.agents[t.agentID()]; a != nil {
		m.sendKill(a, fw, t)
	}
}

func (m *Master) sendKill(a *agent, fw *framework, t *task) {
	m.sendToAgent(a, &clusterpb.Event{
		Type: clusterpb.Event_KILL_TASK.Enum(),
		KillTask: &clusterpb.Event_KillTask{
			FrameworkId: fw.info.GetId(),
			TaskId:      t.pb.GetTaskId(),
			KillPolicy:  t.killPolicy,
		},
	})
}

// shutdownExecutor is SHUTDOWN: the agent stops the executor and its tasks.
func (m *Master) shutdownExecutor(fw *framework, s *schedulerpb.Call_Shutdown) {
	a := m.agents[s.GetAgentId().GetValue()]
	if a == nil {
		m.log.Warn("SHUTDOWN for an unknown agent", "framework", fw.id, "agent", s.GetAgentId().GetValue())
		return
	}
	m.sendToAgent(a, &clusterpb.Event{
		Type: clusterpb.Event_SHUTDOWN_EXECUTOR.Enum(),
		ShutdownExecutor: &clusterpb.Event_ShutdownExecutor{
			FrameworkId: fw.info.GetId(),
			ExecutorId:  s.GetExecutorId(),
		},
	})
}

// reconcile is RECONCILE (docs/reconciliation.md). Implicit (no tasks): the
// latest state of every task the framework has. Explicit: per task, its
// latest state if known, otherwise an answer decided by its agent's
// standing (explicitReconcileReply). Replies are master-generated updates
// with reason REASON_RECONCILIATION.
func (m *Master) reconcile(fw *framework, r *schedulerpb.Call_Reconcile) {
	if len(r.GetTasks()) == 0 {
		for _, t := range fw.tasks {
			m.sendMasterUpdate(fw, reconcileStatus(t))
		}
		return
	}
	for _, q := range r.GetTasks() {
		if t := m.findTask(fw, q.GetTaskId().GetValue()); t != nil {
			m.sendMasterUpdate(fw, reconcileStatus(t))
			continue
		}
		state, msg, reply := explicitReconcileReply(m.agentStanding(q.GetAgentId().GetValue()))
		if !reply {
			continue
		}
		m.sendMasterUpdate(fw, &mesospb.TaskStatus{
			TaskId:    q.GetTaskId(),
			State:     state.Enum(),
			Message:   ptr(msg),
			Source:    mesospb.TaskStatus_SOURCE_MASTER.Enum(),
			Reason:    mesospb.TaskStatus_REASON_RECONCILIATION.Enum(),
			AgentId:   q.GetAgentId(),
			Timestamp: ptr(nowSeconds()),
		})
	}
}

// findTask looks a task up among fw's active tasks, then its completed ones:
// a finished task reconciles to its real terminal state rather than GONE.
func (m *Master) findTask(fw *framework, id string) *task {
	if t := fw.tasks[id]; t != nil {
		return t
	}
	for i := len(fw.completed) - 1; i >= 0; i-- {
		if fw.completed[i].id() == id {
			return fw.completed[i]
		}
	}
	return nil
}

// reconcileStatus is the reconciliation answer for a known task: the state
// of the latest update sent to the framework (status_update_state) if any,
// else the task's state, as Mesos reports.
func reconcileStatus(t *task) *mesospb.TaskStatus {
	state := t.state()
	if t.pb.StatusUpdateState != nil {
		state = t.pb.GetStatusUpdateState()
	}
	st := masterStatus(t, state, mesospb.TaskStatus_REASON_RECONCILIATION, "Reconciliation: Latest task state")
	if n := len(t.pb.GetStatuses()); n > 0 {
		last := t.pb.GetStatuses()[n-1]
		st.Healthy = last.Healthy
		st.CheckStatus = last.CheckStatus
		st.ContainerStatus = last.ContainerStatus
		st.UnreachableTime = last.UnreachableTime
	}
	return st
}

// agentStanding tells what the master knows of an agent id.
func (m *Master) agentStanding(id string) agentStanding {
	if id == "" {
		return agentUnknown
	}
	if m.goneAgents[id] {
		return agentGone
	}
	a := m.agents[id]
	switch {
	case a == nil:
		return agentUnknown
	case !a.reachable():
		return agentUnreachable
	default:
		return agentRegistered
	}
}
