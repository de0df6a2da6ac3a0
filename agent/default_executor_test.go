package agent_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent"
	clusterpb "agora/api/agora/cluster/v1"
	mesospb "agora/api/mesos/v1"
)

// The built-in default executor runs task groups (LAUNCH_GROUP with an
// ExecutorInfo of type DEFAULT), each task a process in tasks/<task id> of
// the executor's sandbox.

func defaultExecutorInfo(id string) *mesospb.ExecutorInfo {
	return &mesospb.ExecutorInfo{
		ExecutorId: &mesospb.ExecutorID{Value: proto.String(id)},
		Type:       mesospb.ExecutorInfo_DEFAULT.Enum(),
		Name:       proto.String("default executor"),
	}
}

// runTaskGroup sends RUN_TASK_GROUP as the master does: the framework, the
// executor and the tasks, each with the agent's id and no executor.
func (m *testMaster) runTaskGroup(fw *mesospb.FrameworkInfo, ex *mesospb.ExecutorInfo, tasks ...*mesospb.TaskInfo) {
	for _, task := range tasks {
		task.AgentId = &mesospb.AgentID{Value: proto.String(m.agentID)}
	}
	m.send(&clusterpb.Event{
		Type: clusterpb.Event_RUN_TASK_GROUP.Enum(),
		RunTaskGroup: &clusterpb.Event_RunTaskGroup{
			FrameworkInfo: fw,
			Executor:      ex,
			TaskGroup:     &mesospb.TaskGroupInfo{Tasks: tasks},
		},
	})
}

func (m *testMaster) shutdownExecutor(fw *mesospb.FrameworkInfo, executorID string) {
	m.send(&clusterpb.Event{
		Type: clusterpb.Event_SHUTDOWN_EXECUTOR.Enum(),
		ShutdownExecutor: &clusterpb.Event_ShutdownExecutor{
			FrameworkId: fw.GetId(), ExecutorId: &mesospb.ExecutorID{Value: proto.String(executorID)},
		},
	})
}

// wantNoExecutorExited checks that the agent has not said an executor
// exited.
func (m *testMaster) wantNoExecutorExited(t *testing.T) {
	t.Helper()
	select {
	case e := <-m.exited:
		t.Fatalf("EXECUTOR_EXITED %v while the executor still has tasks", e)
	default:
	}
}

// taskSandbox is a default executor task's sandbox in the latest run.
func (ta *testAgent) taskSandbox(framework, executor, task string) string {
	return filepath.Join(ta.sandbox(framework, executor), "tasks", task)
}

