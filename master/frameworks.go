package master

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"google.golang.org/protobuf/proto"

	clusterpb "agora/api/agora/cluster/v1"
	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/wire"
)

// maxCompletedFrameworks and maxCompletedTasks bound what the master keeps
// for /master/state and reconciliation after things end (Mesos's
// --max_completed_frameworks and --max_completed_tasks_per_framework).
const (
	maxCompletedFrameworks = 50
	maxCompletedTasks      = 1000
)

// subscribeHTTP handles SUBSCRIBE: it registers (or fails over) the framework
// on the master's goroutine and then streams its events until either side
// ends the stream.
func (m *Master) subscribeHTTP(w http.ResponseWriter, r *http.Request, codec wire.Codec, sub *schedulerpb.Call_Subscribe) {
	var stream *wire.EventStream
	var fwID string
	err := m.do(r.Context(), func() { stream, fwID = m.subscribe(codec, sub) })
	if err != nil {
		writeError(w, err)
		return
	}
	err = stream.Serve(w, r, func(h http.Header) { h.Set("Mesos-Stream-Id", stream.ID) })
	if err != nil {
		// The scheduler went away (or the write failed): the framework is
		// disconnected, unless it already re-subscribed on a new stream.
		_ = m.do(context.Background(), func() {
			if fw := m.frameworks[fwID]; fw != nil && fw.stream == stream {
				m.disconnectFramework(fw, "scheduler closed its stream")
			}
		})
	}
}

// subscribe registers a new framework or re-subscribes a known one. It
// returns the stream to serve, with SUBSCRIBED (or ERROR, then closed)
// already queued.
func (m *Master) subscribe(codec wire.Codec, sub *schedulerpb.Call_Subscribe) (*wire.EventStream, string) {
	info := proto.Clone(sub.GetFrameworkInfo()).(*mesospb.FrameworkInfo)
	stream := newEventStream(codec, heartbeatEvent, m.cfg.HeartbeatInterval)
	id := info.GetId().GetValue()
	if id == "" {
		m.count("master/messages_register_framework")
	} else {
		m.count("master/messages_reregister_framework")
	}

	if old := m.removedFws[id]; old != nil {
		stream.Send(errorEvent("Framework has been removed"))
		stream.Close()
		return stream, id
	}

	fw := m.frameworks[id]
	now := time.Now()
	switch {
	case fw != nil:
		// Failover (or a re-subscription after a dropped connection): the
		// new scheduler instance replaces the old one. Offers made to the
		// old instance are withdrawn; it may not have seen them.
		if fw.stream != nil {
			fw.stream.Send(errorEvent("Framework failed over"))
			fw.stream.Close()
			fw.stream = nil
		}
		m.removeOffersOf(fw, false)
		fw.info = info
		m.log.Info("framework re-subscribed", "framework", id, "name", info.GetName())
	default:
		if id == "" {
			// Mesos's form: <master id>-<4-digit sequence number>.
			id = fmt.Sprintf("%s-%04d", m.info.GetId(), m.nextFrameworkID)
			m.nextFrameworkID++
			info.Id = &mesospb.FrameworkID{Value: ptr(id)}
		}
		// An unknown id is admitted as is: the framework was registered
		// with this master before a restart, or with another master.
		fw = &framework{
			id:         id,
			info:       info,
			registered: now,
			tasks:      map[string]*task{},
			offers:     map[string]*offer{},
			executors:  map[string]map[string]*executor{},
		}
		m.frameworks[id] = fw
		m.logAllocErr(m.alloc.AddFramework(id, rolesOf(info), sub.GetSuppressedRoles(), nil, false))
		m.log.Info("framework registered", "framework", id, "name", info.GetName(), "roles", rolesOf(info))
	}
	fw.caps = capabilitiesOf(info)
	fw.roles = rolesOf(info)
	fw.stream = stream
	fw.disconnectedAt = time.Time{}
	m.logAllocErr(m.alloc.UpdateFramework(id, fw.roles, sub.GetSuppressedRoles()))
	m.logAllocErr(m.alloc.ActivateFramework(id))
	m.allocPending = true

	stream.Send(&schedulerpb.Event{
		Type: schedulerpb.Event_SUBSCRIBED.Enum(),
		Subscribed: &schedulerpb.Event_Subscribed{
			FrameworkId:              &mesospb.FrameworkID{Value: ptr(id)},
			HeartbeatIntervalSeconds: ptr(m.cfg.HeartbeatInterval.Seconds()),
			MasterInfo:               m.info,
		},
	})
	// Updates the previous instance did not acknowledge are sent again at
	// once rather than after the agent's next retry, so a failed-over
	// scheduler learns its tasks' states promptly.
	for _, t := range fw.tasks {
		if st := t.pendingStatus(); st != nil {
			m.forwardUpdate(fw, t, nil, st)
		}
	}
	m.resendOperationStatuses(fw)
	return stream, id
}

