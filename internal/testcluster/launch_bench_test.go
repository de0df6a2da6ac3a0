package testcluster_test

import (
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/internal/testcluster"
	"agora/wire"
)

// BenchmarkLaunchToRunning measures the kernel's launch path end to end:
// ACCEPT over real HTTP, the master validating and sending RUN_TASK, the
// agent forking a real process in a sandbox, and TASK_RUNNING travelling
// back through the master to the scheduler (which acknowledges every
// update). Half the tasks run `true`, half `sleep 1`, on 3 agents.
//
//   - throughput: every offer is filled with as many tasks as fit; reports
//     tasks per second from the first ACCEPT to the b.N-th RUNNING, and the
//     p50/p99 ACCEPT→RUNNING latency under that load.
//   - latency: one task at a time; ns/op and p50/p99 are the latency of a
//     single task from ACCEPT to RUNNING on an idle cluster.
func BenchmarkLaunchToRunning(b *testing.B) {
	b.Run("throughput", func(b *testing.B) { benchmarkLaunch(b, 0) })
	b.Run("latency", func(b *testing.B) { benchmarkLaunch(b, 1) })
}

// benchmarkLaunch launches b.N tasks, at most perOffer per offer (0: as many
// as fit), and waits for each to be RUNNING.
func benchmarkLaunch(b *testing.B, perOffer int) {
	c := testcluster.Start(b, testcluster.Options{
		Agents:         3,
		AgentResources: "cpus:64;mem:65536;disk:10000;ports:[31000-32000]",
	})
	s := testcluster.Subscribe(b, c.MasterURL, wire.Protobuf, testcluster.DefaultFrameworkInfo("bench"))

	const perTaskCPU, perTaskMem = 0.05, 8.0
	sent := map[string]time.Time{}
	var latencies []time.Duration
	running, launched := 0, 0
	// Acknowledgements go out from a pool of workers so that reading events
	// never waits for them (a blocked reader would delay the RUNNING
	// timestamps it records).
	var acks sync.WaitGroup
	ackQueue := make(chan *mesospb.TaskStatus, 4*b.N+16)
	for range 16 {
		acks.Add(1)
		go func() {
			defer acks.Done()
			for st := range ackQueue {
				_, _, _ = s.Call(&schedulerpb.Call{
					Type: schedulerpb.Call_ACKNOWLEDGE.Enum(),
					Acknowledge: &schedulerpb.Call_Acknowledge{
						AgentId: st.GetAgentId(), TaskId: st.GetTaskId(), Uuid: st.GetUuid(),
					},
				})
			}
		}()
	}
	ack := func(st *mesospb.TaskStatus) { ackQueue <- st }

	b.ResetTimer()
	start := time.Now()
	for running < b.N {
		ev, err := s.NextAny(testcluster.EventTimeout)
		if err != nil {
			b.Fatalf("after %d of %d tasks running: %v", running, b.N, err)
		}
		switch ev.GetType() {
		case schedulerpb.Event_OFFERS:
			for _, o := range ev.GetOffers().GetOffers() {
				n := fitting(o, perTaskCPU, perTaskMem)
				if rest := b.N - launched; n > rest {
					n = rest
				}
				if perOffer > 0 && (n > perOffer || len(sent) > 0) {
					// One task in flight at a time.
					n = min(perOffer, n)
					if len(sent) > 0 {
						n = 0
					}
				}
				var tasks []*mesospb.TaskInfo
				for i := 0; i < n; i++ {
					id := fmt.Sprintf("t%d", launched)
					cmd := "true"
					if launched%2 == 1 {
						cmd = "sleep 1"
					}
					launched++
					tasks = append(tasks, &mesospb.TaskInfo{
						Name: proto.String(id), TaskId: &mesospb.TaskID{Value: proto.String(id)},
						AgentId: o.GetAgentId(),
						Resources: []*mesospb.Resource{
							scalar("cpus", perTaskCPU), scalar("mem", perTaskMem),
						},
						Command: &mesospb.CommandInfo{Value: proto.String(cmd)},
					})
				}
				call := &schedulerpb.Call{Type: schedulerpb.Call_ACCEPT.Enum(), Accept: &schedulerpb.Call_Accept{
					OfferIds:   []*mesospb.OfferID{o.GetId()},
					Operations: []*mesospb.Offer_Operation{{Type: mesospb.Offer_Operation_LAUNCH.Enum(), Launch: &mesospb.Offer_Operation_Launch{TaskInfos: tasks}}},
					Filters:    &mesospb.Filters{RefuseSeconds: proto.Float64(0)},
				}}
				now := time.Now()
				for _, t := range tasks {
					sent[t.GetTaskId().GetValue()] = now
				}
				if code, body, err := s.Call(call); err != nil || code != 202 {
					b.Fatalf("ACCEPT: %d %s %v", code, body, err)
				}
			}
		case schedulerpb.Event_UPDATE:
			st := ev.GetUpdate().GetStatus()
			ack(st)
			switch st.GetState() {
			case mesospb.TaskState_TASK_RUNNING:
				if t0, ok := sent[st.GetTaskId().GetValue()]; ok {
					latencies = append(latencies, time.Since(t0))
					delete(sent, st.GetTaskId().GetValue())
					running++
				}
			case mesospb.TaskState_TASK_FAILED, mesospb.TaskState_TASK_ERROR, mesospb.TaskState_TASK_LOST, mesospb.TaskState_TASK_DROPPED:
				b.Fatalf("task %s: %v: %s", st.GetTaskId().GetValue(), st.GetState(), st.GetMessage())
			}
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	close(ackQueue)
	acks.Wait()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tasks/s")
	b.ReportMetric(float64(percentile(latencies, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(latencies, 0.99).Microseconds())/1000, "p99-ms")
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

// fitting is how many tasks of cpu and mem one offer holds.
func fitting(o *mesospb.Offer, cpu, mem float64) int {
	var cpus, mems float64
	for _, r := range o.GetResources() {
		switch r.GetName() {
		case "cpus":
			cpus += r.GetScalar().GetValue()
		case "mem":
			mems += r.GetScalar().GetValue()
		}
	}
	n := int(cpus/cpu + 1e-9)
	if m := int(mems/mem + 1e-9); m < n {
		n = m
	}
	return n
}

func scalar(name string, v float64) *mesospb.Resource {
	return &mesospb.Resource{Name: proto.String(name), Type: mesospb.Value_SCALAR.Enum(), Scalar: &mesospb.Value_Scalar{Value: proto.Float64(v)}}
}
