package allocator

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"agora/resources"
)

// The benchmarks reproduce Apache Mesos's allocator benchmark setup
// (src/tests/hierarchical_allocator_tests.cpp, DeclineOffers): agents with
// cpus:2;mem:1024;disk:4096;ports:[31000-32000], frameworks that each want
// tasks of <1 cpu, 512 mem> and decline what they cannot use. A decline is
// what the master does with it: the unused part goes back to the allocator
// with the call's refuse filter (Filters.refuse_seconds default, 5 s).
// Frameworks are spread over roles, ten frameworks to a role.

var benchSizes = []struct{ agents, frameworks int }{
	{1000, 100},
	{5000, 500},
	{10000, 1000},
	{20000, 2000},
	{50000, 1000},
}

type benchSim struct {
	b     testing.TB
	a     *Allocator
	now   time.Time
	task  resources.Resources
	tasks map[string][]benchTask // by agent
}

type benchTask struct {
	fw string
	rs resources.Resources
}

func newBenchSim(b testing.TB, agents, frameworks int) *benchSim {
	b.Helper()
	a, err := New(Options{Rand: rand.New(rand.NewPCG(1, 2))})
	if err != nil {
		b.Fatal(err)
	}
	total := res(b, "cpus:2;mem:1024;disk:4096;ports:[31000-32000]")
	for i := range agents {
		if err := a.AddAgent(fmt.Sprintf("agent-%05d", i), total, nil); err != nil {
			b.Fatal(err)
		}
	}
	roles := max(1, frameworks/10)
	for i := range frameworks {
		role := fmt.Sprintf("role-%03d", i%roles)
		if err := a.AddFramework(fmt.Sprintf("fw-%04d", i), []string{role}, nil, nil, true); err != nil {
			b.Fatal(err)
		}
	}
	return &benchSim{b: b, a: a, now: t0, task: res(b, "cpus:1;mem:512"), tasks: map[string][]benchTask{}}
}

// respond is the frameworks' answer to offers: launch as many tasks of
// <1 cpu, 512 mem> as fit, decline the rest with the default filter.
func (s *benchSim) respond(offers []Offer) {
	for _, o := range offers {
		for role, rs := range o.Resources {
			want := s.task.AllocateTo(role)
			for rs.Contains(want) {
				rs = rs.Subtract(want)
				s.tasks[o.AgentID] = append(s.tasks[o.AgentID], benchTask{o.FrameworkID, want})
			}
			if !rs.IsEmpty() {
				if err := s.a.Recover(o.FrameworkID, o.AgentID, rs, DefaultRefuse, s.now); err != nil {
					s.b.Fatal(err)
				}
			}
		}
	}
}

// finish ends every task on an agent, as status updates would.
func (s *benchSim) finish(agentID string) {
	for _, t := range s.tasks[agentID] {
		if err := s.a.Recover(t.fw, agentID, t.rs, 0, s.now); err != nil {
			s.b.Fatal(err)
		}
	}
	delete(s.tasks, agentID)
}

func (s *benchSim) finishAll() {
	for agentID := range s.tasks {
		s.finish(agentID)
	}
}

// BenchmarkAllocationCycle measures one full allocation cycle: every agent
// is free and is offered (one offer per agent). Between cycles, not timed,
// frameworks launch their tasks, decline the rest, and then every task ends.
// allocations/s counts (framework, agent) grants per second of cycle time.
//
// The steady sub-benchmark is the cycle after that when nothing changed:
// every agent runs two tasks and the disk and ports left over were declined
// (Mesos's "all filtered" case). It costs next to nothing because cycles
// only revisit agents that changed.
func BenchmarkAllocationCycle(b *testing.B) {
	for _, sz := range benchSizes {
		name := fmt.Sprintf("agents=%d/frameworks=%d", sz.agents, sz.frameworks)
		b.Run(name, func(b *testing.B) {
			s := newBenchSim(b, sz.agents, sz.frameworks)
			offers := 0
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				got := s.a.Allocate(s.now)
				b.StopTimer()
				if len(got) != sz.agents {
					b.Fatalf("%d offers, want %d", len(got), sz.agents)
				}
				offers += len(got)
				s.respond(got)
				s.finishAll()
				s.now = s.now.Add(time.Second)
				b.StartTimer()
			}
			b.ReportMetric(float64(offers)/b.Elapsed().Seconds(), "allocations/s")
		})
		b.Run(name+"/steady", func(b *testing.B) {
			s := newBenchSim(b, sz.agents, sz.frameworks)
			s.respond(s.a.Allocate(s.now))
			// The cycle after the declines looks at every agent once.
			if got := s.a.Allocate(s.now); len(got) != 0 {
				b.Fatalf("%d offers after the declines", len(got))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if got := s.a.Allocate(s.now); len(got) != 0 {
					b.Fatalf("%d offers in a steady cluster", len(got))
				}
			}
		})
	}
}

