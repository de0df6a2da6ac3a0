package master_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/master"
	"agora/wire"
)

func partitionAware(name string) *mesospb.FrameworkInfo {
	info := testcluster.DefaultFrameworkInfo(name)
	info.Capabilities = []*mesospb.FrameworkInfo_Capability{{Type: mesospb.FrameworkInfo_Capability_PARTITION_AWARE.Enum()}}
	return info
}

// waitTerminal acknowledges updates until task id reaches a terminal state
// and returns it.
func waitTerminal(t *testing.T, s *testcluster.Scheduler, id string) *mesospb.TaskStatus {
	t.Helper()
	for {
		st := s.NextUpdate(t, id)
		switch st.GetState() {
		case mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_STAGING,
			mesospb.TaskState_TASK_KILLING, mesospb.TaskState_TASK_UNREACHABLE:
			continue
		}
		return st
	}
}

// An agent cut off from the master becomes unreachable after the ping
// timeout: its task turns UNREACHABLE for a PARTITION_AWARE framework, which
// also gets a FAILURE event. When the network heals the agent re-registers
// with the task still running: the master reports it RUNNING again and keeps
// one copy of it, not two.
func TestAgentPartitionUnreachableAndReturn(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{
		Agents: 1,
		Master: master.Config{AgentPingTimeout: 200 * time.Millisecond, MaxAgentPingTimeouts: 2},
	})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, partitionAware("partition"))
	o := firstOffer(t, s)
	agentID := o.GetAgentId().GetValue()
	s.MustCall(t, launch([]*mesospb.Offer{o}, commandTask("long", o, "sleep 60")))
	s.WaitState(t, "long", mesospb.TaskState_TASK_RUNNING)

	c.PartitionAgent(0)
	failure := s.Next(t, schedulerpb.Event_FAILURE)
	if failure.GetFailure().GetAgentId().GetValue() != agentID {
		t.Fatalf("FAILURE for %v, want agent %s", failure.GetFailure(), agentID)
	}
	if st := s.NextUpdate(t, "long"); st.GetState() != mesospb.TaskState_TASK_UNREACHABLE || st.GetUnreachableTime() == nil {
		t.Fatalf("update %v, want TASK_UNREACHABLE with unreachable_time", st)
	}
	s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_RECONCILE.Enum(), Reconcile: &schedulerpb.Call_Reconcile{}})
	if st := s.NextUpdate(t, "long"); st.GetState() != mesospb.TaskState_TASK_UNREACHABLE {
		t.Fatalf("reconciled state %v, want TASK_UNREACHABLE", st.GetState())
	}

	c.HealAgent(0)
	st := s.NextUpdate(t, "long")
	if st.GetState() != mesospb.TaskState_TASK_RUNNING || st.GetReason() != mesospb.TaskStatus_REASON_AGENT_REREGISTERED {
		t.Fatalf("after the agent returned: %v, want TASK_RUNNING with REASON_AGENT_REREGISTERED", st)
	}
	state, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	fws := state["frameworks"].([]any)
	if n := len(fws[0].(map[string]any)["tasks"].([]any)); n != 1 {
		t.Fatalf("%d tasks after re-registration, want 1", n)
	}
	if state["activated_slaves"].(float64) != 1 || state["unreachable_slaves"].(float64) != 0 {
		t.Fatalf("agents after re-registration: activated %v unreachable %v", state["activated_slaves"], state["unreachable_slaves"])
	}
}

// An agent stopped and started again on the same work dir re-registers with
// its id; the task it no longer runs ends (KILLED if the agent reported it
// on the way down, else GONE), and its resources are offered again.
func TestAgentRestart(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, partitionAware("restart"))
	o := firstOffer(t, s)
	agentID := o.GetAgentId().GetValue()
	s.MustCall(t, launch([]*mesospb.Offer{o}, commandTask("long", o, "sleep 60")))
	s.WaitState(t, "long", mesospb.TaskState_TASK_RUNNING)
	if err := c.StopAgent(0); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartAgent(0); err != nil {
		t.Fatal(err)
	}
	st := waitTerminal(t, s, "long")
	if st.GetState() != mesospb.TaskState_TASK_GONE && st.GetState() != mesospb.TaskState_TASK_KILLED {
		t.Fatalf("task after the agent restarted: %v (%s), want GONE or KILLED", st.GetState(), st.GetMessage())
	}
	for {
		again := firstOffer(t, s)
		if again.GetAgentId().GetValue() == agentID {
			break
		}
	}
}

