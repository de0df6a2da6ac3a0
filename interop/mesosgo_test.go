package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// mesosGoCmd is where mesos-go keeps its example programs; go.mod pins
	// the version (v0.0.11).
	mesosGoCmd = "github.com/mesos/mesos-go/api/v1/cmd/"

	devAgents = 3
	// tasksPerRun tasks of taskCPUs; an agent of agora dev (4 cpus, 4096 MB
	// by default) fits two of them beside the example's executor (0.01 cpus,
	// 32 MB), so the tasks spread over the agents: one framework then runs
	// an executor on each of them.
	tasksPerRun = 5
	taskCPUs    = "1.5"

	schedulerTimeout = 2 * time.Minute
	devStartTimeout  = 30 * time.Second
	devStopTimeout   = 30 * time.Second
)

// TestMesosGoExampleScheduler runs mesos-go's example-scheduler, once with
// the protobuf codec and once with the JSON codec, against `agora dev`. With
// an empty -exec.image the scheduler serves its example-executor binary over
// HTTP and launches it as a custom executor whose only URI is that binary;
// the executor answers every LAUNCH with TASK_RUNNING and TASK_FINISHED over
// the v1 executor API. So one run covers SUBSCRIBE, OFFERS, ACCEPT with
// LAUNCH, DECLINE-by-empty-ACCEPT with filters, UPDATE, ACKNOWLEDGE and
// REVIVE on the master, and the fetcher, the executor environment
// (mesos-go's config.FromEnv), SUBSCRIBE, LAUNCH, UPDATE and ACKNOWLEDGED on
// the agents.
func TestMesosGoExampleScheduler(t *testing.T) {
	if testing.Short() {
		t.Skip("builds agora and mesos-go's example programs and runs them")
	}
	if runtime.GOOS != "linux" {
		t.Skip("agora's agents run executors as Linux processes")
	}
	root := t.TempDir()
	bins := buildBinaries(t, root)
	dev := startDev(t, bins.agora, root)

	for _, codec := range []string{"protobuf", "json"} {
		t.Run(codec, func(t *testing.T) {
			runExampleScheduler(t, dev, bins, codec, root)
		})
	}

	// The frameworks ask for a failover timeout (1000h by default), so their
	// executors are still running: stopping agora must end them too.
	dev.stop(t)
	checkNoProcessesLeft(t, root)
}

type binaries struct {
	agora, scheduler, executor string
}

// buildBinaries builds mesos-go's examples from the module cache, with this
// module's go.mod choosing their version, and agora from the parent module.
// `go test` puts its own toolchain first on PATH, so "go" is the same Go.
func buildBinaries(t *testing.T, root string) binaries {
	t.Helper()
	binDir := filepath.Join(root, "bin")
	if err := os.Mkdir(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	goBuild(t, ".", "-o", binDir+string(filepath.Separator),
		mesosGoCmd+"example-scheduler", mesosGoCmd+"example-executor")
	goBuild(t, "..", "-o", filepath.Join(binDir, "agora"), "./cmd/agora")
	t.Logf("built agora, example-scheduler and example-executor in %v", time.Since(start).Round(time.Millisecond))
	return binaries{
		agora:     filepath.Join(binDir, "agora"),
		scheduler: filepath.Join(binDir, "example-scheduler"),
		executor:  filepath.Join(binDir, "example-executor"),
	}
}

func goBuild(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"build"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, out)
	}
}

// devCluster is a running `agora dev` process.
type devCluster struct {
	cmd *exec.Cmd
	url string // http://127.0.0.1:port
	// servicesURL is the services scheduler's REST API (Marathon's /v2).
	servicesURL string
	workDir     string
	logPath     string // agora's stdout and stderr
	exited      chan struct{}
	waitErr     error // set before exited is closed
}

// startDev starts `agora dev` on a free loopback port and waits until the
// master's /master/state counts every agent as activated. A port taken
// between choosing and binding it makes agora exit; that is retried.
func startDev(t *testing.T, agora, root string) *devCluster {
	t.Helper()
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		dev, err := tryStartDev(t, agora, root, attempt)
		if err == nil {
			return dev
		}
		lastErr = err
		if !strings.Contains(dev.logTail(20), "address already in use") {
			break
		}
	}
	t.Fatal(lastErr)
	return nil
}

