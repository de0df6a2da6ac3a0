//go:build unix

package containerizer

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"agora/agent/containerizer/internal/supervisor"
)

// Errors from Launch.
var (
	// ErrInvalidSpec reports a ProcessSpec that cannot be launched as written.
	ErrInvalidSpec = errors.New("containerizer: invalid process spec")
	// ErrExecutableNotFound reports a command whose executable is missing or
	// not executable.
	ErrExecutableNotFound = errors.New("containerizer: executable not found")
	// ErrUser reports a user the process cannot be run as.
	ErrUser = errors.New("containerizer: cannot run as user")
	// ErrLaunch reports a failure to start the process.
	ErrLaunch = errors.New("containerizer: launch failed")
)

const (
	// shellPath runs shell commands, as Mesos runs CommandInfo with
	// shell=true: /bin/sh -c <value>.
	shellPath = "/bin/sh"
	// defaultPath is searched for an executable when the process's
	// environment has no PATH (stout's os::host_default_path()).
	defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	// containerGoneTimeout bounds how long supervision waits for the rest of
	// a container to die after its leader exited. SIGKILL'd processes die
	// at once unless stuck in the kernel (uninterruptible sleep).
	containerGoneTimeout = 10 * time.Second
	// containerPollInterval paces the checks for the container's end.
	containerPollInterval = 5 * time.Millisecond
)

