//go:build linux

package containerizer

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestKillReachesProcessesThatLeftTheSession(t *testing.T) {
	// setsid moves the sleeper out of the container's session and process
	// group; only the supervisor's process tree still holds it.
	p, sandbox := shell(t, `setsid sh -c 'echo $$ > escaped.pid; exec sleep 30' & wait`)
	escaped := waitForPid(t, filepath.Join(sandbox, "escaped.pid"))
	if st, ok := readStat(escaped); !ok || st.session == p.Pid() {
		t.Fatalf("the helper did not leave the session (%+v, %v)", st, ok)
	}
	p.Kill(100 * time.Millisecond)
	if alive(escaped) {
		t.Errorf("process %d that called setsid survived its container's kill", escaped)
	}
}

func TestDoubleForkedOrphansDieWithTheContainer(t *testing.T) {
	// The subshell exits at once, orphaning the sleeper, which is
	// reparented to the supervisor rather than to init.
	p, sandbox := shell(t, `(setsid sh -c 'echo $$ > orphan.pid; exec sleep 30' &); sleep 0.2`)
	status := p.Wait()
	orphan := waitForPid(t, filepath.Join(sandbox, "orphan.pid"))
	if !status.Success() {
		t.Errorf("status = %v, want success", status)
	}
	if alive(orphan) {
		t.Errorf("double-forked orphan %d outlived its container", orphan)
	}
}

// launchWithStatus launches a shell command whose status is checkpointed.
func launchWithStatus(t *testing.T, command string) (*Process, string) {
	t.Helper()
	sandbox := t.TempDir()
	statusPath := filepath.Join(sandbox, "status")
	p, err := Launch(ProcessSpec{Sandbox: sandbox, Shell: true, Value: command, StatusPath: statusPath, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Kill(0) })
	return p, statusPath
}

func TestRecoverReattachesToARunningContainer(t *testing.T) {
	p, statusPath := launchWithStatus(t, `trap 'exit 7' TERM; while :; do sleep 0.05; done`)
	if p.StartTime() == 0 {
		t.Fatal("no start time for the supervisor")
	}
	r := Recover(Recovery{Pid: p.Pid(), StartTime: p.StartTime(), StatusPath: statusPath, Logger: quiet})
	if _, done := r.Status(); done {
		t.Fatal("the recovered container is reported done while it runs")
	}
	time.Sleep(100 * time.Millisecond) // let the shell set its trap
	status := r.Kill(time.Minute)
	if status.Code != 7 || !status.Killed || status.Unknown {
		t.Errorf("recovered Kill = %+v, want exit code 7 from the TERM trap, killed", status)
	}
	if s := p.Wait(); s.Code != 7 {
		t.Errorf("the launching side saw %+v, want exit code 7", s)
	}
}

func TestRecoverAfterTheEndReadsTheCheckpointedStatus(t *testing.T) {
	p, statusPath := launchWithStatus(t, `exit 3`)
	p.Wait()
	r := Recover(Recovery{Pid: p.Pid(), StartTime: p.StartTime(), StatusPath: statusPath, Logger: quiet})
	status, done := r.Status()
	if !done || status.Code != 3 || status.Unknown || status.Killed {
		t.Errorf("Recover of an ended container = %+v, %v; want exit code 3, done", status, done)
	}
}

func TestRecoverWithoutAStatusIsUnknown(t *testing.T) {
	p, _ := launchWithStatus(t, `exit 0`)
	p.Wait()
	// A PID that is someone else's now: the start time does not match.
	r := Recover(Recovery{Pid: os.Getpid(), StartTime: 1, StatusPath: filepath.Join(t.TempDir(), "none"), Logger: quiet})
	status, done := r.Status()
	if !done || !status.Unknown || status.Success() {
		t.Errorf("Recover of a reused PID = %+v, %v; want done with an unknown status", status, done)
	}
	if status.Message() == "" {
		t.Error("an unknown status has no message")
	}
}

func TestSupervisorDeathLeavesNoContainerBehind(t *testing.T) {
	p, sandbox := shell(t, `sleep 30 & echo $! > child.pid; wait`)
	child := waitForPid(t, filepath.Join(sandbox, "child.pid"))
	if err := syscall.Kill(p.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	status := p.Wait()
	if status.Signal != syscall.SIGKILL {
		t.Errorf("status = %+v, want the supervisor's SIGKILL", status)
	}
	if alive(child) {
		t.Errorf("process %d outlived its supervisor's death", child)
	}
}
