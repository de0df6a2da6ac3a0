package agent_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent"
	mesospb "agora/api/mesos/v1"
)

// Health checks run by the agent for the built-in executors' tasks, with
// short intervals: the proto's fields are doubles.

// quickCheck is a health check that starts at once, checks every 50 ms,
// has no grace period and kills after two failures in a row.
func quickCheck(hc *mesospb.HealthCheck) *mesospb.HealthCheck {
	hc.DelaySeconds = proto.Float64(0)
	hc.IntervalSeconds = proto.Float64(0.05)
	hc.TimeoutSeconds = proto.Float64(10)
	hc.GracePeriodSeconds = proto.Float64(0)
	hc.ConsecutiveFailures = proto.Uint32(2)
	return hc
}

// wantHealth checks that an update is a health report: TASK_RUNNING with
// the reason and health Mesos's executors send.
func wantHealth(t *testing.T, s *mesospb.TaskStatus, healthy bool) {
	t.Helper()
	if s.GetState() != mesospb.TaskState_TASK_RUNNING || s.Healthy == nil || s.GetHealthy() != healthy ||
		s.GetReason() != mesospb.TaskStatus_REASON_TASK_HEALTH_CHECK_STATUS_UPDATED ||
		s.GetSource() != mesospb.TaskStatus_SOURCE_EXECUTOR || len(s.GetUuid()) != 16 {
		t.Fatalf("update %v; want TASK_RUNNING healthy=%v with REASON_TASK_HEALTH_CHECK_STATUS_UPDATED", s, healthy)
	}
}

// next is the task's next update, which must be in state.
func (m *testMaster) next(taskID string, state mesospb.TaskState) *mesospb.TaskStatus {
	m.t.Helper()
	got := m.waitUpdates(taskID, state)
	if len(got) != 1 {
		m.t.Fatalf("task %s: updates %s, want one %v", taskID, states(got), state)
	}
	return got[0]
}

func TestCommandHealthCheckReportsAndKills(t *testing.T) {
	m, a := registered(t, agent.Config{})
	task := shellTask("web", "touch healthy; sleep 60")
	task.Command.Environment = &mesospb.Environment{Variables: []*mesospb.Environment_Variable{
		{Name: proto.String("MARKER"), Value: proto.String("healthy")},
	}}
	// The check runs in the task's sandbox with the task's environment.
	// Failures before the task has touched its marker fall in the grace
	// period, which ends with the first success.
	task.HealthCheck = quickCheck(&mesospb.HealthCheck{
		Type:    mesospb.HealthCheck_COMMAND.Enum(),
		Command: &mesospb.CommandInfo{Value: proto.String(`test -f "$MARKER"`)},
	})
	task.HealthCheck.GracePeriodSeconds = proto.Float64(600)
	m.runTask(frameworkInfo(mesospb.FrameworkInfo_Capability_TASK_KILLING_STATE), task)
	wantStates(t, m.waitUpdates("web", mesospb.TaskState_TASK_RUNNING),
		mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING)
	wantHealth(t, m.next("web", mesospb.TaskState_TASK_RUNNING), true)

	if err := os.Remove(filepath.Join(a.sandbox("fw-1", "web"), "healthy")); err != nil {
		t.Fatal(err)
	}
	wantHealth(t, m.next("web", mesospb.TaskState_TASK_RUNNING), false)
	wantHealth(t, m.next("web", mesospb.TaskState_TASK_RUNNING), false)
	got := m.waitUpdates("web", mesospb.TaskState_TASK_KILLED)
	wantStates(t, got, mesospb.TaskState_TASK_KILLING, mesospb.TaskState_TASK_KILLED)
	killed := got[1]
	if killed.Healthy == nil || killed.GetHealthy() || killed.Reason != nil ||
		killed.GetMessage() != "Command terminated with signal Terminated" {
		t.Errorf("TASK_KILLED %v; want healthy=false, no reason, the command's end", killed)
	}
}

