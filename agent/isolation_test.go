package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent"
	"agora/agent/cgroups"
	mesospb "agora/api/mesos/v1"
)

// testCgroupsRoot is the cgroups root of the test agent working in
// workDir: the same for an agent restarted on that work dir, distinct for
// tests running in parallel.
func testCgroupsRoot(workDir string) string {
	h := fnv.New64a()
	h.Write([]byte(workDir))
	return fmt.Sprintf("agora-test-%x", h.Sum64())
}

// requireCgroups skips a test that needs real cgroups, with the precise
// reason this host cannot give them.
func requireCgroups(t *testing.T) {
	t.Helper()
	if euid := os.Geteuid(); euid != 0 {
		t.Skipf("needs cgroup isolation, which needs an agent running as root (euid %d)", euid)
	}
	probe := cgroups.Detect(cgroups.Options{Root: testCgroupsRoot(t.Name()), Nested: true})
	if probe.Mode() == cgroups.ModeNone {
		t.Skipf("needs cgroup isolation, which this host cannot give: %s", probe.Reason())
	}
	if err := probe.RemoveRoot(); err != nil {
		t.Fatal(err)
	}
}

type flagsDocument struct {
	Flags map[string]string `json:"flags"`
}

type isolationDocument struct {
	Isolation struct {
		Isolation string   `json:"isolation"`
		Cgroups   string   `json:"cgroups"`
		Dirs      []string `json:"cgroups_dirs"`
		Reason    string   `json:"reason"`
	} `json:"isolation"`
	Frameworks []struct {
		Executors []struct {
			ID        string `json:"id"`
			Container string `json:"container"`
		} `json:"executors"`
	} `json:"frameworks"`
}

func (ta *testAgent) isolationState(t *testing.T) isolationDocument {
	t.Helper()
	var doc isolationDocument
	getJSON(t, "http://"+ta.Addr().String()+"/state", &doc)
	return doc
}

// containerCgroups are the cgroup directories of an executor's container,
// one per hierarchy.
func (ta *testAgent) containerCgroups(t *testing.T, executorID string) []string {
	t.Helper()
	doc := ta.isolationState(t)
	for _, fw := range doc.Frameworks {
		for _, ex := range fw.Executors {
			if ex.ID == executorID {
				var dirs []string
				for _, d := range doc.Isolation.Dirs {
					dirs = append(dirs, filepath.Join(d, ex.Container))
				}
				return dirs
			}
		}
	}
	t.Fatalf("no executor %s in /state", executorID)
	return nil
}

func withResources(task *mesospb.TaskInfo, cpus, memMB float64) *mesospb.TaskInfo {
	task.Resources = []*mesospb.Resource{
		{Name: proto.String("cpus"), Type: mesospb.Value_SCALAR.Enum(), Scalar: &mesospb.Value_Scalar{Value: proto.Float64(cpus)}},
		{Name: proto.String("mem"), Type: mesospb.Value_SCALAR.Enum(), Scalar: &mesospb.Value_Scalar{Value: proto.Float64(memMB)}},
	}
	return task
}

// readLimit reads a control file of a cgroup, trimmed.
func readControl(t *testing.T, dirs []string, names ...string) string {
	t.Helper()
	for _, d := range dirs {
		for _, n := range names {
			if data, err := os.ReadFile(filepath.Join(d, n)); err == nil {
				return strings.TrimSpace(string(data))
			}
		}
	}
	t.Fatalf("none of %v in %v", names, dirs)
	return ""
}

// waitCgroupsGone waits until none of dirs exists.
func waitCgroupsGone(t *testing.T, dirs []string, what string) {
	t.Helper()
	for deadline := time.Now().Add(waitTimeout); ; time.Sleep(10 * time.Millisecond) {
		left := slices.DeleteFunc(slices.Clone(dirs), func(d string) bool {
			_, err := os.Stat(d)
			return errors.Is(err, os.ErrNotExist)
		})
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v still exist", what, left)
		}
	}
}