func tryStartDev(t *testing.T, agora, root string, attempt int) (*devCluster, error) {
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	servicesPort, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	dev := &devCluster{
		url:         "http://127.0.0.1:" + strconv.Itoa(port),
		servicesURL: "http://127.0.0.1:" + strconv.Itoa(servicesPort),
		workDir:     filepath.Join(root, fmt.Sprintf("dev%d", attempt)),
		logPath:     filepath.Join(root, fmt.Sprintf("agora-dev%d.log", attempt)),
		exited:      make(chan struct{}),
	}
	logFile, err := os.Create(dev.logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the child has its own descriptor
	dev.cmd = exec.Command(agora, "dev",
		"--port="+strconv.Itoa(port),
		"--agents="+strconv.Itoa(devAgents),
		"--services_port="+strconv.Itoa(servicesPort),
		"--work_dir="+dev.workDir)
	dev.cmd.Stdout = logFile
	dev.cmd.Stderr = logFile
	if err := dev.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		dev.waitErr = dev.cmd.Wait()
		close(dev.exited)
	}()
	t.Cleanup(dev.kill)

	deadline := time.Now().Add(devStartTimeout)
	for {
		select {
		case <-dev.exited:
			return dev, fmt.Errorf("agora dev exited before its agents registered: %v\n%s", dev.waitErr, dev.logTail(40))
		default:
		}
		if n, err := dev.activatedAgents(); err == nil && n >= devAgents {
			t.Logf("agora dev: master %s with %d agents", dev.url, n)
			return dev, nil
		}
		if time.Now().After(deadline) {
			dev.kill()
			return dev, fmt.Errorf("agora dev: %d agents not activated within %v\n%s", devAgents, devStartTimeout, dev.logTail(40))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// masterState is the part of the master's legacy GET /master/state the test reads.
type masterState struct {
	ActivatedSlaves     float64          `json:"activated_slaves"`
	Frameworks          []stateFramework `json:"frameworks"`
	CompletedFrameworks []stateFramework `json:"completed_frameworks"`
}

type stateFramework struct {
	ID             string      `json:"id"`
	Tasks          []stateTask `json:"tasks"`
	CompletedTasks []stateTask `json:"completed_tasks"`
}

type stateTask struct {
	ID         string `json:"id"`
	State      string `json:"state"`
	ExecutorID string `json:"executor_id"`
	SlaveID    string `json:"slave_id"`
}

func (d *devCluster) state() (*masterState, error) {
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(d.url + "/master/state")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /master/state: %s", resp.Status)
	}
	var s masterState
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return nil, fmt.Errorf("GET /master/state: %w", err)
	}
	return &s, nil
}

func (d *devCluster) activatedAgents() (int, error) {
	s, err := d.state()
	if err != nil {
		return 0, err
	}
	return int(s.ActivatedSlaves), nil
}

// stop sends SIGINT, as Ctrl-C would, and expects a clean exit.
func (d *devCluster) stop(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("SIGINT to agora dev: %v", err)
	}
	start := time.Now()
	select {
	case <-d.exited:
	case <-time.After(devStopTimeout):
		d.kill()
		t.Fatalf("agora dev still running %v after SIGINT\n%s", devStopTimeout, d.logTail(40))
	}
	if d.waitErr != nil {
		t.Fatalf("agora dev after SIGINT: %v\n%s", d.waitErr, d.logTail(40))
	}
	t.Logf("agora dev stopped %v after SIGINT", time.Since(start).Round(time.Millisecond))
}

// kill ends agora dev if it is still running (test failure paths).
func (d *devCluster) kill() {
	select {
	case <-d.exited:
		return
	default:
	}
	_ = d.cmd.Process.Signal(os.Interrupt)
	select {
	case <-d.exited:
	case <-time.After(devStopTimeout):
		_ = d.cmd.Process.Kill()
		<-d.exited
	}
}

