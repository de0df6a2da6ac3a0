package master_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/wire"
)

// A task whose health check the agent could not run is refused by the
// master with TASK_ERROR and Mesos's message; its sibling with a valid
// check runs.
func TestInvalidHealthCheckIsATaskError(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("health"))
	o := firstOffer(t, s)

	bad := commandTask("bad", o, "sleep 30")
	bad.Resources = []*mesospb.Resource{scalar("cpus", 0.1), scalar("mem", 32)}
	bad.HealthCheck = &mesospb.HealthCheck{
		Type: mesospb.HealthCheck_HTTP.Enum(),
		Http: &mesospb.HealthCheck_HTTPCheckInfo{Port: proto.Uint32(8080), Path: proto.String("health")},
	}
	good := commandTask("good", o, "sleep 30")
	good.Resources = []*mesospb.Resource{scalar("cpus", 0.1), scalar("mem", 32)}
	good.HealthCheck = &mesospb.HealthCheck{
		Type:    mesospb.HealthCheck_COMMAND.Enum(),
		Command: &mesospb.CommandInfo{Value: proto.String("true")},
	}
	s.MustCall(t, launch([]*mesospb.Offer{o}, bad, good))

	seen := map[string]*mesospb.TaskStatus{}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) &&
		(seen["bad"] == nil || seen["good"].GetState() != mesospb.TaskState_TASK_RUNNING); {
		ev := s.Next(t, schedulerpb.Event_UPDATE)
		st := ev.GetUpdate().GetStatus()
		s.Acknowledge(t, st)
		seen[st.GetTaskId().GetValue()] = st
	}
	const want = "Task uses invalid health check: The path 'health' of HTTP health check must start with '/'"
	if st := seen["bad"]; st.GetState() != mesospb.TaskState_TASK_ERROR ||
		st.GetReason() != mesospb.TaskStatus_REASON_TASK_INVALID || st.GetMessage() != want {
		t.Errorf("task with an invalid health check: %v; want TASK_ERROR, REASON_TASK_INVALID, %q", st, want)
	}
	if st := seen["good"]; st.GetState() != mesospb.TaskState_TASK_RUNNING {
		t.Errorf("task with a valid health check: %v; want it running", st)
	}
	s.MustCall(t, &schedulerpb.Call{
		Type: schedulerpb.Call_KILL.Enum(),
		Kill: &schedulerpb.Call_Kill{TaskId: &mesospb.TaskID{Value: proto.String("good")}, AgentId: o.GetAgentId()},
	})
	s.WaitState(t, "good", mesospb.TaskState_TASK_KILLED)
}