// BenchmarkIncrementalCycle measures a cycle after the tasks on changed
// agents ended: only those agents are looked at, and each is offered to the
// framework with the lowest share. ns/agent is the cost per changed agent.
func BenchmarkIncrementalCycle(b *testing.B) {
	for _, sz := range benchSizes {
		for _, changed := range []int{1, 100} {
			name := fmt.Sprintf("agents=%d/frameworks=%d/changed=%d", sz.agents, sz.frameworks, changed)
			b.Run(name, func(b *testing.B) {
				s := newBenchSim(b, sz.agents, sz.frameworks)
				s.respond(s.a.Allocate(s.now))
				s.a.Allocate(s.now) // the declines' cycle: every agent once
				rng := rand.New(rand.NewPCG(3, 4))
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					b.StopTimer()
					s.now = s.now.Add(time.Second)
					for range changed {
						s.finish(fmt.Sprintf("agent-%05d", rng.IntN(sz.agents)))
					}
					b.StartTimer()
					got := s.a.Allocate(s.now)
					b.StopTimer()
					if len(got) == 0 || len(got) > changed {
						b.Fatalf("%d offers for %d changed agents", len(got), changed)
					}
					s.respond(got)
					b.StartTimer()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*changed), "ns/agent")
			})
		}
	}
}

// BenchmarkFullVisitAllDeclined is the worst case incremental cycles avoid:
// every framework has declined every agent for an hour and the cycle looks
// at every agent anyway (as one does after a framework is added), checking
// every framework's filter on every agent.
func BenchmarkFullVisitAllDeclined(b *testing.B) {
	for _, sz := range benchSizes[:1] {
		b.Run(fmt.Sprintf("agents=%d/frameworks=%d", sz.agents, sz.frameworks), func(b *testing.B) {
			s := newBenchSim(b, sz.agents, sz.frameworks)
			for {
				offers := s.a.Allocate(t0)
				if len(offers) == 0 {
					break
				}
				for _, o := range offers {
					for _, rs := range o.Resources {
						if err := s.a.Recover(o.FrameworkID, o.AgentID, rs, time.Hour, t0); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				s.a.allDirty = true
				if offers := s.a.Allocate(t0.Add(time.Second)); len(offers) != 0 {
					b.Fatalf("%d offers despite filters", len(offers))
				}
			}
		})
	}
}

// BenchmarkFrameworkJoins measures the cycle after a framework subscribes
// to a busy cluster (every agent runs tasks and its leftovers were
// declined): only the newcomer's view of each agent is checked.
func BenchmarkFrameworkJoins(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(fmt.Sprintf("agents=%d/frameworks=%d", sz.agents, sz.frameworks), func(b *testing.B) {
			s := newBenchSim(b, sz.agents, sz.frameworks)
			s.respond(s.a.Allocate(s.now))
			s.a.Allocate(s.now)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				id := fmt.Sprintf("new-%d", i)
				if err := s.a.AddFramework(id, []string{"role-000"}, nil, nil, true); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if got := s.a.Allocate(s.now); len(got) != 0 {
					b.Fatalf("%d offers in a busy cluster", len(got))
				}
				b.StopTimer()
				if err := s.a.RemoveFramework(id); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
