package master_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/wire"
)

func scalar(name string, v float64) *mesospb.Resource {
	return &mesospb.Resource{Name: proto.String(name), Type: mesospb.Value_SCALAR.Enum(), Scalar: &mesospb.Value_Scalar{Value: proto.Float64(v)}}
}

// commandTask is a task running a shell command with small resources.
func commandTask(id string, offer *mesospb.Offer, cmd string) *mesospb.TaskInfo {
	return &mesospb.TaskInfo{
		Name:      proto.String(id),
		TaskId:    &mesospb.TaskID{Value: proto.String(id)},
		AgentId:   offer.GetAgentId(),
		Resources: []*mesospb.Resource{scalar("cpus", 0.1), scalar("mem", 32)},
		Command:   &mesospb.CommandInfo{Value: proto.String(cmd)},
	}
}

func launch(offers []*mesospb.Offer, tasks ...*mesospb.TaskInfo) *schedulerpb.Call {
	var ids []*mesospb.OfferID
	for _, o := range offers {
		ids = append(ids, o.GetId())
	}
	return &schedulerpb.Call{
		Type: schedulerpb.Call_ACCEPT.Enum(),
		Accept: &schedulerpb.Call_Accept{
			OfferIds: ids,
			Operations: []*mesospb.Offer_Operation{{
				Type:   mesospb.Offer_Operation_LAUNCH.Enum(),
				Launch: &mesospb.Offer_Operation_Launch{TaskInfos: tasks},
			}},
		},
	}
}

func firstOffer(t *testing.T, s *testcluster.Scheduler) *mesospb.Offer {
	t.Helper()
	ev := s.Next(t, schedulerpb.Event_OFFERS)
	if len(ev.GetOffers().GetOffers()) == 0 {
		t.Fatal("OFFERS without offers")
	}
	return ev.GetOffers().GetOffers()[0]
}

func TestLaunchRunsToFinished(t *testing.T) {
	for _, codec := range []wire.Codec{wire.JSON, wire.Protobuf} {
		t.Run(codec.String(), func(t *testing.T) {
			c := testcluster.Start(t, testcluster.Options{Agents: 1})
			s := testcluster.Subscribe(t, c.MasterURL, codec, testcluster.DefaultFrameworkInfo("finish"))
			o := firstOffer(t, s)
			if o.GetHostname() != "agent1" || len(o.GetAttributes()) != 2 {
				t.Fatalf("offer %v: want hostname agent1 and rack/zone attributes", o)
			}
			for _, r := range o.GetResources() {
				if r.AllocationInfo != nil {
					t.Fatalf("a framework without MULTI_ROLE got allocation_info: %v", r)
				}
			}
			s.MustCall(t, launch([]*mesospb.Offer{o}, commandTask("t1", o, "echo hello")))
			st := s.WaitState(t, "t1", mesospb.TaskState_TASK_RUNNING)
			if len(st.GetUuid()) != 16 || st.GetSource() != mesospb.TaskStatus_SOURCE_EXECUTOR {
				t.Fatalf("RUNNING update %v: want a 16-byte uuid from the executor", st)
			}
			s.WaitState(t, "t1", mesospb.TaskState_TASK_FINISHED)
		})
	}
}

func TestFailingCommandFails(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("fail"))
	o := firstOffer(t, s)
	s.MustCall(t, launch([]*mesospb.Offer{o}, commandTask("bad", o, "exit 3")))
	st := s.WaitState(t, "bad", mesospb.TaskState_TASK_FAILED)
	if !strings.Contains(st.GetMessage(), "3") {
		t.Fatalf("FAILED message %q does not carry the exit status", st.GetMessage())
	}
}