func TestContainerRunsInACgroupWithItsLimits(t *testing.T) {
	requireCgroups(t)
	m, a := registered(t, agent.Config{})
	var flags flagsDocument
	getJSON(t, "http://"+a.Addr().String()+"/flags", &flags)
	if got := flags.Flags["isolation"]; got != agent.IsolationCgroups {
		t.Errorf("/flags isolation = %q, want %q", got, agent.IsolationCgroups)
	}

	fw := frameworkInfo()
	m.runTask(fw, withResources(commandTask("limited", `echo $$ > pid; exec sleep 60`), 0.5, 100))
	m.waitUpdates("limited", mesospb.TaskState_TASK_RUNNING)
	// The agent's cgroups root is known once it has an id.
	if iso := a.isolationState(t).Isolation; iso.Isolation != agent.IsolationCgroups || iso.Cgroups == "none" || len(iso.Dirs) == 0 {
		t.Errorf("/state isolation = %+v, want cgroups with their directories", iso)
	}
	pid := pidIn(t, filepath.Join(a.sandbox("fw-1", "limited"), "pid"))
	dirs := a.containerCgroups(t, "limited")

	// The task (and its supervisor) are in the container's cgroup in every
	// hierarchy.
	for _, d := range dirs {
		procs, err := os.ReadFile(filepath.Join(d, "cgroup.procs"))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(strings.Fields(string(procs)), strconv.Itoa(pid)) {
			t.Errorf("task %d is not in %s (it has %q)", pid, d, procs)
		}
	}
	// Its limits are the task's resources plus the command executor's
	// allowance (0.1 cpus, 32 MB), as Mesos sizes a command task's
	// container.
	wantMem := strconv.Itoa((100 + 32) << 20)
	if got := readControl(t, dirs, "memory.limit_in_bytes", "memory.max"); got != wantMem {
		t.Errorf("memory limit %s, want %s", got, wantMem)
	}
	if got := readControl(t, dirs, "cpu.shares", "cpu.weight"); got != "614" && got != "60" {
		t.Errorf("cpu weight %s, want 614 shares (v1) or weight 60 (v2) for 0.6 cpus", got)
	}

	m.killTask(fw, "limited", 0)
	m.waitUpdates("limited", mesospb.TaskState_TASK_KILLED)
	waitCgroupsGone(t, dirs, "the ended task's cgroup")
}

func TestTaskOverItsMemoryLimitFails(t *testing.T) {
	requireCgroups(t)
	// With swap limited too, a host with swap OOM-kills as well.
	m, a := registered(t, agent.Config{CgroupsLimitSwap: true})
	fw := frameworkInfo()
	// dd's 256 MB buffer, filled from /dev/zero, does not fit in the
	// container's 16 + 32 MB.
	m.runTask(fw, withResources(commandTask("hog", `dd if=/dev/zero of=/dev/null bs=256M count=1`), 0.1, 16))
	updates := m.waitUpdates("hog", mesospb.TaskState_TASK_RUNNING)
	dirs := a.containerCgroups(t, "hog")
	for !isTerminal(updates[len(updates)-1].GetState()) {
		updates = append(updates, m.waitUpdates("hog", mesospb.TaskState_TASK_FAILED)...)
	}
	last := updates[len(updates)-1]
	if last.GetState() != mesospb.TaskState_TASK_FAILED ||
		last.GetReason() != mesospb.TaskStatus_REASON_CONTAINER_LIMITATION_MEMORY ||
		last.GetSource() != mesospb.TaskStatus_SOURCE_AGENT {
		t.Fatalf("task ended %v %v %v %q, want TASK_FAILED from the agent with REASON_CONTAINER_LIMITATION_MEMORY",
			last.GetState(), last.GetSource(), last.GetReason(), last.GetMessage())
	}
	if !strings.HasPrefix(last.GetMessage(), "Memory limit exceeded: Requested: 48MB") {
		t.Errorf("message %q, want Mesos's \"Memory limit exceeded: Requested: 48MB ...\"", last.GetMessage())
	}
	if rs := last.GetLimitation().GetResources(); len(rs) != 1 || rs[0].GetName() != "mem" {
		t.Errorf("limitation %v, want the mem resource", last.GetLimitation())
	}
	waitCgroupsGone(t, dirs, "the cgroup of the task that ran out of memory")
}

