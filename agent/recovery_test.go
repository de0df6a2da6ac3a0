package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent"
	"agora/agent/checkpoint"
	mesospb "agora/api/mesos/v1"
)

// agentProcessEnv makes the test binary run an agent, configured by the
// variable's JSON value, until it is signalled (see TestMain): recovery
// tests kill it with SIGKILL, which an in-process agent cannot survive.
const agentProcessEnv = "AGORA_TEST_AGENT_PROCESS"

type agentProcessConfig struct {
	Master  string `json:"master"`
	WorkDir string `json:"work_dir"`
	// Listen is the agent's address; default 127.0.0.1:0.
	Listen string `json:"listen,omitempty"`
	// Keep is Config.KeepExecutorsOnStop: SIGTERM stops the agent alone.
	Keep bool `json:"keep,omitempty"`
}

func runAgentProcess(encoded string) int {
	var c agentProcessConfig
	if err := json.Unmarshal([]byte(encoded), &c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if c.Listen == "" {
		c.Listen = "127.0.0.1:0"
	}
	a, err := agent.New(agent.Config{
		Master: c.Master, WorkDir: c.WorkDir, Listen: c.Listen,
		CgroupsRoot: testCgroupsRoot(c.WorkDir), CgroupsNested: true,
		Resources: "cpus:2;mem:1024;disk:4096;ports:[31000-31009]",
		// The test's executor comes back within a few seconds even on a
		// loaded machine.
		ExecutorReregistrationTimeout: 20 * time.Second,
		KeepExecutorsOnStop:           c.Keep,
		Logger:                        slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := a.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// agentProcess is an agent running in a process of its own.
type agentProcess struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func startAgentProcess(t *testing.T, m *testMaster, workDir string) *agentProcess {
	t.Helper()
	return startAgentProcessOn(t, m, workDir, "")
}

// startAgentProcessOn starts an agent process listening on listen: an
// agent restarted on the address its executors know.
func startAgentProcessOn(t *testing.T, m *testMaster, workDir, listen string) *agentProcess {
	t.Helper()
	cfg, _ := json.Marshal(agentProcessConfig{Master: m.addr(), WorkDir: workDir, Listen: listen})
	return startAgentProcessWith(t, cfg)
}

// startAgentProcessWith starts an agent process configured by cfg (an
// encoded agentProcessConfig).
func startAgentProcessWith(t *testing.T, cfg []byte) *agentProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), agentProcessEnv+"="+string(cfg), "GORACE=atexit_sleep_ms=0")
	logs := &testLog{t: t}
	cmd.Stderr = logs
	cmd.Stdout = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &agentProcess{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
		logs.close()
	})
	return p
}

func (p *agentProcess) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

func checkpointingFramework() *mesospb.FrameworkInfo {
	fw := frameworkInfo()
	fw.Checkpoint = proto.Bool(true)
	return fw
}

func commandTask(id, command string) *mesospb.TaskInfo {
	return &mesospb.TaskInfo{
		Name:    proto.String(id),
		TaskId:  &mesospb.TaskID{Value: proto.String(id)},
		Command: &mesospb.CommandInfo{Value: proto.String(command)},
	}
}