func (d *devCluster) logTail(lines int) string {
	b, err := os.ReadFile(d.logPath)
	if err != nil {
		return "(no agora log: " + err.Error() + ")"
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return "--- agora dev log (last " + strconv.Itoa(len(all)) + " lines) ---\n" + strings.Join(all, "\n")
}

// runExampleScheduler runs one example-scheduler to completion and checks,
// from its own log and from the master's state, that every task it launched
// finished.
func runExampleScheduler(t *testing.T, dev *devCluster, bins binaries, codec, root string) {
	ctx, cancel := context.WithTimeout(context.Background(), schedulerTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bins.scheduler,
		"-url="+dev.url+"/api/v1/scheduler",
		"-codec="+codec,
		"-name=agora-interop-"+codec,
		// No docker image: the scheduler serves -executor from its artifact
		// server and launches it as a custom executor through a URI.
		"-exec.image=",
		"-executor="+bins.executor,
		// Port 0: the example binds a free port itself and puts the real one
		// in the URI, so two runs never race for a port.
		"-server.address=127.0.0.1",
		"-server.port=0",
		"-metrics.port=0",
		"-tasks="+strconv.Itoa(tasksPerRun),
		"-cpu="+taskCPUs, "-memory=32",
		"-exec.cpu=0.01", "-exec.memory=32",
		// -verbose makes it log every launch and every status update, which
		// is what the checks below read.
		"-verbose",
	)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	// On timeout, SIGQUIT makes the Go runtime dump every goroutine: the
	// report then shows where the scheduler was stuck.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
	cmd.WaitDelay = 10 * time.Second

	start := time.Now()
	runErr := cmd.Run()
	elapsed := time.Since(start)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- example-scheduler -codec=%s output ---\n%s\n%s", codec, out.String(), dev.logTail(60))
		}
	})
	if ctx.Err() != nil {
		t.Fatalf("example-scheduler -codec=%s did not exit within %v", codec, schedulerTimeout)
	}

	run := parseSchedulerLog(out.String())
	if !exitedAfterSuccess(runErr, run.lastLine) {
		t.Errorf("example-scheduler exit: %v, last line %q; want it to exit only because it cancelled itself after the last task finished", runErr, run.lastLine)
	}
	for _, line := range run.errors {
		t.Errorf("example-scheduler reported: %s", line)
	}
	if !run.accomplished {
		t.Errorf(`example-scheduler never logged "mission accomplished": not every task finished`)
	}
	if len(run.launched) != tasksPerRun {
		t.Errorf("example-scheduler launched %d tasks %v, want %d", len(run.launched), run.launched, tasksPerRun)
	}
	for _, id := range run.launched {
		switch got := run.lastState[id]; got {
		case "TASK_FINISHED":
		case "":
			t.Errorf("task %s: the scheduler saw no status update, want TASK_FINISHED", id)
		default:
			t.Errorf("task %s: last state seen by the scheduler %s, want TASK_FINISHED", id, got)
		}
	}
	if run.frameworkID == "" {
		t.Fatal("example-scheduler never logged its framework id")
	}
	agentIDs := checkMasterTasks(t, dev, run.frameworkID)
	checkExecutorSandboxes(t, dev, run.frameworkID, agentIDs, bins.executor)
	if !t.Failed() {
		t.Logf("codec %s: framework %s, %d tasks launched and finished on %d agent(s), scheduler ran %v",
			codec, run.frameworkID, len(run.launched), len(agentIDs), elapsed.Round(time.Millisecond))
	}
}

// exitedAfterSuccess says whether the example-scheduler's exit means success.
// mesos-go v0.0.11's example-scheduler never exits 0 after a good run: when
// the last task finishes it cancels its own context, controller.Run returns
// that context's error, and main hands it to log.Fatal (exit status 1, last
// line "context canceled"). Any other way of ending is a failure; exit 0 is
// accepted in case a later mesos-go fixes this.
func exitedAfterSuccess(err error, lastLine string) bool {
	if err == nil {
		return true
	}
	var exitErr *exec.ExitError
	return errors.As(err, &exitErr) && exitErr.ExitCode() == 1 &&
		strings.HasSuffix(lastLine, " context canceled")
}

// schedulerLog is what the test learns from example-scheduler's -verbose log.
type schedulerLog struct {
	frameworkID  string
	launched     []string          // task ids in launch order
	lastState    map[string]string // task id -> last TASK_* state seen
	accomplished bool              // "mission accomplished, terminating"
	errors       []string          // lines saying something went wrong
	lastLine     string
}

var (
	frameworkIDLine = regexp.MustCompile(`\bFrameworkID (\S+)$`)
	launchLine      = regexp.MustCompile(`\blaunching task (\S+) using offer `)
	stateLine       = regexp.MustCompile(`\bTask (\S+) is in state (TASK_[A-Z_]+)`)
	// Lines the example logs when a call fails or a task does not finish.
	errorLine = regexp.MustCompile(`Exiting because task|failed to launch tasks|failed to revive offers|bad codec|failed to locate artifact`)
)

func parseSchedulerLog(out string) schedulerLog {
	run := schedulerLog{lastState: map[string]string{}}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024) // -verbose prints whole offers on one line
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) != "" {
			run.lastLine = line
		}
		if m := frameworkIDLine.FindStringSubmatch(line); m != nil {
			run.frameworkID = m[1]
		}
		if m := launchLine.FindStringSubmatch(line); m != nil {
			run.launched = append(run.launched, m[1])
		}
		if m := stateLine.FindStringSubmatch(line); m != nil {
			run.lastState[m[1]] = m[2]
		}
		if strings.HasSuffix(line, "mission accomplished, terminating") {
			run.accomplished = true
		}
		if errorLine.MatchString(line) {
			run.errors = append(run.errors, line)
		}
	}
	return run
}

