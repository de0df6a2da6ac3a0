package master

import (
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	clusterpb "agora/api/agora/cluster/v1"
	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/resources"
)

// accept is ACCEPT: the framework uses offers for operations. Invalid offers
// fail every launch in the call (TASK_DROPPED, or TASK_LOST for frameworks
// that are not PARTITION_AWARE, reason REASON_INVALID_OFFERS); an invalid
// task fails alone with TASK_ERROR and REASON_TASK_INVALID. Whatever the
// operations leave unused goes back to the allocator with the call's filter.
// Every launched or refused task hears back: never silence.
func (m *Master) accept(fw *framework, acc *schedulerpb.Call_Accept) {
	now := time.Now()
	offers, a, err := m.takeValidOffers(fw, acc.GetOfferIds())
	if err != nil {
		m.log.Warn("ACCEPT with invalid offers", "framework", fw.id, "error", err)
		for _, op := range acc.GetOperations() {
			if t := op.GetType(); t != mesospb.Offer_Operation_LAUNCH && t != mesospb.Offer_Operation_LAUNCH_GROUP {
				m.operationError(fw, op, "Operation attempted with invalid offers: "+err.Error())
			}
		}
		for _, info := range launchedTasks(acc.GetOperations()) {
			m.refuseTask(fw, info, mesospb.TaskState_TASK_DROPPED, mesospb.TaskStatus_REASON_INVALID_OFFERS,
				"Task launched with invalid offers: "+err.Error())
		}
		return
	}

	// available is what the offers still hold, by role; launches draw on it.
	available := map[string]resources.Resources{}
	for _, o := range offers {
		for role, rs := range o.byRole {
			available[role] = available[role].Add(rs)
		}
	}
	l := &launch{m: m, fw: fw, agent: a, available: available, seen: map[string]bool{}, newExecutors: map[string]*mesospb.ExecutorInfo{}}
	for _, op := range acc.GetOperations() {
		if op.GetId() != nil && (op.GetType() == mesospb.Offer_Operation_LAUNCH || op.GetType() == mesospb.Offer_Operation_LAUNCH_GROUP) {
			// Operation feedback is not for launches (Master::accept):
			// their tasks get TASK_ERROR.
			reason := mesospb.TaskStatus_REASON_TASK_INVALID
			tasks := op.GetLaunch().GetTaskInfos()
			if op.GetType() == mesospb.Offer_Operation_LAUNCH_GROUP {
				reason = mesospb.TaskStatus_REASON_TASK_GROUP_INVALID
				tasks = op.GetLaunchGroup().GetTaskGroup().GetTasks()
			}
			for _, info := range tasks {
				m.refuseTask(fw, info, mesospb.TaskState_TASK_ERROR, reason,
					"The `id` field cannot be set on "+op.GetType().String()+" operations")
			}
			continue
		}
		switch op.GetType() {
		case mesospb.Offer_Operation_LAUNCH:
			for _, info := range op.GetLaunch().GetTaskInfos() {
				l.launchTask(info)
			}
		case mesospb.Offer_Operation_LAUNCH_GROUP:
			l.launchGroup(op.GetLaunchGroup().GetExecutor(), op.GetLaunchGroup().GetTaskGroup())
		case mesospb.Offer_Operation_RESERVE, mesospb.Offer_Operation_UNRESERVE,
			mesospb.Offer_Operation_CREATE, mesospb.Offer_Operation_DESTROY:
			// Applied in order, so a LAUNCH after a RESERVE or
			// CREATE can use what it made (reservations.go).
			l.applyResourceOp(op)
		case mesospb.Offer_Operation_GROW_VOLUME, mesospb.Offer_Operation_SHRINK_VOLUME:
			l.applyResourceOp(op)
		default:
			m.operationError(fw, op, "Unsupported offer operation "+op.GetType().String())
		}
	}
	refuse := refuseDuration(acc.GetFilters())
	for _, rs := range l.available {
		if !rs.IsEmpty() {
			m.logAllocErr(m.alloc.Recover(fw.id, a.id, rs, refuse, now))
		}
	}
	// Resized volumes are not for later operations of the same call
	// (Mesos keeps them apart); they go back like unused resources.
	for _, rs := range l.resized {
		m.logAllocErr(m.alloc.Recover(fw.id, a.id, rs, refuse, now))
	}
	m.allocPending = true
}

