//go:build unix

package containerizer

import (
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
	// Logger receives the process's lifecycle events; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Process is a launched process and everything it starts in its process
// group and session, which together play the part of Mesos's container:
// when the process ends, whatever it left running is killed, and Kill
// ends them all.
//
// Processes that call setsid themselves escape the container; containing
// those takes cgroups.
type Process struct {
	pid  int
	cmd  *exec.Cmd
	log  *slog.Logger
	done chan struct{}
	// status is written once, before done is closed, and read only after.
	status ExitStatus

	mu sync.Mutex
	// exited is set once the leader has exited. From then on no signal is
	// sent from Kill: supervise is destroying the container, and once the
	// leader is reaped its PID, our process group ID, may be reused.
	exited bool
	// killed is set by the first Kill before the leader exited.
	killed bool
	// deadline is when a kill in progress escalates to SIGKILL, and
	// escalation the timer that does it.
	deadline   time.Time
	escalation *time.Timer
}

// Launch starts spec's command in its sandbox, in a process group and
// session of its own (like Mesos's POSIX launcher, which calls setsid), and
// supervises it until it ends.
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

	cmd := &exec.Cmd{
		Path:        path,
		Args:        argv,
		Env:         env, // never nil: a nil Env would inherit the agent's
		Dir:         sandbox,
		Stdout:      stdout, // *os.File: handed to the child, no copying goroutine
		Stderr:      stderr,
		SysProcAttr: sysProcAttr(cred),
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %s in %s: %w", ErrLaunch, path, sandbox, err)
	}
	p := &Process{
		pid:  cmd.Process.Pid,
		cmd:  cmd,
		log:  log.With("pid", cmd.Process.Pid),
		done: make(chan struct{}),
	}
	p.log.Info("launched process", "sandbox", sandbox, "argv", argv, "user", spec.User)
	go p.supervise()
	return p, nil
}

// Pid is the process's ID, which is also its process group and session ID.
func (p *Process) Pid() int { return p.pid }

// Done is closed when the process has ended, been reaped, and nothing else
// of its container is left running.
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
			p.signal(syscall.SIGKILL)
		case !p.killed:
			p.killed = true
			p.deadline = now.Add(grace)
			p.log.Info("killing process", "signal", "SIGTERM", "grace_period", FormatDuration(grace))
			p.signal(syscall.SIGTERM)
			// A stopped process acts on SIGTERM only once it continues.
			p.signal(syscall.SIGCONT)
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
	p.signal(syscall.SIGKILL)
}

// signal sends sig to every process of the container. Callers hold p.mu and
// have checked that the leader has not exited.
func (p *Process) signal(sig syscall.Signal) {
	if err := signalContainer(p.pid, sig); err != nil {
		p.log.Warn("cannot signal process group", "signal", sig.String(), "err", err)
	}
}

// supervise waits for the leader to exit, kills what it left behind,
// reaps it and publishes its status. It is the only reaper of the leader.
func (p *Process) supervise() {
	waitErr := waitExited(p.pid)
	p.mu.Lock()
	p.exited = true
	if p.escalation != nil {
		p.escalation.Stop()
	}
	killed := p.killed
	p.mu.Unlock()

	// Mesos destroys a container when its executor ends (the POSIX
	// launcher kills its session and process group), so nothing a task
	// started in the background outlives it. The leader is a zombie until
	// cmd.Wait below, so its PID, which names the process group and the
	// session, cannot be reused meanwhile: these signals reach only the
	// container's own processes.
	if waitErr == nil {
		p.destroyContainer()
	} else {
		// Someone else may have reaped the leader (an agent that ignores
		// SIGCHLD has its children reaped by the kernel): its PID may be
		// another process's by now, so leave the group alone.
		p.log.Warn("cannot wait for process without reaping it; not destroying its container", "err", waitErr)
	}

	err := p.cmd.Wait()
	var status ExitStatus
	if ws, ok := waitStatus(p.cmd.ProcessState); ok {
		status = exitStatusOf(ws)
	} else {
		p.log.Error("cannot read exit status", "err", err)
		status = ExitStatus{Code: -1}
	}
	status.Killed = killed
	p.status = status
	p.log.Info("process ended", "status", status.String(), "killed", killed)
	close(p.done)
}

// destroyContainer kills every live process left in the leader's process
// group and session and waits until they are gone.
func (p *Process) destroyContainer() {
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
