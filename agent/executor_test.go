package agent_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent"
	clusterpb "agora/api/agora/cluster/v1"
	mesospb "agora/api/mesos/v1"
	executorpb "agora/api/mesos/v1/executor"
	"agora/wire"
	"agora/wire/recordio"
)

// testExecutorInfo runs testdata/executor, fetched into the sandbox as an
// executable URI.
func testExecutorInfo(t *testing.T, id string) *mesospb.ExecutorInfo {
	t.Helper()
	path, err := buildExecutor()
	if err != nil {
		t.Fatalf("building the test executor: %v", err)
	}
	return &mesospb.ExecutorInfo{
		ExecutorId: &mesospb.ExecutorID{Value: proto.String(id)},
		Name:       proto.String("test executor"),
		Command: &mesospb.CommandInfo{
			Value: proto.String("./test-executor"),
			Uris:  []*mesospb.CommandInfo_URI{{Value: proto.String(path), Executable: proto.Bool(true)}},
		},
	}
}

func executorTask(id string, ex *mesospb.ExecutorInfo, data string) *mesospb.TaskInfo {
	t := &mesospb.TaskInfo{
		Name:     proto.String(id),
		TaskId:   &mesospb.TaskID{Value: proto.String(id)},
		Executor: ex,
	}
	if data != "" {
		t.Data = []byte(data)
	}
	return t
}

// waitMessages collects executor messages until every wanted one arrived;
// it returns the "env:" message's variables if one came.
func (m *testMaster) waitMessages(want ...string) map[string]string {
	m.t.Helper()
	missing := map[string]bool{}
	for _, w := range want {
		missing[w] = true
	}
	var env map[string]string
	claim := func(msg string) bool {
		key := msg
		if rest, ok := strings.CutPrefix(msg, "env:"); ok {
			key = "env"
			if missing[key] {
				if err := json.Unmarshal([]byte(rest), &env); err != nil {
					m.t.Fatalf("bad env message %q", msg)
				}
			}
		}
		if !missing[key] {
			return false
		}
		delete(missing, key)
		return true
	}
	kept := m.unclaimed[:0:0]
	for _, msg := range m.unclaimed {
		if !claim(msg) {
			kept = append(kept, msg)
		}
	}
	m.unclaimed = kept
	for len(missing) > 0 {
		if msg := m.waitMessage(); !claim(msg) {
			m.unclaimed = append(m.unclaimed, msg)
		}
	}
	return env
}

// An executor's message reaches the master before the status update the
// executor sent after it, even when the master is slow to take messages:
// the scheduler must hear what a task said before it hears it finished.
func TestExecutorMessagesAndUpdatesKeepTheirOrder(t *testing.T) {
	m, _ := registered(t, agent.Config{})
	m.mu.Lock()
	m.messageDelay = 50 * time.Millisecond
	m.mu.Unlock()
	fw := frameworkInfo()
	exInfo := testExecutorInfo(t, "ex-1")
	m.runTask(fw, executorTask("t0", exInfo, "wait"))
	m.waitMessages("env")
	m.waitUpdates("t0", mesospb.TaskState_TASK_RUNNING)
	for _, id := range []string{"t1", "t2", "t3"} {
		m.runTask(fw, executorTask(id, exInfo, "say-then-finish"))
		m.waitUpdates(id, mesospb.TaskState_TASK_FINISHED)
		// Whatever arrived so far (acknowledgement echoes too) must
		// include what the task said.
		said := false
		for !said {
			select {
			case msg := <-m.messages:
				said = string(msg.GetData()) == "said:"+id
			default:
				t.Fatalf("%s: TASK_FINISHED reached the master before the message the executor sent first", id)
			}
		}
	}
}

