package agent

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	clusterpb "agora/api/agora/cluster/v1"
	mesospb "agora/api/mesos/v1"
	agentpb "agora/api/mesos/v1/agent"
	"agora/wire"
)

// The agent's operator endpoints: GET /health, GET /state (the Mesos agent's
// /state JSON) and the v1 operator API, POST /api/v1. The handlers are thin:
// the loop builds a snapshot of its state, the handler encodes it.

// routes is the agent's HTTP API.
func (a *Agent) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(ExecutorAPIPath, a.serveExecutorAPI)
	mux.HandleFunc("/api/v1", a.serveOperatorAPI)
	mux.HandleFunc("/health", a.serveHealth)
	mux.HandleFunc("/flags", a.serveFlags)
	mux.HandleFunc("/slave(1)/flags", a.serveFlags)
	mux.HandleFunc("/state", a.serveState)
	mux.HandleFunc("/state.json", a.serveState)
	mux.HandleFunc("/slave(1)/state", a.serveState)
	mux.Handle("/files/", a.filesHandler()) // files_api.go
	return mux
}

// serveHealth answers 200 while the agent runs, as Mesos's /health.
func (a *Agent) serveHealth(w http.ResponseWriter, r *http.Request) {
	if err := a.query(func() {}); err != nil {
		writeError(w, http.StatusServiceUnavailable, "Agent is shutting down")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// serveState answers GET /state with the agent's state in the shape of
// Mesos's agent /state endpoint.
func (a *Agent) serveState(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "Expecting GET")
		return
	}
	var doc stateDocument
	if err := a.query(func() { doc = a.stateDocument() }); err != nil {
		writeError(w, http.StatusServiceUnavailable, "Agent is shutting down")
		return
	}
	body, err := json.Marshal(doc)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", wire.MediaTypeJSON)
	w.Write(body)
}

// serveOperatorAPI is POST /api/v1 with the agent calls agora implements:
// GET_HEALTH, GET_FLAGS, GET_VERSION, GET_STATE, GET_FRAMEWORKS, GET_EXECUTORS,
// GET_TASKS and GET_AGENT.
func (a *Agent) serveOperatorAPI(w http.ResponseWriter, r *http.Request) {
	call := &agentpb.Call{}
	if !decodeCall(w, r, call) {
		return
	}
	accept, err := wire.ResponseCodec(r.Header.Get("Accept"))
	if err != nil {
		writeError(w, wire.StatusCode(err), err.Error())
		return
	}
	if call.Type == nil {
		writeError(w, http.StatusBadRequest, "Failed to validate agent::Call: Expecting 'type' to be present")
		return
	}
	var resp *agentpb.Response
	if err := a.query(func() { resp = a.operatorResponse(call.GetType()) }); err != nil {
		writeError(w, http.StatusServiceUnavailable, "Agent is shutting down")
		return
	}
	if resp == nil {
		writeError(w, http.StatusNotImplemented, "agora's agent does not implement "+call.GetType().String())
		return
	}
	out, err := accept.Marshal(resp)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", accept.MediaType())
	w.Write(out)
}

// The functions below run on the loop.

// operatorResponse answers an operator call, or returns nil for a call the
// agent does not implement.
func (a *Agent) operatorResponse(t agentpb.Call_Type) *agentpb.Response {
	switch t {
	case agentpb.Call_GET_HEALTH:
		return &agentpb.Response{
			Type:      agentpb.Response_GET_HEALTH.Enum(),
			GetHealth: &agentpb.Response_GetHealth{Healthy: proto.Bool(true)},
		}
	case agentpb.Call_GET_FLAGS:
		flags := a.flags()
		names := make([]string, 0, len(flags))
		for name := range flags {
			names = append(names, name)
		}
		slices.Sort(names)
		out := &agentpb.Response_GetFlags{}
		for _, name := range names {
			out.Flags = append(out.Flags, &mesospb.Flag{Name: proto.String(name), Value: proto.String(flags[name])})
		}
		return &agentpb.Response{Type: agentpb.Response_GET_FLAGS.Enum(), GetFlags: out}
	case agentpb.Call_GET_VERSION:
		return &agentpb.Response{
			Type:       agentpb.Response_GET_VERSION.Enum(),
			GetVersion: &agentpb.Response_GetVersion{VersionInfo: &mesospb.VersionInfo{Version: proto.String(Version)}},
		}
	case agentpb.Call_GET_STATE:
		return &agentpb.Response{
			Type: agentpb.Response_GET_STATE.Enum(),
			GetState: &agentpb.Response_GetState{
				GetTasks:      a.getTasks(),
				GetExecutors:  a.getExecutors(),
				GetFrameworks: a.getFrameworks(),
			},
		}
	case agentpb.Call_GET_FRAMEWORKS:
		return &agentpb.Response{Type: agentpb.Response_GET_FRAMEWORKS.Enum(), GetFrameworks: a.getFrameworks()}
	case agentpb.Call_GET_EXECUTORS:
		return &agentpb.Response{Type: agentpb.Response_GET_EXECUTORS.Enum(), GetExecutors: a.getExecutors()}
	case agentpb.Call_GET_TASKS:
		return &agentpb.Response{Type: agentpb.Response_GET_TASKS.Enum(), GetTasks: a.getTasks()}
	case agentpb.Call_GET_AGENT:
		return &agentpb.Response{
			Type:     agentpb.Response_GET_AGENT.Enum(),
			GetAgent: &agentpb.Response_GetAgent{AgentInfo: proto.CloneOf(a.info)},
		}
	}
	return nil
}

