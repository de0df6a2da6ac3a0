package constraints

import (
	"fmt"
	"testing"
)

// benchCluster is 10,000 agents on racks r0..r99 and zones z0..z9, with
// `placed` instances spread over them round robin, so every rack holds the
// same number and GROUP_BY accepts any rack.
func benchCluster(placed int) (agents []Agent, x *Index, list []Agent) {
	const nAgents = 10_000
	agents = make([]Agent, nAgents)
	for i := range agents {
		agents[i] = Agent{
			ID:         fmt.Sprintf("agent-%05d", i),
			Hostname:   fmt.Sprintf("host-%05d", i),
			Zone:       fmt.Sprintf("z%d", i%10),
			Attributes: map[string]string{"rack": fmt.Sprintf("r%d", i%100), "zone": fmt.Sprintf("z%d", i%10)},
		}
	}
	x = NewIndex()
	list = make([]Agent, placed)
	for j := range placed {
		list[j] = agents[j%nAgents]
		x.Add(list[j])
	}
	return agents, x, list
}

var benchSizes = []int{1_000, 10_000, 100_000}

func benchConstraints(b *testing.B) []Constraint {
	cs, err := ParseMarathon([]byte(`[["hostname","UNIQUE"],["rack","GROUP_BY"]]`))
	if err != nil {
		b.Fatal(err)
	}
	return cs
}

// BenchmarkCheck checks UNIQUE on hostname and GROUP_BY on rack for one more
// instance, offered agents that run none yet. Its cost must not depend on how
// many instances are placed.
func BenchmarkCheck(b *testing.B) {
	cs := benchConstraints(b)
	for _, placed := range benchSizes {
		b.Run(fmt.Sprintf("placed=%d", placed), func(b *testing.B) {
			agents, x, _ := benchCluster(placed)
			// Fresh hosts on the same racks: what a new offer looks like.
			offers := make([]Agent, len(agents))
			for i, a := range agents {
				a.Hostname = "spare-" + a.Hostname
				offers[i] = a
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if rs := x.Check(cs, offers[i%len(offers)]); rs != nil {
					b.Fatalf("refused: %v", rs)
				}
			}
		})
	}
}

// BenchmarkCheckRejected offers agents that already run an instance, so
// UNIQUE refuses and writes its reason.
func BenchmarkCheckRejected(b *testing.B) {
	cs := benchConstraints(b)
	for _, placed := range benchSizes {
		b.Run(fmt.Sprintf("placed=%d", placed), func(b *testing.B) {
			agents, x, _ := benchCluster(placed)
			used := agents[:min(placed, len(agents))]
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if rs := x.Check(cs, used[i%len(used)]); len(rs) != 1 {
					b.Fatalf("got %v, want one UNIQUE rejection", rs)
				}
			}
		})
	}
}

// BenchmarkScan is the same question answered by scanning the placed
// instances, as Marathon does, for comparison: it grows with their number.
func BenchmarkScan(b *testing.B) {
	for _, placed := range benchSizes {
		b.Run(fmt.Sprintf("placed=%d", placed), func(b *testing.B) {
			agents, _, list := benchCluster(placed)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				a := agents[i%len(agents)]
				a.Hostname = "spare"
				unique := true
				perRack := map[string]int{}
				for _, p := range list {
					if p.Hostname == a.Hostname {
						unique = false
					}
					perRack[p.Attributes["rack"]]++
				}
				least := -1
				for _, n := range perRack {
					if least < 0 || n < least {
						least = n
					}
				}
				if n := perRack[a.Attributes["rack"]]; !unique || (n > 0 && n != least) {
					b.Fatal("refused")
				}
			}
		})
	}
}
