package allocator

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchCluster is Mesos's allocator benchmark setup (hierarchical_tests.cpp):
// agents with cpus:2;mem:1024;disk:4096;ports:[31000-32000], frameworks
// spread evenly over roles.
func benchCluster(b *testing.B, agents, frameworks, roles int) *Allocator {
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
	for i := range frameworks {
		role := fmt.Sprintf("role-%03d", i%roles)
		if err := a.AddFramework(fmt.Sprintf("fw-%04d", i), []string{role}, nil, nil, true); err != nil {
			b.Fatal(err)
		}
	}
	return a
}

func recoverAll(b *testing.B, a *Allocator, offers []Offer, refuse time.Duration, now time.Time) {
	for _, o := range offers {
		for _, rs := range o.Resources {
			if err := a.Recover(o.FrameworkID, o.AgentID, rs, refuse, now); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkAllocate measures one allocation cycle.
//
//   - free: every agent is free and is offered (one offer per agent); the
//     master then recovers everything (not timed).
//   - allDeclined: every framework has declined every agent with a long
//     filter, so each agent walks all frameworks and nobody is offered
//     anything: the worst case for the refuse filter checks.
func BenchmarkAllocate(b *testing.B) {
	sizes := []struct{ agents, frameworks, roles int }{
		{1000, 100, 10},
		{10000, 1000, 100},
	}
	for _, sz := range sizes {
		name := fmt.Sprintf("agents=%d/frameworks=%d/roles=%d", sz.agents, sz.frameworks, sz.roles)
		b.Run(name+"/free", func(b *testing.B) {
			a := benchCluster(b, sz.agents, sz.frameworks, sz.roles)
			now := t0
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				offers := a.Allocate(now)
				b.StopTimer()
				if len(offers) != sz.agents {
					b.Fatalf("%d offers, want %d", len(offers), sz.agents)
				}
				recoverAll(b, a, offers, 0, now)
				now = now.Add(time.Second)
				b.StartTimer()
			}
		})
		if sz.agents*sz.frameworks > 100_000 {
			continue // declining everything takes frameworks × agents filters to set up
		}
		b.Run(name+"/allDeclined", func(b *testing.B) {
			a := benchCluster(b, sz.agents, sz.frameworks, sz.roles)
			for {
				offers := a.Allocate(t0)
				if len(offers) == 0 {
					break
				}
				recoverAll(b, a, offers, time.Hour, t0)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if offers := a.Allocate(t0.Add(time.Second)); len(offers) != 0 {
					b.Fatalf("%d offers despite filters", len(offers))
				}
			}
		})
	}
}