func TestHTTPHealthCheckAgainstARealServer(t *testing.T) {
	// failures is how many checks the server fails next; -1 fails all.
	// The path is the test's own: on a shared machine another agent's
	// check may reach a port this server reused, and must not count.
	var failures atomic.Int32
	path := fmt.Sprintf("/health-%d-%d", os.Getpid(), time.Now().UnixNano())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		if n := failures.Load(); n != 0 {
			if n > 0 {
				failures.Add(-1)
			}
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	port, _ := strconv.Atoi(srv.URL[len("http://127.0.0.1:"):])

	m, _ := registered(t, agent.Config{})
	task := shellTask("api", "sleep 60")
	task.HealthCheck = quickCheck(&mesospb.HealthCheck{
		Type: mesospb.HealthCheck_HTTP.Enum(),
		Http: &mesospb.HealthCheck_HTTPCheckInfo{Port: proto.Uint32(uint32(port)), Path: proto.String(path)},
	})
	task.HealthCheck.ConsecutiveFailures = proto.Uint32(3)
	m.runTask(frameworkInfo(), task)
	m.waitUpdates("api", mesospb.TaskState_TASK_RUNNING)
	wantHealth(t, m.next("api", mesospb.TaskState_TASK_RUNNING), true)

	// One failure, then healthy again: both reported, and the count
	// starts over.
	failures.Store(2)
	wantHealth(t, m.next("api", mesospb.TaskState_TASK_RUNNING), false)
	wantHealth(t, m.next("api", mesospb.TaskState_TASK_RUNNING), false)
	wantHealth(t, m.next("api", mesospb.TaskState_TASK_RUNNING), true)
	failures.Store(-1)
	for range 3 {
		wantHealth(t, m.next("api", mesospb.TaskState_TASK_RUNNING), false)
	}
	// Without TASK_KILLING_STATE the framework sees TASK_KILLED only.
	killed := m.next("api", mesospb.TaskState_TASK_KILLED)
	if killed.Healthy == nil || killed.GetHealthy() {
		t.Errorf("TASK_KILLED %v; want healthy=false", killed)
	}
}

func TestTaskGroupHealthCheckKillsTheGroup(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	m, _ := registered(t, agent.Config{})
	checked := shellTask("checked", "sleep 60")
	checked.HealthCheck = quickCheck(&mesospb.HealthCheck{
		Type: mesospb.HealthCheck_TCP.Enum(),
		Tcp:  &mesospb.HealthCheck_TCPCheckInfo{Port: proto.Uint32(uint32(l.Addr().(*net.TCPAddr).Port))},
	})
	sibling := shellTask("sibling", "sleep 60")
	m.runTaskGroup(frameworkInfo(), defaultExecutorInfo("group"), checked, sibling)
	m.waitUpdates("checked", mesospb.TaskState_TASK_RUNNING)
	m.waitUpdates("sibling", mesospb.TaskState_TASK_RUNNING)
	wantHealth(t, m.next("checked", mesospb.TaskState_TASK_RUNNING), true)

	l.Close()
	wantHealth(t, m.next("checked", mesospb.TaskState_TASK_RUNNING), false)
	wantHealth(t, m.next("checked", mesospb.TaskState_TASK_RUNNING), false)
	if killed := m.next("checked", mesospb.TaskState_TASK_KILLED); killed.Healthy == nil || killed.GetHealthy() {
		t.Errorf("TASK_KILLED %v; want healthy=false", killed)
	}
	// The group lives and dies together.
	m.next("sibling", mesospb.TaskState_TASK_KILLED)
	if exited := m.waitExecutorExited(); exited.GetExecutorId().GetValue() != "group" {
		t.Errorf("EXECUTOR_EXITED for %v, want the group's executor", exited.GetExecutorId())
	}
}

func TestHealthCheckFailuresWithinTheGracePeriodAreIgnored(t *testing.T) {
	m, _ := registered(t, agent.Config{})
	task := shellTask("slow-start", "sleep 60")
	task.HealthCheck = quickCheck(&mesospb.HealthCheck{
		Type:    mesospb.HealthCheck_COMMAND.Enum(),
		Command: &mesospb.CommandInfo{Value: proto.String("exit 1")},
	})
	task.HealthCheck.GracePeriodSeconds = proto.Float64(600)
	m.runTask(frameworkInfo(), task)
	m.waitUpdates("slow-start", mesospb.TaskState_TASK_RUNNING)
	select {
	case u := <-m.updates:
		t.Fatalf("update %v while every failure is within the grace period", u.GetStatus())
	case <-time.After(500 * time.Millisecond):
	}
}

func TestInvalidHealthCheckIsNotRun(t *testing.T) {
	m, _ := registered(t, agent.Config{})
	task := shellTask("unchecked", "sleep 60")
	task.HealthCheck = &mesospb.HealthCheck{Type: mesospb.HealthCheck_HTTP.Enum()} // no http
	m.runTask(frameworkInfo(), task)
	m.waitUpdates("unchecked", mesospb.TaskState_TASK_RUNNING)
	select {
	case u := <-m.updates:
		t.Fatalf("update %v for a task whose health check cannot run", u.GetStatus())
	case <-time.After(300 * time.Millisecond):
	}
}
