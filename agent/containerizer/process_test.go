//go:build linux

package containerizer

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// helperEnv makes the test binary act as a small program inside a
// container instead of running tests (see TestMain).
const helperEnv = "CONTAINERIZER_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "args":
		// Prints its argv, argv[0] included.
		fmt.Println(strings.Join(os.Args, " "))
		os.Exit(0)
	case "own-group":
		// Leaves the container's process group for one of its own, as a
		// job-control shell does with its jobs, ignores SIGTERM, says where
		// it is and waits to be killed.
		signal.Ignore(syscall.SIGTERM)
		if err := syscall.Setpgid(0, 0); err != nil {
			os.Exit(2)
		}
		_ = os.WriteFile("own-group.pid", []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
		time.Sleep(time.Minute)
		os.Exit(0)
	default:
		os.Exit(3)
	}
}

var quiet = slog.New(slog.DiscardHandler)

// helper is the environment that makes the test binary act as helper mode,
// plus extra key-value pairs. GORACE spares a race-enabled helper the
// race runtime's one-second pause at exit.
func helper(mode string, kv ...string) map[string]string {
	env := map[string]string{helperEnv: mode, "GORACE": "atexit_sleep_ms=0"}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

// shell launches a shell command in a fresh sandbox.
func shell(t *testing.T, command string) (*Process, string) {
	t.Helper()
	sandbox := t.TempDir()
	p, err := Launch(ProcessSpec{Sandbox: sandbox, Shell: true, Value: command, Logger: quiet})
	if err != nil {
		t.Fatalf("Launch(%q): %v", command, err)
	}
	t.Cleanup(func() { p.Kill(0) })
	return p, sandbox
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// waitForLine waits until the file holds a complete line and returns it.
func waitForLine(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		data, _ := os.ReadFile(path)
		if line, _, ok := strings.Cut(string(data), "\n"); ok {
			return line
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no line in %s after 10s", path)
	return ""
}

func waitForPid(t *testing.T, path string) int {
	t.Helper()
	pid, err := strconv.Atoi(waitForLine(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// alive reports whether pid names a process that is not a zombie. Orphans
// are reaped by init, which may take a moment, so a zombie counts as dead.
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	p, ok := parseStat(pid, data)
	return ok && p.state != 'Z' && p.state != 'X'
}

func TestExitStatus(t *testing.T) {
	tests := []struct {
		command string
		want    string
		success bool
	}{
		{"exit 0", "Command exited with status 0", true},
		{"exit 3", "Command exited with status 3", false},
		{"kill -USR1 $$", "Command terminated with signal User defined signal 1", false},
		{"no-such-command-here", "Command exited with status 127", false},
	}
	for _, tt := range tests {
		t.Run(tt.command, func(t *testing.T) {
			p, _ := shell(t, tt.command)
			status := p.Wait()
			if got := status.Message(); got != tt.want {
				t.Errorf("Message() = %q, want %q", got, tt.want)
			}
			if status.Success() != tt.success || status.Killed {
				t.Errorf("status = %+v, want success %v and not killed", status, tt.success)
			}
		})
	}
}

func TestExitStatusStrings(t *testing.T) {
	tests := []struct {
		in   ExitStatus
		want string
	}{
		{ExitStatus{Code: 1}, "exited with status 1"},
		{ExitStatus{Signal: syscall.SIGKILL}, "terminated with signal Killed"},
		{ExitStatus{Signal: syscall.SIGTERM}, "terminated with signal Terminated"},
		{ExitStatus{Signal: syscall.SIGSEGV, CoreDumped: true}, "terminated with signal Segmentation fault (core dumped)"},
		{ExitStatus{Signal: syscall.SIGXCPU}, "terminated with signal CPU time limit exceeded"},
		{ExitStatus{Signal: 34}, "terminated with signal Real-time signal 0"},
		{ExitStatus{Signal: 40}, "terminated with signal Real-time signal 6"},
		{ExitStatus{Signal: 32}, "terminated with signal Unknown signal 32"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDoneAndStatus(t *testing.T) {
	sandbox := t.TempDir()
	gate := filepath.Join(sandbox, "gate")
	p, _ := shell(t, "while [ ! -e "+gate+" ]; do sleep 0.01; done; exit 4")
	if _, ok := p.Status(); ok {
		t.Fatal("Status() reports an end while the process runs")
	}
	select {
	case <-p.Done():
		t.Fatal("Done closed while the process runs")
	default:
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done not closed 10s after the process was told to exit")
	}
	status, ok := p.Status()
	if !ok || status.Code != 4 || p.Wait() != status {
		t.Errorf("Status() = %+v, %v; Wait() = %+v; want exit code 4 from both", status, ok, p.Wait())
	}
	if p.Pid() <= 0 {
		t.Errorf("Pid() = %d", p.Pid())
	}
}

func TestShellRunsThroughSh(t *testing.T) {
	p, sandbox := shell(t, `echo "$((1 + 2))"; echo second`)
	p.Wait()
	if got := readFile(t, filepath.Join(sandbox, "stdout")); got != "3\nsecond\n" {
		t.Errorf("stdout = %q, want the shell's arithmetic and both commands", got)
	}
}

func TestArgvIsPassedVerbatim(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	sandbox := t.TempDir()
	script := filepath.Join(sandbox, "run.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho script \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		spec ProcessSpec
		want string
	}{
		{
			name: "no shell interpretation",
			spec: ProcessSpec{Value: "/bin/echo", Arguments: []string{"echo", "a;", "$HOME", "*"}},
			want: "a; $HOME *\n",
		},
		{
			name: "argv[0] comes from Arguments",
			spec: ProcessSpec{Value: self, Arguments: []string{"custom-argv0", "x"}, Env: helper("args")},
			want: "custom-argv0 x\n",
		},
		{
			name: "no Arguments means argv is the executable",
			spec: ProcessSpec{Value: self, Env: helper("args")},
			want: self + "\n",
		},
		{
			name: "a bare name is looked up in the environment's PATH",
			spec: ProcessSpec{Value: "echo", Arguments: []string{"echo", "found"}, Env: map[string]string{"PATH": "/nonexistent:/bin:/usr/bin"}},
			want: "found\n",
		},
		{
			name: "a relative path is relative to the sandbox",
			spec: ProcessSpec{Value: "./run.sh", Arguments: []string{"run.sh", "ok"}},
			want: "script ok\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tt.spec
			spec.Sandbox, spec.Logger = sandbox, quiet
			spec.StdoutPath = strings.ReplaceAll(tt.name, " ", "_") + ".out"
			p, err := Launch(spec)
			if err != nil {
				t.Fatal(err)
			}
			if status := p.Wait(); !status.Success() {
				t.Fatalf("status %v; stderr %q", status, readFile(t, filepath.Join(sandbox, "stderr")))
			}
			if got := readFile(t, filepath.Join(sandbox, spec.StdoutPath)); got != tt.want {
				t.Errorf("stdout = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEnvironmentIsExactlyTheSpecs(t *testing.T) {
	t.Setenv("AGENT_SECRET", "must not leak")
	sandbox := t.TempDir()
	p, err := Launch(ProcessSpec{
		Sandbox:   sandbox,
		Value:     "/usr/bin/env",
		Arguments: []string{"env"},
		Env:       map[string]string{"MESOS_TASK_ID": "web.1", "B": "two words", "EMPTY": ""},
		Logger:    quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	p.Wait()
	want := "B=two words\nEMPTY=\nMESOS_TASK_ID=web.1\n"
	if got := readFile(t, filepath.Join(sandbox, "stdout")); got != want {
		t.Errorf("environment = %q, want exactly %q", got, want)
	}
}

func TestOutputGoesToSandboxFiles(t *testing.T) {
	sandbox := t.TempDir()
	if err := os.WriteFile(filepath.Join(sandbox, "stdout"), []byte("earlier run\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Launch(ProcessSpec{Sandbox: sandbox, Shell: true, Value: "pwd; echo oops >&2", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	p.Wait()
	real, _ := filepath.EvalSymlinks(sandbox)
	if got, want := readFile(t, filepath.Join(sandbox, "stdout")), "earlier run\n"+real+"\n"; got != want {
		t.Errorf("stdout = %q, want %q (appended, working directory = sandbox)", got, want)
	}
	if got := readFile(t, filepath.Join(sandbox, "stderr")); got != "oops\n" {
		t.Errorf("stderr = %q, want %q", got, "oops\n")
	}

	logs := filepath.Join(t.TempDir(), "task.log")
	p, err = Launch(ProcessSpec{Sandbox: sandbox, Shell: true, Value: "echo out; echo err >&2",
		StdoutPath: logs, StderrPath: logs, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	p.Wait()
	if got := readFile(t, logs); got != "out\nerr\n" {
		t.Errorf("combined log = %q, want %q", got, "out\nerr\n")
	}
}

func TestKillLetsATermHandlerFinish(t *testing.T) {
	p, sandbox := shell(t, `trap 'echo cleaned up; exit 0' TERM; echo ready; while :; do sleep 0.01; done`)
	waitForLine(t, filepath.Join(sandbox, "stdout"))
	start := time.Now()
	status := p.Kill(5 * time.Second)
	elapsed := time.Since(start)
	if !status.Exited() || status.Code != 0 || !status.Killed {
		t.Errorf("status = %+v, want a clean exit after the kill", status)
	}
	if elapsed > 4*time.Second {
		t.Errorf("Kill took %v: the process was not given SIGTERM first", elapsed)
	}
	if got := readFile(t, filepath.Join(sandbox, "stdout")); got != "ready\ncleaned up\n" {
		t.Errorf("stdout = %q, want the TERM handler's output", got)
	}
}

func TestKillEscalatesToSIGKILLAfterGrace(t *testing.T) {
	p, sandbox := shell(t, `trap '' TERM; echo ready; sleep 30`)
	waitForLine(t, filepath.Join(sandbox, "stdout"))
	const grace = 200 * time.Millisecond
	start := time.Now()
	status := p.Kill(grace)
	elapsed := time.Since(start)
	if status.Signal != syscall.SIGKILL || !status.Killed {
		t.Errorf("status = %+v, want SIGKILL", status)
	}
	if got, want := status.Message(), "Command terminated with signal Killed"; got != want {
		t.Errorf("Message() = %q, want %q", got, want)
	}
	if elapsed < grace || elapsed > grace+5*time.Second {
		t.Errorf("Kill took %v, want the grace period %v and little more", elapsed, grace)
	}
}

func TestKillWithoutGraceIsImmediate(t *testing.T) {
	p, sandbox := shell(t, `trap '' TERM; echo ready; sleep 30`)
	waitForLine(t, filepath.Join(sandbox, "stdout"))
	start := time.Now()
	status := p.Kill(0)
	if status.Signal != syscall.SIGKILL || !status.Killed {
		t.Errorf("status = %+v, want SIGKILL", status)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("Kill(0) took %v", elapsed)
	}
}

func TestKillReachesGrandchildren(t *testing.T) {
	// The grandchild ignores SIGTERM; the shell dies of it and the
	// grandchild must still go.
	p, sandbox := shell(t, `(trap '' TERM; exec sleep 30) & echo $! > grandchild.pid; wait`)
	grandchild := waitForPid(t, filepath.Join(sandbox, "grandchild.pid"))
	p.Kill(100 * time.Millisecond)
	if alive(grandchild) {
		t.Errorf("grandchild %d is alive after Kill returned", grandchild)
	}
}

func TestDoneMeansBackgroundProcessesAreGone(t *testing.T) {
	p, sandbox := shell(t, `sleep 30 & echo $! > grandchild.pid`)
	status := p.Wait()
	grandchild := waitForPid(t, filepath.Join(sandbox, "grandchild.pid"))
	if !status.Success() || status.Killed {
		t.Errorf("status = %+v, want a clean exit", status)
	}
	if alive(grandchild) {
		t.Errorf("background process %d outlived its container", grandchild)
	}
}

func TestKillReachesSessionMembersInOtherGroups(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	sandbox := t.TempDir()
	p, err := Launch(ProcessSpec{
		Sandbox: sandbox, Shell: true, Value: `"$HELPER" & wait`,
		Env:    helper("own-group", "HELPER", self),
		Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Kill(0) })
	member := waitForPid(t, filepath.Join(sandbox, "own-group.pid"))
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", member))
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := parseStat(member, data); st.pgrp == p.Pid() || st.session != p.Pid() {
		t.Fatalf("helper is in group %d session %d; the test needs another group of session %d", st.pgrp, st.session, p.Pid())
	}
	p.Kill(100 * time.Millisecond)
	if alive(member) {
		t.Errorf("session member %d in its own process group survived Kill", member)
	}
}

func TestConcurrentKillsAgreeAndTheShortestGraceWins(t *testing.T) {
	p, sandbox := shell(t, `trap '' TERM; echo ready; sleep 30`)
	waitForLine(t, filepath.Join(sandbox, "stdout"))
	start := time.Now()
	var wg sync.WaitGroup
	statuses := make([]ExitStatus, 8)
	for i := range statuses {
		grace := time.Minute // a retried kill must not lengthen the grace period...
		if i == len(statuses)-1 {
			grace = 150 * time.Millisecond // ...but may shorten it
		}
		wg.Go(func() { statuses[i] = p.Kill(grace) })
	}
	wg.Wait()
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("kills took %v; the 150ms grace period should have won", elapsed)
	}
	for i, s := range statuses {
		if s != statuses[0] || s.Signal != syscall.SIGKILL || !s.Killed {
			t.Errorf("Kill #%d = %+v, want SIGKILL and the same status for all", i, s)
		}
	}
	if again := p.Kill(time.Minute); again != statuses[0] {
		t.Errorf("Kill after the end = %+v, want %+v at once", again, statuses[0])
	}
}

func TestKillAfterExitReportsTheExit(t *testing.T) {
	p, _ := shell(t, "exit 5")
	p.Wait()
	if status := p.Kill(0); status.Code != 5 || status.Killed {
		t.Errorf("Kill after exit = %+v, want exit code 5, not killed", status)
	}
}

func TestLaunchErrors(t *testing.T) {
	sandbox := t.TempDir()
	notExecutable := filepath.Join(sandbox, "data.txt")
	if err := os.WriteFile(notExecutable, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		spec    ProcessSpec
		want    error
		mention string
	}{
		{"missing executable", ProcessSpec{Sandbox: sandbox, Value: "no-such-binary-xyz"}, ErrExecutableNotFound, `"no-such-binary-xyz" is not in PATH`},
		{"missing absolute executable", ProcessSpec{Sandbox: sandbox, Value: "/nonexistent/bin/app"}, ErrExecutableNotFound, "/nonexistent/bin/app"},
		{"not executable", ProcessSpec{Sandbox: sandbox, Value: notExecutable}, ErrExecutableNotFound, "is not executable"},
		{"directory", ProcessSpec{Sandbox: sandbox, Value: "/tmp"}, ErrExecutableNotFound, "is a directory"},
		{"no command", ProcessSpec{Sandbox: sandbox, Shell: true}, ErrInvalidSpec, "no shell command"},
		{"no sandbox", ProcessSpec{Shell: true, Value: "true"}, ErrInvalidSpec, "no sandbox"},
		{"missing sandbox", ProcessSpec{Sandbox: filepath.Join(sandbox, "nope"), Shell: true, Value: "true"}, ErrInvalidSpec, "nope"},
		{"sandbox is a file", ProcessSpec{Sandbox: notExecutable, Shell: true, Value: "true"}, ErrInvalidSpec, "not a directory"},
		{"bad variable name", ProcessSpec{Sandbox: sandbox, Shell: true, Value: "true", Env: map[string]string{"A=B": "c"}}, ErrInvalidSpec, `"A=B"`},
		{"NUL in argument", ProcessSpec{Sandbox: sandbox, Value: "/bin/echo", Arguments: []string{"echo", "a\x00b"}}, ErrInvalidSpec, "NUL"},
		{"unknown user", ProcessSpec{Sandbox: sandbox, Shell: true, Value: "true", User: "no-such-user-xyz"}, ErrUser, "no-such-user-xyz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.Logger = quiet
			p, err := Launch(tt.spec)
			if p != nil {
				p.Kill(0)
			}
			if !errors.Is(err, tt.want) || !strings.Contains(fmt.Sprint(err), tt.mention) {
				t.Errorf("Launch = %v, want %v mentioning %q", err, tt.want, tt.mention)
			}
		})
	}
}

func TestCredentialOnlyRootSwitchesUsers(t *testing.T) {
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	myUID, _ := strconv.Atoi(me.Uid)
	if cred, err := credential(me.Username, myUID); err != nil || cred != nil {
		t.Errorf("credential(own user) = %+v, %v; want no switch", cred, err)
	}
	if cred, err := credential("", myUID); err != nil || cred != nil {
		t.Errorf("credential(\"\") = %+v, %v; want no switch", cred, err)
	}
	// An unprivileged agent asked for another user fails clearly.
	other := "root"
	if myUID == 0 {
		myUID = 12345 // pretend not to be root
	}
	if _, err := credential(other, myUID); !errors.Is(err, ErrUser) || !strings.Contains(err.Error(), "only root") {
		t.Errorf("credential(%q) as uid %d = %v, want ErrUser saying only root can switch", other, myUID, err)
	}
	// Root switches to the user's uid, gid and groups; users may be named by uid.
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	for _, name := range []string{"nobody", nobody.Uid} {
		cred, err := credential(name, 0)
		if err != nil || cred == nil || strconv.Itoa(int(cred.Uid)) != nobody.Uid ||
			strconv.Itoa(int(cred.Gid)) != nobody.Gid || cred.Groups == nil {
			t.Errorf("credential(%q) as root = %+v, %v; want uid %s gid %s and explicit groups",
				name, cred, err, nobody.Uid, nobody.Gid)
		}
	}
}

func TestLaunchAsAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("switching users needs root")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	sandbox := t.TempDir()
	// The task must be able to enter its sandbox.
	for dir := sandbox; dir != filepath.Dir(dir) && strings.HasPrefix(dir, os.TempDir()); dir = filepath.Dir(dir) {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p, err := Launch(ProcessSpec{Sandbox: sandbox, Shell: true, Value: "id -u; id -g", User: "nobody", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if status := p.Wait(); !status.Success() {
		t.Fatalf("status %v, stderr %q", status, readFile(t, filepath.Join(sandbox, "stderr")))
	}
	if got, want := readFile(t, filepath.Join(sandbox, "stdout")), nobody.Uid+"\n"+nobody.Gid+"\n"; got != want {
		t.Errorf("ran as %q, want %q", got, want)
	}
	info, err := os.Stat(filepath.Join(sandbox, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	if st := info.Sys().(*syscall.Stat_t); strconv.Itoa(int(st.Uid)) != nobody.Uid {
		t.Errorf("stdout owned by uid %d, want the task's user %s", st.Uid, nobody.Uid)
	}
}

func TestParseStat(t *testing.T) {
	st, ok := parseStat(42, []byte("42 (a) b (c)) S 1 40 39 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 123456 1000 200"))
	if !ok || st.state != 'S' || st.pgrp != 40 || st.session != 39 || st.startTime != 123456 {
		t.Errorf("parseStat = %+v, %v; want state S group 40 session 39 start 123456", st, ok)
	}
	for _, bad := range []string{"", "42 (x", "42 (x) S 1", "42 (x) S 1 a b"} {
		if _, ok := parseStat(42, []byte(bad)); ok {
			t.Errorf("parseStat(%q) ok, want a refusal", bad)
		}
	}
}