// takeValidOffers checks that every offer exists, belongs to fw, is on one
// agent and is named once, and removes them from the books. On error the
// valid ones are recovered (Mesos returns them to the allocator too).
func (m *Master) takeValidOffers(fw *framework, ids []*mesospb.OfferID) ([]*offer, *agent, error) {
	if len(ids) == 0 {
		return nil, nil, fmt.Errorf("no offer ids given")
	}
	var offers []*offer
	var problem error
	seen := map[string]bool{}
	for _, id := range ids {
		o := m.offers[id.GetValue()]
		switch {
		case seen[id.GetValue()]:
			problem = fmt.Errorf("offer %s appears more than once", id.GetValue())
			continue
		case o == nil:
			problem = fmt.Errorf("offer %s is no longer valid", id.GetValue())
			continue
		case o.frameworkID != fw.id:
			problem = fmt.Errorf("offer %s is not for framework %s", id.GetValue(), fw.id)
			continue
		case len(offers) > 0 && o.agentID != offers[0].agentID:
			problem = fmt.Errorf("aggregated offers must belong to one agent: offer %s is on agent %s, offer %s on %s",
				offers[0].id(), offers[0].agentID, o.id(), o.agentID)
		}
		seen[id.GetValue()] = true
		offers = append(offers, o)
	}
	var a *agent
	if problem == nil && len(offers) > 0 {
		a = m.agents[offers[0].agentID]
		if a == nil || !a.reachable() || a.stream == nil {
			problem = fmt.Errorf("agent %s is not reachable", offers[0].agentID)
		}
	}
	now := time.Now()
	if problem != nil {
		for _, o := range offers {
			if m.offers[o.id()] == o {
				m.recoverOffer(o, 0, now)
			}
		}
		return nil, nil, problem
	}
	for _, o := range offers {
		m.takeOffer(o)
	}
	return offers, a, nil
}

// launchedTasks lists the tasks of all LAUNCH and LAUNCH_GROUP operations.
func launchedTasks(ops []*mesospb.Offer_Operation) []*mesospb.TaskInfo {
	var out []*mesospb.TaskInfo
	for _, op := range ops {
		switch op.GetType() {
		case mesospb.Offer_Operation_LAUNCH:
			out = append(out, op.GetLaunch().GetTaskInfos()...)
		case mesospb.Offer_Operation_LAUNCH_GROUP:
			out = append(out, op.GetLaunchGroup().GetTaskGroup().GetTasks()...)
		}
	}
	return out
}

// launch is the state of one ACCEPT's launches on one agent.
type launch struct {
	m            *Master
	fw           *framework
	agent        *agent
	available    map[string]resources.Resources // by role
	seen         map[string]bool                // task ids launched by this call
	newExecutors map[string]*mesospb.ExecutorInfo
	// resized holds volumes GROW_VOLUME and SHRINK_VOLUME made, by role.
	resized map[string]resources.Resources
}

// launchTask validates and launches one task of a LAUNCH operation.
func (l *launch) launchTask(info *mesospb.TaskInfo) {
	role, need, err := l.validateTask(info, info.GetExecutor())
	if err == nil && (info.Command == nil) == (info.Executor == nil) {
		err = fmt.Errorf("Task should have at least one (but not both) of CommandInfo or ExecutorInfo present")
	}
	if err == nil {
		err = l.draw(role, need)
	}
	if err != nil {
		l.m.refuseTask(l.fw, info, mesospb.TaskState_TASK_ERROR, mesospb.TaskStatus_REASON_TASK_INVALID, err.Error())
		return
	}
	l.start(info, role, info.GetExecutor())
	l.m.sendToAgent(l.agent, &clusterpb.Event{
		Type:    clusterpb.Event_RUN_TASK.Enum(),
		RunTask: &clusterpb.Event_RunTask{FrameworkInfo: l.fw.info, Task: l.agentTask(info)},
	})
}