// pidIn waits for a task to write its PID to a file in its sandbox.
func pidIn(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && strings.HasSuffix(string(data), "\n") {
			pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no pid in %s", path)
	return 0
}

// waitForProcessRecord waits until the checkpoint has the supervisor of a
// task's process.
func waitForProcessRecord(t *testing.T, workDir, taskID string) {
	t.Helper()
	store := checkpoint.Open(workDir, "agent-1")
	for deadline := time.Now().Add(waitTimeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if task := loggedTask(store, taskID); task != nil && task.Process != nil {
			return
		}
	}
	t.Fatalf("the process of task %s was not recorded", taskID)
}

// commandSandbox is the sandbox of a command task: its executor's latest run.
func commandSandbox(workDir, taskID string) string {
	return filepath.Join(workDir, "slaves", "agent-1", "frameworks", "fw-1", "executors", taskID, "runs", "latest")
}

func TestRecoveryAfterTheAgentIsKilled(t *testing.T) {
	m := newTestMaster(t)
	workDir := t.TempDir()
	first := startAgentProcess(t, m, workDir)
	m.waitRegister()
	fw := checkpointingFramework()

	// "long" runs through the restart; "ends" ends while the agent is down;
	// "unacked" has updates the master never acknowledged.
	m.runTask(fw, commandTask("long", `echo $$ > pid; exec sleep 60`))
	m.runTask(fw, commandTask("ends", `echo $$ > pid; while [ ! -f go ]; do sleep 0.05; done; exit 3`))
	wantStates(t, m.waitUpdates("long", mesospb.TaskState_TASK_RUNNING), mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING)
	wantStates(t, m.waitUpdates("ends", mesospb.TaskState_TASK_RUNNING), mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING)
	m.setHoldAcks(true)
	m.runTask(fw, commandTask("unacked", `echo $$ > pid; exec sleep 60`))
	unacked := m.waitUpdates("unacked", mesospb.TaskState_TASK_STARTING)
	// Its process runs and is recorded (its RUNNING update waits behind
	// the unacknowledged STARTING).
	waitForProcessRecord(t, workDir, "unacked")

	longPid := pidIn(t, filepath.Join(commandSandbox(workDir, "long"), "pid"))
	endsPid := pidIn(t, filepath.Join(commandSandbox(workDir, "ends"), "pid"))

	first.kill9(t)
	if !alive(longPid) {
		t.Fatal("the task died with its agent")
	}
	// "ends" exits 3 while no agent watches.
	if err := os.WriteFile(filepath.Join(commandSandbox(workDir, "ends"), "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(waitTimeout); alive(endsPid); {
		if time.Now().After(deadline) {
			t.Fatal("the ending task did not end")
		}
		time.Sleep(10 * time.Millisecond)
	}

	m.setHoldAcks(false)
	startAgentProcess(t, m, workDir)
	reg := m.waitRegister()
	if reg.GetAgentId().GetValue() != "agent-1" {
		t.Fatalf("the restarted agent registered as %q, want its old id", reg.GetAgentId().GetValue())
	}
	reported := map[string]bool{}
	for _, task := range reg.GetRegister().GetTasks() {
		reported[task.GetTaskId().GetValue()] = true
	}
	for _, id := range []string{"long", "ends", "unacked"} {
		if !reported[id] {
			t.Errorf("the re-registration does not list task %s", id)
		}
	}

	// The task that ended while the agent was down is reported with its
	// real exit status.
	ended := m.waitUpdates("ends", mesospb.TaskState_TASK_FAILED)
	if last := ended[len(ended)-1]; !strings.Contains(last.GetMessage(), "exited with status 3") {
		t.Errorf("ended task's update says %q, want its exit status 3", last.GetMessage())
	}
	// The unacknowledged update is sent again, the same update (uuid), and
	// the stream goes on from there.
	again := m.waitUpdates("unacked", mesospb.TaskState_TASK_RUNNING)
	if string(again[0].GetUuid()) != string(unacked[0].GetUuid()) {
		t.Errorf("after recovery the first update of 'unacked' is %v, want the unacknowledged STARTING again", again[0])
	}
	// Nothing was launched twice: the long task is the same process, and
	// the agent still controls it.
	if pid := pidIn(t, filepath.Join(commandSandbox(workDir, "long"), "pid")); pid != longPid {
		t.Errorf("long task's pid changed from %d to %d: launched twice", longPid, pid)
	}
	m.killTask(fw, "long", 0)
	// Its updates were acknowledged before the agent died, and the
	// acknowledgements were checkpointed: nothing of them is sent again.
	wantStates(t, m.waitUpdates("long", mesospb.TaskState_TASK_KILLED), mesospb.TaskState_TASK_KILLED)
	if alive(longPid) {
		t.Error("the recovered task survived its kill")
	}
}

func TestTasksOfFrameworksWithoutCheckpointingDieWithARestart(t *testing.T) {
	m := newTestMaster(t)
	workDir := t.TempDir()
	first := startAgentProcess(t, m, workDir)
	m.waitRegister()
	m.runTask(frameworkInfo(), commandTask("plain", `echo $$ > pid; exec sleep 60`))
	m.waitUpdates("plain", mesospb.TaskState_TASK_RUNNING)
	pid := pidIn(t, filepath.Join(commandSandbox(workDir, "plain"), "pid"))

	first.kill9(t)
	startAgentProcess(t, m, workDir)
	reg := m.waitRegister()
	if n := len(reg.GetRegister().GetTasks()); n != 0 {
		t.Errorf("the re-registration lists %d tasks of a framework without checkpointing, want none", n)
	}
	for deadline := time.Now().Add(waitTimeout); alive(pid); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a task of a framework without checkpointing outlived the agent's restart")
		}
	}
}

