//go:build linux

package cgroups

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// These tests use the host's real cgroups when they run as root (as CI
// does) and fail, not skip, if a root test process finds no isolation.
// Their cgroups are nested under the test process's own (Options.Nested)
// with a root of their own, so that they neither leave the cgroups that
// account for the test run nor meet other tests' containers.

// Helper processes: the test binary started again with helperEnv set runs
// one of the helpers below instead of the tests. Like the containerizer's
// supervisor, a helper first joins the cgroup.procs files in procsEnv.
const (
	helperEnv = "AGORA_CGROUPS_TEST_HELPER"
	procsEnv  = "AGORA_CGROUPS_TEST_PROCS"
	outEnv    = "AGORA_CGROUPS_TEST_OUT"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	os.Exit(m.Run())
}

func runHelper(mode string) int {
	if procs := os.Getenv(procsEnv); procs != "" {
		if err := Join(0, strings.Split(procs, "\n")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
	}
	out := os.Getenv(outEnv)
	switch mode {
	case "sleep":
		if out != "" {
			writeAtomically(out, strconv.Itoa(os.Getpid()))
		}
		time.Sleep(time.Hour)
	case "alloc":
		// Touch every page of 256 MB, more than any limit the tests set.
		b := make([]byte, 256<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		fmt.Println("survived")
	case "spin":
		// Spin until 300ms of CPU time are used, however long a loaded
		// machine takes to give them.
		for {
			var ru syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			if time.Duration(ru.Utime.Nano()+ru.Stime.Nano()) >= 300*time.Millisecond {
				break
			}
		}
		writeAtomically(out, "spun")
		time.Sleep(time.Hour)
	case "fork-away":
		// The double fork of a daemon: a grandchild in a session of its
		// own whose parent exits, leaving it to init.
		grandchild := helperCommand("sleep", "", "")
		grandchild.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := grandchild.Start(); err != nil {
			return 4
		}
		writeAtomically(out, strconv.Itoa(grandchild.Process.Pid))
	case "tree":
		// A plain child, and a daemon that got away from its parent.
		child := helperCommand("sleep", "", "")
		if err := child.Start(); err != nil {
			return 4
		}
		awayOut := out + ".away"
		away := helperCommand("fork-away", "", awayOut)
		if err := away.Run(); err != nil {
			return 5
		}
		daemon, _ := os.ReadFile(awayOut)
		writeAtomically(out, fmt.Sprintf("%d %d %d", os.Getpid(), child.Process.Pid, atoi(string(daemon))))
		time.Sleep(time.Hour)
	default:
		return 2
	}
	return 0
}

// helperCommand starts this binary as helper mode, joining procs (a
// newline-separated list) and reporting to out.
func helperCommand(mode, procs, out string) *exec.Cmd {
	exe, _ := os.Executable()
	cmd := exec.Command(exe)
	// GORACE: a race-enabled helper would otherwise linger 1 s at exit.
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, procsEnv+"="+procs, outEnv+"="+out, "GORACE=atexit_sleep_ms=0")
	cmd.Stderr = os.Stderr
	return cmd
}

func writeAtomically(path, content string) {
	_ = os.WriteFile(path+".tmp", []byte(content), 0o644)
	_ = os.Rename(path+".tmp", path)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

var testRoots atomic.Int64

// realManager detects the host's cgroups under a root of the test's own,
// and destroys what is left of it when the test ends. Without root it
// checks that isolation is off for that reason and skips.
func realManager(t *testing.T, opts Options) *Manager {
	t.Helper()
	opts.Root = fmt.Sprintf("agora-test-%d-%d", os.Getpid(), testRoots.Add(1))
	opts.Nested = true
	opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	m := Detect(opts)
	if euid := os.Geteuid(); euid != 0 {
		assertMode(t, m, ModeNone, fmt.Sprintf("not running as root (euid %d)", euid))
		t.Skip("real cgroups need root; checked that isolation is off and says why")
	}
	if m.Mode() == ModeNone {
		// Root on a host that offers no writable cgroups (a container with
		// a read-only cgroupfs): what is checkable here is that isolation
		// is off and says why; the real tests need a host with cgroups.
		if m.Reason() == "" {
			t.Fatal("isolation is off without a reason")
		}
		t.Skipf("running as root, but this host offers no usable cgroups: %s", m.Reason())
	}
	t.Cleanup(func() {
		ids, _ := m.List()
		for _, id := range ids {
			if c, err := m.Open(id); err == nil {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if err := c.Destroy(ctx); err != nil {
					t.Errorf("cleanup: %v", err)
				}
				cancel()
			}
		}
		if err := m.RemoveRoot(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return m
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// startHelper starts a helper that joins c and waits until it reports.
func startHelper(t *testing.T, c *Cgroup, mode string) (*exec.Cmd, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	cmd := helperCommand(mode, strings.Join(c.ProcsFiles(), "\n"), out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd, waitForFile(t, out)
}

func waitForFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if data, err := os.ReadFile(path); err == nil {
			return string(data)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func deadline(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// running reports whether pid is a live process (not gone, not a zombie).
func running(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z' && s[i+2] != 'X'
}

func readControl(t *testing.T, dir, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func TestDetectOnThisHost(t *testing.T) {
	m := realManager(t, Options{})
	t.Logf("isolation: %s", m)
	if m.Mode() != ModeV1 && m.Mode() != ModeV2 {
		t.Fatalf("mode %q", m.Mode())
	}
}

func TestCreateWritesLimits(t *testing.T) {
	m := realManager(t, Options{EnableCFS: true, LimitSwap: true})
	c, err := m.Create("limits", Limits{CPUs: 1.5, MemoryBytes: 100 << 20})
	if err != nil {
		t.Fatal(err)
	}
	memory, cpu := c.dir("memory"), c.dir("cpu")
	want := map[string]string{}
	if m.Mode() == ModeV1 {
		want = map[string]string{
			"cpu.shares": "1536", "cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "150000",
			"memory.limit_in_bytes": "104857600", "memory.soft_limit_in_bytes": "104857600",
		}
	} else {
		want = map[string]string{"cpu.weight": "150", "cpu.max": "150000 100000", "memory.max": "104857600"}
	}
	for file, value := range want {
		dir := cpu
		if strings.HasPrefix(file, "memory.") {
			dir = memory
		}
		if got := readControl(t, dir, file); got != value {
			t.Errorf("%s = %s, want %s", file, got, value)
		}
	}
	if m.Mode() == ModeV1 && exists(filepath.Join(memory, "memory.memsw.limit_in_bytes")) {
		if got := readControl(t, memory, "memory.memsw.limit_in_bytes"); got != "104857600" {
			t.Errorf("memory.memsw.limit_in_bytes = %s with LimitSwap", got)
		}
	}

	// Updates raise the hard memory limit but never lower it.
	if err := c.Update(Limits{CPUs: 0.25, MemoryBytes: 200 << 20}); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(Limits{MemoryBytes: 64 << 20}); err != nil {
		t.Fatal(err)
	}
	limitFile := map[Mode]string{ModeV1: "memory.limit_in_bytes", ModeV2: "memory.max"}[m.Mode()]
	if got := readControl(t, memory, limitFile); got != "209715200" {
		t.Errorf("%s = %s after raising to 200MB and asking for 64MB", limitFile, got)
	}
	if m.Mode() == ModeV1 {
		if got := readControl(t, cpu, "cpu.shares"); got != "256" {
			t.Errorf("cpu.shares = %s for 0.25 CPUs", got)
		}
	}

	if _, err := m.Create("limits", Limits{}); !errors.Is(err, ErrExists) {
		t.Errorf("second Create: %v, want ErrExists", err)
	}
	if _, err := m.Create("bad/id", Limits{}); !errors.Is(err, ErrInvalidID) {
		t.Errorf("Create with a '/': %v, want ErrInvalidID", err)
	}
}

func TestCreateWithoutCFSLeavesCPUTimeUncapped(t *testing.T) {
	m := realManager(t, Options{})
	c, err := m.Create("shares-only", Limits{CPUs: 0.001, MemoryBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	if m.Mode() == ModeV1 {
		for file, want := range map[string]string{"cpu.shares": "2", "cpu.cfs_quota_us": "-1"} {
			if got := readControl(t, c.dir("cpu"), file); got != want {
				t.Errorf("%s = %s, want %s", file, got, want)
			}
		}
		if got := readControl(t, c.dir("memory"), "memory.limit_in_bytes"); got != strconv.Itoa(MinMemoryBytes) {
			t.Errorf("memory.limit_in_bytes = %s, want the 32MB minimum", got)
		}
	}
}

func TestProcessOverItsMemoryLimitIsKilledAndReported(t *testing.T) {
	m := realManager(t, Options{LimitSwap: true})
	c, err := m.Create("oom", Limits{CPUs: 1, MemoryBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if l, err := c.Limitation(); err != nil || l != nil {
		t.Fatalf("limitation before anything ran: %+v, %v", l, err)
	}
	// The kernel's notification, not the once-a-second poll, wakes WaitLimitation.
	if w, err := c.watchOOM(c.dir("memory")); err != nil {
		t.Errorf("cannot watch for OOM events: %v", err)
	} else {
		w.close()
	}
	watched := make(chan *Limitation, 1)
	ctx := deadline(t)
	go func() {
		l, err := c.WaitLimitation(ctx)
		if err != nil {
			t.Errorf("WaitLimitation: %v", err)
		}
		watched <- l
	}()

	cmd := helperCommand("alloc", strings.Join(c.ProcsFiles(), "\n"), "")
	out, err := cmd.Output()
	if status, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !status.Signaled() || status.Signal() != syscall.SIGKILL {
		t.Fatalf("helper ended with %v (output %q), want SIGKILL from the OOM killer", err, out)
	}
	l, err := c.Limitation()
	if err != nil || l == nil {
		t.Fatalf("Limitation() = %+v, %v after an OOM kill", l, err)
	}
	if l.Resource != "mem" || l.LimitBytes != 64<<20 || l.OOMKills < 1 ||
		!strings.HasPrefix(l.Message, "Memory limit exceeded: Requested: 64MB") {
		t.Errorf("limitation %+v", l)
	}
	t.Logf("message: %.120q", l.Message)
	select {
	case wl := <-watched:
		if wl == nil || wl.LimitBytes != 64<<20 {
			t.Errorf("WaitLimitation returned %+v", wl)
		}
	case <-ctx.Done():
		t.Fatal("WaitLimitation did not return after the OOM kill")
	}
}

func TestWaitLimitationEndsWhenTheCgroupIsDestroyed(t *testing.T) {
	m := realManager(t, Options{})
	c, err := m.Create("watched", Limits{MemoryBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		l, err := c.WaitLimitation(deadline(t))
		if l != nil {
			err = fmt.Errorf("limitation %+v", l)
		}
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // let it arm the notification
	if err := c.Destroy(deadline(t)); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrNotFound) {
		t.Errorf("WaitLimitation after Destroy: %v, want ErrNotFound", err)
	}

	// And a cancelled watch returns the context's error.
	c2, err := m.Create("cancelled", Limits{MemoryBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if _, err := c2.WaitLimitation(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled WaitLimitation: %v", err)
	}
}

// killTree starts the tree helper in c and returns its pids: the helper,
// its child and the daemon that left its session.
func killTree(t *testing.T, c *Cgroup) (*exec.Cmd, []int) {
	t.Helper()
	cmd, out := startHelper(t, c, "tree")
	var pids []int
	for f := range strings.FieldsSeq(out) {
		pids = append(pids, atoi(f))
	}
	if len(pids) != 3 || slices.Contains(pids, 0) {
		t.Fatalf("tree helper reported %q", out)
	}
	procs, err := c.Procs()
	if err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if !slices.Contains(procs, pid) {
			t.Fatalf("pid %d is not in the cgroup %v", pid, procs)
		}
	}
	if len(procs) != 3 {
		t.Fatalf("cgroup holds %v, want the tree's %v", procs, pids)
	}
	return cmd, pids
}

func TestKillTakesTheWholeTreeAndDestroyRemovesTheCgroup(t *testing.T) {
	m := realManager(t, Options{})
	c, err := m.Create("tree", Limits{CPUs: 0.5, MemoryBytes: 256 << 20})
	if err != nil {
		t.Fatal(err)
	}
	cmd, pids := killTree(t, c)
	if err := c.Destroy(deadline(t)); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if running(pid) {
			t.Errorf("pid %d survived its container", pid)
		}
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("helper ended with %v, want killed", err)
	}
	for _, d := range c.Dirs() {
		if exists(d) {
			t.Errorf("%s still exists", d)
		}
	}
	if _, err := m.Open("tree"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open after Destroy: %v, want ErrNotFound", err)
	}
	if err := c.Destroy(deadline(t)); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
}

func TestKillWithoutAFreezer(t *testing.T) {
	// The host's real memory and cpu hierarchies only, as on a v1 host
	// that does not mount the freezer: Kill repeats SIGKILL rounds.
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for line := range strings.SplitSeq(string(data), "\n") {
		if strings.Contains(line, " - cgroup ") && (strings.HasSuffix(line, ",memory") || strings.HasSuffix(line, ",cpu")) {
			lines = append(lines, line)
		}
	}
	if len(lines) != 2 {
		t.Skipf("not a v1 host with memory and cpu hierarchies of their own (%d lines); cgroup v2 Kill is tested by TestV2CoreOnThisHost", len(lines))
	}
	mi := filepath.Join(t.TempDir(), "mountinfo")
	if err := os.WriteFile(mi, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	m := realManager(t, Options{mountinfoPath: mi})
	if len(m.Dirs()) != 2 {
		t.Fatalf("dirs %v, want memory and cpu only", m.Dirs())
	}
	c, err := m.Create("no-freezer", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	_, pids := killTree(t, c)
	if err := c.Kill(deadline(t)); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if running(pid) {
			t.Errorf("pid %d survived", pid)
		}
	}
}

func TestOpenReattachesAfterARestart(t *testing.T) {
	m := realManager(t, Options{})
	c, err := m.Create("survivor", Limits{MemoryBytes: 128 << 20})
	if err != nil {
		t.Fatal(err)
	}
	_, out := startHelper(t, c, "sleep")
	pid := atoi(out)
	if _, err := m.Create("orphan", Limits{}); err != nil {
		t.Fatal(err)
	}

	// A new agent: a new Manager from the same options finds both.
	again := Detect(m.opts)
	if again.Mode() != m.Mode() || !slices.Equal(again.Dirs(), m.Dirs()) {
		t.Fatalf("second Detect: %s, first: %s", again, m)
	}
	ids, err := again.List()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{"orphan", "survivor"}) {
		t.Fatalf("List() = %v", ids)
	}
	reopened, err := again.Open("survivor")
	if err != nil {
		t.Fatal(err)
	}
	if procs, err := reopened.Procs(); err != nil || !slices.Equal(procs, []int{pid}) {
		t.Fatalf("Procs() = %v, %v; want [%d]", procs, err, pid)
	}
	if !slices.Equal(reopened.Dirs(), c.Dirs()) {
		t.Errorf("reopened dirs %v, created %v", reopened.Dirs(), c.Dirs())
	}
	if _, err := again.Open("never-created"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open of an unknown container: %v", err)
	}
	if err := reopened.Destroy(deadline(t)); err != nil {
		t.Fatal(err)
	}
	if running(pid) {
		t.Errorf("pid %d survived", pid)
	}
	if err := m.RemoveRoot(); err == nil {
		t.Error("RemoveRoot succeeded with a container left")
	}
}

func TestUsage(t *testing.T) {
	m := realManager(t, Options{})
	c, err := m.Create("usage", Limits{CPUs: 1, MemoryBytes: 256 << 20})
	if err != nil {
		t.Fatal(err)
	}
	startHelper(t, c, "spin")
	u, err := c.Usage()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("usage %+v", u)
	if u.Processes != 1 || u.Threads < 1 {
		t.Errorf("processes %d, threads %d; want 1 and at least 1", u.Processes, u.Threads)
	}
	if u.CPUUser+u.CPUSystem < 100*time.Millisecond {
		t.Errorf("CPU time %v after spinning for 300ms of CPU time", u.CPUUser+u.CPUSystem)
	}
	if u.MemoryTotalBytes <= 0 || u.MemoryLimitBytes != 256<<20 {
		t.Errorf("memory %d, limit %d", u.MemoryTotalBytes, u.MemoryLimitBytes)
	}
}

// TestV2CoreOnThisHost drives the cgroup v2 code paths that need no
// controller (cgroup.kill, cgroup.freeze, cgroup.procs, inotify on
// cgroup.events) in the host's unified hierarchy, which a hybrid host
// mounts without controllers.
func TestV2CoreOnThisHost(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	var unified string
	data, _ := os.ReadFile("/proc/self/mountinfo")
	mounts, err := parseMountinfo(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, mt := range mounts {
		if mt.v2 {
			unified = mt.point
			break
		}
	}
	self, _ := os.ReadFile("/proc/self/cgroup")
	own, err := parseSelfCgroup(self)
	if err != nil || unified == "" {
		t.Skipf("no cgroup2 mounted (%q, %v)", unified, err)
	}
	root := filepath.Join(unified, own.v2, fmt.Sprintf("agora-test-%d-v2", os.Getpid()))
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(root) })
	if !exists(filepath.Join(root, "cgroup.kill")) {
		t.Skip("the kernel's cgroup2 has no cgroup.kill (Linux < 5.14)")
	}
	m := &Manager{mode: ModeV2, opts: Options{Root: filepath.Base(root)}, log: slog.New(slog.NewTextHandler(testWriter{t}, nil)),
		hierarchies: []hierarchy{{dir: root, controllers: []string{"memory", "cpu"}}}}
	c := &Cgroup{m: m, id: "core", dirs: []string{filepath.Join(root, "core")}}
	if err := os.Mkdir(c.dirs[0], 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Destroy(context.Background()) })

	events, err := watchFile(filepath.Join(c.dirs[0], "cgroup.events"))
	if err != nil {
		t.Fatal(err)
	}
	defer events.close()
	_, pids := killTree(t, c)
	if notified, err := events.wait(deadline(t)); !notified || err != nil {
		t.Errorf("no inotify event for cgroup.events when processes joined: %v", err)
	}

	thaw, err := c.freeze(deadline(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := readControl(t, c.dirs[0], "cgroup.freeze"); got != "1" {
		t.Errorf("cgroup.freeze = %s while frozen", got)
	}
	thaw()

	if err := c.Kill(deadline(t)); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if running(pid) {
			t.Errorf("pid %d survived cgroup.kill", pid)
		}
	}
	if err := c.Destroy(deadline(t)); err != nil || exists(c.dirs[0]) {
		t.Errorf("Destroy: %v", err)
	}
}

// benchManager is realManager for benchmarks, which need root.
func benchManager(b *testing.B) *Manager {
	b.Helper()
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	m := Detect(Options{Root: fmt.Sprintf("agora-bench-%d", os.Getpid()), Nested: true, EnableCFS: true})
	if m.Mode() == ModeNone {
		b.Fatal(m.Reason())
	}
	b.Cleanup(func() { _ = m.RemoveRoot() })
	return m
}

// BenchmarkCreateDestroy is the cgroup cost of one container's launch and
// end: create with limits, destroy when empty.
func BenchmarkCreateDestroy(b *testing.B) {
	m := benchManager(b)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		c, err := m.Create(strconv.Itoa(i), Limits{CPUs: 0.5, MemoryBytes: 64 << 20})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Destroy(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUsage is one container's statistics for /monitor/statistics.
func BenchmarkUsage(b *testing.B) {
	m := benchManager(b)
	c, err := m.Create("usage", Limits{CPUs: 0.5, MemoryBytes: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Destroy(context.Background()) })
	for b.Loop() {
		if _, err := c.Usage(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestKillGoesOnWhenTheFreezeFails(t *testing.T) {
	// A v1 cgroup whose freezer.state cannot be written: Kill still
	// SIGKILLs what cgroup.procs lists, and reports what remains listed
	// (the fake file never empties) once its context ends.
	victim := helperCommand("sleep", "", "")
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = victim.Process.Kill(); _ = victim.Wait() })
	c := fakeCgroup(t, ModeV1, Options{}, map[string]string{"cgroup.procs": strconv.Itoa(victim.Process.Pid) + "\n"})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := c.Kill(ctx); !errors.Is(err, ErrBusy) {
		t.Errorf("Kill = %v, want ErrBusy", err)
	}
	if err := victim.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("victim ended with %v, want killed", err)
	}
}