// launchGroup validates and launches a task group: all of its tasks start
// or none does.
func (l *launch) launchGroup(exec *mesospb.ExecutorInfo, group *mesospb.TaskGroupInfo) {
	fail := func(err error) {
		for _, info := range group.GetTasks() {
			l.m.refuseTask(l.fw, info, mesospb.TaskState_TASK_ERROR, mesospb.TaskStatus_REASON_TASK_GROUP_INVALID, err.Error())
		}
	}
	switch {
	case exec == nil:
		fail(fmt.Errorf("LAUNCH_GROUP needs an 'executor'"))
		return
	case exec.GetType() != mesospb.ExecutorInfo_DEFAULT:
		fail(fmt.Errorf("'ExecutorInfo.type' must be DEFAULT for a task group"))
		return
	case len(group.GetTasks()) == 0:
		fail(fmt.Errorf("task group has no tasks"))
		return
	}
	var role string
	var need resources.Resources
	for i, info := range group.GetTasks() {
		if info.Executor != nil {
			fail(fmt.Errorf("task %s of a task group must not set 'executor'", info.GetTaskId().GetValue()))
			return
		}
		// The executor's resources are counted once, with the first task.
		var e *mesospb.ExecutorInfo
		if i == 0 {
			e = exec
		}
		r, n, err := l.validateTask(info, e)
		if err == nil && i > 0 && r != role {
			err = fmt.Errorf("tasks of a group must use resources of one role")
		}
		if err != nil {
			fail(fmt.Errorf("task %s: %v", info.GetTaskId().GetValue(), err))
			return
		}
		role, need = r, need.Add(n)
		l.seen[info.GetTaskId().GetValue()] = true
	}
	if err := l.draw(role, need); err != nil {
		fail(err)
		return
	}
	var tasks []*mesospb.TaskInfo
	for i, info := range group.GetTasks() {
		var e *mesospb.ExecutorInfo
		if i == 0 {
			e = exec
		}
		l.start(info, role, e)
		tasks = append(tasks, l.agentTask(info))
	}
	l.m.sendToAgent(l.agent, &clusterpb.Event{
		Type: clusterpb.Event_RUN_TASK_GROUP.Enum(),
		RunTaskGroup: &clusterpb.Event_RunTaskGroup{
			FrameworkInfo: l.fw.info,
			Executor:      l.agentExecutor(exec),
			TaskGroup:     &mesospb.TaskGroupInfo{Tasks: tasks},
		},
	})
}

