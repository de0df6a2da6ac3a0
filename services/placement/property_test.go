package placement_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	mesospb "agora/api/mesos/v1"
	"agora/constraints"
	"agora/resources"
	"agora/services/placement"
)

// randomOffers makes n offers on hosts h0..h(hosts-1) (an agent may have
// several offers) spread over racks r0..r(racks-1), with random resources.
func randomOffers(t testing.TB, rng *rand.Rand, n, hosts, racks int) []*mesospb.Offer {
	offers := make([]*mesospb.Offer, n)
	for i := range offers {
		h := rng.IntN(hosts)
		res := fmt.Sprintf("cpus:%d;mem:%d;ports:[%d-%d]", 1+rng.IntN(8), 256*(1+rng.IntN(8)), 31000, 31000+rng.IntN(6))
		if rng.IntN(4) == 0 {
			res += fmt.Sprintf(";cpus(web):%d", 1+rng.IntN(2))
		}
		offers[i] = mesosOffer(t, fmt.Sprint("o", i), fmt.Sprint("h", h), res, fmt.Sprintf("rack:r%d", h%racks), plain, "")
	}
	return offers
}

// TestRandomRoundsNeverOvercommitOrViolate places random apps with random
// constraints on random offers and checks every promise of a round: no offer
// gives more than it holds, every match is part of its offer, UNIQUE,
// MAX_PER and CLUSTER hold over everything placed, Placed counts every
// match, and an app that placed fewer than it asked has a reason for every
// offer.
func TestRandomRoundsNeverOvercommitOrViolate(t *testing.T) {
	kinds := [][][]string{
		nil,
		{{"hostname", "UNIQUE"}},
		{{"rack", "UNIQUE"}},
		{{"rack", "MAX_PER", "2"}},
		{{"rack", "CLUSTER", "r1"}},
		{{"rack", "CLUSTER"}},
		{{"rack", "GROUP_BY"}},
		{{"rack", "GROUP_BY", "3"}, {"hostname", "MAX_PER", "2"}},
	}
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 7))
		offers := randomOffers(t, rng, 1+rng.IntN(20), 1+rng.IntN(8), 1+rng.IntN(4))
		round := placement.NewRound(offers, "web")
		type app struct {
			req     *placement.Request
			matches []placement.Match
		}
		var apps []app
		for range 1 + rng.IntN(4) {
			req := &placement.Request{
				CPUs:        float64(1+rng.IntN(4)) / 2,
				Mem:         float64(64 * (1 + rng.IntN(8))),
				Constraints: mustConstraints(t, kinds[rng.IntN(len(kinds))]...),
			}
			for range rng.IntN(3) {
				req.Ports = append(req.Ports, []int{0, 0, 31002}[rng.IntN(3)])
			}
			if rng.IntN(3) == 0 {
				req.Roles = []string{"*"}
			}
			want := rng.IntN(30)
			launches, rej := round.Place(req, want)
			apps = append(apps, app{req, launches})
			if len(launches) > want {
				t.Fatalf("seed %d: placed %d of %d", seed, len(launches), want)
			}
			if req.Placed.Len() != len(launches) {
				t.Fatalf("seed %d: Placed holds %d, placed %d", seed, req.Placed.Len(), len(launches))
			}
			if want > 0 && len(launches) < want && rej.Declined() != len(offers) {
				t.Fatalf("seed %d: placed %d of %d but only %d of %d offers have a reason: %+v",
					seed, len(launches), want, rej.Declined(), len(offers), rej)
			}
		}
		// Every offer covers what it gave out.
		for _, u := range round.Used() {
			total := resources.Resources{}
			for _, m := range u.Matches {
				rs := parsed(t, m.Resources)
				total = total.Add(rs)
				if m.Request.Roles != nil && !rs.Reserved().IsEmpty() {
					t.Fatalf("seed %d: app accepting only * took %s", seed, rs)
				}
			}
			if !parsed(t, u.Offer.Resources).Contains(total) {
				t.Fatalf("seed %d: offer %s over-committed: gave %s of %s", seed, u.Offer.GetId().GetValue(),
					total, parsed(t, u.Offer.Resources))
			}
		}
		// Constraints hold over each app's instances.
		for _, a := range apps {
			checkConstraints(t, seed, a.req.Constraints, a.matches)
		}
	}
}