func TestContainerWhoseChildRanOutOfMemoryIsKilled(t *testing.T) {
	requireCgroups(t)
	m, _ := registered(t, agent.Config{})
	// The OOM killer takes dd, a child; the task's shell would sleep on:
	// the agent kills the container, as Mesos destroys a limited one.
	m.runTask(frameworkInfo(), withResources(commandTask("parent",
		`dd if=/dev/zero of=/dev/null bs=256M count=1; exec sleep 60`), 0.1, 16))
	got := m.waitUpdates("parent", mesospb.TaskState_TASK_FAILED)
	last := got[len(got)-1]
	if last.GetReason() != mesospb.TaskStatus_REASON_CONTAINER_LIMITATION_MEMORY || last.GetSource() != mesospb.TaskStatus_SOURCE_AGENT {
		t.Errorf("task ended %v from %v, want REASON_CONTAINER_LIMITATION_MEMORY from the agent", last.GetReason(), last.GetSource())
	}
}

func TestCustomExecutorOverItsMemoryLimitFailsItsTasks(t *testing.T) {
	requireCgroups(t)
	m, _ := registered(t, agent.Config{})
	fw := frameworkInfo()
	ex := testExecutorInfo(t, "hungry")
	ex.Resources = withResources(&mesospb.TaskInfo{}, 0.1, 64).Resources
	m.runTask(fw, withResources(executorTask("calm", ex, "wait"), 0.1, 16))
	m.waitUpdates("calm", mesospb.TaskState_TASK_RUNNING)
	m.runTask(fw, withResources(executorTask("hog", ex, "hog"), 0.1, 16))
	// The executor itself runs out of memory: every task it had fails with
	// the limitation, from the agent.
	for _, id := range []string{"calm", "hog"} {
		got := m.waitUpdates(id, mesospb.TaskState_TASK_FAILED)
		last := got[len(got)-1]
		if last.GetReason() != mesospb.TaskStatus_REASON_CONTAINER_LIMITATION_MEMORY || last.GetSource() != mesospb.TaskStatus_SOURCE_AGENT ||
			// 80 MB or, once the hog's resources are added, 96 MB: the
			// update races with the executor's allocation.
			!strings.HasPrefix(last.GetMessage(), "Memory limit exceeded: Requested: ") {
			t.Errorf("task %s ended %v from %v %q, want REASON_CONTAINER_LIMITATION_MEMORY from the agent", id,
				last.GetReason(), last.GetSource(), last.GetMessage())
		}
	}
}

func isTerminal(s mesospb.TaskState) bool {
	switch s {
	case mesospb.TaskState_TASK_FINISHED, mesospb.TaskState_TASK_FAILED, mesospb.TaskState_TASK_KILLED,
		mesospb.TaskState_TASK_ERROR, mesospb.TaskState_TASK_LOST, mesospb.TaskState_TASK_DROPPED:
		return true
	}
	return false
}

func TestExplicitCgroupsIsolationThatCannotBeHonouredFailsStartUp(t *testing.T) {
	// A root that cannot name a cgroup makes cgroups unusable on any host,
	// root or not.
	_, err := agent.New(agent.Config{
		Master: "127.0.0.1:1", WorkDir: t.TempDir(), Listen: "127.0.0.1:0",
		Isolation: agent.IsolationCgroups, CgroupsRoot: "../outside",
	})
	if !errors.Is(err, agent.ErrInvalidConfig) || !strings.Contains(err.Error(), "--isolation=cgroups/cpu,cgroups/mem needs cgroups, but none can be used") {
		t.Fatalf("New = %v, want a configuration error that says cgroups cannot be used", err)
	}
	if os.Geteuid() != 0 && !strings.Contains(err.Error(), "not running as root") {
		t.Errorf("error %q does not say the agent is not root", err)
	}

	_, err = agent.New(agent.Config{Master: "127.0.0.1:1", WorkDir: t.TempDir(), Isolation: "cgroups/cpu,linux/magic"})
	if !errors.Is(err, agent.ErrInvalidConfig) || !strings.Contains(err.Error(), `unknown isolator "linux/magic"`) {
		t.Errorf("New = %v, want an unknown isolator error", err)
	}
	_, err = agent.New(agent.Config{Master: "127.0.0.1:1", WorkDir: t.TempDir(), Isolation: "posix/mem,cgroups/mem"})
	if !errors.Is(err, agent.ErrInvalidConfig) {
		t.Errorf("New = %v, want an error for mem isolated twice", err)
	}
}