func TestKillTask(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("kill"))
	o := firstOffer(t, s)
	s.MustCall(t, launch([]*mesospb.Offer{o}, commandTask("sleeper", o, "sleep 60")))
	s.WaitState(t, "sleeper", mesospb.TaskState_TASK_RUNNING)
	s.MustCall(t, &schedulerpb.Call{
		Type: schedulerpb.Call_KILL.Enum(),
		Kill: &schedulerpb.Call_Kill{TaskId: &mesospb.TaskID{Value: proto.String("sleeper")}, AgentId: o.GetAgentId()},
	})
	s.WaitState(t, "sleeper", mesospb.TaskState_TASK_KILLED)
}

// Invalid launches are answered, never silent: more than offered, a
// duplicate id and an unknown offer each get an update with a reason.
func TestInvalidLaunchesAreAnswered(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("invalid"))
	o := firstOffer(t, s)

	greedy := commandTask("greedy", o, "true")
	greedy.Resources = []*mesospb.Resource{scalar("cpus", 100), scalar("mem", 32)}
	dup1, dup2 := commandTask("dup", o, "sleep 30"), commandTask("dup", o, "sleep 30")
	s.MustCall(t, launch([]*mesospb.Offer{o}, greedy, dup1, dup2))
	seen := map[string]*mesospb.TaskStatus{}
	want := map[string]bool{}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && (seen["greedy"] == nil || !want["dup-error"]) {
		ev := s.Next(t, schedulerpb.Event_UPDATE)
		st := ev.GetUpdate().GetStatus()
		s.Acknowledge(t, st)
		id := st.GetTaskId().GetValue()
		if st.GetState() == mesospb.TaskState_TASK_ERROR {
			if id == "dup" {
				want["dup-error"] = true
				if !strings.Contains(st.GetMessage(), "duplicate") {
					t.Errorf("duplicate id message %q", st.GetMessage())
				}
			}
			if st.GetReason() != mesospb.TaskStatus_REASON_TASK_INVALID || st.GetSource() != mesospb.TaskStatus_SOURCE_MASTER || len(st.GetUuid()) != 0 {
				t.Errorf("TASK_ERROR %v: want reason TASK_INVALID from the master without uuid", st)
			}
		}
		seen[id] = st
	}
	if st := seen["greedy"]; st == nil || st.GetState() != mesospb.TaskState_TASK_ERROR || !strings.Contains(st.GetMessage(), "more resources") {
		t.Fatalf("greedy task: %v", st)
	}
	if !want["dup-error"] {
		t.Fatal("the duplicate task id got no TASK_ERROR")
	}

	// The offer is used up: launching on it again is an invalid offer.
	s.MustCall(t, launch([]*mesospb.Offer{o}, commandTask("late", o, "true")))
	for {
		ev := s.Next(t, schedulerpb.Event_UPDATE)
		st := ev.GetUpdate().GetStatus()
		if st.GetTaskId().GetValue() != "late" {
			s.Acknowledge(t, st)
			continue
		}
		if st.GetState() != mesospb.TaskState_TASK_LOST || st.GetReason() != mesospb.TaskStatus_REASON_INVALID_OFFERS {
			t.Fatalf("launch on a spent offer: %v, want TASK_LOST with REASON_INVALID_OFFERS", st)
		}
		break
	}
}

// A declined offer's resources are not re-offered to the framework before
// the filter expires, and are after.
func TestDeclineWithFilter(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("decline"))
	o := firstOffer(t, s)
	refuse := 1.5
	start := time.Now()
	s.MustCall(t, &schedulerpb.Call{
		Type:    schedulerpb.Call_DECLINE.Enum(),
		Decline: &schedulerpb.Call_Decline{OfferIds: []*mesospb.OfferID{o.GetId()}, Filters: &mesospb.Filters{RefuseSeconds: &refuse}},
	})
	again := firstOffer(t, s)
	if elapsed := time.Since(start); elapsed < 1400*time.Millisecond {
		t.Fatalf("re-offered after %v, before the 1.5 s filter expired", elapsed)
	}
	if again.GetAgentId().GetValue() != o.GetAgentId().GetValue() {
		t.Fatalf("re-offer on another agent: %v", again.GetAgentId())
	}
}