// validateTask applies Mesos's task validation against this launch and
// returns the role the task's resources come from and everything it needs
// (its resources plus those of an executor that is not running yet).
func (l *launch) validateTask(info *mesospb.TaskInfo, exec *mesospb.ExecutorInfo) (string, resources.Resources, error) {
	id := info.GetTaskId().GetValue()
	if err := validateID(id); err != nil {
		return "", resources.Resources{}, fmt.Errorf("Task ID '%s' is invalid: %v", id, err)
	}
	if l.seen[id] || l.fw.tasks[id] != nil {
		return "", resources.Resources{}, fmt.Errorf("Task has duplicate ID: %s", id)
	}
	if got := info.GetAgentId().GetValue(); got != l.agent.id {
		return "", resources.Resources{}, fmt.Errorf("Task uses agent %s but the offer is on agent %s", got, l.agent.id)
	}
	if kp := info.GetKillPolicy(); kp != nil && kp.GetGracePeriod().GetNanoseconds() < 0 {
		return "", resources.Resources{}, fmt.Errorf("Task's 'kill_policy.grace_period' must be non-negative")
	}
	if err := validateHealthCheck(info); err != nil { // validate_health.go
		return "", resources.Resources{}, err
	}
	role, need, err := l.allocated(info.GetResources(), "Task")
	if err != nil {
		return "", resources.Resources{}, err
	}
	if need.IsEmpty() {
		return "", resources.Resources{}, fmt.Errorf("Task uses no resources")
	}
	if exec != nil {
		execID := exec.GetExecutorId().GetValue()
		if err := validateID(execID); err != nil {
			return "", resources.Resources{}, fmt.Errorf("Executor ID '%s' is invalid: %v", execID, err)
		}
		if fid := exec.GetFrameworkId().GetValue(); fid != "" && fid != l.fw.id {
			return "", resources.Resources{}, fmt.Errorf("ExecutorInfo has an invalid FrameworkID (%s, expected %s)", fid, l.fw.id)
		}
		known := l.newExecutors[execID]
		if e := l.fw.executors[l.agent.id][execID]; e != nil {
			known = e.info
		}
		if known != nil {
			if !sameExecutor(known, l.withFrameworkID(exec)) {
				return "", resources.Resources{}, fmt.Errorf("ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID (%s)", execID)
			}
		} else {
			r, execNeed, err := l.allocated(exec.GetResources(), "Executor")
			if err != nil {
				return "", resources.Resources{}, err
			}
			if !execNeed.IsEmpty() && r != role {
				return "", resources.Resources{}, fmt.Errorf("Task and its executor use resources of different roles (%s, %s)", role, r)
			}
			need = need.Add(execNeed)
		}
	}
	return role, need, nil
}

// allocated converts wire resources of a task or executor and attaches the
// allocation role. Frameworks without MULTI_ROLE send no allocation info:
// their resources belong to their one role, as Mesos injects it.
func (l *launch) allocated(wire []*mesospb.Resource, what string) (string, resources.Resources, error) {
	rs, err := resources.FromProto(wire)
	if err != nil {
		return "", resources.Resources{}, fmt.Errorf("%s uses invalid resources: %v", what, err)
	}
	roles := rs.Allocations()
	unallocated := rs.Filter(func(r resources.Resource) bool { return r.AllocationRole == "" })
	if !unallocated.IsEmpty() {
		if l.fw.caps.multiRole && len(l.fw.roles) != 1 {
			return "", resources.Resources{}, fmt.Errorf("%s resources lack 'allocation_info' (required for MULTI_ROLE frameworks with several roles)", what)
		}
		role := l.fw.roles[0]
		rs = rs.Filter(func(r resources.Resource) bool { return r.AllocationRole != "" }).Add(unallocated.AllocateTo(role))
		roles = rs.Allocations()
	}
	if len(roles) > 1 {
		names := make([]string, 0, len(roles))
		for r := range roles {
			names = append(names, r)
		}
		return "", resources.Resources{}, fmt.Errorf("%s uses resources allocated to several roles: %s", what, strings.Join(names, ", "))
	}
	for role := range roles {
		return role, rs, nil
	}
	return "", rs, nil
}

// draw takes need out of what the offers of this call still hold.
func (l *launch) draw(role string, need resources.Resources) error {
	have := l.available[role]
	if !have.Contains(need) {
		return fmt.Errorf("Task uses more resources %s than available %s", need, have)
	}
	l.available[role] = have.Subtract(need)
	return nil
}

