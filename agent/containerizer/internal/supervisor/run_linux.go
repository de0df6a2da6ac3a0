package supervisor

import (
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Every container is run by a supervisor: a small process, the agent's own
// binary started again (as Docker's reexec does), that leads the
// container's session, starts the command as its child and stays until
// the command and everything it started are gone. The supervisor plays
// the part of Mesos's per-container helper processes:
//
//   - It outlives the agent. The agent can die (kill -9, a crash, an
//     upgrade) and the container goes on running; a new agent re-attaches,
//     and if the command ended meanwhile its real exit status is in the
//     status file the supervisor left (Spec.StatusPath).
//   - It is a child subreaper (PR_SET_CHILD_SUBREAPER): whatever the command
//     starts stays its descendant even when it double-forks or calls setsid,
//     so the supervisor finds the whole process tree by walking
//     /proc/<pid>/task/<tid>/children from itself — the cost is the size of
//     the container, not of the machine — and kills all of it. No orphan
//     survives its container.
//
// The agent talks to the supervisor with signals (SIGTERM: pass SIGTERM
// and SIGCONT to the whole tree; SigKillTree: SIGKILL the whole tree), and
// the supervisor reports on a pipe (ReportFD): a first line once the
// command started ("started <pid>" or "error <message>") and a last one
// when the container is gone ("exited <code> <signal> <core>").

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER.
const prSetChildSubreaper = 36

func init() {
	// Any binary that links the containerizer can be a supervisor: the
	// agora binary, and test binaries, whose agents launch processes too.
	if spec, ok := syscall.Getenv(EnvVar); ok {
		os.Exit(run(spec))
	}
}

// run is a supervisor's whole life; it returns the exit code.
func run(encoded string) int {
	report := os.NewFile(ReportFD, "report")
	syscall.CloseOnExec(ReportFD) // the command must not hold the pipe open
	send := func(line []byte) {
		// A write fails once the agent that started us is gone; the status
		// file is what a new agent reads.
		_, _ = report.Write(append(line, '\n'))
	}
	fail := func(what string, err error) int {
		msg := []byte("error " + what + ": " + err.Error())
		for i, c := range msg {
			if c == '\n' {
				msg[i] = ' '
			}
		}
		send(msg)
		return 1
	}

	spec, err := Decode(encoded)
	if err != nil {
		return fail("supervisor spec", err)
	}
	// Handled, not ignored: an ignored disposition would pass on to the
	// command through exec.
	signals := make(chan os.Signal, 16)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, SigKillTree)

	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		return fail("prctl(PR_SET_CHILD_SUBREAPER)", errno)
	}
	self := appendUint(nil, uint64(os.Getpid()))
	for _, procs := range spec.CgroupProcs {
		if err := os.WriteFile(procs, self, 0o644); err != nil {
			return fail("joining cgroup", err)
		}
	}

	attr := &syscall.SysProcAttr{Setpgid: true}
	if spec.UID != nil {
		attr.Credential = &syscall.Credential{Uid: *spec.UID, Gid: spec.GID, Groups: spec.Groups}
		if attr.Credential.Groups == nil {
			attr.Credential.Groups = []uint32{}
		}
	}
	// syscall.ForkExec rather than os/exec: os.StartProcess forks a
	// throwaway child the first time it runs, to probe for pidfd support,
	// and the supervisor starts exactly one process. Stdin is the
	// supervisor's own, /dev/null; the report pipe is close-on-exec.
	env := spec.Env
	if env == nil {
		env = []string{}
	}
	leader, err := syscall.ForkExec(spec.Path, spec.Argv, &syscall.ProcAttr{
		Dir:   spec.Dir,
		Env:   env,
		Files: []uintptr{0, 1, 2},
		Sys:   attr,
	})
	if err != nil {
		return fail(spec.Path, err)
	}
	// The OOM killer is to take the task, never its supervisor, which
	// must outlive it to kill the rest of the container and record its
	// status; the task, started before this, keeps the score it inherited.
	// Lowering the score needs root (CAP_SYS_RESOURCE): best effort, and
	// only for a container with a memory limit to hit.
	if len(spec.CgroupProcs) > 0 {
		_ = os.WriteFile("/proc/self/oom_score_adj", []byte("-1000"), 0)
	}
	send(appendUint([]byte("started "), uint64(leader)))

	// The reaper reaps every child, the command and the orphans reparented
	// to us, and hands on the command's status.
	leaderExit := make(chan leaderEnd, 1)
	go reapChildren(leader, leaderExit)

	var end leaderEnd
