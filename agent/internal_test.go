package agent

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent/containerizer"
	mesospb "agora/api/mesos/v1"
)

func TestKillGracePeriodPrecedence(t *testing.T) {
	policy := func(d time.Duration) *mesospb.KillPolicy {
		return &mesospb.KillPolicy{GracePeriod: &mesospb.DurationInfo{Nanoseconds: proto.Int64(int64(d))}}
	}
	tests := []struct {
		name           string
		override, task *mesospb.KillPolicy
		want           time.Duration
	}{
		{"neither: Mesos's 3 s", nil, nil, 3 * time.Second},
		{"the task's policy", nil, policy(10 * time.Second), 10 * time.Second},
		{"the kill's policy wins", policy(time.Second), policy(10 * time.Second), time.Second},
		{"a policy without grace period", &mesospb.KillPolicy{}, policy(7 * time.Second), 7 * time.Second},
		{"zero grace", policy(0), nil, 0},
	}
	for _, tt := range tests {
		if got := killGracePeriod(tt.override, tt.task); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestEncodeWaitStatusReadsBackAsAWaitStatus(t *testing.T) {
	tests := []containerizer.ExitStatus{
		{Code: 0}, {Code: 1}, {Code: 7}, {Code: 255},
		{Signal: syscall.SIGKILL}, {Signal: syscall.SIGTERM}, {Signal: syscall.SIGSEGV, CoreDumped: true},
	}
	for _, s := range tests {
		ws := syscall.WaitStatus(encodeWaitStatus(s))
		if s.Signal == 0 && (!ws.Exited() || ws.ExitStatus() != s.Code) {
			t.Errorf("%v encodes as %#x, which reads as exited %v with %d", s, uint32(ws), ws.Exited(), ws.ExitStatus())
		}
		if s.Signal != 0 && (!ws.Signaled() || ws.Signal() != s.Signal || ws.CoreDump() != s.CoreDumped) {
			t.Errorf("%v encodes as %#x, which reads as signal %v core %v", s, uint32(ws), ws.Signal(), ws.CoreDump())
		}
	}
}

func TestFlatResources(t *testing.T) {
	scalar := func(name, role string, v float64) *mesospb.Resource {
		return &mesospb.Resource{Name: proto.String(name), Type: mesospb.Value_SCALAR.Enum(), Role: proto.String(role),
			Scalar: &mesospb.Value_Scalar{Value: proto.Float64(v)}}
	}
	ranges := &mesospb.Resource{Name: proto.String("ports"), Type: mesospb.Value_RANGES.Enum(),
		Ranges: &mesospb.Value_Ranges{Range: []*mesospb.Value_Range{
			{Begin: proto.Uint64(31000), End: proto.Uint64(31005)}, {Begin: proto.Uint64(32000), End: proto.Uint64(32000)},
		}}}
	set := &mesospb.Resource{Name: proto.String("disks"), Type: mesospb.Value_SET.Enum(),
		Set: &mesospb.Value_Set{Item: []string{"sda", "sdb"}}}
	got := flatResources([]*mesospb.Resource{scalar("cpus", "*", 1.5), scalar("cpus", "web", 2), scalar("mem", "*", 512), ranges, set})
	want := map[string]any{"cpus": 3.5, "mem": 512.0, "ports": "[31000-31005, 32000-32000]", "disks": "{sda, sdb}"}
	if len(got) != len(want) {
		t.Fatalf("flatResources = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("flatResources[%s] = %v, want %v", k, got[k], v)
		}
	}
}

func TestMemTotal(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("good", "MemFree:  1000 kB\nMemTotal:       16314892 kB\n")
	if got, err := memTotal(good); err != nil || got != 16314892*1024 {
		t.Errorf("memTotal = %d, %v", got, err)
	}
	for name, text := range map[string]string{"missing": "MemFree: 1 kB\n", "garbled": "MemTotal: lots kB\n"} {
		if _, err := memTotal(write(name, text)); err == nil {
			t.Errorf("memTotal(%s) succeeded", name)
		}
	}
	if m := DetectMachine(dir); m.CPUs < 1 || m.MemoryBytes == 0 || m.DiskBytes == 0 {
		t.Errorf("DetectMachine = %+v, want every field detected on Linux", m)
	}
}

func TestConfigRejectsWhatCannotRun(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no master":        {WorkDir: "/tmp/x"},
		"master not h:p":   {Master: "localhost", WorkDir: "/tmp/x"},
		"no work dir":      {Master: "localhost:5050"},
		"bad advertise ip": {Master: "localhost:5050", WorkDir: "/tmp/x", AdvertiseIP: "not-an-ip"},
	} {
		if _, err := cfg.withDefaults(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
	}
	for name, cfg := range map[string]Config{
		"bad resources":  {Resources: "cpus:lots"},
		"bad attributes": {Attributes: "rack"},
	} {
		cfg.Master, cfg.WorkDir, cfg.Listen = "localhost:5050", t.TempDir(), "127.0.0.1:0"
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: New = %v, want ErrInvalidConfig", name, err)
		}
	}

	cfg, err := Config{Master: "m:5050", WorkDir: "/w"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != ":5051" || cfg.ExecutorRegistrationTimeout != time.Minute ||
		cfg.ExecutorShutdownGracePeriod != 5*time.Second || cfg.AgentPingTimeout*time.Duration(cfg.MaxAgentPingTimeouts) != 75*time.Second {
		t.Errorf("defaults %+v", cfg)
	}
}

func TestAdvertisedEndpoint(t *testing.T) {
	tests := []struct {
		listen    string
		advertise string
		want      string
	}{
		{"127.0.0.1", "", "127.0.0.1:5051"},
		{"0.0.0.0", "10.1.2.3", "10.1.2.3:5051"},
		{"127.0.0.2", "10.1.2.3", "10.1.2.3:5051"},
	}
	for _, tt := range tests {
		addr := &net.TCPAddr{IP: net.ParseIP(tt.listen), Port: 5051}
		got, port, err := advertisedEndpoint(addr, tt.advertise, "localhost")
		if err != nil || got != tt.want || port != 5051 {
			t.Errorf("advertisedEndpoint(%s, %q) = %q, %d, %v; want %q", tt.listen, tt.advertise, got, port, err, tt.want)
		}
	}
	// Listening everywhere without an advertised IP: an address of the
	// hostname, never the unspecified address.
	got, _, err := advertisedEndpoint(&net.TCPAddr{IP: net.IPv4zero, Port: 5051}, "", "localhost")
	if err != nil || got == "0.0.0.0:5051" {
		t.Errorf("advertisedEndpoint(0.0.0.0) = %q, %v", got, err)
	}
}

func TestCommandExecutorInfo(t *testing.T) {
	fw := &framework{id: "fw", info: &mesospb.FrameworkInfo{Id: &mesospb.FrameworkID{Value: proto.String("fw")}}}
	task := func(command *mesospb.CommandInfo) *mesospb.TaskInfo {
		return &mesospb.TaskInfo{TaskId: &mesospb.TaskID{Value: proto.String("t1")}, Command: command}
	}
	tests := []struct {
		command *mesospb.CommandInfo
		want    string
	}{
		{&mesospb.CommandInfo{Value: proto.String("echo hi")}, "Command Executor (Task: t1) (Command: sh -c 'echo hi')"},
		{&mesospb.CommandInfo{Shell: proto.Bool(false), Value: proto.String("/bin/echo"), Arguments: []string{"echo", "hi"}},
			"Command Executor (Task: t1) (Command: [/bin/echo, echo, hi])"},
		{&mesospb.CommandInfo{}, "Command Executor (Task: t1) (Command: NO COMMAND)"},
	}
	for _, tt := range tests {
		info := commandExecutorInfo(fw, task(tt.command))
		if info.GetName() != tt.want || info.GetExecutorId().GetValue() != "t1" || info.GetFrameworkId().GetValue() != "fw" {
			t.Errorf("commandExecutorInfo = %v, want name %q", info, tt.want)
		}
	}
}

func TestAgentIDIsKeptInTheWorkDir(t *testing.T) {
	dir := t.TempDir()
	if id, err := loadAgentID(dir); id != "" || err != nil {
		t.Fatalf("loadAgentID on a new work dir = %q, %v", id, err)
	}
	if err := saveAgentID(dir, "a1-S0"); err != nil {
		t.Fatal(err)
	}
	if id, err := loadAgentID(dir); id != "a1-S0" || err != nil {
		t.Fatalf("loadAgentID = %q, %v", id, err)
	}
	if err := os.WriteFile(agentIDPath(dir), []byte("../escape\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadAgentID(dir); !errors.Is(err, containerizer.ErrInvalidID) {
		t.Errorf("loadAgentID of a bad id = %v, want ErrInvalidID", err)
	}
}

// A launch outcome for an executor run that is gone, or was given up on,
// or for a task that has ended meanwhile, must not leave its process
// running: nothing would watch or kill it.
func TestLaunchOutcomeForAGoneRunKillsTheProcess(t *testing.T) {
	launchingTask := func() map[string]*task {
		return map[string]*task{"t": {process: process{launching: true}}}
	}
	runs := []struct {
		name  string
		setup func(*Agent) *executor // the run left in place, if any
	}{
		{"framework gone", func(*Agent) *executor { return nil }},
		{"a newer run of the executor", func(a *Agent) *executor {
			fw := &framework{id: "fw", executors: map[string]*executor{}}
			a.frameworks["fw"] = fw
			ex := &executor{id: "ex", containerID: "run-2", state: executorRegistering,
				process: process{launching: true}, tasks: launchingTask()}
			fw.executors["ex"] = ex
			return ex
		}},
		{"the run was terminated", func(a *Agent) *executor {
			fw := &framework{id: "fw", executors: map[string]*executor{}}
			a.frameworks["fw"] = fw
			ex := &executor{id: "ex", containerID: "run-1", state: executorTerminated,
				process: process{launching: true}, tasks: launchingTask()}
			fw.executors["ex"] = ex
			return ex
		}},
	}
	outcomes := map[string]func(a *Agent, proc *containerizer.Process){
		"built-in executor's task": func(a *Agent, proc *containerizer.Process) {
			a.taskLaunched("fw", "ex", "run-1", "t", proc, nil)
		},
		"custom executor": func(a *Agent, proc *containerizer.Process) {
			a.executorStarted("fw", "ex", "run-1", proc, nil)
		},
	}
	for _, run := range runs {
		for kind, started := range outcomes {
			t.Run(run.name+"/"+kind, func(t *testing.T) {
				a := &Agent{log: slog.New(slog.DiscardHandler), frameworks: map[string]*framework{}}
				left := run.setup(a)
				proc := sleeper(t, a)
				started(a, proc)
				wantKilled(t, a, proc)
				if left != nil && (left.proc != nil || !left.launching || left.tasks["t"].proc != nil || !left.tasks["t"].launching) {
					t.Errorf("the outcome of another run changed run %s: proc %v, launching %v",
						left.containerID, left.proc, left.launching)
				}
			})
		}
	}

	t.Run("the task has ended", func(t *testing.T) {
		a := &Agent{log: slog.New(slog.DiscardHandler), frameworks: map[string]*framework{}}
		fw := &framework{id: "fw", executors: map[string]*executor{}}
		a.frameworks["fw"] = fw
		fw.executors["ex"] = &executor{id: "ex", containerID: "run-1", kind: defaultExecutor, state: executorRunning,
			tasks: map[string]*task{"t": {process: process{launching: true}, ended: true}}}
		proc := sleeper(t, a)
		a.taskLaunched("fw", "ex", "run-1", "t", proc, nil)
		wantKilled(t, a, proc)
	})
}

// sleeper launches a process that runs until killed.
func sleeper(t *testing.T, a *Agent) *containerizer.Process {
	t.Helper()
	proc, err := containerizer.Launch(containerizer.ProcessSpec{
		Sandbox: t.TempDir(), Shell: true, Value: "sleep 60", Env: map[string]string{"PATH": defaultPath},
		Logger: a.log,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proc.Kill(0) })
	return proc
}

// wantKilled checks that the agent killed proc and that it is gone.
func wantKilled(t *testing.T, a *Agent, proc *containerizer.Process) {
	t.Helper()
	a.workers.Wait() // the kill runs on a worker
	status, ended := proc.Status()
	if !ended || !status.Killed {
		t.Fatalf("process status %v, ended %v; want killed", status, ended)
	}
	if err := syscall.Kill(proc.Pid(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process %d is still there (kill -0: %v)", proc.Pid(), err)
	}
}