// start records a task the master has sent (or is about to send) to its agent.
func (l *launch) start(info *mesospb.TaskInfo, role string, exec *mesospb.ExecutorInfo) {
	fw, a := l.fw, l.agent
	_, rs, _ := l.allocated(info.GetResources(), "Task") // validated already
	if exec != nil {
		execID := exec.GetExecutorId().GetValue()
		if l.fw.executors[a.id][execID] == nil && l.newExecutors[execID] == nil {
			_, execRes, _ := l.allocated(exec.GetResources(), "Executor")
			e := &executor{info: l.withFrameworkID(exec), agentID: a.id, resources: execRes}
			if fw.executors[a.id] == nil {
				fw.executors[a.id] = map[string]*executor{}
			}
			fw.executors[a.id][execID] = e
			l.newExecutors[execID] = e.info
		}
	}
	wireRes, _ := rs.ToProto(resources.Format{Reservations: resources.Endpoint})
	pb := &mesospb.Task{
		Name:        info.Name,
		TaskId:      info.GetTaskId(),
		FrameworkId: fw.info.GetId(),
		AgentId:     a.info.GetId(),
		State:       mesospb.TaskState_TASK_STAGING.Enum(),
		Resources:   wireRes,
		Labels:      info.GetLabels(),
		Discovery:   info.GetDiscovery(),
		Container:   info.GetContainer(),
		HealthCheck: info.GetHealthCheck(),
		KillPolicy:  info.GetKillPolicy(),
		User:        fw.info.User,
	}
	if exec != nil {
		pb.ExecutorId = exec.GetExecutorId()
	}
	t := &task{pb: pb, resources: rs, role: role}
	fw.tasks[info.GetTaskId().GetValue()] = t
	a.addTask(t)
	l.seen[info.GetTaskId().GetValue()] = true
}

// agentTask is the TaskInfo sent to the agent: resources in the agent's
// (post-refinement, allocated) format and the executor's framework id set.
func (l *launch) agentTask(info *mesospb.TaskInfo) *mesospb.TaskInfo {
	out := proto.Clone(info).(*mesospb.TaskInfo)
	if t := l.fw.tasks[info.GetTaskId().GetValue()]; t != nil {
		out.Resources, _ = t.resources.ToProto(resources.Format{})
	}
	if out.Executor != nil {
		out.Executor = l.agentExecutor(out.Executor)
	}
	return out
}

// agentExecutor is the ExecutorInfo sent to the agent: framework id set and
// resources in the agent's (post-refinement, allocated) format.
func (l *launch) agentExecutor(exec *mesospb.ExecutorInfo) *mesospb.ExecutorInfo {
	out := proto.Clone(l.withFrameworkID(exec)).(*mesospb.ExecutorInfo)
	if _, execRes, err := l.allocated(out.GetResources(), "Executor"); err == nil {
		out.Resources, _ = execRes.ToProto(resources.Format{})
	}
	return out
}

// withFrameworkID returns exec with framework_id set, as Mesos fills it in.
func (l *launch) withFrameworkID(exec *mesospb.ExecutorInfo) *mesospb.ExecutorInfo {
	if exec.GetFrameworkId().GetValue() == l.fw.id {
		return exec
	}
	out := proto.Clone(exec).(*mesospb.ExecutorInfo)
	out.FrameworkId = l.fw.info.GetId()
	return out
}

// sameExecutor compares two ExecutorInfos the way Mesos decides they are
// compatible: equal apart from resources, which the master accounts for.
func sameExecutor(a, b *mesospb.ExecutorInfo) bool {
	a = proto.Clone(a).(*mesospb.ExecutorInfo)
	b = proto.Clone(b).(*mesospb.ExecutorInfo)
	a.Resources, b.Resources = nil, nil
	return proto.Equal(a, b)
}

// refuseTask answers a task the master will not launch with a
// master-generated update (no uuid, nothing to acknowledge).
func (m *Master) refuseTask(fw *framework, info *mesospb.TaskInfo, state mesospb.TaskState, reason mesospb.TaskStatus_Reason, msg string) {
	m.countTerminal(state)
	m.log.Info("refusing task", "framework", fw.id, "task", info.GetTaskId().GetValue(), "state", state.String(), "reason", msg)
	st := &mesospb.TaskStatus{
		TaskId:    info.GetTaskId(),
		State:     state.Enum(),
		Message:   ptr(msg),
		Source:    mesospb.TaskStatus_SOURCE_MASTER.Enum(),
		Reason:    reason.Enum(),
		AgentId:   info.GetAgentId(),
		Timestamp: ptr(nowSeconds()),
	}
	if info.GetExecutor() != nil {
		st.ExecutorId = info.GetExecutor().GetExecutorId()
	}
	m.sendMasterUpdate(fw, st)
}
