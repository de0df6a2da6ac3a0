package master

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	mesospb "agora/api/mesos/v1"
	masterpb "agora/api/mesos/v1/master"
	"agora/resources"
	"agora/wire"
)

func serveHealth(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusOK)
}

// serveVersion is GET /version in Mesos's shape.
func (m *Master) serveVersion(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{
		"version":    Version,
		"build_date": "",
		"build_time": 0,
		"build_user": "agora",
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

// serveOperator is POST /api/v1, the Mesos v1 operator API (the read calls
// the running cluster needs; the rest answer 501 until implemented).
func (m *Master) serveOperator(w http.ResponseWriter, r *http.Request) {
	call := &masterpb.Call{}
	codec, err := readCall(w, r, call)
	if err != nil {
		writeError(w, err)
		return
	}
	var resp *masterpb.Response
	switch call.GetType() {
	case masterpb.Call_GET_HEALTH:
		resp = &masterpb.Response{Type: masterpb.Response_GET_HEALTH.Enum(),
			GetHealth: &masterpb.Response_GetHealth{Healthy: ptr(true)}}
	case masterpb.Call_GET_VERSION:
		resp = &masterpb.Response{Type: masterpb.Response_GET_VERSION.Enum(),
			GetVersion: &masterpb.Response_GetVersion{VersionInfo: &mesospb.VersionInfo{Version: ptr(Version)}}}
	case masterpb.Call_GET_MASTER:
		resp = &masterpb.Response{Type: masterpb.Response_GET_MASTER.Enum(),
			GetMaster: &masterpb.Response_GetMaster{MasterInfo: m.info, StartTime: ptr(seconds(m.start)), ElectedTime: ptr(seconds(m.start))}}
	case masterpb.Call_GET_STATE, masterpb.Call_GET_AGENTS, masterpb.Call_GET_FRAMEWORKS, masterpb.Call_GET_TASKS, masterpb.Call_GET_EXECUTORS:
		// The response shares messages with the master's state (tasks,
		// offers), so it is encoded on the master's goroutine too.
		var b []byte
		var encErr error
		if err := m.do(r.Context(), func() { b, encErr = codec.Marshal(m.operatorRead(call.GetType())) }); err != nil {
			writeError(w, err)
			return
		}
		writeEncoded(w, codec, b, encErr)
		return
	case masterpb.Call_GET_ROLES, masterpb.Call_GET_WEIGHTS, masterpb.Call_GET_QUOTA:
		var b []byte
		var encErr error
		if err := m.do(r.Context(), func() { b, encErr = codec.Marshal(m.allocationRead(call.GetType())) }); err != nil {
			writeError(w, err)
			return
		}
		writeEncoded(w, codec, b, encErr)
		return
	case masterpb.Call_UPDATE_WEIGHTS, masterpb.Call_UPDATE_QUOTA,
		masterpb.Call_RESERVE_RESOURCES, masterpb.Call_UNRESERVE_RESOURCES,
		masterpb.Call_CREATE_VOLUMES, masterpb.Call_DESTROY_VOLUMES:
		m.serveOperatorChange(w, r, call)
		return
	default:
		writeError(w, httpErrorf(http.StatusNotImplemented, "Call %s is not implemented yet", call.GetType()))
		return
	}
	b, err := codec.Marshal(resp)
	writeEncoded(w, codec, b, err)
}

// allocationRead answers GET_ROLES, GET_WEIGHTS and GET_QUOTA on the
// master's goroutine.
func (m *Master) allocationRead(t masterpb.Call_Type) *masterpb.Response {
	switch t {
	case masterpb.Call_GET_ROLES:
		return &masterpb.Response{Type: masterpb.Response_GET_ROLES.Enum(), GetRoles: m.getRoles()}
	case masterpb.Call_GET_WEIGHTS:
		return &masterpb.Response{Type: masterpb.Response_GET_WEIGHTS.Enum(),
			GetWeights: &masterpb.Response_GetWeights{WeightInfos: m.weightInfos()}}
	default:
		return &masterpb.Response{Type: masterpb.Response_GET_QUOTA.Enum(),
			GetQuota: &masterpb.Response_GetQuota{Status: m.getQuota()}}
	}
}

// serveOperatorChange runs an operator call that changes the master's
// state; success is 200 (202 for operations on an agent's resources) with
// an empty body, as in Mesos.
func (m *Master) serveOperatorChange(w http.ResponseWriter, r *http.Request, call *masterpb.Call) {
	var callErr error
	code := http.StatusOK
	run := func() {
		switch call.GetType() {
		case masterpb.Call_RESERVE_RESOURCES, masterpb.Call_UNRESERVE_RESOURCES,
			masterpb.Call_CREATE_VOLUMES, masterpb.Call_DESTROY_VOLUMES:
			if err := requireBody(call); err != nil {
				callErr = err
				return
			}
			code, callErr = m.operatorResourceOp(call)
		case masterpb.Call_UPDATE_WEIGHTS:
			if call.UpdateWeights == nil {
				callErr = httpErrorf(http.StatusBadRequest, "Expecting 'update_weights' to be present")
				return
			}
			callErr = m.updateWeights(call.GetUpdateWeights().GetWeightInfos())
		case masterpb.Call_UPDATE_QUOTA:
			if call.UpdateQuota == nil {
				callErr = httpErrorf(http.StatusBadRequest, "Expecting 'update_quota' to be present")
				return
			}
			callErr = m.updateQuota(call.GetUpdateQuota())
		}
	}
	if err := m.do(r.Context(), run); err != nil {
		writeError(w, err)
		return
	}
	if callErr != nil {
		writeError(w, callErr)
		return
	}
	w.WriteHeader(code)
}

// requireBody checks that a resource operation call carries its message.
func requireBody(call *masterpb.Call) error {
	missing := ""
	switch call.GetType() {
	case masterpb.Call_RESERVE_RESOURCES:
		if call.ReserveResources == nil {
			missing = "reserve_resources"
		}
	case masterpb.Call_UNRESERVE_RESOURCES:
		if call.UnreserveResources == nil {
			missing = "unreserve_resources"
		}
	case masterpb.Call_CREATE_VOLUMES:
		if call.CreateVolumes == nil {
			missing = "create_volumes"
		}
	case masterpb.Call_DESTROY_VOLUMES:
		if call.DestroyVolumes == nil {
			missing = "destroy_volumes"
		}
	}
	if missing != "" {
		return httpErrorf(http.StatusBadRequest, "Expecting '%s' to be present", missing)
	}
	return nil
}

// writeEncoded answers with an encoded response, or 500 if encoding failed.
func writeEncoded(w http.ResponseWriter, codec wire.Codec, b []byte, err error) {
	if err != nil {
		writeError(w, httpErrorf(http.StatusInternalServerError, "encode response: %v", err))
		return
	}
	w.Header().Set("Content-Type", codec.MediaType())
	_, _ = w.Write(b)
}

// operatorRead builds the response to a read call from the master's state;
// it runs on the master's goroutine.
func (m *Master) operatorRead(t masterpb.Call_Type) *masterpb.Response {
	switch t {
	case masterpb.Call_GET_AGENTS:
		return &masterpb.Response{Type: masterpb.Response_GET_AGENTS.Enum(), GetAgents: m.getAgents()}
	case masterpb.Call_GET_FRAMEWORKS:
		return &masterpb.Response{Type: masterpb.Response_GET_FRAMEWORKS.Enum(), GetFrameworks: m.getFrameworks()}
	case masterpb.Call_GET_TASKS:
		return &masterpb.Response{Type: masterpb.Response_GET_TASKS.Enum(), GetTasks: m.getTasks()}
	case masterpb.Call_GET_EXECUTORS:
		return &masterpb.Response{Type: masterpb.Response_GET_EXECUTORS.Enum(), GetExecutors: m.getExecutors()}
	default:
		return &masterpb.Response{Type: masterpb.Response_GET_STATE.Enum(), GetState: &masterpb.Response_GetState{
			GetTasks:      m.getTasks(),
			GetExecutors:  m.getExecutors(),
			GetFrameworks: m.getFrameworks(),
			GetAgents:     m.getAgents(),
		}}
	}
}

func seconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func timeInfo(t time.Time) *mesospb.TimeInfo {
	return &mesospb.TimeInfo{Nanoseconds: ptr(t.UnixNano())}
}

func endpointFormat(rs resources.Resources) []*mesospb.Resource {
	out, _ := rs.ToProto(resources.Format{Reservations: resources.Endpoint})
	return out
}

func (m *Master) sortedAgents() []*agent {
	out := make([]*agent, 0, len(m.agents))
	for _, a := range m.agents {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (m *Master) sortedFrameworks(fws map[string]*framework) []*framework {
	out := make([]*framework, 0, len(fws))
	for _, f := range fws {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// allocatedOn sums what tasks and executors hold on agent a.
func (m *Master) allocatedOn(a *agent) resources.Resources {
	var sum resources.Resources
	for _, rs := range m.usedOn(a) {
		sum = sum.Add(rs)
	}
	return sum
}

// offeredByAgent sums the outstanding offers by agent, in one pass.
func (m *Master) offeredByAgent() map[string]resources.Resources {
	out := map[string]resources.Resources{}
	for _, o := range m.offers {
		out[o.agentID] = out[o.agentID].Add(o.total())
	}
	return out
}

func (m *Master) getAgents() *masterpb.Response_GetAgents {
	out := &masterpb.Response_GetAgents{}
	offered := m.offeredByAgent()
	for _, a := range m.sortedAgents() {
		pb := &masterpb.Response_GetAgents_Agent{
			AgentInfo:          a.info,
			Active:             ptr(a.reachable() && a.stream != nil),
			Version:            ptr(Version),
			Pid:                ptr("slave(1)@" + a.endpoint),
			RegisteredTime:     timeInfo(a.registered),
			TotalResources:     endpointFormat(a.total),
			AllocatedResources: endpointFormat(m.allocatedOn(a).Unallocate()),
			OfferedResources:   endpointFormat(offered[a.id].Unallocate()),
		}
		if a.reachable() {
			out.Agents = append(out.Agents, pb)
		} else {
			out.RecoveredAgents = append(out.RecoveredAgents, a.info)
		}
	}
	return out
}

func (m *Master) frameworkPB(fw *framework) *masterpb.Response_GetFrameworks_Framework {
	pb := &masterpb.Response_GetFrameworks_Framework{
		FrameworkInfo:  fw.info,
		Active:         ptr(fw.connected()),
		Connected:      ptr(fw.connected()),
		Recovered:      ptr(false),
		RegisteredTime: timeInfo(fw.registered),
	}
	if !fw.disconnectedAt.IsZero() {
		pb.UnregisteredTime = timeInfo(fw.disconnectedAt)
	}
	var allocated, offered resources.Resources
	for _, t := range fw.tasks {
		if !t.recovered {
			allocated = allocated.Add(t.resources)
		}
	}
	for _, o := range fw.offers {
		offered = offered.Add(o.total())
		pb.Offers = append(pb.Offers, o.pb)
	}
	pb.AllocatedResources = endpointFormat(allocated)
	pb.OfferedResources = endpointFormat(offered)
	return pb
}

func (m *Master) getFrameworks() *masterpb.Response_GetFrameworks {
	out := &masterpb.Response_GetFrameworks{}
	for _, fw := range m.sortedFrameworks(m.frameworks) {
		out.Frameworks = append(out.Frameworks, m.frameworkPB(fw))
	}
	for _, fw := range m.sortedFrameworks(m.removedFws) {
		out.CompletedFrameworks = append(out.CompletedFrameworks, m.frameworkPB(fw))
	}
	return out
}

func (m *Master) getTasks() *masterpb.Response_GetTasks {
	out := &masterpb.Response_GetTasks{}
	add := func(fw *framework) {
		for _, t := range sortedTasks(fw.tasks) {
			if t.state() == mesospb.TaskState_TASK_UNREACHABLE {
				out.UnreachableTasks = append(out.UnreachableTasks, t.pb)
			} else {
				out.Tasks = append(out.Tasks, t.pb)
			}
		}
		for _, t := range fw.completed {
			out.CompletedTasks = append(out.CompletedTasks, t.pb)
		}
	}
	for _, fw := range m.sortedFrameworks(m.frameworks) {
		add(fw)
	}
	for _, fw := range m.sortedFrameworks(m.removedFws) {
		for _, t := range fw.completed {
			out.CompletedTasks = append(out.CompletedTasks, t.pb)
		}
	}
	return out
}

func sortedTasks(ts map[string]*task) []*task {
	out := make([]*task, 0, len(ts))
	for _, t := range ts {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id() < out[j].id() })
	return out
}

func (m *Master) getExecutors() *masterpb.Response_GetExecutors {
	out := &masterpb.Response_GetExecutors{}
	for _, fw := range m.sortedFrameworks(m.frameworks) {
		for agentID, es := range fw.executors {
			for _, e := range es {
				out.Executors = append(out.Executors, &masterpb.Response_GetExecutors_Executor{
					ExecutorInfo: e.info,
					AgentId:      &mesospb.AgentID{Value: ptr(agentID)},
				})
			}
		}
	}
	return out
}

// serveState is GET /master/state: Mesos's legacy state JSON, which web UIs,
// dashboards and scripts read. Resources are flat maps as Mesos renders them.
func (m *Master) serveState(w http.ResponseWriter, r *http.Request) {
	var state map[string]any
	if err := m.do(r.Context(), func() { state = m.legacyState() }); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, state)
}

func (m *Master) legacyState() map[string]any {
	var active, deactivated, unreachable int
	slaves := []any{}
	offered := m.offeredByAgent()
	for _, a := range m.sortedAgents() {
		switch {
		case !a.reachable():
			unreachable++
			continue
		case a.stream == nil:
			deactivated++
		default:
			active++
		}
		attrs := map[string]any{}
		if as, err := resources.AttributesFromProto(a.info.GetAttributes()); err == nil {
			for _, at := range as {
				if at.Kind == resources.KindScalar {
					attrs[at.Name] = at.Scalar.Float64()
				} else {
					attrs[at.Name] = at.ValueString()
				}
			}
		}
		used := m.allocatedOn(a).Unallocate()
		slaves = append(slaves, map[string]any{
			"id":                   a.id,
			"pid":                  "slave(1)@" + a.endpoint,
			"hostname":             a.info.GetHostname(),
			"port":                 a.info.GetPort(),
			"resources":            flatResources(a.total),
			"used_resources":       flatResources(used),
			"offered_resources":    flatResources(offered[a.id].Unallocate()),
			"reserved_resources":   reservedByRole(a.total),
			"unreserved_resources": flatResources(a.total.Unreserved()),
			"attributes":           attrs,
			"active":               a.stream != nil,
			"version":              Version,
			"registered_time":      seconds(a.registered),
		})
	}
	frameworks := []any{}
	for _, fw := range m.sortedFrameworks(m.frameworks) {
		frameworks = append(frameworks, m.legacyFramework(fw))
	}
	completed := []any{}
	for _, fw := range m.sortedFrameworks(m.removedFws) {
		completed = append(completed, m.legacyFramework(fw))
	}
	return map[string]any{
		"version":                 Version,
		"id":                      m.info.GetId(),
		"pid":                     m.info.GetPid(),
		"hostname":                m.cfg.Hostname,
		"start_time":              seconds(m.start),
		"elected_time":            seconds(m.start),
		"leader":                  m.info.GetPid(),
		"leader_info":             map[string]any{"id": m.info.GetId(), "pid": m.info.GetPid(), "port": m.info.GetPort(), "hostname": m.info.GetHostname(), "version": Version},
		"activated_slaves":        active,
		"deactivated_slaves":      deactivated,
		"unreachable_slaves":      unreachable,
		"flags":                   m.flags(),
		"slaves":                  slaves,
		"recovered_slaves":        []any{},
		"frameworks":              frameworks,
		"completed_frameworks":    completed,
		"orphan_tasks":            []any{},
		"unregistered_frameworks": []any{},
	}
}

func (m *Master) flags() map[string]string {
	return map[string]string{
		"port":                    strconv.Itoa(m.cfg.Port),
		"hostname":                m.cfg.Hostname,
		"offer_timeout":           durationFlag(m.cfg.OfferTimeout),
		"allocation_interval":     durationFlag(m.cfg.AllocationInterval),
		"agent_ping_timeout":      durationFlag(m.cfg.AgentPingTimeout),
		"max_agent_ping_timeouts": strconv.Itoa(m.cfg.MaxAgentPingTimeouts),
		"heartbeat_interval":      durationFlag(m.cfg.HeartbeatInterval),
	}
}

func (m *Master) legacyFramework(fw *framework) map[string]any {
	var used, offered resources.Resources
	tasks := []any{}
	for _, t := range sortedTasks(fw.tasks) {
		if !t.recovered {
			used = used.Add(t.resources)
		}
		tasks = append(tasks, legacyTask(t))
	}
	done := []any{}
	for _, t := range fw.completed {
		done = append(done, legacyTask(t))
	}
	offers := []any{}
	for _, o := range fw.offers {
		offered = offered.Add(o.total())
		offers = append(offers, map[string]any{
			"id": o.id(), "framework_id": fw.id, "slave_id": o.agentID,
			"resources": flatResources(o.total()),
		})
	}
	caps := []string{}
	for _, c := range fw.info.GetCapabilities() {
		caps = append(caps, c.GetType().String())
	}
	out := map[string]any{
		"id":                fw.id,
		"name":              fw.info.GetName(),
		"user":              fw.info.GetUser(),
		"hostname":          fw.info.GetHostname(),
		"webui_url":         fw.info.GetWebuiUrl(),
		"principal":         fw.info.GetPrincipal(),
		"role":              fw.info.GetRole(),
		"roles":             fw.roles,
		"capabilities":      caps,
		"failover_timeout":  fw.info.GetFailoverTimeout(),
		"checkpoint":        fw.info.GetCheckpoint(),
		"active":            fw.connected(),
		"connected":         fw.connected(),
		"recovered":         false,
		"registered_time":   seconds(fw.registered),
		"unregistered_time": 0.0,
		"used_resources":    flatResources(used.Unallocate()),
		"offered_resources": flatResources(offered.Unallocate()),
		"resources":         flatResources(used.Add(offered).Unallocate()),
		"tasks":             tasks,
		"completed_tasks":   done,
		"offers":            offers,
		"executors":         []any{},
	}
	if !fw.disconnectedAt.IsZero() {
		out["unregistered_time"] = seconds(fw.disconnectedAt)
	}
	return out
}

func legacyTask(t *task) map[string]any {
	statuses := []any{}
	for _, s := range t.pb.GetStatuses() {
		statuses = append(statuses, map[string]any{"state": s.GetState().String(), "timestamp": s.GetTimestamp()})
	}
	return map[string]any{
		"id":           t.id(),
		"name":         t.pb.GetName(),
		"framework_id": t.frameworkID(),
		"executor_id":  t.pb.GetExecutorId().GetValue(),
		"slave_id":     t.agentID(),
		"state":        t.state().String(),
		"resources":    flatResources(t.resources.Unallocate()),
		"role":         t.role,
		"statuses":     statuses,
	}
}

// flatResources renders resources as Mesos's state JSON does: scalars summed
// by name ("cpus", "mem", "disk", "gpus" always present), ranges and sets as
// their text form ("[31000-32000]").
func flatResources(rs resources.Resources) map[string]any {
	out := map[string]any{"cpus": 0.0, "mem": 0.0, "disk": 0.0, "gpus": 0.0}
	for _, name := range rs.Names() {
		switch {
		case len(rs.Ranges(name)) > 0:
			var parts []string
			for _, r := range rs.Ranges(name) {
				parts = append(parts, strconv.FormatUint(r.Begin, 10)+"-"+strconv.FormatUint(r.End, 10))
			}
			out[name] = "[" + strings.Join(parts, ", ") + "]"
		case len(rs.Set(name)) > 0:
			out[name] = "{" + strings.Join(rs.Set(name), ", ") + "}"
		default:
			out[name] = rs.Scalar(name).Float64()
		}
	}
	return out
}

func reservedByRole(rs resources.Resources) map[string]any {
	out := map[string]any{}
	for role, r := range rs.Reservations() {
		out[role] = flatResources(r)
	}
	return out
}