// ProcessSpec is a command to run in a sandbox: the parts of Mesos's
// CommandInfo the containerizer needs, in plain Go types.
type ProcessSpec struct {
	// Sandbox is the process's working directory; it must exist.
	Sandbox string
	// Shell runs Value with /bin/sh -c and ignores Arguments, like a
	// CommandInfo with shell=true (the Mesos default).
	Shell bool
	// Value is the shell command (Shell) or the executable (not Shell). An
	// executable without a '/' is looked up in the PATH of Env (or
	// /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin if Env
	// has no PATH), as Mesos's execvpe does; a relative path with a '/' is
	// relative to the sandbox.
	Value string
	// Arguments is the complete argv, argv[0] included, as in
	// CommandInfo.arguments: Mesos calls execvp(value, arguments), so
	// Value="/bin/echo", Arguments=["echo", "hi"] prints "hi". Empty means
	// argv = [Value].
	Arguments []string
	// Env is the process's whole environment: nothing is inherited from
	// the agent. Build it from ExecutorEnvironment.Vars plus the task's
	// own variables.
	Env map[string]string
	// User runs the process as this user (name or numeric uid). Empty runs
	// it as the agent's user. Switching users needs an agent running as
	// root; an agent that is not root can only run processes as its own
	// user, and Launch fails with ErrUser for any other. (Mesos refuses in
	// the same case unless the agent runs with --switch_user=false, which
	// callers express by leaving User empty.)
	User string
	// StdoutPath and StderrPath receive the process's output, opened for
	// appending and created if missing. Empty means <sandbox>/stdout and
	// <sandbox>/stderr, where Mesos keeps them; relative paths are relative
	// to the sandbox. Stdin is /dev/null.
	StdoutPath string
	StderrPath string
	// StatusPath, if set, is where the process's exit status is written
	// when it ends, even if no agent is watching then: Recover reads it.
	// Its directory must exist.
	StatusPath string
	// CgroupProcs are cgroup.procs files of the cgroups the process is to
	// run in; it joins them before its command starts.
	CgroupProcs []string
	// Logger receives the process's lifecycle events; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Process is a launched process and everything it starts, which together
// play the part of Mesos's container: when the process ends, whatever it
// left running is killed, and Kill ends them all.
//
// Each Process is run by a supervisor (see internal/supervisor), a small
// process of the agent's own binary that leads the container's session,
// outlives the agent and finds the container's whole process tree, even
// the parts that called setsid or double-forked. A Process from Recover is
// a container an earlier agent launched.
type Process struct {
	pid       int    // the supervisor's: our handle on the container
	startTime uint64 // the supervisor's start time, in clock ticks since boot
	// leader is the command's PID (launched processes only).
	leader     int
	statusPath string
	log        *slog.Logger
	done       chan struct{}
	// status is written once, before done is closed, and read only after.
	status ExitStatus

	// cmd and reports are a launched supervisor's: its exec.Cmd and the
	// pipe it reports on.
	cmd     *exec.Cmd
	reports *bufio.Reader
	// recovered is the handle on a recovered supervisor, which is not our
	// child; it signals through a pidfd, so never another process.
	recovered *os.Process

	mu sync.Mutex
	// exited is set once the container is gone. From then on no signal is
	// sent from Kill: the supervisor's PID may be reused once reaped.
	exited bool
	// killed is set by the first Kill before the process ended.
	killed bool
	// deadline is when a kill in progress escalates to SIGKILL, and
	// escalation the timer that does it.
	deadline   time.Time
	escalation *time.Timer
}

// Launch starts spec's command in its sandbox, under a supervisor that
// leads a session of its own (like Mesos's POSIX launcher, which calls
// setsid), and watches it until it ends.
func Launch(spec ProcessSpec) (*Process, error) {
	log := spec.Logger
	if log == nil {
		log = slog.Default()
	}
	sandbox, err := checkSandbox(spec.Sandbox)
	if err != nil {
		return nil, err
	}
	env, err := environ(spec.Env)
	if err != nil {
		return nil, err
	}
	path, argv, err := command(spec, sandbox)
	if err != nil {
		return nil, err
	}
	cred, err := credential(spec.User, os.Geteuid())
	if err != nil {
		return nil, err
	}
	stdout, err := openOutput(spec.StdoutPath, "stdout", sandbox, cred)
	if err != nil {
		return nil, err
	}
	defer stdout.Close()
	stderr, err := openOutput(spec.StderrPath, "stderr", sandbox, cred)
	if err != nil {
		return nil, err
	}
	defer stderr.Close()

	sup := supervisor.Spec{Path: path, Argv: argv, Env: env, Dir: sandbox,
		StatusPath: spec.StatusPath, CgroupProcs: spec.CgroupProcs}
	if cred != nil {
		sup.UID, sup.GID, sup.Groups = &cred.Uid, cred.Gid, cred.Groups
	}
	encoded := sup.Encode()
	reportR, reportW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLaunch, err)
	}
	cmd := &exec.Cmd{
		// /proc/self/exe is our binary even when its file was replaced or
		// deleted since we started (an upgrade in progress).
		Path: "/proc/self/exe",
		Args: []string{supervisor.Arg0},
		// The supervisor gets nothing of the agent's environment; the
		// command gets exactly the spec's. GORACE spares race-enabled test
		// binaries the race runtime's pause at exit.
		Env:         []string{supervisor.EnvVar + "=" + encoded, "GOMAXPROCS=1", "GODEBUG=containermaxprocs=0,updatemaxprocs=0", "GORACE=atexit_sleep_ms=0"},
		Dir:         sandbox,
		Stdout:      stdout, // *os.File: handed down, no copying goroutine
		Stderr:      stderr,
		ExtraFiles:  []*os.File{reportW}, // fd 3
		SysProcAttr: sysProcAttr(),
	}
	err = cmd.Start()
	reportW.Close()
	if err != nil {
		reportR.Close()
		return nil, fmt.Errorf("%w: supervisor for %s in %s: %w", ErrLaunch, path, sandbox, err)
	}
	reports := bufio.NewReader(reportR)
	first, err := readReport(reports)
	if err != nil || first.Started == 0 {
		reportR.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if err == nil {
			err = errors.New(first.Error)
		}
		return nil, fmt.Errorf("%w: %s in %s: %w", ErrLaunch, path, sandbox, err)
	}
	startTime := uint64(0)
	if st, ok := readStat(cmd.Process.Pid); ok {
		startTime = st.startTime
	}
	p := &Process{
		pid:        cmd.Process.Pid,
		startTime:  startTime,
		leader:     first.Started,
		statusPath: spec.StatusPath,
		cmd:        cmd,
		reports:    reports,
		log:        log.With("pid", first.Started),
		done:       make(chan struct{}),
	}
	p.log.Info("launched process", "sandbox", sandbox, "argv", argv, "user", spec.User, "supervisor", p.pid)
	go p.supervise()
	return p, nil
}

