package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent"
	mesospb "agora/api/mesos/v1"
)

// testAgent is an agent running against a test master.
type testAgent struct {
	*agent.Agent
	workDir  string
	cancel   context.CancelFunc
	done     chan error
	stopOnce sync.Once
}

// startAgent runs an agent against m until the test ends; cfg's Master,
// Listen and Logger are filled in, and WorkDir if empty.
func startAgent(t *testing.T, m *testMaster, cfg agent.Config) *testAgent {
	t.Helper()
	cfg.Master = m.addr()
	cfg.Listen = "127.0.0.1:0"
	if cfg.WorkDir == "" {
		cfg.WorkDir = t.TempDir()
	}
	if cfg.Resources == "" {
		cfg.Resources = "cpus:2;mem:1024;disk:4096;ports:[31000-31009]"
	}
	if cfg.CgroupsRoot == "" {
		// A root of the test's own, under the test process's cgroup: tests
		// run in parallel and their test masters all name agents agent-1.
		cfg.CgroupsRoot, cfg.CgroupsNested = testCgroupsRoot(cfg.WorkDir), true
	}
	logs := &testLog{t: t}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := agent.New(cfg)
	if err != nil {
		t.Fatalf("agent.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ta := &testAgent{Agent: a, workDir: cfg.WorkDir, cancel: cancel, done: make(chan error, 1)}
	go func() { ta.done <- a.Run(ctx) }()
	t.Cleanup(func() {
		ta.stop(t)
		logs.close()
	})
	return ta
}

// stop ends Run and waits for it.
func (ta *testAgent) stop(t *testing.T) {
	ta.stopOnce.Do(func() {
		ta.cancel()
		select {
		case err := <-ta.done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
}

// sandbox is the latest run of an executor: a command task's executor has
// the task's id.
func (ta *testAgent) sandbox(framework, executor string) string {
	return filepath.Join(ta.workDir, "slaves", "agent-1", "frameworks", framework, "executors", executor, "runs", "latest")
}

// testLog sends the agent's logs to the test's log until the test ends.
type testLog struct {
	t      *testing.T
	mu     sync.Mutex
	closed bool
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (l *testLog) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
}

func frameworkInfo(capabilities ...mesospb.FrameworkInfo_Capability_Type) *mesospb.FrameworkInfo {
	fw := &mesospb.FrameworkInfo{
		Id:   &mesospb.FrameworkID{Value: proto.String("fw-1")},
		User: proto.String("nobody"),
		Name: proto.String("test"),
	}
	for _, c := range capabilities {
		fw.Capabilities = append(fw.Capabilities, &mesospb.FrameworkInfo_Capability{Type: c.Enum()})
	}
	return fw
}

func shellTask(id, command string) *mesospb.TaskInfo {
	return &mesospb.TaskInfo{
		Name:    proto.String(id),
		TaskId:  &mesospb.TaskID{Value: proto.String(id)},
		Command: &mesospb.CommandInfo{Value: proto.String(command)},
		Resources: []*mesospb.Resource{{
			Name:   proto.String("cpus"),
			Type:   mesospb.Value_SCALAR.Enum(),
			Scalar: &mesospb.Value_Scalar{Value: proto.Float64(0.1)},
		}},
	}
}

// registered starts a master and an agent and waits for the registration.
func registered(t *testing.T, cfg agent.Config) (*testMaster, *testAgent) {
	t.Helper()
	m := newTestMaster(t)
	a := startAgent(t, m, cfg)
	reg := m.waitRegister()
	if reg.GetAgentId() != nil {
		t.Fatalf("first REGISTER carries agent id %q", reg.GetAgentId().GetValue())
	}
	return m, a
}

func wantStates(t *testing.T, got []*mesospb.TaskStatus, want ...mesospb.TaskState) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("updates %s, want %v", states(got), want)
	}
	for i := range want {
		if got[i].GetState() != want[i] {
			t.Fatalf("updates %s, want %v", states(got), want)
		}
	}
}

func TestRegistrationReportsResourcesAndAttributes(t *testing.T) {
	m := newTestMaster(t)
	a := startAgent(t, m, agent.Config{Resources: "cpus:3;mem:512", Attributes: "rack:r1;zone:a", Hostname: "node-1"})
	reg := m.waitRegister().GetRegister()
	info := reg.GetAgentInfo()
	if info.GetHostname() != "node-1" || reg.GetEndpoint() != a.Endpoint() {
		t.Errorf("REGISTER hostname %q endpoint %q, want node-1 and %s", info.GetHostname(), reg.GetEndpoint(), a.Endpoint())
	}
	got := map[string]bool{}
	for _, r := range info.GetResources() {
		got[r.GetName()] = true
		if r.GetName() == "cpus" && r.GetScalar().GetValue() != 3 {
			t.Errorf("cpus = %v, want 3 from --resources", r.GetScalar().GetValue())
		}
	}
	for _, name := range []string{"cpus", "mem", "disk", "ports"} {
		if !got[name] {
			t.Errorf("REGISTER has no %s resource (detected ones are added)", name)
		}
	}
	if len(info.GetAttributes()) != 2 || info.GetAttributes()[0].GetText().GetValue() != "r1" {
		t.Errorf("attributes = %v, want rack:r1;zone:a", info.GetAttributes())
	}
}

func TestCommandTaskRunsToFinished(t *testing.T) {
	m, a := registered(t, agent.Config{})
	m.runTask(frameworkInfo(), shellTask("hello", "echo hi; echo oops >&2"))

	got := m.waitUpdates("hello", mesospb.TaskState_TASK_FINISHED)
	wantStates(t, got, mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_FINISHED)
	for _, s := range got {
		if s.GetSource() != mesospb.TaskStatus_SOURCE_EXECUTOR || len(s.GetUuid()) != 16 ||
			s.GetAgentId().GetValue() != "agent-1" || s.GetExecutorId().GetValue() != "hello" || s.GetTimestamp() == 0 {
			t.Errorf("update %v lacks the source, uuid, agent, executor or timestamp an executor update has", s)
		}
	}
	if msg := got[2].GetMessage(); msg != "Command exited with status 0" {
		t.Errorf("FINISHED message %q", msg)
	}
	stdout, err := os.ReadFile(filepath.Join(a.sandbox("fw-1", "hello"), "stdout"))
	if err != nil || string(stdout) != "hi\n" {
		t.Errorf("sandbox stdout = %q, %v; want \"hi\\n\"", stdout, err)
	}
	stderr, _ := os.ReadFile(filepath.Join(a.sandbox("fw-1", "hello"), "stderr"))
	if string(stderr) != "oops\n" {
		t.Errorf("sandbox stderr = %q", stderr)
	}
}

func TestCommandTaskEnvironment(t *testing.T) {
	m, a := registered(t, agent.Config{})
	task := shellTask("env", "env > env.txt")
	task.Command.Environment = &mesospb.Environment{Variables: []*mesospb.Environment_Variable{
		{Name: proto.String("GREETING"), Value: proto.String("hello world")},
	}}
	m.runTask(frameworkInfo(), task)
	m.waitUpdates("env", mesospb.TaskState_TASK_FINISHED)

	data, err := os.ReadFile(filepath.Join(a.sandbox("fw-1", "env"), "env.txt"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	sandbox, _ := filepath.EvalSymlinks(a.sandbox("fw-1", "env"))
	for k, want := range map[string]string{
		"GREETING":             "hello world",
		"MESOS_FRAMEWORK_ID":   "fw-1",
		"MESOS_EXECUTOR_ID":    "env",
		"MESOS_AGENT_ENDPOINT": a.Endpoint(),
		"MESOS_SANDBOX":        sandbox,
		"MESOS_DIRECTORY":      sandbox,
		"MESOS_CHECKPOINT":     "0",
	} {
		if env[k] != want {
			t.Errorf("task environment %s=%q, want %q", k, env[k], want)
		}
	}
	if env["PATH"] == "" {
		t.Error("task environment has no PATH")
	}
}

func TestFailingCommandReportsItsExitStatus(t *testing.T) {
	m, _ := registered(t, agent.Config{})
	m.runTask(frameworkInfo(), shellTask("fails", "exit 3"))

	got := m.waitUpdates("fails", mesospb.TaskState_TASK_FAILED)
	wantStates(t, got, mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_FAILED)
	failed := got[2]
	if failed.GetMessage() != "Command exited with status 3" ||
		failed.GetReason() != mesospb.TaskStatus_REASON_COMMAND_EXECUTOR_FAILED || failed.Reason == nil {
		t.Errorf("FAILED message %q reason %v", failed.GetMessage(), failed.GetReason())
	}
}

func TestTasksThatCannotLaunchFailWithAReason(t *testing.T) {
	m, _ := registered(t, agent.Config{})

	fetch := shellTask("fetch", "true")
	fetch.Command.Uris = []*mesospb.CommandInfo_URI{{Value: proto.String("file:///nonexistent/agora/test/file")}}
	m.runTask(frameworkInfo(), fetch)
	got := m.waitUpdates("fetch", mesospb.TaskState_TASK_FAILED)
	wantStates(t, got, mesospb.TaskState_TASK_FAILED)
	if msg := got[0].GetMessage(); !strings.Contains(msg, "Failed to fetch") || !strings.Contains(msg, "/nonexistent/agora/test/file") ||
		got[0].GetReason() != mesospb.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED {
		t.Errorf("fetch failure: message %q reason %v", msg, got[0].GetReason())
	}

	missing := shellTask("missing", "/nonexistent/agora/bin/tool")
	missing.Command.Shell = proto.Bool(false)
	m.runTask(frameworkInfo(), missing)
	got = m.waitUpdates("missing", mesospb.TaskState_TASK_FAILED)
	wantStates(t, got, mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_FAILED)
	if msg := got[1].GetMessage(); !strings.Contains(msg, "Failed to launch task") || !strings.Contains(msg, "/nonexistent/agora/bin/tool") {
		t.Errorf("missing executable: message %q", msg)
	}
}

func TestCommandFetchesItsURIs(t *testing.T) {
	m, a := registered(t, agent.Config{})
	script := filepath.Join(t.TempDir(), "greet.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho fetched\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	task := shellTask("fetcher", "./greet.sh")
	task.Command.Uris = []*mesospb.CommandInfo_URI{{Value: proto.String("file://" + script), Executable: proto.Bool(true)}}
	m.runTask(frameworkInfo(), task)
	m.waitUpdates("fetcher", mesospb.TaskState_TASK_FINISHED)
	stdout, _ := os.ReadFile(filepath.Join(a.sandbox("fw-1", "fetcher"), "stdout"))
	if string(stdout) != "fetched\n" {
		t.Errorf("stdout %q, want the fetched script's output", stdout)
	}
}

func TestKillHonoursTheGracePeriod(t *testing.T) {
	m, a := registered(t, agent.Config{})
	fw := frameworkInfo(mesospb.FrameworkInfo_Capability_TASK_KILLING_STATE)

	// The task ignores SIGTERM, so only SIGKILL after the grace ends it.
	task := shellTask("stubborn", "trap '' TERM; touch ready; sleep 60")
	grace := 700 * time.Millisecond
	task.KillPolicy = &mesospb.KillPolicy{GracePeriod: &mesospb.DurationInfo{Nanoseconds: proto.Int64(int64(grace))}}
	m.runTask(fw, task)
	m.waitUpdates("stubborn", mesospb.TaskState_TASK_RUNNING)
	waitForFile(t, filepath.Join(a.sandbox("fw-1", "stubborn"), "ready")) // the trap is set

	start := time.Now()
	m.killTask(fw, "stubborn", 0)
	got := m.waitUpdates("stubborn", mesospb.TaskState_TASK_KILLED)
	elapsed := time.Since(start)
	wantStates(t, got, mesospb.TaskState_TASK_KILLING, mesospb.TaskState_TASK_KILLED)
	if elapsed < grace {
		t.Errorf("killed after %v, before the %v grace period ended", elapsed, grace)
	}
	if msg := got[1].GetMessage(); msg != "Command terminated with signal Killed" {
		t.Errorf("KILLED message %q", msg)
	}
}

func TestKillOfAPoliteTaskWithoutKillingState(t *testing.T) {
	m, _ := registered(t, agent.Config{})
	fw := frameworkInfo() // no TASK_KILLING_STATE: no TASK_KILLING
	m.runTask(fw, shellTask("polite", "sleep 60"))
	m.waitUpdates("polite", mesospb.TaskState_TASK_RUNNING)
	m.killTask(fw, "polite", 10*time.Second)
	start := time.Now()
	got := m.waitUpdates("polite", mesospb.TaskState_TASK_KILLED)
	wantStates(t, got, mesospb.TaskState_TASK_KILLED)
	if time.Since(start) > 5*time.Second {
		t.Errorf("a task that exits on SIGTERM took %v to be killed", time.Since(start))
	}
	if msg := got[0].GetMessage(); msg != "Command terminated with signal Terminated" {
		t.Errorf("KILLED message %q", msg)
	}
}

func TestUnacknowledgedUpdatesAreResentInOrder(t *testing.T) {
	m, _ := registered(t, agent.Config{StatusUpdateBackoff: 200 * time.Millisecond})
	m.setHoldAcks(true)
	m.runTask(frameworkInfo(), shellTask("retry", "true"))

	first := m.waitUpdates("retry", mesospb.TaskState_TASK_STARTING)[0]
	// Without an acknowledgement the agent sends STARTING again, and
	// nothing after it.
	again := m.waitUpdates("retry", mesospb.TaskState_TASK_STARTING)
	wantStates(t, again, mesospb.TaskState_TASK_STARTING)
	if string(again[0].GetUuid()) != string(first.GetUuid()) {
		t.Fatal("the resent update has another uuid")
	}
	m.setHoldAcks(false)
	u := <-m.updates // a third copy may be in flight; any copy will do
	for u.GetStatus().GetState() == mesospb.TaskState_TASK_STARTING {
		m.acknowledge(u)
		u = <-m.updates
	}
	rest := append([]*mesospb.TaskStatus{u.GetStatus()}, m.waitUpdates("retry", mesospb.TaskState_TASK_FINISHED)...)
	wantStates(t, rest, mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_FINISHED)
}

func TestReRegistersWithItsIDAndPendingUpdates(t *testing.T) {
	m, _ := registered(t, agent.Config{})
	m.runTask(frameworkInfo(), shellTask("long", "sleep 60"))
	m.waitUpdates("long", mesospb.TaskState_TASK_RUNNING)

	m.setHoldAcks(true)
	m.runTask(frameworkInfo(), shellTask("short", "true"))
	m.waitUpdates("short", mesospb.TaskState_TASK_STARTING)

	// The master goes away and comes back.
	m.closeCurrentStream()
	reg := m.waitRegister()
	if reg.GetAgentId().GetValue() != "agent-1" || reg.GetRegister().GetAgentInfo().GetId().GetValue() != "agent-1" {
		t.Fatalf("re-registration without the agent id: %v", reg.GetAgentId())
	}
	tasks := map[string]mesospb.TaskState{}
	for _, task := range reg.GetRegister().GetTasks() {
		tasks[task.GetTaskId().GetValue()] = task.GetState()
	}
	if tasks["long"] != mesospb.TaskState_TASK_RUNNING {
		t.Errorf("re-registration reports tasks %v, want long RUNNING", tasks)
	}
	if len(reg.GetRegister().GetFrameworks()) != 1 {
		t.Errorf("re-registration reports %d frameworks, want 1", len(reg.GetRegister().GetFrameworks()))
	}
	pending := reg.GetRegister().GetPendingUpdates()
	if len(pending) == 0 || pending[0].GetTaskId().GetValue() != "short" || pending[0].GetState() != mesospb.TaskState_TASK_STARTING {
		t.Errorf("re-registration reports pending updates %v, want short's STARTING first", states(pending))
	}
	// Once registered again the head of the stream is sent again.
	m.setHoldAcks(false)
	m.waitUpdates("short", mesospb.TaskState_TASK_FINISHED)
}

func TestHeartbeatsAndSilentMaster(t *testing.T) {
	m := newTestMaster(t)
	m.heartbeat = 0.05 // HEARTBEAT calls every 50 ms
	startAgent(t, m, agent.Config{AgentPingTimeout: 200 * time.Millisecond, MaxAgentPingTimeouts: 2})
	m.waitRegister()

	// The test master never sends HEARTBEAT events: after 400 ms of
	// silence the agent gives up on the stream and registers again, with
	// its id.
	start := time.Now()
	again := m.waitRegister()
	if silent := time.Since(start); silent < 300*time.Millisecond {
		t.Errorf("agent left a master silent for only %v", silent)
	}
	if again.GetAgentId().GetValue() != "agent-1" {
		t.Errorf("re-registration carries agent id %q", again.GetAgentId().GetValue())
	}
	if n := m.heartbeats.Load(); n < 3 {
		t.Errorf("%d HEARTBEAT calls in about 400 ms at a 50 ms interval", n)
	}
}

func TestRestartedAgentRegistersWithItsID(t *testing.T) {
	m, a := registered(t, agent.Config{})
	m.runTask(frameworkInfo(), shellTask("before", "sleep 60"))
	m.waitUpdates("before", mesospb.TaskState_TASK_RUNNING)
	a.stop(t)

	startAgent(t, m, agent.Config{WorkDir: a.workDir})
	reg := m.waitRegister()
	if reg.GetAgentId().GetValue() != "agent-1" || reg.GetRegister().GetAgentInfo().GetId().GetValue() != "agent-1" {
		t.Fatalf("restarted agent registers with id %q", reg.GetAgentId().GetValue())
	}
	if tasks := reg.GetRegister().GetTasks(); len(tasks) != 0 {
		t.Errorf("restarted agent reports %d tasks; they ended with the previous process", len(tasks))
	}
}

func TestStateEndpoints(t *testing.T) {
	m, a := registered(t, agent.Config{Attributes: "rack:r1"})
	m.runTask(frameworkInfo(), shellTask("web", "sleep 60"))
	m.waitUpdates("web", mesospb.TaskState_TASK_RUNNING)
	base := "http://" + a.Addr().String()

	resp, err := http.Get(base + "/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /health = %v, %v", resp, err)
	}
	resp.Body.Close()

	var state struct {
		ID         string         `json:"id"`
		Resources  map[string]any `json:"resources"`
		Attributes map[string]any `json:"attributes"`
		Frameworks []struct {
			ID        string `json:"id"`
			Executors []struct {
				ID        string `json:"id"`
				Directory string `json:"directory"`
				Tasks     []struct {
					ID    string `json:"id"`
					State string `json:"state"`
				} `json:"tasks"`
			} `json:"executors"`
		} `json:"frameworks"`
	}
	getJSON(t, base+"/state", &state)
	if state.ID != "agent-1" || state.Resources["cpus"] != 2.0 || state.Resources["ports"] != "[31000-31009]" ||
		state.Attributes["rack"] != "r1" {
		t.Errorf("/state id %q resources %v attributes %v", state.ID, state.Resources, state.Attributes)
	}
	if len(state.Frameworks) != 1 || len(state.Frameworks[0].Executors) != 1 ||
		len(state.Frameworks[0].Executors[0].Tasks) != 1 || state.Frameworks[0].Executors[0].Tasks[0].State != "TASK_RUNNING" {
		t.Fatalf("/state frameworks = %+v, want fw-1 with the running task", state.Frameworks)
	}

	for _, call := range []string{"GET_HEALTH", "GET_VERSION", "GET_STATE"} {
		resp := postJSON(t, base+"/api/v1", `{"type":"`+call+`"}`)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %s %s", call, resp.Status, body)
		}
		var out map[string]any
		if err := json.Unmarshal(body, &out); err != nil || out["type"] != call {
			t.Fatalf("%s answered %s", call, body)
		}
		if call == "GET_STATE" && !strings.Contains(string(body), `"launched_tasks":[{"name":"web"`) {
			t.Errorf("GET_STATE does not list the task as launched: %s", body)
		}
	}
}

func TestGracefulStopLeavesNoProcessBehind(t *testing.T) {
	m, a := registered(t, agent.Config{})
	m.runTask(frameworkInfo(), shellTask("stay", "echo $$ > pid; sleep 300 & echo $! > child; wait"))
	m.waitUpdates("stay", mesospb.TaskState_TASK_RUNNING)
	var pids []int
	deadline := time.Now().Add(5 * time.Second)
	for len(pids) < 2 && time.Now().Before(deadline) {
		pids = pids[:0]
		for _, name := range []string{"pid", "child"} {
			data, _ := os.ReadFile(filepath.Join(a.sandbox("fw-1", "stay"), name))
			if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
				pids = append(pids, pid)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(pids) != 2 {
		t.Fatal("the task did not write its pids")
	}

	a.stop(t)
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("process %d survived the agent", pid)
		}
	}
}

// alive reports whether pid is a live process (not gone, not a zombie
// waiting for a reaper).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}

func waitForFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear", path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", url, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, body)
	}
}

func postJSON(t *testing.T, url, body string) *http.Response {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestMain(m *testing.M) {
	if cfg := os.Getenv(agentProcessEnv); cfg != "" {
		os.Exit(runAgentProcess(cfg))
	}
	code := m.Run()
	if path, err := buildExecutor(); err == nil && executorBuilt.Load() {
		os.RemoveAll(filepath.Dir(path))
	}
	os.Exit(code)
}

// executorBuilt tells TestMain whether a test built the executor.
var executorBuilt atomic.Bool

// buildExecutor builds testdata/executor once per test binary.
var buildExecutor = sync.OnceValues(func() (string, error) {
	executorBuilt.Store(true)
	dir, err := os.MkdirTemp("", "agora-agent-test")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "test-executor")
	out, err := exec.Command("go", "build", "-o", path, "./testdata/executor").CombinedOutput()
	if err != nil {
		return "", errors.New(string(out))
	}
	return path, nil
})