wait:
	for {
		select {
		case end = <-leaderExit:
			break wait
		case sig := <-signals:
			switch sig {
			case SigKillTree:
				signalTree(syscall.SIGKILL)
			default: // SIGTERM, or SIGINT/SIGHUP from a terminal: a graceful kill
				signalTree(syscall.SIGTERM)
				// A stopped process acts on SIGTERM only once it continues.
				signalTree(syscall.SIGCONT)
			}
		}
	}

	// The command ended: its container ends with it, as Mesos destroys a
	// container whose executor exited. A supervisor left without children
	// has no descendants either (orphans are reparented to it), so it
	// need not look through /proc: that look costs more than it seems,
	// since the kernel drops every /proc entry it made when the agent
	// reaps the supervisor.
	if !end.alone {
		killTree(10 * time.Second)
	}
	code, sig, core := end.status.ExitStatus(), 0, false
	if end.status.Signaled() {
		code, sig, core = 0, int(end.status.Signal()), end.status.CoreDump()
	}
	if spec.StatusPath != "" {
		if err := writeAtomically(spec.StatusPath, StatusJSON(code, sig, core)); err != nil {
			_, _ = os.Stderr.WriteString("agora supervisor: cannot checkpoint the exit status: " + err.Error() + "\n")
		}
	}
	line := appendInt([]byte("exited "), code)
	line = appendInt(append(line, ' '), sig)
	if core {
		line = append(line, " 1"...)
	} else {
		line = append(line, " 0"...)
	}
	send(line)
	return 0
}

// leaderEnd is how the command ended, and whether it left nothing behind.
type leaderEnd struct {
	status syscall.WaitStatus
	// alone is set when the supervisor had no child left once the
	// command was reaped.
	alone bool
}

// reapChildren waits for every child until none is left, sending the
// leader's status on leaderExit.
func reapChildren(leader int, leaderExit chan<- leaderEnd) {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		switch {
		case errors.Is(err, syscall.EINTR):
		case err != nil:
			return // ECHILD: nothing left to wait for
		case pid == leader:
			leaderExit <- leaderEnd{status: ws, alone: reapExited()}
		}
	}
}

// reapExited reaps the children that have exited and reports whether no
// child is left at all.
func reapExited() bool {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		switch {
		case errors.Is(err, syscall.EINTR):
		case err != nil:
			return errors.Is(err, syscall.ECHILD)
		case pid == 0:
			return false // children still running
		}
	}
}

// killTree SIGKILLs every descendant until none is left alive or timeout
// passes. Orphans are reparented to us (we are a subreaper) before their
// parent is a zombie, so a walk that finds no live process has seen all.
func killTree(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for {
		// Signal while walking: a member may be forking.
		if signalTree(syscall.SIGKILL) == 0 || time.Now().After(deadline) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// signalTree sends sig to every live descendant of this process and
// returns how many it found.
func signalTree(sig syscall.Signal) int {
	live := 0
	for _, pid := range descendants(os.Getpid()) {
		if state, ok := processState(pid); ok && state != 'Z' && state != 'X' {
			live++
			_ = syscall.Kill(pid, sig)
		}
	}
	return live
}

// descendants lists the process tree below pid from /proc's children
// files (one per thread).
func descendants(pid int) []int {
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		dir := "/proc/" + string(appendUint(nil, uint64(p))) + "/task"
		threads, _ := os.ReadDir(dir)
		for _, t := range threads {
			data, err := os.ReadFile(dir + "/" + t.Name() + "/children")
			if err != nil {
				continue
			}
			for _, child := range splitPids(data) {
				out = append(out, child)
				queue = append(queue, child)
			}
		}
	}
	return out
}

// splitPids reads the space-separated pids of a children file.
func splitPids(data []byte) []int {
	var pids []int
	n, in := 0, false
	for _, c := range data {
		if c >= '0' && c <= '9' {
			n, in = n*10+int(c-'0'), true
			continue
		}
		if in {
			pids = append(pids, n)
		}
		n, in = 0, false
	}
	if in {
		pids = append(pids, n)
	}
	return pids
}

// processState is the state letter of /proc/<pid>/stat ('R', 'S', 'Z', …).
func processState(pid int) (byte, bool) {
	data, err := os.ReadFile("/proc/" + string(appendUint(nil, uint64(pid))) + "/stat")
	if err != nil {
		return 0, false
	}
	// "pid (comm) S ...": comm may hold spaces and parentheses.
	for i := len(data) - 1; i >= 0; i-- {
		if data[i] == ')' {
			if i+2 < len(data) {
				return data[i+2], true
			}
			break
		}
	}
	return 0, false
}

// writeAtomically replaces path with data: a reader sees the whole record
// or none.
func writeAtomically(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
