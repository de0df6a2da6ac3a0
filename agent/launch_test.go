package agent_test

import (
	"errors"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent"
	"agora/agent/containerizer"
	clusterpb "agora/api/agora/cluster/v1"
	mesospb "agora/api/mesos/v1"
)

// Processes are launched on workers, not on the agent's loop, so events can
// reach the loop while a launch is in flight. These tests hold launches
// there and check that whatever comes meanwhile still ends the process.

// heldLaunches holds every launch of an agent until released.
type heldLaunches struct {
	started chan struct{} // one value per launch that reached the hook
	release chan struct{} // closed to let the launches go on
	pids    chan int      // the pid of every process launched
}

func holdLaunches(t *testing.T, a *testAgent) *heldLaunches {
	t.Helper()
	h := &heldLaunches{started: make(chan struct{}, 16), release: make(chan struct{}), pids: make(chan int, 16)}
	err := a.SetLaunch(func(spec containerizer.ProcessSpec) (*containerizer.Process, error) {
		h.started <- struct{}{}
		<-h.release
		proc, err := containerizer.Launch(spec)
		if err == nil {
			h.pids <- proc.Pid()
		}
		return proc, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// waitStarted waits until a launch is held.
func (h *heldLaunches) waitStarted(t *testing.T) {
	t.Helper()
	select {
	case <-h.started:
	case <-time.After(waitTimeout):
		t.Fatal("no launch started")
	}
}

// pid returns the pid of the next process launched.
func (h *heldLaunches) pid(t *testing.T) int {
	t.Helper()
	select {
	case pid := <-h.pids:
		return pid
	case <-time.After(waitTimeout):
		t.Fatal("no process was launched")
		return 0
	}
}

// waitLaunch polls the executor's launch until ok says it is as wanted.
func waitLaunch(t *testing.T, a *testAgent, executorID string, ok func(agent.ExecutorLaunch) bool) agent.ExecutorLaunch {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		l, found, err := a.ExecutorLaunch("fw-1", executorID)
		if err != nil {
			t.Fatal(err)
		}
		if found && ok(l) {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("executor %s: launch %+v (found %v) never became as wanted", executorID, l, found)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// wantGone checks that no process has the pid any more: it was killed and
// reaped.
func wantGone(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process %d is still there (kill -0: %v)", pid, err)
	}
}

func TestKillWhileLaunchingKillsTheProcessOnceItRuns(t *testing.T) {
	tests := []struct {
		name        string
		kills       []time.Duration // the grace of each KILL_TASK
		wantMessage string
	}{
		// The kill's grace period is kept: SIGTERM, which sleep obeys.
		{"one kill", []time.Duration{10 * time.Second}, "Command terminated with signal Terminated"},
		// A second kill shortens it, as for a running task: SIGKILL at once.
		{"a second kill shortens the grace", []time.Duration{10 * time.Second, 0},
			"Command terminated with signal Killed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, a := registered(t, agent.Config{})
			held := holdLaunches(t, a)
			fw := frameworkInfo(mesospb.FrameworkInfo_Capability_TASK_KILLING_STATE)
			m.runTask(fw, shellTask("slow", "sleep 60"))
			wantStates(t, m.waitUpdates("slow", mesospb.TaskState_TASK_STARTING), mesospb.TaskState_TASK_STARTING)
			held.waitStarted(t)

			for _, grace := range tt.kills {
				m.send(&clusterpb.Event{Type: clusterpb.Event_KILL_TASK.Enum(), KillTask: &clusterpb.Event_KillTask{
					FrameworkId: fw.GetId(),
					TaskId:      &mesospb.TaskID{Value: proto.String("slow")},
					KillPolicy:  &mesospb.KillPolicy{GracePeriod: &mesospb.DurationInfo{Nanoseconds: proto.Int64(int64(grace))}},
				}})
				waitLaunch(t, a, "slow", func(l agent.ExecutorLaunch) bool { return l.KillPending && l.KillGrace == grace })
			}
			// Nothing is said about the kill until the process runs.
			select {
			case u := <-m.updates:
				t.Fatalf("update %v while the launch is held", u.GetStatus().GetState())
			case <-time.After(50 * time.Millisecond):
			}

			close(held.release)
			pid := held.pid(t)
			// Mesos's command executor takes a kill only after its launch:
			// RUNNING, then KILLING and KILLED; never KILLED before the
			// launch and RUNNING after it.
			got := m.waitUpdates("slow", mesospb.TaskState_TASK_KILLED)
			wantStates(t, got, mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_KILLING, mesospb.TaskState_TASK_KILLED)
			if msg := got[2].GetMessage(); msg != tt.wantMessage {
				t.Errorf("KILLED message %q, want %q", msg, tt.wantMessage)
			}
			wantGone(t, pid)
		})
	}
}

func TestStopWhileLaunchingLeavesNoProcess(t *testing.T) {
	t.Run("graceful", func(t *testing.T) {
		m, a := registered(t, agent.Config{})
		held := holdLaunches(t, a)
		m.runTask(frameworkInfo(), shellTask("slow", "sleep 60"))
		held.waitStarted(t)

		a.cancel()
		// The stop reached the loop: the command is to be killed with the
		// command executor's share of the shutdown grace period.
		waitLaunch(t, a, "slow", func(l agent.ExecutorLaunch) bool {
			return l.State == "TERMINATING" && l.KillPending && l.KillGrace == 3*time.Second
		})
		close(held.release)
		pid := held.pid(t)
		a.stop(t)
		wantGone(t, pid)
	})

	t.Run("the grace period runs out first", func(t *testing.T) {
		// Without cgroups: with them the container's cgroup is destroyed
		// with the run, and the late launch fails instead of starting a
		// process for its worker to kill (the path under test).
		m, a := registered(t, agent.Config{ExecutorShutdownGracePeriod: 10 * time.Millisecond,
			Isolation: agent.IsolationPosix})
		held := holdLaunches(t, a)
		m.runTask(frameworkInfo(), shellTask("slow", "sleep 60"))
		held.waitStarted(t)

		// The agent gives up on the executor and its loop ends while the
		// launch is still held; the process launched afterwards has nobody
		// to watch it, so its worker kills it before Run returns.
		a.cancel()
		select {
		case <-a.LoopDone():
		case <-time.After(waitTimeout):
			t.Fatal("the loop did not end")
		}
		a.stopOnce.Do(func() {}) // this test waits for Run itself
		select {
		case err := <-a.done:
			t.Fatalf("Run returned (%v) while a launch was in flight", err)
		case <-time.After(100 * time.Millisecond):
		}
		close(held.release)
		pid := held.pid(t)
		select {
		case err := <-a.done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(waitTimeout):
			t.Fatal("Run did not return")
		}
		wantGone(t, pid)
	})
}

func TestShutdownExecutorWhileItIsLaunching(t *testing.T) {
	m, a := registered(t, agent.Config{})
	held := holdLaunches(t, a)
	fw := frameworkInfo()
	ex := &mesospb.ExecutorInfo{
		ExecutorId: &mesospb.ExecutorID{Value: proto.String("late")},
		Command:    &mesospb.CommandInfo{Value: proto.String("sleep 60")},
	}
	m.runTask(fw, executorTask("queued", ex, ""))
	held.waitStarted(t)

	m.send(&clusterpb.Event{
		Type: clusterpb.Event_SHUTDOWN_EXECUTOR.Enum(),
		ShutdownExecutor: &clusterpb.Event_ShutdownExecutor{
			FrameworkId: fw.GetId(), ExecutorId: ex.GetExecutorId(),
		},
	})
	waitLaunch(t, a, "late", func(l agent.ExecutorLaunch) bool { return l.State == "TERMINATING" && l.Launching })
	close(held.release)
	pid := held.pid(t)

	// Like Mesos's Slave::executorLaunched, the agent kills an executor
	// that is terminating by the time its launch is over, without waiting
	// for the shutdown grace period: it never subscribed, so it never got
	// the SHUTDOWN.
	start := time.Now()
	exited := m.waitExecutorExited()
	if exited.GetStatus() != 9 { // wait status of SIGKILL
		t.Errorf("EXECUTOR_EXITED status %d, want SIGKILL's", exited.GetStatus())
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("executor killed %v after its launch, not at once", elapsed)
	}
	got := m.waitUpdates("queued", mesospb.TaskState_TASK_FAILED)
	wantStates(t, got, mesospb.TaskState_TASK_FAILED)
	if got[0].GetReason() != mesospb.TaskStatus_REASON_EXECUTOR_TERMINATED {
		t.Errorf("task reason %v, want REASON_EXECUTOR_TERMINATED", got[0].GetReason())
	}
	wantGone(t, pid)
}

func TestLaunchFailureAfterAKillFailsTheTask(t *testing.T) {
	m, a := registered(t, agent.Config{})
	held := holdLaunches(t, a)
	fw := frameworkInfo(mesospb.FrameworkInfo_Capability_TASK_KILLING_STATE)
	task := shellTask("missing", "/nonexistent/agora/bin/tool")
	task.Command.Shell = proto.Bool(false)
	m.runTask(fw, task)
	held.waitStarted(t)
	m.killTask(fw, "missing", 0)
	waitLaunch(t, a, "missing", func(l agent.ExecutorLaunch) bool { return l.KillPending })
	close(held.release)

	got := m.waitUpdates("missing", mesospb.TaskState_TASK_FAILED)
	wantStates(t, got, mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_FAILED)
	if msg := got[1].GetMessage(); !strings.HasPrefix(msg, "Failed to launch task: ") || got[1].GetReason() != mesospb.TaskStatus_REASON_COMMAND_EXECUTOR_FAILED {
		t.Errorf("FAILED message %q reason %v", msg, got[1].GetReason())
	}
}

func TestLaunchesBeyondTheSlotsWaitTheirTurn(t *testing.T) {
	m, a := registered(t, agent.Config{})
	held := holdLaunches(t, a)
	fw := frameworkInfo()
	slots := a.LaunchSlots()
	var ids []string
	for i := range slots + 2 {
		id := "t" + strconv.Itoa(i)
		ids = append(ids, id)
		m.runTask(fw, shellTask(id, "true"))
	}
	// Every task gets its TASK_STARTING at once; only slots launches run.
	for _, id := range ids {
		m.waitUpdates(id, mesospb.TaskState_TASK_STARTING)
	}
	for range slots {
		held.waitStarted(t)
	}
	select {
	case <-held.started:
		t.Fatalf("more than %d launches at once", slots)
	case <-time.After(100 * time.Millisecond):
	}
	close(held.release)
	for _, id := range ids {
		wantStates(t, m.waitUpdates(id, mesospb.TaskState_TASK_FINISHED),
			mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_FINISHED)
	}
}