func TestSuppressAndRevive(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("suppress"))
	o := firstOffer(t, s)
	s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_SUPPRESS.Enum()})
	refuse := 0.0
	s.MustCall(t, &schedulerpb.Call{
		Type:    schedulerpb.Call_DECLINE.Enum(),
		Decline: &schedulerpb.Call_Decline{OfferIds: []*mesospb.OfferID{o.GetId()}, Filters: &mesospb.Filters{RefuseSeconds: &refuse}},
	})
	if ev, err := s.NextWithin(schedulerpb.Event_OFFERS, time.Second); err == nil {
		t.Fatalf("suppressed framework got offers: %v", ev)
	}
	s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_REVIVE.Enum()})
	firstOffer(t, s)
}

// Resources in an outstanding offer are never offered to another framework.
func TestOutstandingOffersAreNotOfferedTwice(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	a := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("a"))
	firstOffer(t, a)
	b := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("b"))
	if ev, err := b.NextWithin(schedulerpb.Event_OFFERS, time.Second); err == nil {
		t.Fatalf("second framework was offered resources already offered: %v", ev)
	}
}

// The reconciliation table of docs/reconciliation.md, for a framework that
// is not PARTITION_AWARE (LOST) and one that is.
func TestReconcile(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	for _, pa := range []bool{false, true} {
		t.Run(fmt.Sprintf("partition_aware=%v", pa), func(t *testing.T) {
			info := testcluster.DefaultFrameworkInfo("reconcile")
			if pa {
				info.Capabilities = []*mesospb.FrameworkInfo_Capability{{Type: mesospb.FrameworkInfo_Capability_PARTITION_AWARE.Enum()}}
			}
			s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, info)
			o := firstOffer(t, s)
			s.MustCall(t, launch([]*mesospb.Offer{o}, commandTask("r1", o, "sleep 30")))
			s.WaitState(t, "r1", mesospb.TaskState_TASK_RUNNING)

			// Implicit: the latest state of every task.
			s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_RECONCILE.Enum(), Reconcile: &schedulerpb.Call_Reconcile{}})
			st := s.NextUpdate(t, "r1")
			if st.GetState() != mesospb.TaskState_TASK_RUNNING || st.GetReason() != mesospb.TaskStatus_REASON_RECONCILIATION || len(st.GetUuid()) != 0 {
				t.Fatalf("implicit reconciliation: %v", st)
			}
			lost := func(s mesospb.TaskState) mesospb.TaskState {
				if pa {
					return s
				}
				return mesospb.TaskState_TASK_LOST
			}
			cases := []struct {
				task, agent string
				want        mesospb.TaskState
			}{
				{"r1", o.GetAgentId().GetValue(), mesospb.TaskState_TASK_RUNNING},
				{"ghost", o.GetAgentId().GetValue(), lost(mesospb.TaskState_TASK_GONE)},
				{"ghost2", "no-such-agent", lost(mesospb.TaskState_TASK_UNKNOWN)},
				{"ghost3", "", lost(mesospb.TaskState_TASK_UNKNOWN)},
			}
			for _, tc := range cases {
				q := &schedulerpb.Call_Reconcile_Task{TaskId: &mesospb.TaskID{Value: proto.String(tc.task)}}
				if tc.agent != "" {
					q.AgentId = &mesospb.AgentID{Value: proto.String(tc.agent)}
				}
				s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_RECONCILE.Enum(), Reconcile: &schedulerpb.Call_Reconcile{Tasks: []*schedulerpb.Call_Reconcile_Task{q}}})
				st := s.NextUpdate(t, tc.task)
				if st.GetState() != tc.want {
					t.Errorf("explicit reconciliation of %s on agent %q: %v, want %v", tc.task, tc.agent, st.GetState(), tc.want)
				}
			}
			s.MustCall(t, &schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()})
		})
	}
}