// disconnectFramework marks fw disconnected: no offers until it comes back,
// and removal once its failover timeout passes.
func (m *Master) disconnectFramework(fw *framework, why string) {
	if fw.stream != nil {
		fw.stream.Close()
		fw.stream = nil
	}
	fw.disconnectedAt = time.Now()
	m.logAllocErr(m.alloc.DeactivateFramework(fw.id))
	m.removeOffersOf(fw, false)
	m.log.Info("framework disconnected", "framework", fw.id, "reason", why, "failover_timeout", fw.failoverTimeout())
	if fw.failoverTimeout() <= 0 {
		m.removeFramework(fw, "disconnected with failover_timeout 0")
	}
}

// expireFrameworks removes frameworks disconnected for longer than their
// failover timeout.
func (m *Master) expireFrameworks(now time.Time) {
	for _, fw := range m.frameworks {
		if !fw.connected() && !fw.disconnectedAt.IsZero() && now.Sub(fw.disconnectedAt) >= fw.failoverTimeout() {
			m.removeFramework(fw, "failover timeout elapsed")
		}
	}
}

// removeFramework ends a framework: its tasks are killed on their agents and
// recorded as KILLED, its offers withdrawn, its resources returned.
func (m *Master) removeFramework(fw *framework, why string) {
	m.log.Info("removing framework", "framework", fw.id, "reason", why)
	m.removeOffersOf(fw, false)
	agents := map[string]bool{}
	for _, t := range fw.tasks {
		agents[t.agentID()] = true
		if !isTerminal(t.state()) {
			st := masterStatus(t, mesospb.TaskState_TASK_KILLED, mesospb.TaskStatus_REASON_FRAMEWORK_REMOVED, "Framework "+fw.id+" removed")
			t.record(st)
			m.countTerminal(st.GetState())
		}
		if a := m.agents[t.agentID()]; a != nil {
			a.removeTask(t)
		}
	}
	for agentID := range fw.executors {
		agents[agentID] = true
	}
	for agentID := range agents {
		if a := m.agents[agentID]; a != nil {
			m.sendToAgent(a, &clusterpb.Event{
				Type:              clusterpb.Event_SHUTDOWN_FRAMEWORK.Enum(),
				ShutdownFramework: &clusterpb.Event_ShutdownFramework{FrameworkId: fw.info.GetId()},
			})
		}
	}
	m.logAllocErr(m.alloc.RemoveFramework(fw.id))
	if fw.stream != nil {
		fw.stream.Close()
		fw.stream = nil
	}
	for _, t := range fw.tasks {
		fw.completed = appendBounded(fw.completed, t, maxCompletedTasks)
	}
	fw.tasks = map[string]*task{}
	fw.executors = map[string]map[string]*executor{}
	fw.removedAt = time.Now()
	delete(m.frameworks, fw.id)
	m.removedFws[fw.id] = fw
	if len(m.removedFws) > maxCompletedFrameworks {
		var oldest *framework
		for _, f := range m.removedFws {
			if oldest == nil || f.removedAt.Before(oldest.removedAt) {
				oldest = f
			}
		}
		delete(m.removedFws, oldest.id)
	}
	m.allocPending = true
}