// readPids reads the pids a task wrote into files of its sandbox.
func readPids(t *testing.T, dir string, names ...string) []int {
	t.Helper()
	var pids []int
	for _, name := range names {
		path := filepath.Join(dir, name)
		waitForFile(t, path)
		deadline := time.Now().Add(waitTimeout)
		for {
			data, _ := os.ReadFile(path)
			if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
				pids = append(pids, pid)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s holds no pid", path)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return pids
}

func TestDefaultExecutorRunsATaskGroupToTheEnd(t *testing.T) {
	m, a := registered(t, agent.Config{})
	m.runTaskGroup(frameworkInfo(), defaultExecutorInfo("pod"),
		shellTask("web", "echo web"),
		shellTask("sidecar", "echo sidecar; echo warning >&2"))

	for _, id := range []string{"web", "sidecar"} {
		got := m.waitUpdates(id, mesospb.TaskState_TASK_FINISHED)
		wantStates(t, got, mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_FINISHED)
		for _, s := range got {
			if s.GetSource() != mesospb.TaskStatus_SOURCE_EXECUTOR || len(s.GetUuid()) != 16 ||
				s.GetAgentId().GetValue() != "agent-1" || s.GetExecutorId().GetValue() != "pod" {
				t.Errorf("update %v lacks the source, uuid, agent or executor an executor update has", s)
			}
		}
		if msg := got[2].GetMessage(); msg != "Command exited with status 0" {
			t.Errorf("%s FINISHED message %q", id, msg)
		}
		stdout, err := os.ReadFile(filepath.Join(a.taskSandbox("fw-1", "pod", id), "stdout"))
		if err != nil || string(stdout) != id+"\n" {
			t.Errorf("%s stdout = %q, %v; want %q in tasks/%s/stdout", id, stdout, err, id+"\n", id)
		}
	}
	stderr, _ := os.ReadFile(filepath.Join(a.taskSandbox("fw-1", "pod", "sidecar"), "stderr"))
	if string(stderr) != "warning\n" {
		t.Errorf("sidecar stderr = %q", stderr)
	}

	// With no task left the executor ends, and the master hears of it so
	// that it frees the executor's resources.
	exited := m.waitExecutorExited()
	if exited.GetExecutorId().GetValue() != "pod" || exited.GetFrameworkId().GetValue() != "fw-1" ||
		exited.Status == nil || exited.GetStatus() != 0 {
		t.Errorf("EXECUTOR_EXITED %v, want pod of fw-1 with status 0", exited)
	}
}

func TestDefaultExecutorTaskEnvironmentAndURIs(t *testing.T) {
	m, a := registered(t, agent.Config{})
	script := filepath.Join(t.TempDir(), "greet.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho fetched\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	task := shellTask("env", "./greet.sh; env > env.txt")
	task.Command.Uris = []*mesospb.CommandInfo_URI{{Value: proto.String("file://" + script), Executable: proto.Bool(true)}}
	task.Command.Environment = &mesospb.Environment{Variables: []*mesospb.Environment_Variable{
		{Name: proto.String("GREETING"), Value: proto.String("hello world")},
	}}
	m.runTaskGroup(frameworkInfo(), defaultExecutorInfo("pod"), task)
	m.waitUpdates("env", mesospb.TaskState_TASK_FINISHED)

	sandbox, _ := filepath.EvalSymlinks(a.taskSandbox("fw-1", "pod", "env"))
	stdout, _ := os.ReadFile(filepath.Join(sandbox, "stdout"))
	if string(stdout) != "fetched\n" {
		t.Errorf("stdout %q, want the output of the script fetched into the task's sandbox", stdout)
	}
	data, err := os.ReadFile(filepath.Join(sandbox, "env.txt"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	for k, want := range map[string]string{
		"GREETING":           "hello world",
		"MESOS_TASK_ID":      "env",
		"MESOS_SANDBOX":      sandbox,
		"MESOS_DIRECTORY":    sandbox,
		"MESOS_FRAMEWORK_ID": "fw-1",
		"MESOS_EXECUTOR_ID":  "pod",
	} {
		if env[k] != want {
			t.Errorf("task environment %s=%q, want %q", k, env[k], want)
		}
	}
	if env["PATH"] == "" {
		t.Error("task environment has no PATH")
	}
}

func TestFailedTaskKillsTheRestOfItsGroup(t *testing.T) {
	m, a := registered(t, agent.Config{})
	// The failing task waits until its sibling runs, so the sibling's
	// process is there to be killed.
	m.runTaskGroup(frameworkInfo(), defaultExecutorInfo("pod"),
		shellTask("fails", "while [ ! -e ../survivor/pid ]; do sleep 0.01; done; exit 3"),
		shellTask("survivor", "echo $$ > pid; exec sleep 60"))

	failed := m.waitUpdates("fails", mesospb.TaskState_TASK_FAILED)
	wantStates(t, failed, mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_FAILED)
	if msg := failed[2].GetMessage(); msg != "Command exited with status 3" {
		t.Errorf("FAILED message %q, want the exit status", msg)
	}
	killed := m.waitUpdates("survivor", mesospb.TaskState_TASK_KILLED)
	wantStates(t, killed, mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_KILLED)
	if msg := killed[2].GetMessage(); msg != "Command terminated with signal Terminated" {
		t.Errorf("KILLED message %q", msg)
	}
	pid := readPids(t, a.taskSandbox("fw-1", "pod", "survivor"), "pid")[0]
	if exited := m.waitExecutorExited(); exited.GetStatus() != 0 {
		t.Errorf("EXECUTOR_EXITED status %d, want 0: the executor itself ended cleanly", exited.GetStatus())
	}
	if alive(pid) {
		t.Errorf("the killed task's process %d is still running", pid)
	}
}

func TestKillingATaskKillsItsGroup(t *testing.T) {
	m, a := registered(t, agent.Config{})
	fw := frameworkInfo(mesospb.FrameworkInfo_Capability_TASK_KILLING_STATE)
	// The killed task ignores SIGTERM: its kill policy's grace decides
	// when SIGKILL comes.
	stubborn := shellTask("stubborn", "trap '' TERM; echo $$ > pid; while true; do sleep 0.05; done")
	grace := 300 * time.Millisecond
	stubborn.KillPolicy = &mesospb.KillPolicy{GracePeriod: &mesospb.DurationInfo{Nanoseconds: proto.Int64(int64(grace))}}
	m.runTaskGroup(fw, defaultExecutorInfo("pod"), stubborn, shellTask("sibling", "echo $$ > pid; exec sleep 60"))
	m.waitUpdates("stubborn", mesospb.TaskState_TASK_RUNNING)
	m.waitUpdates("sibling", mesospb.TaskState_TASK_RUNNING)
	pids := append(readPids(t, a.taskSandbox("fw-1", "pod", "stubborn"), "pid"),
		readPids(t, a.taskSandbox("fw-1", "pod", "sibling"), "pid")...)

	start := time.Now()
	m.killTask(fw, "stubborn", 0)
	got := m.waitUpdates("stubborn", mesospb.TaskState_TASK_KILLED)
	wantStates(t, got, mesospb.TaskState_TASK_KILLING, mesospb.TaskState_TASK_KILLED)
	if elapsed := time.Since(start); elapsed < grace {
		t.Errorf("killed after %v, before its %v grace period ended", elapsed, grace)
	}
	if msg := got[1].GetMessage(); msg != "Command terminated with signal Killed" {
		t.Errorf("KILLED message %q", msg)
	}
	got = m.waitUpdates("sibling", mesospb.TaskState_TASK_KILLED)
	wantStates(t, got, mesospb.TaskState_TASK_KILLING, mesospb.TaskState_TASK_KILLED)
	m.waitExecutorExited()
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("process %d survived the kill of its group", pid)
		}
	}
}

func TestTaskGroupJoinsARunningDefaultExecutor(t *testing.T) {
	m, a := registered(t, agent.Config{})
	fw := frameworkInfo()
	m.runTaskGroup(fw, defaultExecutorInfo("pod"), shellTask("first", "sleep 60"))
	m.waitUpdates("first", mesospb.TaskState_TASK_RUNNING)
	firstRun, _ := filepath.EvalSymlinks(a.sandbox("fw-1", "pod"))

	// A second group on the same executor runs beside the first, and ends
	// on its own: its tasks all finished.
	m.runTaskGroup(fw, defaultExecutorInfo("pod"), shellTask("second", "echo second"))
	wantStates(t, m.waitUpdates("second", mesospb.TaskState_TASK_FINISHED),
		mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_FINISHED)
	stdout, _ := os.ReadFile(filepath.Join(firstRun, "tasks", "second", "stdout"))
	if string(stdout) != "second\n" {
		t.Errorf("second group's stdout %q, want it in the first run's sandbox", stdout)
	}
	runs, _ := os.ReadDir(filepath.Dir(a.sandbox("fw-1", "pod")))
	if len(runs) != 2 { // one run and the "latest" link
		t.Errorf("executor has %d entries in runs/, want one run and latest", len(runs))
	}
	select {
	case u := <-m.updates:
		t.Fatalf("update %v of %s: the first group should still run", u.GetStatus().GetState(), u.GetStatus().GetTaskId().GetValue())
	case <-time.After(100 * time.Millisecond):
	}
	m.wantNoExecutorExited(t)

	// The executor is reported on re-registration, with its tasks.
	m.closeCurrentStream()
	reg := m.waitRegister().GetRegister()
	if len(reg.GetExecutors()) != 1 || reg.GetExecutors()[0].GetExecutorId().GetValue() != "pod" ||
		reg.GetExecutors()[0].GetType() != mesospb.ExecutorInfo_DEFAULT {
		t.Errorf("re-registration reports executors %v, want the default executor pod", reg.GetExecutors())
	}
	var reported []string
	for _, task := range reg.GetTasks() {
		if task.GetExecutorId().GetValue() != "pod" {
			t.Errorf("re-registration reports task %s on executor %q, want pod", task.GetTaskId().GetValue(), task.GetExecutorId().GetValue())
		}
		if task.GetState() == mesospb.TaskState_TASK_RUNNING {
			reported = append(reported, task.GetTaskId().GetValue())
		}
	}
	if len(reported) != 1 || reported[0] != "first" {
		t.Errorf("re-registration reports running tasks %v, want first", reported)
	}

	m.killTask(fw, "first", 0)
	m.waitUpdates("first", mesospb.TaskState_TASK_KILLED)
	if exited := m.waitExecutorExited(); exited.GetExecutorId().GetValue() != "pod" {
		t.Errorf("EXECUTOR_EXITED for %v", exited.GetExecutorId())
	}
}

func TestStoppingTheDefaultExecutorLeavesNoProcess(t *testing.T) {
	for _, how := range []string{"SHUTDOWN_EXECUTOR", "agent stop"} {
		t.Run(how, func(t *testing.T) {
			m, a := registered(t, agent.Config{})
			fw := frameworkInfo()
			// Each task leaves a child of its own behind a shell that
			// waits for it.
			const command = "echo $$ > pid; sleep 300 & echo $! > child; wait"
			m.runTaskGroup(fw, defaultExecutorInfo("pod"), shellTask("a", command), shellTask("b", command))
			var pids []int
			for _, id := range []string{"a", "b"} {
				m.waitUpdates(id, mesospb.TaskState_TASK_RUNNING)
				pids = append(pids, readPids(t, a.taskSandbox("fw-1", "pod", id), "pid", "child")...)
			}

			if how == "agent stop" {
				a.stop(t)
			} else {
				m.shutdownExecutor(fw, "pod")
				for _, id := range []string{"a", "b"} {
					got := m.waitUpdates(id, mesospb.TaskState_TASK_KILLED)
					wantStates(t, got, mesospb.TaskState_TASK_KILLED)
				}
				if exited := m.waitExecutorExited(); exited.GetExecutorId().GetValue() != "pod" {
					t.Errorf("EXECUTOR_EXITED for %v", exited.GetExecutorId())
				}
			}
			for _, pid := range pids {
				if alive(pid) {
					t.Errorf("process %d survived", pid)
				}
			}
		})
	}
}

func TestTaskGroupWhoseURIsCannotBeFetchedFails(t *testing.T) {
	m, _ := registered(t, agent.Config{})
	broken := shellTask("broken", "true")
	broken.Command.Uris = []*mesospb.CommandInfo_URI{{Value: proto.String("file:///nonexistent/agora/test/file")}}
	m.runTaskGroup(frameworkInfo(), defaultExecutorInfo("pod"), broken, shellTask("other", "sleep 60"))

	got := m.waitUpdates("broken", mesospb.TaskState_TASK_FAILED)
	wantStates(t, got, mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_FAILED)
	if msg := got[1].GetMessage(); !strings.Contains(msg, "Failed to fetch") || !strings.Contains(msg, "/nonexistent/agora/test/file") ||
		got[1].GetReason() != mesospb.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED {
		t.Errorf("fetch failure: message %q reason %v", msg, got[1].GetReason())
	}
	// Its sibling is killed wherever its launch had got to.
	got = m.waitUpdates("other", mesospb.TaskState_TASK_KILLED)
	if got[0].GetState() != mesospb.TaskState_TASK_STARTING {
		t.Errorf("sibling updates %s, want TASK_STARTING first", states(got))
	}
	m.waitExecutorExited()
}