func (a *Agent) getFrameworks() *agentpb.Response_GetFrameworks {
	out := &agentpb.Response_GetFrameworks{}
	for _, fw := range a.orderedFrameworks() {
		out.Frameworks = append(out.Frameworks, &agentpb.Response_GetFrameworks_Framework{FrameworkInfo: fw.info})
	}
	for _, fw := range a.completedFrameworks {
		out.CompletedFrameworks = append(out.CompletedFrameworks, &agentpb.Response_GetFrameworks_Framework{FrameworkInfo: fw.info})
	}
	return out
}

func (a *Agent) getExecutors() *agentpb.Response_GetExecutors {
	out := &agentpb.Response_GetExecutors{}
	add := func(list *[]*agentpb.Response_GetExecutors_Executor, ex *executor) {
		*list = append(*list, &agentpb.Response_GetExecutors_Executor{ExecutorInfo: ex.info})
	}
	for _, fw := range a.allFrameworks() {
		for _, ex := range fw.orderedExecutors() {
			add(&out.Executors, ex)
		}
		for _, ex := range fw.completedExecutors {
			add(&out.CompletedExecutors, ex)
		}
	}
	return out
}

// getTasks sorts tasks by where they are: queued (not yet handed to the
// executor), launched, terminated (terminal, not yet acknowledged) and
// completed.
func (a *Agent) getTasks() *agentpb.Response_GetTasks {
	out := &agentpb.Response_GetTasks{}
	for _, fw := range a.allFrameworks() {
		executors := append(fw.orderedExecutors(), fw.completedExecutors...)
		for _, ex := range executors {
			for _, t := range ex.orderedTasks() {
				switch {
				case t.queued:
					out.QueuedTasks = append(out.QueuedTasks, t.record)
				case t.terminal():
					out.TerminatedTasks = append(out.TerminatedTasks, t.record)
				default:
					out.LaunchedTasks = append(out.LaunchedTasks, t.record)
				}
			}
			out.CompletedTasks = append(out.CompletedTasks, ex.completedTasks...)
		}
	}
	return out
}

// allFrameworks is the current frameworks, then the completed ones.
func (a *Agent) allFrameworks() []*framework {
	return append(a.orderedFrameworks(), a.completedFrameworks...)
}

// stateDocument is the JSON of GET /state, after Mesos's agent /state.
type stateDocument struct {
	Version        string            `json:"version"`
	ID             string            `json:"id"`
	PID            string            `json:"pid"`
	Hostname       string            `json:"hostname"`
	StartTime      float64           `json:"start_time"`
	MasterHostname string            `json:"master_hostname,omitempty"`
	Resources      map[string]any    `json:"resources"`
	Attributes     map[string]any    `json:"attributes"`
	Flags          map[string]string `json:"flags"`
	// Isolation is agora's: the isolation in force and, when there is
	// none, why (isolation.go).
	Isolation           isolationState   `json:"isolation"`
	Frameworks          []stateFramework `json:"frameworks"`
	CompletedFrameworks []stateFramework `json:"completed_frameworks"`
}

type stateFramework struct {
	ID                 string          `json:"id"`
	Name               string          `json:"name"`
	User               string          `json:"user"`
	Hostname           string          `json:"hostname,omitempty"`
	Role               string          `json:"role,omitempty"`
	Roles              []string        `json:"roles,omitempty"`
	FailoverTimeout    float64         `json:"failover_timeout"`
	Checkpoint         bool            `json:"checkpoint"`
	Executors          []stateExecutor `json:"executors"`
	CompletedExecutors []stateExecutor `json:"completed_executors"`
}