// updateFramework is UPDATE_FRAMEWORK: a subscribed framework changes its
// FrameworkInfo (name, roles, capabilities, ...) without re-subscribing.
func (m *Master) updateFramework(fw *framework, u *schedulerpb.Call_UpdateFramework) error {
	info := proto.Clone(u.GetFrameworkInfo()).(*mesospb.FrameworkInfo)
	if info.GetUser() != fw.info.GetUser() {
		return httpErrorf(http.StatusBadRequest, "Updating 'FrameworkInfo.user' is unsupported")
	}
	if info.GetCheckpoint() != fw.info.GetCheckpoint() {
		return httpErrorf(http.StatusBadRequest, "Updating 'FrameworkInfo.checkpoint' is unsupported")
	}
	fw.info = info
	fw.caps = capabilitiesOf(info)
	fw.roles = rolesOf(info)
	m.logAllocErr(m.alloc.UpdateFramework(fw.id, fw.roles, u.GetSuppressedRoles()))
	m.removeOffersOf(fw, true)
	m.allocPending = true
	for agentID := range m.agentsOf(fw) {
		if a := m.agents[agentID]; a != nil {
			m.sendToAgent(a, &clusterpb.Event{
				Type:            clusterpb.Event_UPDATE_FRAMEWORK.Enum(),
				UpdateFramework: &clusterpb.Event_UpdateFramework{FrameworkInfo: info},
			})
		}
	}
	return nil
}

// agentsOf lists the agents where fw has tasks or executors.
func (m *Master) agentsOf(fw *framework) map[string]bool {
	out := map[string]bool{}
	for _, t := range fw.tasks {
		out[t.agentID()] = true
	}
	for agentID := range fw.executors {
		out[agentID] = true
	}
	return out
}

// frameworkMessage relays MESSAGE from a scheduler to one of its executors.
// Like Mesos, delivery is best effort: messages to unknown or disconnected
// agents are dropped.
func (m *Master) frameworkMessage(fw *framework, msg *schedulerpb.Call_Message) {
	a := m.agents[msg.GetAgentId().GetValue()]
	if a == nil || a.stream == nil {
		m.log.Warn("dropping framework message to an unknown or disconnected agent",
			"framework", fw.id, "agent", msg.GetAgentId().GetValue())
		m.count("master/invalid_framework_to_executor_messages")
		return
	}
	m.count("master/valid_framework_to_executor_messages")
	m.sendToAgent(a, &clusterpb.Event{
		Type: clusterpb.Event_MESSAGE.Enum(),
		Message: &clusterpb.Event_Message{
			FrameworkId: fw.info.GetId(),
			ExecutorId:  msg.GetExecutorId(),
			Data:        msg.GetData(),
		},
	})
}

// sendToFramework queues an event on fw's stream. A stream that cannot take
// it (closed, or its reader is hopelessly behind) disconnects the framework.
func (m *Master) sendToFramework(fw *framework, ev *schedulerpb.Event) {
	if fw.stream == nil {
		return
	}
	if !fw.stream.Send(ev) {
		m.disconnectFramework(fw, "event stream closed or too far behind")
	}
}

func heartbeatEvent() proto.Message {
	return &schedulerpb.Event{Type: schedulerpb.Event_HEARTBEAT.Enum()}
}

func errorEvent(msg string) *schedulerpb.Event {
	return &schedulerpb.Event{
		Type:  schedulerpb.Event_ERROR.Enum(),
		Error: &schedulerpb.Event_Error{Message: ptr(msg)},
	}
}

func appendBounded[T any](s []T, v T, max int) []T {
	s = append(s, v)
	if len(s) > max {
		s = s[len(s)-max:]
	}
	return s
}