func TestNoIsolationIsAWarningAtStartUp(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	a, err := agent.New(agent.Config{Master: "127.0.0.1:1", WorkDir: t.TempDir(), Listen: "127.0.0.1:0",
		CgroupsRoot: "../outside", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if out := logs.String(); !strings.Contains(out, `level=WARN msg="no resource isolation is possible: tasks' CPU and memory are not limited"`) ||
		!strings.Contains(out, `reason="cgroups root \"../outside\" must be a relative path`) {
		t.Errorf("start-up logs do not warn that there is no isolation:\n%s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestAutoIsolationFallsBackToPosixAndSaysWhy(t *testing.T) {
	m, a := registered(t, agent.Config{CgroupsRoot: "../outside"})
	var flags flagsDocument
	getJSON(t, "http://"+a.Addr().String()+"/flags", &flags)
	if got := flags.Flags["isolation"]; got != agent.IsolationPosix {
		t.Errorf("/flags isolation = %q, want %q", got, agent.IsolationPosix)
	}
	iso := a.isolationState(t).Isolation
	if iso.Cgroups != "none" || iso.Reason == "" {
		t.Errorf("/state isolation = %+v, want none with a reason", iso)
	}
	// The v1 operator API says the same (GET_FLAGS).
	resp := postJSON(t, "http://"+a.Addr().String()+"/api/v1", `{"type":"GET_FLAGS"}`)
	defer resp.Body.Close()
	var got struct {
		Type     string `json:"type"`
		GetFlags struct {
			Flags []struct{ Name, Value string } `json:"flags"`
		} `json:"get_flags"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || got.Type != "GET_FLAGS" {
		t.Fatalf("GET_FLAGS: %v %+v", err, got)
	}
	found := false
	for _, f := range got.GetFlags.Flags {
		found = found || (f.Name == "isolation" && f.Value == agent.IsolationPosix)
	}
	if !found {
		t.Errorf("GET_FLAGS %+v has no isolation=%s", got.GetFlags.Flags, agent.IsolationPosix)
	}
	// Tasks still run, without limits.
	m.runTask(frameworkInfo(), withResources(commandTask("free", "exit 0"), 0.1, 1))
	m.waitUpdates("free", mesospb.TaskState_TASK_FINISHED)
}

func TestRecoveryReopensContainerCgroupsAndDestroysOrphans(t *testing.T) {
	requireCgroups(t)
	m := newTestMaster(t)
	workDir := t.TempDir()
	first := startAgentProcess(t, m, workDir)
	m.waitRegister()
	fw := checkpointingFramework()
	m.runTask(fw, withResources(commandTask("long", `echo $$ > pid; exec sleep 60`), 0.1, 64))
	m.waitUpdates("long", mesospb.TaskState_TASK_RUNNING)
	pid := pidIn(t, filepath.Join(commandSandbox(workDir, "long"), "pid"))

	// The agent process is in the test's cgroups, so its nested root is
	// where the test finds it too.
	roots := cgroups.Detect(cgroups.Options{Root: testCgroupsRoot(workDir) + "/agent-1", Nested: true})
	ids, err := roots.List()
	if err != nil || len(ids) != 1 {
		t.Fatalf("containers' cgroups %v (%v), want the task's", ids, err)
	}
	var task, orphan []string
	for _, d := range roots.Dirs() {
		task = append(task, filepath.Join(d, ids[0]))
		orphan = append(orphan, filepath.Join(d, "orphan"))
	}

	first.kill9(t)
	// A container the agent has no record of, left in its root.
	for _, d := range orphan {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	startAgentProcess(t, m, workDir)
	m.waitRegister()
	waitCgroupsGone(t, orphan, "the orphan container's cgroup")
	for _, d := range task {
		procs, err := os.ReadFile(filepath.Join(d, "cgroup.procs"))
		if err != nil || !slices.Contains(strings.Fields(string(procs)), strconv.Itoa(pid)) {
			t.Fatalf("after recovery the task %d is not in %s (%q, %v)", pid, d, procs, err)
		}
	}
	// The restarted agent has the cgroup again: it destroys it when the
	// task ends.
	m.killTask(fw, "long", 0)
	m.waitUpdates("long", mesospb.TaskState_TASK_KILLED)
	waitCgroupsGone(t, task, "the recovered task's cgroup")
}

func TestExecutorContainerGrowsWithItsTasks(t *testing.T) {
	requireCgroups(t)
	m, a := registered(t, agent.Config{})
	fw := frameworkInfo()
	ex := testExecutorInfo(t, "grower")
	ex.Resources = withResources(&mesospb.TaskInfo{}, 0.1, 32).Resources
	m.runTask(fw, withResources(executorTask("one", ex, "wait"), 0.5, 64))
	m.waitUpdates("one", mesospb.TaskState_TASK_RUNNING)
	dirs := a.containerCgroups(t, "grower")
	// A custom executor's container is its resources plus its tasks'.
	waitControl(t, dirs, strconv.Itoa((32+64)<<20), "memory.limit_in_bytes", "memory.max")
	waitControl(t, dirs, "614", "cpu.shares")

	// Mesos updates the container's resources with each task it is given.
	m.runTask(fw, withResources(executorTask("two", ex, "wait"), 1, 128))
	m.waitUpdates("two", mesospb.TaskState_TASK_RUNNING)
	waitControl(t, dirs, strconv.Itoa((32+64+128)<<20), "memory.limit_in_bytes", "memory.max")
	waitControl(t, dirs, "1638", "cpu.shares")
}

// waitControl waits until a control file of the container reads want (the
// agent updates limits on a worker). Files missing in this cgroup version
// are skipped when another of names exists.
func waitControl(t *testing.T, dirs []string, want string, names ...string) {
	t.Helper()
	if names[0] == "cpu.shares" {
		if _, err := os.Stat(filepath.Join(dirs[0], "cgroup.controllers")); err == nil {
			return // cgroup v2: cpu.weight, checked by TestContainerRunsInACgroupWithItsLimits
		}
	}
	var got string
	for deadline := time.Now().Add(waitTimeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got = readControl(t, dirs, names...); got == want {
			return
		}
	}
	t.Fatalf("%v = %s, want %s", names, got, want)
}

func TestTaskGroupOverItsMemoryLimitFailsTogether(t *testing.T) {
	requireCgroups(t)
	m, _ := registered(t, agent.Config{})
	ex := defaultExecutorInfo("group")
	ex.Resources = withResources(&mesospb.TaskInfo{}, 0.1, 32).Resources
	sleeper := withResources(commandTask("sleeper", "sleep 60"), 0.1, 16)
	hog := withResources(commandTask("hog", "dd if=/dev/zero of=/dev/null bs=256M count=1"), 0.1, 16)
	m.runTaskGroup(frameworkInfo(), ex, sleeper, hog)
	// The whole container, both tasks, goes down with the limitation.
	for _, id := range []string{"sleeper", "hog"} {
		got := m.waitUpdates(id, mesospb.TaskState_TASK_FAILED)
		last := got[len(got)-1]
		if last.GetReason() != mesospb.TaskStatus_REASON_CONTAINER_LIMITATION_MEMORY ||
			!strings.HasPrefix(last.GetMessage(), "Memory limit exceeded: Requested: 64MB") {
			t.Errorf("task %s ended %v %q, want REASON_CONTAINER_LIMITATION_MEMORY", id, last.GetReason(), last.GetMessage())
		}
	}
}