type stateExecutor struct {
	ID             string         `json:"id"`
	Name           string         `json:"name"`
	Source         string         `json:"source"`
	Container      string         `json:"container"`
	Directory      string         `json:"directory"`
	FrameworkID    string         `json:"framework_id"`
	Resources      map[string]any `json:"resources"`
	Tasks          []stateTask    `json:"tasks"`
	QueuedTasks    []stateTask    `json:"queued_tasks"`
	CompletedTasks []stateTask    `json:"completed_tasks"`
}

type stateTask struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	FrameworkID string         `json:"framework_id"`
	ExecutorID  string         `json:"executor_id"`
	SlaveID     string         `json:"slave_id"`
	State       string         `json:"state"`
	Resources   map[string]any `json:"resources"`
	Statuses    []stateStatus  `json:"statuses"`
}

type stateStatus struct {
	State     string  `json:"state"`
	Timestamp float64 `json:"timestamp"`
	Message   string  `json:"message,omitempty"`
}

// flags are the agent's flags as /flags, /state and GET_FLAGS report
// them, with Mesos's names. isolation is the isolation in force, whatever
// was asked for: under auto, cgroups/cpu,cgroups/mem or posix/cpu,posix/mem.
func (a *Agent) flags() map[string]string {
	return map[string]string{
		"master":             a.cfg.Master,
		"work_dir":           a.cfg.WorkDir,
		"hostname":           a.cfg.Hostname,
		"port":               strconv.Itoa(int(a.info.GetPort())),
		"resources":          a.cfg.Resources,
		"attributes":         a.cfg.Attributes,
		"isolation":          a.isolation.flag,
		"cgroups_root":       a.cfg.CgroupsRoot,
		"cgroups_enable_cfs": strconv.FormatBool(a.cfg.CgroupsEnableCFS),
		"cgroups_limit_swap": strconv.FormatBool(a.cfg.CgroupsLimitSwap),
	}
}

// serveFlags is GET /flags, Mesos's {"flags": {...}}.
func (a *Agent) serveFlags(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "Expecting GET")
		return
	}
	var flags map[string]string
	if err := a.query(func() { flags = a.flags() }); err != nil {
		writeError(w, http.StatusServiceUnavailable, "Agent is shutting down")
		return
	}
	body, _ := json.Marshal(map[string]any{"flags": flags})
	w.Header().Set("Content-Type", wire.MediaTypeJSON)
	w.Write(body)
}

func (a *Agent) stateDocument() stateDocument {
	doc := stateDocument{
		Version:             Version,
		ID:                  a.agentID.GetValue(),
		PID:                 "slave(1)@" + a.endpoint,
		Hostname:            a.info.GetHostname(),
		StartTime:           float64(a.startTime.UnixNano()) / 1e9,
		MasterHostname:      a.master.info.GetHostname(),
		Resources:           flatResources(a.info.GetResources()),
		Attributes:          flatAttributes(a.info.GetAttributes()),
		Flags:               a.flags(),
		Isolation:           a.isolation.state(),
		Frameworks:          []stateFramework{},
		CompletedFrameworks: []stateFramework{},
	}
	for _, fw := range a.orderedFrameworks() {
		doc.Frameworks = append(doc.Frameworks, a.stateFramework(fw))
	}
	for _, fw := range a.completedFrameworks {
		doc.CompletedFrameworks = append(doc.CompletedFrameworks, a.stateFramework(fw))
	}
	return doc
}

func (a *Agent) stateFramework(fw *framework) stateFramework {
	out := stateFramework{
		ID:                 fw.id,
		Name:               fw.info.GetName(),
		User:               fw.info.GetUser(),
		Hostname:           fw.info.GetHostname(),
		Role:               fw.info.GetRole(),
		Roles:              fw.info.GetRoles(),
		FailoverTimeout:    fw.info.GetFailoverTimeout(),
		Checkpoint:         fw.info.GetCheckpoint(),
		Executors:          []stateExecutor{},
		CompletedExecutors: []stateExecutor{},
	}
	for _, ex := range fw.orderedExecutors() {
		out.Executors = append(out.Executors, stateOfExecutor(ex))
	}
	for _, ex := range fw.completedExecutors {
		out.CompletedExecutors = append(out.CompletedExecutors, stateOfExecutor(ex))
	}
	return out
}