// freeAddr is a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestCustomExecutorSurvivesTheAgentsKill(t *testing.T) {
	m := newTestMaster(t)
	workDir := t.TempDir()
	listen := freeAddr(t)
	first := startAgentProcessOn(t, m, workDir, listen)
	m.waitRegister()
	fw := checkpointingFramework()
	ex := testExecutorInfo(t, "exec")

	// "job" finishes when told to, which happens while the agent is down;
	// "held" has an update the master does not acknowledge before the kill.
	m.runTask(fw, executorTask("job", ex, "finish-file"))
	m.waitMessages("env")
	m.waitUpdates("job", mesospb.TaskState_TASK_RUNNING)
	m.waitMessages("acked:job:TASK_RUNNING")
	m.setHoldAcks(true)
	m.runTask(fw, executorTask("held", ex, "wait"))
	held := m.waitUpdates("held", mesospb.TaskState_TASK_RUNNING)
	sandbox := filepath.Join(workDir, "slaves", "agent-1", "frameworks", "fw-1", "executors", "exec", "runs", "latest")
	pid := pidIn(t, filepath.Join(sandbox, "executor.pid"))

	first.kill9(t)
	if !alive(pid) {
		t.Fatal("the executor died with its agent")
	}
	// The executor cannot deliver this update until the agent is back.
	if err := os.WriteFile(filepath.Join(sandbox, "finish-job"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	m.setHoldAcks(false)
	startAgentProcessOn(t, m, workDir, listen)
	reg := m.waitRegister()
	if n := len(reg.GetRegister().GetExecutors()); n != 1 {
		t.Errorf("the re-registration lists %d executors, want the recovered one", n)
	}

	// The executor subscribed again (it sends "env" on SUBSCRIBED)...
	m.waitMessages("env")
	// ...and handed over the update it could not send meanwhile...
	m.waitUpdates("job", mesospb.TaskState_TASK_FINISHED)
	m.waitMessages("acked:job:TASK_FINISHED")
	// ...while the agent resent the one the master had not acknowledged,
	// the same update.
	again := m.waitUpdates("held", mesospb.TaskState_TASK_RUNNING)
	if string(again[0].GetUuid()) != string(held[0].GetUuid()) {
		t.Errorf("after recovery the update of 'held' is %v, want the unacknowledged RUNNING again", again[0])
	}
	// (Its acknowledgement may reach the agent before the executor is
	// back, and is then not passed on, as in Mesos.)
	// The same executor process runs its task on; the agent still
	// controls it.
	if got := pidIn(t, filepath.Join(sandbox, "executor.pid")); got != pid || !alive(pid) {
		t.Errorf("executor pid %d (alive %v), want the same process %d", got, alive(pid), pid)
	}
	m.killTask(fw, "held", 0)
	// The executor's copy of the RUNNING update, in its SUBSCRIBE, was a
	// duplicate: the framework got it once.
	wantStates(t, m.waitUpdates("held", mesospb.TaskState_TASK_KILLED), mesospb.TaskState_TASK_KILLED)
}

// An agent killed after it started a task's process but before it logged
// the task's TASK_RUNNING leaves the task STARTING with a live process; the
// recovered agent sends the TASK_RUNNING itself, as Mesos's command
// executor (a process of its own) would have.
func TestRecoveredTaskWithoutItsRunningUpdateGetsIt(t *testing.T) {
	workDir := t.TempDir()
	// The task's process: a stand-in for its supervisor.
	proc := exec.Command("sleep", "60")
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proc.Process.Kill(); proc.Wait() })

	// What the killed agent left.
	if err := os.MkdirAll(filepath.Join(workDir, "meta"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(workDir, "meta", "agent_id"), []byte("agent-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fw := checkpointingFramework()
	task := commandTask("t", "sleep 60")
	task.AgentId = &mesospb.AgentID{Value: proto.String("agent-1")}
	starting := &mesospb.TaskStatus{
		TaskId: task.TaskId, State: mesospb.TaskState_TASK_STARTING.Enum(),
		Source: mesospb.TaskStatus_SOURCE_EXECUTOR.Enum(), ExecutorId: &mesospb.ExecutorID{Value: proto.String("t")},
		AgentId: task.AgentId, Timestamp: proto.Float64(1), Uuid: []byte("0123456789abcdef"),
	}
	store := checkpoint.Open(workDir, "agent-1")
	for _, err := range []error{
		store.WriteFramework(fw),
		store.WriteRun("fw-1", &mesospb.ExecutorInfo{
			ExecutorId:  &mesospb.ExecutorID{Value: proto.String("t")},
			FrameworkId: fw.Id,
			Command:     &mesospb.CommandInfo{Value: proto.String("sleep 60")},
		}, "c1", checkpoint.Run{Kind: "command", Sandbox: filepath.Join(workDir, "sandbox")}),
		store.WriteTask("fw-1", "t", "c1", task),
		store.AppendUpdate(nil, "fw-1", "t", "c1", starting),
		store.WriteProcess("fw-1", "t", "c1", "t", checkpoint.Process{Pid: proc.Process.Pid, StartTime: startTime(t, proc.Process.Pid)}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}

	m := newTestMaster(t)
	startAgent(t, m, agent.Config{WorkDir: workDir})
	if reg := m.waitRegister(); len(reg.GetRegister().GetTasks()) != 1 {
		t.Fatalf("the re-registration lists %d tasks, want the recovered one", len(reg.GetRegister().GetTasks()))
	}
	got := m.waitUpdates("t", mesospb.TaskState_TASK_RUNNING)
	wantStates(t, got, mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING)
	if string(got[0].GetUuid()) != string(starting.GetUuid()) {
		t.Errorf("the first update is %v, want the unacknowledged STARTING again", got[0])
	}
}

// startTime is a process's start time as /proc/<pid>/stat gives it (field
// 22), what the checkpoint keeps to know a PID again.
func startTime(t *testing.T, pid int) uint64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	v, err := strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A command task that ended before the agent was killed, with its terminal
// update not yet acknowledged, comes back as an ended task: its update is
// sent again and, once acknowledged, its executor run is over and
// forgotten (it used to stay "running" with nothing in it, never
// collected, and held up the agent's shutdown for the whole grace period).
func TestRecoveredCommandExecutorOfAnEndedTaskEnds(t *testing.T) {
	m := newTestMaster(t)
	workDir := t.TempDir()
	first := startAgentProcess(t, m, workDir)
	m.waitRegister()
	fw := checkpointingFramework()

	m.setHoldAcks(true)
	m.runTask(fw, commandTask("quick", `exit 0`))
	m.waitUpdates("quick", mesospb.TaskState_TASK_STARTING)
	store := checkpoint.Open(workDir, "agent-1")
	for deadline := time.Now().Add(waitTimeout); ; time.Sleep(10 * time.Millisecond) {
		if task := loggedTask(store, "quick"); task != nil && len(task.Updates) > 0 &&
			task.Updates[len(task.Updates)-1].GetState() == mesospb.TaskState_TASK_FINISHED {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the task's TASK_FINISHED was not logged")
		}
	}
	first.kill9(t)

	m.setHoldAcks(false)
	startAgentProcess(t, m, workDir)
	m.waitRegister()
	m.waitUpdates("quick", mesospb.TaskState_TASK_FINISHED)
	for deadline := time.Now().Add(waitTimeout); loggedTask(store, "quick") != nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the run of the ended task is still recorded after its last update was acknowledged")
		}
	}
}

// An agent stopped with KeepExecutorsOnStop (agora agent's SIGTERM, as
// Mesos's) leaves the tasks of checkpointing frameworks running, and the
// next agent recovers them; the tasks of a framework that does not
// checkpoint are killed, since nothing would recover them.
func TestStoppedAgentLeavesCheckpointedTasksForTheNext(t *testing.T) {
	m := newTestMaster(t)
	workDir := t.TempDir()
	cfg, _ := json.Marshal(agentProcessConfig{Master: m.addr(), WorkDir: workDir, Keep: true})
	first := startAgentProcessWith(t, cfg)
	m.waitRegister()
	kept := checkpointingFramework()
	plain := frameworkInfo()
	plain.Id = &mesospb.FrameworkID{Value: proto.String("fw-2")}
	m.runTask(kept, commandTask("kept", `echo $$ > pid; exec sleep 60`))
	m.runTask(plain, commandTask("plain", `echo $$ > pid; exec sleep 60`))
	m.waitUpdates("kept", mesospb.TaskState_TASK_RUNNING)
	m.waitUpdates("plain", mesospb.TaskState_TASK_RUNNING)
	waitForProcessRecord(t, workDir, "kept")
	keptPid := pidIn(t, filepath.Join(commandSandbox(workDir, "kept"), "pid"))
	plainPid := pidIn(t, filepath.Join(workDir, "slaves", "agent-1", "frameworks", "fw-2", "executors", "plain", "runs", "latest", "pid"))

	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.done:
	case <-time.After(waitTimeout):
		t.Fatal("the agent did not stop")
	}
	if !alive(keptPid) {
		t.Fatal("the checkpointing framework's task died with its agent's stop")
	}
	for deadline := time.Now().Add(waitTimeout); alive(plainPid); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the task of the framework that does not checkpoint outlived its agent")
		}
	}

	startAgentProcess(t, m, workDir)
	reg := m.waitRegister()
	if tasks := reg.GetRegister().GetTasks(); len(tasks) != 1 || tasks[0].GetTaskId().GetValue() != "kept" {
		t.Errorf("the next agent re-registered with %v, want the kept task", tasks)
	}
	if got := pidIn(t, filepath.Join(commandSandbox(workDir, "kept"), "pid")); got != keptPid || !alive(keptPid) {
		t.Errorf("kept task pid %d (alive %v), want the same process %d", got, alive(keptPid), keptPid)
	}
	// The next agent controls it.
	m.killTask(kept, "kept", 0)
	m.waitUpdates("kept", mesospb.TaskState_TASK_KILLED)
	if alive(keptPid) {
		t.Error("the recovered task survived its kill")
	}
}