func TestCustomExecutorRunsSeveralTasks(t *testing.T) {
	m, a := registered(t, agent.Config{})
	fw := frameworkInfo()
	exInfo := testExecutorInfo(t, "ex-1")

	m.runTask(fw, executorTask("t1", exInfo, ""))
	env := m.waitMessages("env")
	sandbox, _ := filepath.EvalSymlinks(a.sandbox("fw-1", "ex-1"))
	for k, want := range map[string]string{
		"MESOS_FRAMEWORK_ID":                   "fw-1",
		"MESOS_EXECUTOR_ID":                    "ex-1",
		"MESOS_AGENT_ENDPOINT":                 a.Endpoint(),
		"MESOS_DIRECTORY":                      sandbox,
		"MESOS_SANDBOX":                        sandbox,
		"MESOS_CHECKPOINT":                     "0",
		"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "5secs",
	} {
		if env[k] != want {
			t.Errorf("executor environment %s=%q, want %q", k, env[k], want)
		}
	}

	got := m.waitUpdates("t1", mesospb.TaskState_TASK_FINISHED)
	wantStates(t, got, mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_FINISHED)
	for _, s := range got {
		if s.GetSource() != mesospb.TaskStatus_SOURCE_EXECUTOR || s.GetExecutorId().GetValue() != "ex-1" ||
			s.GetAgentId().GetValue() != "agent-1" {
			t.Errorf("relayed update %v lacks source, executor or agent", s)
		}
	}
	// The framework's acknowledgements reach the executor.
	m.waitMessages("acked:t1:TASK_RUNNING", "acked:t1:TASK_FINISHED")

	// A second task and a task group go to the same executor.
	m.runTask(fw, executorTask("t2", exInfo, ""))
	group := []*mesospb.TaskInfo{executorTask("g1", nil, ""), executorTask("g2", nil, "")}
	for _, task := range group {
		task.AgentId = &mesospb.AgentID{Value: proto.String("agent-1")}
	}
	m.send(&clusterpb.Event{
		Type: clusterpb.Event_RUN_TASK_GROUP.Enum(),
		RunTaskGroup: &clusterpb.Event_RunTaskGroup{
			FrameworkInfo: fw,
			Executor:      exInfo,
			TaskGroup:     &mesospb.TaskGroupInfo{Tasks: group},
		},
	})
	for _, id := range []string{"t2", "g1", "g2"} {
		wantStates(t, m.waitUpdates(id, mesospb.TaskState_TASK_FINISHED),
			mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_FINISHED)
	}
	runs, _ := os.ReadDir(filepath.Dir(a.sandbox("fw-1", "ex-1")))
	if len(runs) != 2 { // one run and the "latest" link
		t.Errorf("executor has %d entries in runs/, want one run and latest", len(runs))
	}

	// SHUTDOWN_EXECUTOR: the executor exits by itself and the master hears
	// of it.
	m.send(&clusterpb.Event{
		Type: clusterpb.Event_SHUTDOWN_EXECUTOR.Enum(),
		ShutdownExecutor: &clusterpb.Event_ShutdownExecutor{
			FrameworkId: fw.GetId(), ExecutorId: exInfo.GetExecutorId(),
		},
	})
	exited := m.waitExecutorExited()
	if exited.GetExecutorId().GetValue() != "ex-1" || exited.GetStatus() != 0 {
		t.Errorf("EXECUTOR_EXITED %v, want ex-1 with status 0", exited)
	}
}

func TestCustomExecutorKillAndExit(t *testing.T) {
	m, _ := registered(t, agent.Config{})
	fw := frameworkInfo()
	exInfo := testExecutorInfo(t, "ex-2")

	m.runTask(fw, executorTask("killme", exInfo, "wait"))
	m.runTask(fw, executorTask("orphan", exInfo, "wait"))
	m.waitUpdates("killme", mesospb.TaskState_TASK_RUNNING)
	m.waitUpdates("orphan", mesospb.TaskState_TASK_RUNNING)

	// KILL reaches the executor, which answers TASK_KILLED.
	m.killTask(fw, "killme", 0)
	m.waitUpdates("killme", mesospb.TaskState_TASK_KILLED)

	// The executor goes away on SHUTDOWN without finishing its other task:
	// the agent fails it.
	m.send(&clusterpb.Event{
		Type: clusterpb.Event_SHUTDOWN_EXECUTOR.Enum(),
		ShutdownExecutor: &clusterpb.Event_ShutdownExecutor{
			FrameworkId: fw.GetId(), ExecutorId: exInfo.GetExecutorId(),
		},
	})
	got := m.waitUpdates("orphan", mesospb.TaskState_TASK_FAILED)
	failed := got[len(got)-1]
	if failed.GetReason() != mesospb.TaskStatus_REASON_EXECUTOR_TERMINATED || failed.GetSource() != mesospb.TaskStatus_SOURCE_AGENT {
		t.Errorf("orphaned task: reason %v source %v", failed.GetReason(), failed.GetSource())
	}
	m.waitExecutorExited()
}