// Pid is the PID of the process's supervisor, which leads the container's
// session; with StartTime it identifies the container across agent
// restarts (see Recover).
func (p *Process) Pid() int { return p.pid }

// StartTime is when the supervisor started, in clock ticks since boot as
// /proc/<pid>/stat says: a PID is reused, a PID and its start time are not.
func (p *Process) StartTime() uint64 { return p.startTime }

// Done is closed when the process has ended and nothing else of its
// container is left running.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait blocks until Done and returns how the process ended.
func (p *Process) Wait() ExitStatus {
	<-p.done
	return p.status
}

// Status returns how the process ended, and false while it is running.
func (p *Process) Status() (ExitStatus, bool) {
	select {
	case <-p.done:
		return p.status, true
	default:
		return ExitStatus{}, false
	}
}

// Kill ends the process and its container with Mesos's kill policy: SIGTERM
// to every process, then SIGKILL to whatever is still running once grace has
// passed. A grace of zero or less sends SIGKILL at once. Kill returns when
// the container is gone, with the process's status, which has Killed set if
// the kill came before the process ended on its own.
//
// Kill is safe to call concurrently and more than once. As in Mesos's
// command executor, a later Kill can shorten the grace period still to run
// but never lengthen it, so a retried kill changes nothing.
func (p *Process) Kill(grace time.Duration) ExitStatus {
	p.mu.Lock()
	if !p.exited {
		now := time.Now()
		switch {
		case grace <= 0:
			p.killed = true
			p.deadline = now
			if p.escalation != nil {
				p.escalation.Stop()
			}
			p.log.Info("killing process", "signal", "SIGKILL")
			p.signal(sigKillTree)
		case !p.killed:
			p.killed = true
			p.deadline = now.Add(grace)
			p.log.Info("killing process", "signal", "SIGTERM", "grace_period", FormatDuration(grace))
			p.signal(syscall.SIGTERM)
			p.escalation = time.AfterFunc(grace, p.escalate)
		case now.Add(grace).Before(p.deadline):
			p.deadline = now.Add(grace)
			p.log.Info("shortening kill grace period", "grace_period", FormatDuration(grace))
			// The timer is still pending: had it fired, the deadline would
			// be past and no grace could end before it.
			p.escalation.Reset(grace)
		}
	}
	p.mu.Unlock()
	return p.Wait()
}

// escalate is the end of a kill's grace period.
func (p *Process) escalate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited || time.Now().Before(p.deadline) {
		return // ended in time, or a stale timer from before a Reset
	}
	p.log.Info("process outlived its kill grace period", "signal", "SIGKILL")
	p.signal(sigKillTree)
}

// signal asks the supervisor to signal the container: SIGTERM passes
// SIGTERM on to every process, sigKillTree SIGKILLs them all. Callers hold
// p.mu and have checked that the container has not exited, so a launched
// supervisor is at worst an unreaped zombie: its PID is not reused.
func (p *Process) signal(sig syscall.Signal) {
	var err error
	if p.recovered != nil {
		err = p.recovered.Signal(sig)
	} else {
		err = syscall.Kill(p.pid, sig)
	}
	if err != nil && !errors.Is(err, os.ErrProcessDone) && !errors.Is(err, syscall.ESRCH) {
		p.log.Warn("cannot signal the container's supervisor", "signal", sig.String(), "err", err)
	}
}

// supervise waits for the supervisor's last report, reaps it and
// publishes the command's status. It is the only reaper of the supervisor.
func (p *Process) supervise() {
	last, reportErr := readReport(p.reports)
	if reportErr == nil && last.Exited == nil {
		reportErr = fmt.Errorf("unexpected report %+v", last)
	}
	if reportErr != nil {
		// The supervisor died without destroying the container (someone
		// SIGKILLed it): kill what is left of the session ourselves. The
		// supervisor is our unreaped child, so its PID, the session's ID,
		// is not reused meanwhile.
		p.log.Warn("the container's supervisor died; destroying what is left of its session", "err", reportErr)
		p.destroySession()
	}
	killed := p.markExited()

	err := p.cmd.Wait()
	var status ExitStatus
	switch ws, ok := waitStatus(p.cmd.ProcessState); {
	case reportErr == nil:
		status = *last.Exited
	case ok:
		status = exitStatusOf(ws) // the supervisor's own end, the best we know
	default:
		p.log.Error("cannot read exit status", "err", err)
		status = ExitStatus{Code: -1}
	}
	p.finish(status, killed)
}