func stateOfExecutor(ex *executor) stateExecutor {
	out := stateExecutor{
		ID:             ex.id,
		Name:           ex.info.GetName(),
		Source:         ex.info.GetSource(),
		Container:      ex.containerID,
		Directory:      ex.sandbox,
		FrameworkID:    ex.frameworkID,
		Resources:      flatResources(ex.info.GetResources()),
		Tasks:          []stateTask{},
		QueuedTasks:    []stateTask{},
		CompletedTasks: []stateTask{},
	}
	for _, t := range ex.orderedTasks() {
		if t.queued {
			out.QueuedTasks = append(out.QueuedTasks, stateOfTask(t.record))
		} else {
			out.Tasks = append(out.Tasks, stateOfTask(t.record))
		}
	}
	for _, t := range ex.completedTasks {
		out.CompletedTasks = append(out.CompletedTasks, stateOfTask(t))
	}
	return out
}

func stateOfTask(t *mesospb.Task) stateTask {
	out := stateTask{
		ID:          t.GetTaskId().GetValue(),
		Name:        t.GetName(),
		FrameworkID: t.GetFrameworkId().GetValue(),
		ExecutorID:  t.GetExecutorId().GetValue(),
		SlaveID:     t.GetAgentId().GetValue(),
		State:       t.GetState().String(),
		Resources:   flatResources(t.GetResources()),
		Statuses:    []stateStatus{},
	}
	for _, s := range t.GetStatuses() {
		out.Statuses = append(out.Statuses, stateStatus{
			State: s.GetState().String(), Timestamp: s.GetTimestamp(), Message: s.GetMessage(),
		})
	}
	return out
}

// flatResources writes resources the way Mesos's endpoints summarise them:
// one entry per name, scalars summed over roles, ranges as
// "[31000-32000, 33000-34000]" and sets as "{a, b}".
func flatResources(list []*mesospb.Resource) map[string]any {
	scalars := map[string]float64{}
	texts := map[string][]string{}
	for _, r := range list {
		name := r.GetName()
		switch r.GetType() {
		case mesospb.Value_SCALAR:
			scalars[name] += r.GetScalar().GetValue()
		case mesospb.Value_RANGES:
			for _, rg := range r.GetRanges().GetRange() {
				texts[name] = append(texts[name], strconv.FormatUint(rg.GetBegin(), 10)+"-"+strconv.FormatUint(rg.GetEnd(), 10))
			}
			if _, ok := texts[name]; !ok {
				texts[name] = nil
			}
		case mesospb.Value_SET:
			texts[name] = append(texts[name], r.GetSet().GetItem()...)
		}
	}
	out := map[string]any{}
	for name, v := range scalars {
		out[name] = v
	}
	for _, r := range list {
		name := r.GetName()
		items, ok := texts[name]
		if !ok {
			continue
		}
		if r.GetType() == mesospb.Value_RANGES {
			out[name] = "[" + strings.Join(items, ", ") + "]"
		} else {
			out[name] = "{" + strings.Join(items, ", ") + "}"
		}
	}
	return out
}

// flatAttributes writes attributes as Mesos's endpoints do: scalars as
// numbers, text and ranges as strings.
func flatAttributes(list []*mesospb.Attribute) map[string]any {
	out := map[string]any{}
	for _, at := range list {
		switch at.GetType() {
		case mesospb.Value_SCALAR:
			out[at.GetName()] = at.GetScalar().GetValue()
		case mesospb.Value_RANGES:
			var items []string
			for _, rg := range at.GetRanges().GetRange() {
				items = append(items, strconv.FormatUint(rg.GetBegin(), 10)+"-"+strconv.FormatUint(rg.GetEnd(), 10))
			}
			out[at.GetName()] = "[" + strings.Join(items, ", ") + "]"
		case mesospb.Value_SET:
			items := slices.Clone(at.GetSet().GetItem())
			out[at.GetName()] = "{" + strings.Join(items, ", ") + "}"
		default:
			out[at.GetName()] = at.GetText().GetValue()
		}
	}
	return out
}

// newMessageCall relays an executor's MESSAGE to its framework.
func newMessageCall(fw *framework, ex *executor, data []byte) *clusterpb.Call {
	return &clusterpb.Call{
		Type: clusterpb.Call_MESSAGE.Enum(),
		Message: &clusterpb.Call_Message{
			FrameworkId: proto.CloneOf(fw.info.GetId()),
			ExecutorId:  proto.CloneOf(ex.info.GetExecutorId()),
			Data:        data,
		},
	}
}
