package master

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	clusterpb "agora/api/agora/cluster/v1"
	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/resources"
	"agora/wire"
)

// agentStreamHeader carries the id of an agent's current cluster stream on
// every call after REGISTER (docs/agent-protocol.md).
const agentStreamHeader = "Agora-Agent-Stream-Id"

// serveCluster is POST /agora/v1/cluster, agora's agent protocol.
func (m *Master) serveCluster(w http.ResponseWriter, r *http.Request) {
	call := &clusterpb.Call{}
	codec, err := readCall(w, r, call)
	if err != nil {
		writeError(w, err)
		return
	}
	if call.GetType() == clusterpb.Call_REGISTER {
		if call.Register == nil {
			writeError(w, httpErrorf(http.StatusBadRequest, "Expecting 'register' to be present"))
			return
		}
		m.registerHTTP(w, r, codec, call.GetRegister())
		return
	}
	var callErr error
	err = m.do(r.Context(), func() { callErr = m.handleAgentCall(call, r.Header.Get(agentStreamHeader)) })
	if err == nil {
		err = callErr
	}
	if err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// handleAgentCall runs a call other than REGISTER on the master's goroutine.
func (m *Master) handleAgentCall(call *clusterpb.Call, streamID string) error {
	a := m.agents[call.GetAgentId().GetValue()]
	switch {
	case a == nil:
		return httpErrorf(http.StatusForbidden, "Agent %s is not registered", call.GetAgentId().GetValue())
	case a.stream == nil || streamID != a.stream.ID:
		return httpErrorf(http.StatusForbidden, "Stream id %q is not the agent's current stream; register again", streamID)
	}
	a.lastSeen = time.Now()
	if name, ok := agentCallCounters[call.GetType()]; ok {
		m.count(name)
	}
	switch call.GetType() {
	case clusterpb.Call_HEARTBEAT:
	case clusterpb.Call_UPDATE:
		if call.Update == nil {
			return httpErrorf(http.StatusBadRequest, "Expecting 'update' to be present")
		}
		if err := validUUID(call.GetUpdate().GetStatus().GetUuid()); err != nil {
			return httpErrorf(http.StatusBadRequest, "'update.status.uuid': %v", err)
		}
		m.count("master/valid_status_updates")
		m.statusUpdate(a, call.GetUpdate())
	case clusterpb.Call_MESSAGE:
		if call.Message == nil {
			return httpErrorf(http.StatusBadRequest, "Expecting 'message' to be present")
		}
		m.executorMessage(a, call.GetMessage())
	case clusterpb.Call_EXECUTOR_EXITED:
		if call.ExecutorExited == nil {
			return httpErrorf(http.StatusBadRequest, "Expecting 'executor_exited' to be present")
		}
		m.executorExited(a, call.GetExecutorExited())
	default:
		return httpErrorf(http.StatusBadRequest, "Unknown call type %v", call.GetType())
	}
	return nil
}

// registerHTTP handles REGISTER and then streams the agent's events.
func (m *Master) registerHTTP(w http.ResponseWriter, r *http.Request, codec wire.Codec, reg *clusterpb.Call_Register) {
	var stream *wire.EventStream
	var agentID string
	var regErr error
	err := m.do(r.Context(), func() { stream, agentID, regErr = m.register(codec, reg) })
	if err == nil {
		err = regErr
	}
	if err != nil {
		writeError(w, err)
		return
	}
	err = stream.Serve(w, r, func(h http.Header) { h.Set(agentStreamHeader, stream.ID) })
	if err != nil {
		_ = m.do(context.Background(), func() {
			if a := m.agents[agentID]; a != nil && a.stream == stream {
				m.disconnectAgent(a)
			}
		})
	}
}

func agentHeartbeat() proto.Message {
	return &clusterpb.Event{Type: clusterpb.Event_HEARTBEAT.Enum()}
}

// register admits a new agent or re-admits a known one, reconciling the
// tasks it reports with what the master knows.
func (m *Master) register(codec wire.Codec, reg *clusterpb.Call_Register) (*wire.EventStream, string, error) {
	info := proto.Clone(reg.GetAgentInfo()).(*mesospb.AgentInfo)
	total, err := resources.FromProto(info.GetResources())
	if err != nil {
		return nil, "", httpErrorf(http.StatusBadRequest, "Invalid agent resources: %v", err)
	}
	if _, err := resources.AttributesFromProto(info.GetAttributes()); err != nil {
		return nil, "", httpErrorf(http.StatusBadRequest, "Invalid agent attributes: %v", err)
	}
	id := info.GetId().GetValue()
	if id != "" {
		if err := validateID(id); err != nil {
			return nil, "", httpErrorf(http.StatusBadRequest, "Invalid agent id: %v", err)
		}
		if m.goneAgents[id] {
			return nil, "", httpErrorf(http.StatusForbidden, "Agent %s was marked gone and may not re-register", id)
		}
	}
	now := time.Now()
	a := m.agents[id]
	if a == nil {
		if id == "" {
			m.nextAgentID++
			id = m.info.GetId() + "-S" + strconv.FormatUint(m.nextAgentID, 10)
			info.Id = &mesospb.AgentID{Value: ptr(id)}
		}
		a = &agent{id: id, registered: now, tasks: map[string]map[string]*task{}}
		m.agents[id] = a
		m.count("master/messages_register_slave")
		m.count("master/slave_registrations")
		m.log.Info("agent registered", "agent", id, "hostname", info.GetHostname(), "endpoint", reg.GetEndpoint(), "resources", total.String())
	} else {
		if a.stream != nil {
			a.stream.Close()
		}
		m.rescindOffersOn(a, now)
		m.logAllocErr(m.alloc.RemoveAgent(id))
		m.count("master/messages_reregister_slave")
		m.count("master/slave_reregistrations")
		m.log.Info("agent re-registered", "agent", id, "hostname", info.GetHostname(), "was_unreachable", !a.reachable())
	}
	if info.Port == nil {
		if _, port := splitHostPort(reg.GetEndpoint()); port > 0 {
			info.Port = ptr(int32(port))
		}
	}
	wasUnreachable := !a.reachable()
	a.info = info
	a.endpoint = reg.GetEndpoint()
	// Dynamic reservations and volumes live in the master's registry;
	// the agent reports only its --resources (reservations.go).
	total = m.withCheckpointed(id, total)
	a.total = total
	a.lastSeen = now
	a.unreachableSince = time.Time{}

	stream := newEventStream(codec, agentHeartbeat, m.cfg.HeartbeatInterval)
	a.stream = stream

	killTasks := m.reconcileAgentTasks(a, reg, wasUnreachable)
	m.logAllocErr(m.alloc.AddAgent(id, total, m.usedOn(a)))
	m.allocPending = true

	stream.Send(&clusterpb.Event{
		Type: clusterpb.Event_REGISTERED.Enum(),
		Registered: &clusterpb.Event_Registered{
			AgentId:                  info.GetId(),
			MasterInfo:               m.info,
			HeartbeatIntervalSeconds: ptr(m.cfg.AgentPingTimeout.Seconds()),
			KillTasks:                killTasks,
		},
	})
	// The agent's volumes: it creates new ones and deletes destroyed ones.
	// A master that keeps nothing for the agent stays silent, so that a
	// master that lost its registry (no --work_dir, or a new one) never
	// makes the agent delete every volume it has. Changes made while the
	// agent is connected reach it at once (resourcesChanged).
	if !checkpointed(total).IsEmpty() {
		m.sendCheckpointedResources(a)
	}
	// Kills the framework asked for while the agent was away.
	for fwID, ts := range a.tasks {
		for _, t := range ts {
			if t.killRequested && !isTerminal(t.state()) {
				m.sendKill(a, m.frameworks[fwID], t)
			}
		}
	}
	return stream, id, nil
}

// reconcileAgentTasks merges the tasks an agent reports with the master's
// view. Reported tasks the master knows are updated; unknown ones are
// adopted (the master restarted); tasks of removed frameworks are to be
// killed (returned). Tasks the master has there that the agent does not
// report are over: TASK_DROPPED if the agent never reported them (the launch
// was lost), TASK_GONE if it had run them (it restarted without them); both
// are TASK_LOST for frameworks that are not PARTITION_AWARE. Tasks the master had reported unreachable are announced
// again with their real state, so nothing stays wrongly lost.
func (m *Master) reconcileAgentTasks(a *agent, reg *clusterpb.Call_Register, wasUnreachable bool) []*mesospb.TaskID {
	var kill []*mesospb.TaskID
	reported := map[string]map[string]bool{}
	infos := map[string]*mesospb.FrameworkInfo{}
	for _, fi := range reg.GetFrameworks() {
		infos[fi.GetId().GetValue()] = fi
	}
	for _, rt := range reg.GetTasks() {
		fwID := rt.GetFrameworkId().GetValue()
		if m.removedFws[fwID] != nil {
			kill = append(kill, rt.GetTaskId())
			continue
		}
		fw := m.frameworks[fwID]
		if fw == nil {
			fw = m.adoptFramework(fwID, infos[fwID])
		}
		if reported[fwID] == nil {
			reported[fwID] = map[string]bool{}
		}
		reported[fwID][rt.GetTaskId().GetValue()] = true
		t := fw.tasks[rt.GetTaskId().GetValue()]
		if t == nil {
			rs, err := resources.FromProto(rt.GetResources())
			if err != nil {
				m.log.Warn("agent reported a task with invalid resources", "agent", a.id, "task", rt.GetTaskId().GetValue(), "error", err)
			}
			t = &task{pb: proto.Clone(rt).(*mesospb.Task), resources: rs}
			for role := range rs.Allocations() {
				t.role = role
			}
			t.pb.AgentId = a.info.GetId()
			fw.tasks[t.id()] = t
		}
		previous := t.state()
		t.pb.State = rt.State
		a.addTask(t)
		if isTerminal(t.state()) && !t.recovered {
			t.recovered = true // not counted in usedOn: the agent is re-added below
		}
		if wasUnreachable || previous == mesospb.TaskState_TASK_UNREACHABLE {
			st := masterStatus(t, t.state(), mesospb.TaskStatus_REASON_AGENT_REREGISTERED,
				"Agent "+a.info.GetHostname()+" re-registered; task is still "+t.state().String())
			m.sendMasterUpdate(fw, st)
		}
	}
	// Executors the agent runs that the master does not know (it restarted):
	// adopt them so their resources are accounted for until they exit.
	for _, info := range reg.GetExecutors() {
		fw := m.frameworks[info.GetFrameworkId().GetValue()]
		execID := info.GetExecutorId().GetValue()
		if fw == nil || fw.executors[a.id][execID] != nil {
			continue
		}
		rs, err := resources.FromProto(info.GetResources())
		if err != nil {
			m.log.Warn("agent reported an executor with invalid resources", "agent", a.id, "executor", execID, "error", err)
		}
		if fw.executors[a.id] == nil {
			fw.executors[a.id] = map[string]*executor{}
		}
		fw.executors[a.id][execID] = &executor{info: proto.Clone(info).(*mesospb.ExecutorInfo), agentID: a.id, resources: rs}
	}
	// The master's tasks on this agent that the agent does not have.
	for fwID, ts := range a.tasks {
		fw := m.frameworks[fwID]
		for _, t := range ts {
			if reported[fwID][t.id()] || isTerminal(t.state()) || fw == nil {
				continue
			}
			// A task the agent never reported running had its launch lost
			// (DROPPED); one it ran is gone with the agent's restart.
			st := masterStatus(t, mesospb.TaskState_TASK_GONE, mesospb.TaskStatus_REASON_AGENT_RESTARTED,
				"Task is unknown to agent "+a.info.GetHostname()+" after it re-registered; the agent restarted without it")
			if t.state() == mesospb.TaskState_TASK_STAGING {
				st = masterStatus(t, mesospb.TaskState_TASK_DROPPED, mesospb.TaskStatus_REASON_RECONCILIATION,
					"Task is unknown to agent "+a.info.GetHostname()+" after it re-registered; its launch was lost")
			}
			t.record(st)
			m.countTerminal(st.GetState())
			m.sendMasterUpdate(fw, st)
			t.recovered = true
			m.retireTask(fw, t)
		}
	}
	return kill
}

// adoptFramework records a framework the master learns of from an agent
// (after a master restart): not connected, removed after its failover
// timeout unless its scheduler subscribes again.
func (m *Master) adoptFramework(id string, info *mesospb.FrameworkInfo) *framework {
	if info == nil {
		info = &mesospb.FrameworkInfo{Id: &mesospb.FrameworkID{Value: ptr(id)}, User: ptr(""), Name: ptr("")}
	}
	info = proto.Clone(info).(*mesospb.FrameworkInfo)
	fw := &framework{
		id:             id,
		info:           info,
		caps:           capabilitiesOf(info),
		roles:          rolesOf(info),
		registered:     time.Now(),
		disconnectedAt: time.Now(),
		tasks:          map[string]*task{},
		offers:         map[string]*offer{},
		executors:      map[string]map[string]*executor{},
	}
	m.frameworks[id] = fw
	m.logAllocErr(m.alloc.AddFramework(id, fw.roles, nil, nil, false))
	m.log.Info("framework recovered from an agent; waiting for its scheduler", "framework", id)
	return fw
}

// usedOn sums, by framework, what a's tasks and executors hold.
func (m *Master) usedOn(a *agent) map[string]resources.Resources {
	used := map[string]resources.Resources{}
	for fwID, ts := range a.tasks {
		for _, t := range ts {
			if !t.recovered {
				used[fwID] = used[fwID].Add(t.resources)
			}
		}
	}
	for fwID, fw := range m.frameworks {
		for _, e := range fw.executors[a.id] {
			used[fwID] = used[fwID].Add(e.resources)
		}
	}
	return used
}

// disconnectAgent handles the end of an agent's stream: no more offers for
// it; it becomes unreachable if it does not come back in time.
func (m *Master) disconnectAgent(a *agent) {
	if a.stream != nil {
		a.stream.Close()
		a.stream = nil
	}
	m.rescindOffersOn(a, time.Now())
	m.logAllocErr(m.alloc.DeactivateAgent(a.id))
	m.log.Info("agent disconnected", "agent", a.id, "hostname", a.info.GetHostname())
}

// checkAgentHealth marks agents unreachable that have been silent for
// --agent_ping_timeout × --max_agent_ping_timeouts.
func (m *Master) checkAgentHealth(now time.Time) {
	limit := m.cfg.AgentPingTimeout * time.Duration(m.cfg.MaxAgentPingTimeouts)
	for _, a := range m.agents {
		if a.reachable() && now.Sub(a.lastSeen) > limit {
			m.markUnreachable(a, now)
		}
	}
}

// markUnreachable: the agent's tasks become TASK_UNREACHABLE (TASK_LOST
// for frameworks that are not PARTITION_AWARE), every framework gets a
// FAILURE event for the agent, and the agent leaves the allocator until it
// re-registers.
func (m *Master) markUnreachable(a *agent, now time.Time) {
	m.log.Warn("agent unreachable", "agent", a.id, "hostname", a.info.GetHostname(), "silent_for", now.Sub(a.lastSeen).String())
	if a.stream != nil {
		a.stream.Close()
		a.stream = nil
	}
	a.unreachableSince = now
	m.count("master/slave_unreachable_scheduled")
	m.count("master/slave_unreachable_completed")
	m.rescindOffersOn(a, now)
	m.logAllocErr(m.alloc.RemoveAgent(a.id))
	unreachableTime := &mesospb.TimeInfo{Nanoseconds: ptr(now.UnixNano())}
	for fwID, ts := range a.tasks {
		fw := m.frameworks[fwID]
		for _, t := range ts {
			if isTerminal(t.state()) {
				continue
			}
			st := masterStatus(t, mesospb.TaskState_TASK_UNREACHABLE, mesospb.TaskStatus_REASON_AGENT_REMOVED,
				"Agent "+a.info.GetHostname()+" is unreachable")
			st.UnreachableTime = unreachableTime
			t.record(st)
			m.countTerminal(st.GetState())
			t.recovered = true // the agent left the allocator with them
			if fw != nil {
				m.sendMasterUpdate(fw, st)
			}
		}
	}
	for _, fw := range m.frameworks {
		m.sendToFramework(fw, &schedulerpb.Event{
			Type:    schedulerpb.Event_FAILURE.Enum(),
			Failure: &schedulerpb.Event_Failure{AgentId: a.info.GetId()},
		})
	}
	m.allocPending = true
}

// executorMessage relays MESSAGE from an executor to its scheduler.
func (m *Master) executorMessage(a *agent, msg *clusterpb.Call_Message) {
	fw := m.frameworks[msg.GetFrameworkId().GetValue()]
	if fw == nil {
		m.count("master/invalid_executor_to_framework_messages")
		return
	}
	m.count("master/valid_executor_to_framework_messages")
	m.sendToFramework(fw, &schedulerpb.Event{
		Type: schedulerpb.Event_MESSAGE.Enum(),
		Message: &schedulerpb.Event_Message{
			AgentId:    a.info.GetId(),
			ExecutorId: msg.GetExecutorId(),
			Data:       msg.GetData(),
		},
	})
}

// executorExited frees a custom executor's resources and tells its
// framework (FAILURE with executor_id and status, as Mesos does).
func (m *Master) executorExited(a *agent, e *clusterpb.Call_ExecutorExited) {
	fw := m.frameworks[e.GetFrameworkId().GetValue()]
	if fw == nil {
		return
	}
	execID := e.GetExecutorId().GetValue()
	if ex := fw.executors[a.id][execID]; ex != nil {
		delete(fw.executors[a.id], execID)
		if len(fw.executors[a.id]) == 0 {
			delete(fw.executors, a.id)
		}
		m.logAllocErr(m.alloc.Recover(fw.id, a.id, ex.resources, 0, time.Now()))
		m.allocPending = true
	}
	failure := &schedulerpb.Event_Failure{AgentId: a.info.GetId(), ExecutorId: e.GetExecutorId()}
	if e.Status != nil {
		failure.Status = e.Status
	}
	m.sendToFramework(fw, &schedulerpb.Event{Type: schedulerpb.Event_FAILURE.Enum(), Failure: failure})
}

// sendToAgent queues an event on the agent's stream; a stream that cannot
// take it disconnects the agent (it re-registers and reconciles).
func (m *Master) sendToAgent(a *agent, ev *clusterpb.Event) {
	if a.stream == nil {
		return
	}
	if !a.stream.Send(ev) {
		m.disconnectAgent(a)
	}
}

func splitHostPort(hostport string) (string, int) {
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport, 0
	}
	port, _ := strconv.Atoi(p)
	return host, port
}