// markExited records that the container is gone, so that Kill signals
// nothing from now on, and says whether a kill came before.
func (p *Process) markExited() (killed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.exited = true
	if p.escalation != nil {
		p.escalation.Stop()
	}
	return p.killed
}

// finish publishes the process's status.
func (p *Process) finish(status ExitStatus, killed bool) {
	status.Killed = killed
	p.status = status
	p.log.Info("process ended", "status", status.String(), "killed", killed)
	close(p.done)
}

// destroySession kills every live process left in the supervisor's
// session and waits until they are gone.
func (p *Process) destroySession() {
	deadline := time.Now().Add(containerGoneTimeout)
	for {
		// Signal before looking: a member may be forking.
		left, err := signalAndList(p.pid, syscall.SIGKILL)
		if err != nil {
			p.log.Warn("cannot list the container's processes", "err", err)
			return
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			p.log.Warn("container processes survive SIGKILL", "pids", left,
				"waited", FormatDuration(containerGoneTimeout))
			return
		}
		time.Sleep(containerPollInterval)
	}
}

// checkSandbox returns the sandbox as an absolute path, which must name an
// existing directory.
func checkSandbox(sandbox string) (string, error) {
	if sandbox == "" {
		return "", fmt.Errorf("%w: no sandbox directory", ErrInvalidSpec)
	}
	abs, err := filepath.Abs(sandbox)
	if err != nil {
		return "", fmt.Errorf("%w: sandbox %q: %w", ErrInvalidSpec, sandbox, err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("%w: sandbox: %w", ErrInvalidSpec, err)
	}
	if !info.IsDir() {
		return "", fmt.Errorf("%w: sandbox %q is not a directory", ErrInvalidSpec, abs)
	}
	return abs, nil
}

// environ turns the environment into exec's form, sorted so that launches
// are reproducible. It is never nil.
func environ(env map[string]string) ([]string, error) {
	out := make([]string, 0, len(env))
	for k, v := range env {
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.ContainsRune(v, 0) {
			return nil, fmt.Errorf("%w: environment variable %q: names must be non-empty without '=' or NUL, values without NUL",
				ErrInvalidSpec, k)
		}
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out, nil
}

// command resolves the executable and argv of spec.
func command(spec ProcessSpec, sandbox string) (path string, argv []string, err error) {
	if spec.Value == "" {
		if spec.Shell {
			return "", nil, fmt.Errorf("%w: no shell command in Value", ErrInvalidSpec)
		}
		return "", nil, fmt.Errorf("%w: no executable in Value", ErrInvalidSpec)
	}
	if strings.ContainsRune(spec.Value, 0) || slices.ContainsFunc(spec.Arguments, func(a string) bool {
		return strings.ContainsRune(a, 0)
	}) {
		return "", nil, fmt.Errorf("%w: the command contains a NUL byte", ErrInvalidSpec)
	}
	if spec.Shell {
		return shellPath, []string{"sh", "-c", spec.Value}, nil
	}
	searchPath, ok := spec.Env["PATH"]
	if !ok {
		searchPath = defaultPath
	}
	path, err = lookExecutable(spec.Value, sandbox, searchPath)
	if err != nil {
		return "", nil, err
	}
	argv = spec.Arguments
	if len(argv) == 0 {
		argv = []string{spec.Value}
	}
	return path, slices.Clone(argv), nil
}

// lookExecutable finds name the way execvp does, with relative paths (and
// relative PATH entries) taken from the sandbox, the process's working
// directory.
func lookExecutable(name, sandbox, searchPath string) (string, error) {
	if strings.Contains(name, "/") {
		path := name
		if !filepath.IsAbs(path) {
			path = filepath.Join(sandbox, path)
		}
		if err := checkExecutable(path); err != nil {
			return "", fmt.Errorf("%w: %q: %w", ErrExecutableNotFound, name, err)
		}
		return path, nil
	}
	for _, dir := range filepath.SplitList(searchPath) {
		if dir == "" {
			dir = "." // POSIX: an empty PATH entry is the working directory
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(sandbox, dir)
		}
		path := filepath.Join(dir, name)
		if checkExecutable(path) == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("%w: %q is not in PATH %q; give an absolute path or set PATH in the environment",
		ErrExecutableNotFound, name, searchPath)
}

func checkExecutable(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if info.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	if info.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not executable", path)
	}
	return nil
}

// openOutput opens where the process writes one of its output streams.
func openOutput(path, name, sandbox string, cred *syscall.Credential) (*os.File, error) {
	if path == "" {
		path = name
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(sandbox, path)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%w: open %s: %w", ErrInvalidSpec, name, err)
	}
	if cred != nil {
		// The task owns its output, as it does the rest of its sandbox.
		if err := f.Chown(int(cred.Uid), int(cred.Gid)); err != nil {
			f.Close()
			return nil, fmt.Errorf("%w: chown %s: %w", ErrLaunch, path, err)
		}
	}
	return f, nil
}

func waitStatus(state *os.ProcessState) (syscall.WaitStatus, bool) {
	if state == nil {
		return 0, false
	}
	ws, ok := state.Sys().(syscall.WaitStatus)
	return ws, ok
}

// Recovery identifies a container an earlier agent launched: its
// supervisor's PID and start time and the status path it was given, as
// the agent checkpointed them.
type Recovery struct {
	Pid        int
	StartTime  uint64
	StatusPath string
	Logger     *slog.Logger
}

// recoverPollInterval paces the checks for a recovered container's end: a
// recovered supervisor is not our child, so there is no wait to block in.
const recoverPollInterval = 50 * time.Millisecond

// Recover re-attaches to a container launched by an earlier agent, as a
// Mesos agent recovers its containers after a restart. If the supervisor
// still runs, the Process is live: Kill and Wait work as for one Launch
// returned. If it ended while no agent watched, the Process is already
// done, with the exit status the supervisor left at StatusPath, or with
// Unknown set if it left none (it was killed itself, or the machine
// rebooted).
func Recover(r Recovery) *Process {
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	p := &Process{pid: r.Pid, startTime: r.StartTime, statusPath: r.StatusPath,
		log: log.With("pid", r.Pid), done: make(chan struct{})}
	// Open a pidfd first, then check the start time: if it matches, the
	// handle is on our supervisor and no later reuse of the PID can
	// redirect its signals.
	proc, err := os.FindProcess(r.Pid)
	if err == nil && p.isOurs() {
		p.recovered = proc
		p.log.Info("recovered process")
		go p.watchRecovered()
		return p
	}
	if proc != nil {
		proc.Release()
	}
	p.exited = true
	p.finish(p.checkpointedStatus(), false)
	return p
}

// isOurs reports whether our supervisor still runs: the PID is alive, not
// a zombie, and started when ours did.
func (p *Process) isOurs() bool {
	st, ok := readStat(p.pid)
	return ok && st.startTime == p.startTime && st.state != 'Z' && st.state != 'X'
}

// watchRecovered waits for a recovered supervisor to end.
func (p *Process) watchRecovered() {
	for p.isOurs() {
		time.Sleep(recoverPollInterval)
	}
	killed := p.markExited()
	p.recovered.Release()
	p.finish(p.checkpointedStatus(), killed)
}

// checkpointedStatus is the status a supervisor left, or Unknown.
func (p *Process) checkpointedStatus() ExitStatus {
	if p.statusPath == "" {
		return ExitStatus{Code: -1, Unknown: true}
	}
	status, err := readStatusFile(p.statusPath)
	if err != nil {
		p.log.Warn("the process ended without leaving its exit status", "err", err)
		return ExitStatus{Code: -1, Unknown: true}
	}
	return status
}