// A framework that is not PARTITION_AWARE hears TASK_LOST instead.
func TestAgentUnreachableIsLostForOldFrameworks(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{
		Agents: 1,
		Master: master.Config{AgentPingTimeout: 200 * time.Millisecond, MaxAgentPingTimeouts: 2},
	})
	s := testcluster.Subscribe(t, c.MasterURL, wire.Protobuf, testcluster.DefaultFrameworkInfo("old"))
	o := firstOffer(t, s)
	s.MustCall(t, launch([]*mesospb.Offer{o}, commandTask("long", o, "sleep 60")))
	s.WaitState(t, "long", mesospb.TaskState_TASK_RUNNING)
	c.PartitionAgent(0)
	if st := waitTerminal(t, s, "long"); st.GetState() != mesospb.TaskState_TASK_LOST {
		t.Fatalf("got %v, want TASK_LOST", st.GetState())
	}
}

// A disconnected framework keeps its tasks for failover_timeout: a new
// scheduler instance that subscribes in time sees them running. Past the
// timeout the framework is removed and its tasks killed.
func TestFrameworkFailoverKeepsTasksThenKillsThem(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	info := testcluster.DefaultFrameworkInfo("failover-tasks")
	info.FailoverTimeout = proto.Float64(1.5)
	s1 := testcluster.Subscribe(t, c.MasterURL, wire.JSON, info)
	o := firstOffer(t, s1)
	s1.MustCall(t, launch([]*mesospb.Offer{o}, commandTask("keep", o, "sleep 60")))
	s1.WaitState(t, "keep", mesospb.TaskState_TASK_RUNNING)
	s1.Close()

	info.Id = s1.FrameworkID
	s2 := testcluster.Subscribe(t, c.MasterURL, wire.JSON, info)
	s2.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_RECONCILE.Enum(), Reconcile: &schedulerpb.Call_Reconcile{}})
	if st := s2.NextUpdate(t, "keep"); st.GetState() != mesospb.TaskState_TASK_RUNNING {
		t.Fatalf("after failover the task is %v, want RUNNING", st.GetState())
	}
	s2.Close()

	deadline := time.Now().Add(20 * time.Second)
	for {
		state, err := c.State()
		if err != nil {
			t.Fatal(err)
		}
		done := state["completed_frameworks"].([]any)
		if len(done) == 1 {
			tasks := done[0].(map[string]any)["completed_tasks"].([]any)
			if len(tasks) != 1 || tasks[0].(map[string]any)["state"] != "TASK_KILLED" {
				t.Fatalf("completed tasks of the removed framework: %v", tasks)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("framework not removed after its failover timeout")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A custom executor over the v1 executor API: fetched through a URI,
// subscribed, running two tasks, its MESSAGE relayed to the scheduler.
func TestCustomExecutor(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "test-executor")
	if out, err := exec.Command("go", "build", "-o", bin, "../agent/testdata/executor").CombinedOutput(); err != nil {
		t.Fatalf("building the test executor: %v\n%s", err, out)
	}
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("custom"))
	o := firstOffer(t, s)
	execInfo := &mesospb.ExecutorInfo{
		ExecutorId: &mesospb.ExecutorID{Value: proto.String("exec-1")},
		Command: &mesospb.CommandInfo{
			Value: proto.String("./test-executor"),
			Shell: proto.Bool(false),
			Uris:  []*mesospb.CommandInfo_URI{{Value: proto.String(bin), Executable: proto.Bool(true)}},
		},
		Resources: []*mesospb.Resource{scalar("cpus", 0.1), scalar("mem", 32)},
	}
	var tasks []*mesospb.TaskInfo
	for _, id := range []string{"c1", "c2"} {
		tasks = append(tasks, &mesospb.TaskInfo{
			Name: proto.String(id), TaskId: &mesospb.TaskID{Value: proto.String(id)}, AgentId: o.GetAgentId(),
			Resources: []*mesospb.Resource{scalar("cpus", 0.1), scalar("mem", 16)},
			Executor:  execInfo,
		})
	}
	s.MustCall(t, launch([]*mesospb.Offer{o}, tasks...))
	msg := s.Next(t, schedulerpb.Event_MESSAGE)
	if !strings.HasPrefix(string(msg.GetMessage().GetData()), "env:") || msg.GetMessage().GetExecutorId().GetValue() != "exec-1" {
		t.Fatalf("executor message %v", msg.GetMessage())
	}
	s.WaitState(t, "c1", mesospb.TaskState_TASK_FINISHED)
	s.WaitState(t, "c2", mesospb.TaskState_TASK_FINISHED)

	// MESSAGE the other way: scheduler -> executor, echoed back.
	s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_MESSAGE.Enum(), Message: &schedulerpb.Call_Message{
		AgentId: o.GetAgentId(), ExecutorId: execInfo.GetExecutorId(), Data: []byte("ping"),
	}})
	for {
		data := string(s.Next(t, schedulerpb.Event_MESSAGE).GetMessage().GetData())
		if data == "echo:ping" {
			break
		}
	}
}