// checkMasterTasks checks the master's own record: the framework's tasks are
// exactly the ones launched, all TASK_FINISHED under the custom executor. It
// returns the agents they ran on.
func checkMasterTasks(t *testing.T, dev *devCluster, frameworkID string) []string {
	t.Helper()
	s, err := dev.state()
	if err != nil {
		t.Fatal(err)
	}
	all := slices.Concat(s.Frameworks, s.CompletedFrameworks)
	i := slices.IndexFunc(all, func(f stateFramework) bool { return f.ID == frameworkID })
	if i < 0 {
		t.Fatalf("framework %s not in /master/state", frameworkID)
	}
	fw := all[i]
	tasks := slices.Concat(fw.Tasks, fw.CompletedTasks)
	if len(tasks) != tasksPerRun {
		t.Errorf("/master/state: framework %s has %d tasks, want %d: %+v", frameworkID, len(tasks), tasksPerRun, tasks)
	}
	var agentIDs []string
	for _, task := range tasks {
		if task.State != "TASK_FINISHED" || task.ExecutorID != "default" {
			t.Errorf("/master/state: task %s state %s executor %q, want TASK_FINISHED under executor \"default\"", task.ID, task.State, task.ExecutorID)
		}
		if !slices.Contains(agentIDs, task.SlaveID) {
			agentIDs = append(agentIDs, task.SlaveID)
		}
	}
	return agentIDs
}

// checkExecutorSandboxes checks, on each agent that ran the framework's
// tasks, that the executor binary was fetched from the scheduler's artifact
// server into the sandbox (the Mesos layout
// <work_dir>/slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/latest)
// and that the executor subscribed.
func checkExecutorSandboxes(t *testing.T, dev *devCluster, frameworkID string, agentIDs []string, executorBinary string) {
	t.Helper()
	want, err := os.Stat(executorBinary)
	if err != nil {
		t.Fatal(err)
	}
	for _, agentID := range agentIDs {
		pattern := filepath.Join(dev.workDir, "*", "slaves", agentID, "frameworks", frameworkID, "executors", "default", "runs", "latest")
		sandboxes, _ := filepath.Glob(pattern)
		if len(sandboxes) != 1 {
			t.Errorf("agent %s: %d executor sandboxes match %s, want 1", agentID, len(sandboxes), pattern)
			continue
		}
		fetched, err := os.Stat(filepath.Join(sandboxes[0], "example-executor"))
		if err != nil {
			t.Errorf("agent %s: executor not fetched into its sandbox: %v", agentID, err)
		} else if fetched.Size() != want.Size() || fetched.Mode().Perm()&0o100 == 0 {
			t.Errorf("agent %s: fetched executor is %d bytes, mode %v; want %d bytes, executable", agentID, fetched.Size(), fetched.Mode(), want.Size())
		}
		stderr, err := os.ReadFile(filepath.Join(sandboxes[0], "stderr"))
		if err != nil || !bytes.Contains(stderr, []byte("SUBSCRIBED")) {
			t.Errorf("agent %s: executor's stderr shows no SUBSCRIBED (err %v):\n%s", agentID, err, stderr)
		}
	}
}

// checkNoProcessesLeft looks through /proc for any process whose binary or
// working directory is under root: agora, the schedulers, and every executor
// (they run from sandboxes under the dev work dir). Stragglers are reported,
// then killed so that they do not outlive the test.
func checkNoProcessesLeft(t *testing.T, root string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := processesUnder(root)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for pid, desc := range left {
				t.Errorf("process left behind after agora dev stopped: pid %d %s", pid, desc)
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func processesUnder(root string) map[int]string {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	under := func(p string) bool { return p == root || strings.HasPrefix(p, root+string(filepath.Separator)) }
	left := map[int]string{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		dir := filepath.Join("/proc", e.Name())
		exe, _ := os.Readlink(filepath.Join(dir, "exe"))
		cwd, _ := os.Readlink(filepath.Join(dir, "cwd"))
		if !under(exe) && !under(cwd) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
		left[pid] = fmt.Sprintf("%q (cwd %s)", strings.TrimSpace(string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))), cwd)
	}
	return left
}
