package placement_test

import (
	"fmt"
	"testing"

	mesospb "agora/api/mesos/v1"
	"agora/constraints"
	"agora/services/placement"
)

// benchOffers is 100 offers of 100 agents on 10 racks, each big enough for
// 20 instances of 0.1 cpus and 32 MB with one dynamic port.
func benchOffers(b *testing.B) []*mesospb.Offer {
	offers := make([]*mesospb.Offer, 100)
	for i := range offers {
		offers[i] = mesosOffer(b, fmt.Sprint("o", i), fmt.Sprint("h", i), "cpus:2;mem:1024;disk:1024;ports:[31000-32000]",
			fmt.Sprintf("rack:r%d;zone:z%d", i%10, i%3), plain, "")
	}
	return offers
}

// BenchmarkRound is one offer round of 100 offers asked for 1,000 instances
// of one app: with hostname:UNIQUE (100 placed, the rest explained), with no
// constraint (1,000 placed, 10 per offer) and with rack:GROUP_BY.
func BenchmarkRound(b *testing.B) {
	offers := benchOffers(b)
	for _, bc := range []struct {
		name string
		cs   [][]string
		want int
	}{
		{"unique-hostname", [][]string{{"hostname", "UNIQUE"}}, 100},
		{"no-constraints", nil, 1000},
		{"group-by-rack", [][]string{{"rack", "GROUP_BY"}}, 1000},
	} {
		cs := mustConstraints(b, bc.cs...)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				round := placement.NewRound(offers, "web")
				req := &placement.Request{CPUs: 0.1, Mem: 32, Ports: []int{0}, Constraints: cs, Placed: constraints.NewIndex()}
				launches, _ := round.Place(req, 1000)
				if len(launches) != bc.want {
					b.Fatalf("placed %d, want %d", len(launches), bc.want)
				}
			}
		})
	}
}