func TestExecutorThatNeverSubscribesTimesOut(t *testing.T) {
	m, _ := registered(t, agent.Config{ExecutorRegistrationTimeout: 300 * time.Millisecond})
	ex := &mesospb.ExecutorInfo{
		ExecutorId: &mesospb.ExecutorID{Value: proto.String("silent")},
		Command:    &mesospb.CommandInfo{Value: proto.String("sleep 60")},
	}
	m.runTask(frameworkInfo(), executorTask("waiting", ex, ""))
	got := m.waitUpdates("waiting", mesospb.TaskState_TASK_FAILED)
	wantStates(t, got, mesospb.TaskState_TASK_FAILED)
	if got[0].GetReason() != mesospb.TaskStatus_REASON_EXECUTOR_REGISTRATION_TIMEOUT ||
		got[0].GetMessage() != "Executor did not register within 300ms" {
		t.Errorf("reason %v message %q", got[0].GetReason(), got[0].GetMessage())
	}
	if exited := m.waitExecutorExited(); exited.GetExecutorId().GetValue() != "silent" {
		t.Errorf("EXECUTOR_EXITED for %v", exited.GetExecutorId())
	}
}

func TestExecutorThatExitsFailsItsTasks(t *testing.T) {
	m, _ := registered(t, agent.Config{})
	ex := &mesospb.ExecutorInfo{
		ExecutorId: &mesospb.ExecutorID{Value: proto.String("crash")},
		Command:    &mesospb.CommandInfo{Value: proto.String("exit 7")},
	}
	m.runTask(frameworkInfo(), executorTask("doomed", ex, ""))
	got := m.waitUpdates("doomed", mesospb.TaskState_TASK_FAILED)
	if got[0].GetReason() != mesospb.TaskStatus_REASON_EXECUTOR_TERMINATED ||
		!strings.Contains(got[0].GetMessage(), "exited with status 7") {
		t.Errorf("reason %v message %q", got[0].GetReason(), got[0].GetMessage())
	}
	if exited := m.waitExecutorExited(); exited.GetStatus() != 7<<8 {
		t.Errorf("EXECUTOR_EXITED status %d, want the wait status of exit 7", exited.GetStatus())
	}
}