func checkConstraints(t *testing.T, seed uint64, cs []constraints.Constraint, matches []placement.Match) {
	t.Helper()
	for _, c := range cs {
		counts := map[string]int{}
		for _, m := range matches {
			v := m.Hostname
			if c.Field == "rack" {
				v = m.Agent.Attributes["rack"]
			}
			counts[v]++
		}
		switch c.Operator {
		case constraints.Unique:
			for v, n := range counts {
				if n > 1 {
					t.Fatalf("seed %d: %s: %d instances on %s", seed, placement.ConstraintKey(c), n, v)
				}
			}
		case constraints.MaxPer:
			for v, n := range counts {
				if n > 2 {
					t.Fatalf("seed %d: %s: %d instances on %s", seed, placement.ConstraintKey(c), n, v)
				}
			}
		case constraints.Cluster:
			if len(counts) > 1 || (c.HasValue && len(counts) == 1 && counts[c.Value] == 0) {
				t.Fatalf("seed %d: %s: instances on %v", seed, placement.ConstraintKey(c), counts)
			}
		}
	}
}

// TestGroupBySpreadsEvenlyWhateverTheOfferOrder shuffles the same offers
// many times: each time the instances must spread over the racks as evenly
// as possible.
func TestGroupBySpreadsEvenlyWhateverTheOfferOrder(t *testing.T) {
	var offers []*mesospb.Offer
	// Rack r0 has many large offers, r1 a few, r2 one: a first-fit placer
	// would crowd r0.
	for i := range 12 {
		rack := []int{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2}[i]
		offers = append(offers, mesosOffer(t, fmt.Sprint("o", i), fmt.Sprint("h", i), "cpus:32;mem:32768", fmt.Sprintf("rack:r%d", rack), plain, ""))
	}
	for seed := range uint64(200) {
		// GROUP_BY without a minimum leaves the spreading to placement
		// alone: its check accepts any value while only one is in use.
		cs := mustConstraints(t, []string{"rack", "GROUP_BY"})
		if seed%2 == 1 {
			cs = mustConstraints(t, []string{"rack", "GROUP_BY", "3"})
		}
		rng := rand.New(rand.NewPCG(seed, 1))
		rng.Shuffle(len(offers), func(i, j int) { offers[i], offers[j] = offers[j], offers[i] })
		round := placement.NewRound(offers, "")
		req := &placement.Request{CPUs: 0.5, Mem: 64, Constraints: cs}
		want := 3 + rng.IntN(40)
		launches, _ := round.Place(req, want)
		if len(launches) != want {
			t.Fatalf("seed %d: placed %d of %d", seed, len(launches), want)
		}
		per := map[string]int{}
		for _, m := range launches {
			per[m.Agent.Attributes["rack"]]++
		}
		lo, hi := want, 0
		for _, r := range []string{"r0", "r1", "r2"} {
			lo, hi = min(lo, per[r]), max(hi, per[r])
		}
		if hi-lo > 1 {
			t.Fatalf("seed %d: %d instances spread %v, want within one of each other", seed, want, per)
		}
	}
}

// TestGroupByWaitsForEnoughGroups: GROUP_BY 3 with two racks offered places
// one instance per rack and waits for a third.
func TestGroupByWaitsForEnoughGroups(t *testing.T) {
	offers := []*mesospb.Offer{
		mesosOffer(t, "o1", "h1", "cpus:8;mem:8192", "rack:r1", plain, ""),
		mesosOffer(t, "o2", "h2", "cpus:8;mem:8192", "rack:r2", plain, ""),
	}
	round := placement.NewRound(offers, "")
	req := &placement.Request{CPUs: 1, Mem: 1, Constraints: mustConstraints(t, []string{"rack", "GROUP_BY", "3"})}
	launches, rej := round.Place(req, 5)
	if len(launches) != 2 || rej.Count("rack:GROUP_BY:3") != 2 {
		t.Fatalf("placed %d with %+v, want 2 and both offers refused by GROUP_BY", len(launches), rej)
	}
}

func TestMaxPerSpreads(t *testing.T) {
	var offers []*mesospb.Offer
	for i := range 6 {
		offers = append(offers, mesosOffer(t, fmt.Sprint("o", i), fmt.Sprint("h", i), "cpus:32;mem:32768", fmt.Sprintf("rack:r%d", i%3), plain, ""))
	}
	round := placement.NewRound(offers, "")
	req := &placement.Request{CPUs: 1, Mem: 1, Constraints: mustConstraints(t, []string{"rack", "MAX_PER", "2"})}
	launches, _ := round.Place(req, 4)
	per := map[string]int{}
	for _, m := range launches {
		per[m.Agent.Attributes["rack"]]++
	}
	if len(launches) != 4 || len(per) != 3 {
		t.Fatalf("placed %v, want 4 over all 3 racks", per)
	}
	launches, rej := round.Place(req, 10)
	if len(launches) != 2 || rej.Count("rack:MAX_PER:2") != 6 {
		t.Fatalf("placed %d more with %+v, want 2 and every offer refused by MAX_PER", len(launches), rej)
	}
}
