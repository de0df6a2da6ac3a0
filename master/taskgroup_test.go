package master_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/wire"
)

// Task groups end to end: LAUNCH_GROUP with an executor of type DEFAULT runs
// on the agent's built-in default executor, as Marathon pods do on Mesos.

// launchGroup accepts an offer with one LAUNCH_GROUP on the default
// executor id; what the launch leaves of the offer may be offered again at
// once.
func launchGroup(offer *mesospb.Offer, executorID string, tasks ...*mesospb.TaskInfo) *schedulerpb.Call {
	refuse := 0.0
	return &schedulerpb.Call{
		Type: schedulerpb.Call_ACCEPT.Enum(),
		Accept: &schedulerpb.Call_Accept{
			OfferIds: []*mesospb.OfferID{offer.GetId()},
			Filters:  &mesospb.Filters{RefuseSeconds: &refuse},
			Operations: []*mesospb.Offer_Operation{{
				Type: mesospb.Offer_Operation_LAUNCH_GROUP.Enum(),
				LaunchGroup: &mesospb.Offer_Operation_LaunchGroup{
					Executor: &mesospb.ExecutorInfo{
						ExecutorId: &mesospb.ExecutorID{Value: proto.String(executorID)},
						Type:       mesospb.ExecutorInfo_DEFAULT.Enum(),
						Resources:  []*mesospb.Resource{scalar("cpus", 0.1), scalar("mem", 32)},
					},
					TaskGroup: &mesospb.TaskGroupInfo{Tasks: tasks},
				},
			}},
		},
	}
}

// waitExecutorFailure waits for the FAILURE event that tells the framework
// its executor has exited, which the master sends once it has freed the
// executor's resources.
func waitExecutorFailure(t *testing.T, s *testcluster.Scheduler, executorID string) {
	t.Helper()
	failure := s.Next(t, schedulerpb.Event_FAILURE).GetFailure()
	if failure.GetExecutorId().GetValue() != executorID || failure.Status == nil || failure.GetStatus() != 0 {
		t.Fatalf("FAILURE %v, want executor %s exited with status 0", failure, executorID)
	}
}

// groupRun is what a framework saw of a task group's run.
type groupRun struct {
	updates map[string][]*mesospb.TaskStatus
	failure *schedulerpb.Event_Failure
}

func (r groupRun) String() string {
	var b strings.Builder
	for id, statuses := range r.updates {
		b.WriteString(id + ":")
		for _, st := range statuses {
			b.WriteString(" " + st.GetState().String())
		}
		b.WriteString("; ")
	}
	return b.String()
}

// untilAllCPUsOffered acknowledges updates and declines offers, to have
// them offered again at once, until an offer holds all of the agent's cpus:
// then neither the tasks nor their executor hold any.
func untilAllCPUsOffered(t *testing.T, s *testcluster.Scheduler, cpus float64) groupRun {
	t.Helper()
	run := groupRun{updates: map[string][]*mesospb.TaskStatus{}}
	refuse := 0.0
	deadline := time.Now().Add(testcluster.EventTimeout)
	for {
		ev, err := s.NextAny(time.Until(deadline))
		if err != nil {
			t.Fatalf("waiting for an offer of all %v cpus: %v; updates so far: %s", cpus, err, run)
		}
		switch ev.GetType() {
		case schedulerpb.Event_UPDATE:
			st := ev.GetUpdate().GetStatus()
			s.Acknowledge(t, st)
			run.updates[st.GetTaskId().GetValue()] = append(run.updates[st.GetTaskId().GetValue()], st)
		case schedulerpb.Event_FAILURE:
			run.failure = ev.GetFailure()
		case schedulerpb.Event_OFFERS:
			for _, o := range ev.GetOffers().GetOffers() {
				if cpusOf(o) == cpus {
					return run
				}
				s.MustCall(t, &schedulerpb.Call{
					Type: schedulerpb.Call_DECLINE.Enum(),
					Decline: &schedulerpb.Call_Decline{
						OfferIds: []*mesospb.OfferID{o.GetId()}, Filters: &mesospb.Filters{RefuseSeconds: &refuse},
					},
				})
			}
		}
	}
}

func cpusOf(o *mesospb.Offer) float64 {
	var cpus float64
	for _, r := range o.GetResources() {
		if r.GetName() == "cpus" {
			cpus += r.GetScalar().GetValue()
		}
	}
	return cpus
}

func TestTaskGroupRunsToFinished(t *testing.T) {
	for _, codec := range []wire.Codec{wire.JSON, wire.Protobuf} {
		t.Run(codec.String(), func(t *testing.T) {
			c := testcluster.Start(t, testcluster.Options{Agents: 1})
			s := testcluster.Subscribe(t, c.MasterURL, codec, testcluster.DefaultFrameworkInfo("pod"))
			o := firstOffer(t, s)
			s.MustCall(t, launchGroup(o, "pod-executor",
				commandTask("web", o, "echo web"), commandTask("sidecar", o, "echo sidecar")))

			// Once both tasks have finished the executor ends, and the
			// master frees its resources along with the tasks'.
			run := untilAllCPUsOffered(t, s, cpusOf(o))
			for _, id := range []string{"web", "sidecar"} {
				got := run.updates[id]
				want := []mesospb.TaskState{
					mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_FINISHED,
				}
				if len(got) != len(want) {
					t.Fatalf("task %s: updates %v, want %v", id, got, want)
				}
				for i, st := range got {
					if st.GetState() != want[i] || st.GetExecutorId().GetValue() != "pod-executor" ||
						st.GetSource() != mesospb.TaskStatus_SOURCE_EXECUTOR || len(st.GetUuid()) != 16 {
						t.Fatalf("task %s: update %v, want %v from executor pod-executor with a uuid", id, st, want[i])
					}
				}
			}
			failure := run.failure
			if failure == nil {
				failure = s.Next(t, schedulerpb.Event_FAILURE).GetFailure()
			}
			if failure.GetExecutorId().GetValue() != "pod-executor" || failure.Status == nil || failure.GetStatus() != 0 {
				t.Errorf("FAILURE %v, want executor pod-executor exited with status 0", failure)
			}
		})
	}
}

func TestFailedTaskOfAGroupKillsItsSibling(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	s := testcluster.Subscribe(t, c.MasterURL, wire.JSON, testcluster.DefaultFrameworkInfo("pod-fails"))
	o := firstOffer(t, s)
	// The failing task waits for its sibling to run; task sandboxes are
	// siblings in the executor's sandbox.
	s.MustCall(t, launchGroup(o, "pod-executor",
		commandTask("fails", o, "while [ ! -e ../sibling/ready ]; do sleep 0.01; done; exit 3"),
		commandTask("sibling", o, "touch ready; exec sleep 60")))
	st := s.WaitState(t, "fails", mesospb.TaskState_TASK_FAILED)
	if st.GetMessage() != "Command exited with status 3" {
		t.Errorf("FAILED message %q, want the exit status", st.GetMessage())
	}
	s.WaitState(t, "sibling", mesospb.TaskState_TASK_KILLED)
	waitExecutorFailure(t, s, "pod-executor")
}