func TestExecutorAPIRejectsBadCalls(t *testing.T) {
	m, a := registered(t, agent.Config{})
	fw := frameworkInfo()
	m.runTask(fw, executorTask("busy", testExecutorInfo(t, "ex-3"), "wait"))
	m.waitUpdates("busy", mesospb.TaskState_TASK_RUNNING)
	url := "http://" + a.Addr().String() + agent.ExecutorAPIPath
	uuid := `"AAAAAAAAAAAAAAAAAAAAAA=="` // 16 zero bytes

	update := func(fields string) string {
		return `{"type":"UPDATE","framework_id":{"value":"fw-1"},"executor_id":{"value":"ex-3"},` +
			`"update":{"status":{"task_id":{"value":"busy"},"state":"TASK_RUNNING",` + fields + `}}}`
	}
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		want        int
		wantText    string
	}{
		{"GET", http.MethodGet, "application/json", "", http.StatusMethodNotAllowed, ""},
		{"no content type", http.MethodPost, "", "{}", http.StatusBadRequest, ""},
		{"other content type", http.MethodPost, "text/plain", "{}", http.StatusUnsupportedMediaType, ""},
		{"malformed JSON", http.MethodPost, "application/json", "{", http.StatusBadRequest, ""},
		{"no uuid", http.MethodPost, "application/json", update(`"source":"SOURCE_EXECUTOR"`), http.StatusBadRequest, "uuid"},
		{"short uuid", http.MethodPost, "application/json", update(`"source":"SOURCE_EXECUTOR","uuid":"AAAA"`), http.StatusBadRequest, "16 bytes"},
		{"wrong source", http.MethodPost, "application/json", update(`"source":"SOURCE_MASTER","uuid":` + uuid), http.StatusBadRequest, "SOURCE_EXECUTOR"},
		{"other executor in status", http.MethodPost, "application/json",
			update(`"source":"SOURCE_EXECUTOR","uuid":` + uuid + `,"executor_id":{"value":"other"}`), http.StatusBadRequest, "does not match"},
		{"unknown framework", http.MethodPost, "application/json",
			`{"type":"MESSAGE","framework_id":{"value":"nope"},"executor_id":{"value":"ex-3"},"message":{"data":"aGk="}}`,
			http.StatusBadRequest, "Framework cannot be found"},
		{"unknown executor", http.MethodPost, "application/json",
			`{"type":"MESSAGE","framework_id":{"value":"fw-1"},"executor_id":{"value":"nope"},"message":{"data":"aGk="}}`,
			http.StatusBadRequest, "Executor cannot be found"},
		{"unknown task", http.MethodPost, "application/json",
			strings.Replace(update(`"source":"SOURCE_EXECUTOR","uuid":`+uuid), `"busy"`, `"ghost"`, 1), http.StatusBadRequest, "ghost"},
		{"staging", http.MethodPost, "application/json",
			strings.Replace(update(`"source":"SOURCE_EXECUTOR","uuid":`+uuid), "TASK_RUNNING", "TASK_STAGING", 1), http.StatusBadRequest, "TASK_STAGING"},
		{"heartbeat", http.MethodPost, "application/json",
			`{"type":"HEARTBEAT","framework_id":{"value":"fw-1"},"executor_id":{"value":"ex-3"}}`, http.StatusAccepted, ""},
		{"valid update", http.MethodPost, "application/json", update(`"source":"SOURCE_EXECUTOR","uuid":` + uuid), http.StatusAccepted, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, url, strings.NewReader(tt.body))
		if tt.contentType != "" {
			req.Header.Set("Content-Type", tt.contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want || !strings.Contains(string(body), tt.wantText) {
			t.Errorf("%s: %s %q; want %d with %q", tt.name, resp.Status, body, tt.want, tt.wantText)
		}
	}
}

func TestValidateExecutorCall(t *testing.T) {
	ids := func(c *executorpb.Call) *executorpb.Call {
		c.FrameworkId = &mesospb.FrameworkID{Value: proto.String("fw")}
		c.ExecutorId = &mesospb.ExecutorID{Value: proto.String("ex")}
		return c
	}
	status := func(mutate func(*mesospb.TaskStatus)) *executorpb.Call {
		s := &mesospb.TaskStatus{
			TaskId: &mesospb.TaskID{Value: proto.String("t")},
			State:  mesospb.TaskState_TASK_RUNNING.Enum(),
			Source: mesospb.TaskStatus_SOURCE_EXECUTOR.Enum(),
			Uuid:   make([]byte, 16),
		}
		mutate(s)
		return ids(&executorpb.Call{Type: executorpb.Call_UPDATE.Enum(), Update: &executorpb.Call_Update{Status: s}})
	}
	tests := []struct {
		name  string
		call  *executorpb.Call
		valid bool
	}{
		{"subscribe", ids(&executorpb.Call{Type: executorpb.Call_SUBSCRIBE.Enum(), Subscribe: &executorpb.Call_Subscribe{}}), true},
		{"subscribe without body", ids(&executorpb.Call{Type: executorpb.Call_SUBSCRIBE.Enum()}), false},
		{"no type", ids(&executorpb.Call{}), false},
		{"no ids", &executorpb.Call{Type: executorpb.Call_HEARTBEAT.Enum()}, false},
		{"heartbeat", ids(&executorpb.Call{Type: executorpb.Call_HEARTBEAT.Enum()}), true},
		{"message without body", ids(&executorpb.Call{Type: executorpb.Call_MESSAGE.Enum()}), false},
		{"update", status(func(*mesospb.TaskStatus) {}), true},
		{"update with our executor id", status(func(s *mesospb.TaskStatus) {
			s.ExecutorId = &mesospb.ExecutorID{Value: proto.String("ex")}
		}), true},
		{"update without uuid", status(func(s *mesospb.TaskStatus) { s.Uuid = nil }), false},
		{"update with a 15-byte uuid", status(func(s *mesospb.TaskStatus) { s.Uuid = make([]byte, 15) }), false},
		{"update from the agent", status(func(s *mesospb.TaskStatus) { s.Source = mesospb.TaskStatus_SOURCE_AGENT.Enum() }), false},
		{"update without source", status(func(s *mesospb.TaskStatus) { s.Source = nil }), false},
		{"update in STAGING", status(func(s *mesospb.TaskStatus) { s.State = mesospb.TaskState_TASK_STAGING.Enum() }), false},
		{"update for another executor", status(func(s *mesospb.TaskStatus) {
			s.ExecutorId = &mesospb.ExecutorID{Value: proto.String("other")}
		}), false},
	}
	for _, tt := range tests {
		err := agent.ValidateExecutorCall(tt.call)
		if tt.valid && err != nil {
			t.Errorf("%s: %v, want valid", tt.name, err)
		}
		if !tt.valid && !errors.Is(err, agent.ErrInvalidExecutorCall) {
			t.Errorf("%s: %v, want ErrInvalidExecutorCall", tt.name, err)
		}
	}
}

func TestShutdownKillsAnExecutorAfterItsGracePeriod(t *testing.T) {
	m, _ := registered(t, agent.Config{})
	fw := frameworkInfo()
	exInfo := testExecutorInfo(t, "stubborn")
	exInfo.Command.Environment = &mesospb.Environment{Variables: []*mesospb.Environment_Variable{
		{Name: proto.String("IGNORE_SHUTDOWN"), Value: proto.String("1")},
	}}
	grace := 400 * time.Millisecond
	exInfo.ShutdownGracePeriod = &mesospb.DurationInfo{Nanoseconds: proto.Int64(int64(grace))}
	m.runTask(fw, executorTask("work", exInfo, "wait"))
	m.waitUpdates("work", mesospb.TaskState_TASK_RUNNING)

	start := time.Now()
	m.send(&clusterpb.Event{
		Type: clusterpb.Event_SHUTDOWN_EXECUTOR.Enum(),
		ShutdownExecutor: &clusterpb.Event_ShutdownExecutor{
			FrameworkId: fw.GetId(), ExecutorId: exInfo.GetExecutorId(),
		},
	})
	exited := m.waitExecutorExited()
	if elapsed := time.Since(start); elapsed < grace {
		t.Errorf("executor killed after %v, within its %v grace period", elapsed, grace)
	}
	if exited.GetStatus() != 9 { // wait status of SIGKILL
		t.Errorf("EXECUTOR_EXITED status %d, want SIGKILL's", exited.GetStatus())
	}
	m.waitUpdates("work", mesospb.TaskState_TASK_FAILED)
}

func TestShutdownFrameworkStopsEverything(t *testing.T) {
	m, a := registered(t, agent.Config{})
	fw := frameworkInfo()
	m.runTask(fw, shellTask("cmd", "sleep 60"))
	m.runTask(fw, executorTask("custom", testExecutorInfo(t, "ex-4"), "wait"))
	m.waitUpdates("cmd", mesospb.TaskState_TASK_RUNNING)
	m.waitUpdates("custom", mesospb.TaskState_TASK_RUNNING)

	m.send(&clusterpb.Event{
		Type:              clusterpb.Event_SHUTDOWN_FRAMEWORK.Enum(),
		ShutdownFramework: &clusterpb.Event_ShutdownFramework{FrameworkId: fw.GetId()},
	})
	if exited := m.waitExecutorExited(); exited.GetExecutorId().GetValue() != "ex-4" {
		t.Errorf("EXECUTOR_EXITED for %v", exited.GetExecutorId())
	}
	var state struct {
		Frameworks          []any `json:"frameworks"`
		CompletedFrameworks []struct {
			ID string `json:"id"`
		} `json:"completed_frameworks"`
	}
	deadline := time.Now().Add(waitTimeout)
	for {
		getJSON(t, "http://"+a.Addr().String()+"/state", &state)
		if len(state.Frameworks) == 0 && len(state.CompletedFrameworks) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("framework still on the agent: %+v", state)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Nobody is left to acknowledge updates: none are sent.
	select {
	case u := <-m.updates:
		t.Errorf("update after SHUTDOWN_FRAMEWORK: %v", u.GetStatus())
	case <-time.After(200 * time.Millisecond):
	}
}

// protoExecutor plays an executor by hand over the protobuf codec.
type protoExecutor struct {
	t      *testing.T
	url    string
	cancel context.CancelFunc
	events *recordio.Reader
}

func (e *protoExecutor) call(c *executorpb.Call) *http.Response {
	e.t.Helper()
	c.FrameworkId = &mesospb.FrameworkID{Value: proto.String("fw-1")}
	c.ExecutorId = &mesospb.ExecutorID{Value: proto.String("manual")}
	body, err := wire.Protobuf.Marshal(c)
	if err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, e.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", wire.MediaTypeProtobuf)
	req.Header.Set("Accept", wire.MediaTypeProtobuf)
	if c.GetType() == executorpb.Call_SUBSCRIBE {
		ctx, cancel := context.WithCancel(context.Background())
		e.cancel = cancel
		req = req.WithContext(ctx)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

// subscribe opens the event stream, retrying while the executor's process
// is still being launched.
func (e *protoExecutor) subscribe(sub *executorpb.Call_Subscribe) {
	e.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		resp := e.call(&executorpb.Call{Type: executorpb.Call_SUBSCRIBE.Enum(), Subscribe: sub})
		if resp.StatusCode == http.StatusOK {
			if ct := resp.Header.Get("Content-Type"); ct != wire.MediaTypeProtobuf {
				e.t.Fatalf("SUBSCRIBE answered with Content-Type %q", ct)
			}
			e.events = recordio.NewReader(resp.Body, recordio.DefaultMaxRecordSize)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if time.Now().After(deadline) {
			e.t.Fatalf("SUBSCRIBE: %s %s", resp.Status, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *protoExecutor) next() *executorpb.Event {
	e.t.Helper()
	record, err := e.events.ReadRecord()
	if err != nil {
		e.t.Fatalf("reading the event stream: %v", err)
	}
	ev := &executorpb.Event{}
	if err := wire.Protobuf.Unmarshal(record, ev); err != nil {
		e.t.Fatal(err)
	}
	return ev
}

func (e *protoExecutor) status(task string, state mesospb.TaskState) *mesospb.TaskStatus {
	uuid := make([]byte, 16)
	rand.Read(uuid)
	return &mesospb.TaskStatus{
		TaskId: &mesospb.TaskID{Value: proto.String(task)},
		State:  state.Enum(),
		Source: mesospb.TaskStatus_SOURCE_EXECUTOR.Enum(),
		Uuid:   uuid,
	}
}

func TestExecutorResubscribesWithUnacknowledgedUpdates(t *testing.T) {
	m, a := registered(t, agent.Config{ExecutorShutdownGracePeriod: 300 * time.Millisecond})
	// The process the agent starts never subscribes; the test speaks for
	// it.
	exInfo := &mesospb.ExecutorInfo{
		ExecutorId: &mesospb.ExecutorID{Value: proto.String("manual")},
		Command:    &mesospb.CommandInfo{Value: proto.String("sleep 60")},
	}
	m.runTask(frameworkInfo(), executorTask("by-hand", exInfo, ""))
	e := &protoExecutor{t: t, url: "http://" + a.Addr().String() + agent.ExecutorAPIPath}
	e.subscribe(&executorpb.Call_Subscribe{})
	if ev := e.next(); ev.GetType() != executorpb.Event_SUBSCRIBED ||
		ev.GetSubscribed().GetAgentInfo().GetId().GetValue() != "agent-1" ||
		ev.GetSubscribed().GetExecutorInfo().GetExecutorId().GetValue() != "manual" ||
		ev.GetSubscribed().GetContainerId().GetValue() == "" {
		t.Fatalf("first event %v, want SUBSCRIBED with agent, executor and container", ev)
	}
	launch := e.next()
	if launch.GetType() != executorpb.Event_LAUNCH || launch.GetLaunch().GetTask().GetTaskId().GetValue() != "by-hand" {
		t.Fatalf("second event %v, want LAUNCH of the queued task", launch)
	}

	running := e.status("by-hand", mesospb.TaskState_TASK_RUNNING)
	if resp := e.call(&executorpb.Call{Type: executorpb.Call_UPDATE.Enum(), Update: &executorpb.Call_Update{Status: running}}); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("UPDATE: %s", resp.Status)
	}
	m.waitUpdates("by-hand", mesospb.TaskState_TASK_RUNNING)
	if ev := e.next(); ev.GetType() != executorpb.Event_ACKNOWLEDGED || string(ev.GetAcknowledged().GetUuid()) != string(running.GetUuid()) {
		t.Fatalf("event %v, want ACKNOWLEDGED of RUNNING", ev)
	}

	// The connection drops; the executor comes back with an update the
	// agent never saw.
	e.cancel()
	finished := e.status("by-hand", mesospb.TaskState_TASK_FINISHED)
	e.subscribe(&executorpb.Call_Subscribe{
		UnacknowledgedUpdates: []*executorpb.Call_Update{{Status: finished}},
	})
	if ev := e.next(); ev.GetType() != executorpb.Event_SUBSCRIBED {
		t.Fatalf("event %v after re-subscribing, want SUBSCRIBED", ev)
	}
	got := m.waitUpdates("by-hand", mesospb.TaskState_TASK_FINISHED)
	if string(got[len(got)-1].GetUuid()) != string(finished.GetUuid()) {
		t.Error("FINISHED reached the master with another uuid")
	}
	if ev := e.next(); ev.GetType() != executorpb.Event_ACKNOWLEDGED || string(ev.GetAcknowledged().GetUuid()) != string(finished.GetUuid()) {
		t.Fatalf("event %v, want ACKNOWLEDGED of FINISHED", ev)
	}
	e.cancel()
}
