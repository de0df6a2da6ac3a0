package placement_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	mesospb "agora/api/mesos/v1"
	"agora/constraints"
	"agora/resources"
	"agora/services/placement"
)

func offerIDs(matches []placement.Match) []string {
	var out []string
	for _, m := range matches {
		out = append(out, m.OfferID.GetValue())
	}
	return out
}

// Instances without spreading constraints go to the least loaded fitting
// offer of the round (ties to the earlier one), never beyond an offer's
// resources.
func TestPlaceSpreadsOverOffersWithoutOvercommitting(t *testing.T) {
	offers := []*mesospb.Offer{
		mesosOffer(t, "o1", "h1", "cpus:2;mem:1024", "", plain, ""),
		mesosOffer(t, "o2", "h2", "cpus:1;mem:1024", "", plain, ""),
		mesosOffer(t, "o3", "h3", "cpus:4;mem:256", "", plain, ""),
	}
	round := placement.NewRound(offers, "web")
	req := &placement.Request{CPUs: 1, Mem: 256}
	launches, rej := round.Place(req, 6)
	if got, want := offerIDs(launches), []string{"o1", "o2", "o3", "o1"}; !slices.Equal(got, want) {
		t.Fatalf("placed on %v, want %v", got, want)
	}
	if req.Placed.Len() != 4 {
		t.Errorf("Placed holds %d instances, want 4", req.Placed.Len())
	}
	if rej.Processed != 3 || rej.Count("cpus") != 2 || rej.Count("mem") != 1 || rej.Declined() != 3 {
		t.Errorf("rejections %+v, want 3 processed: 2 for cpus, 1 for mem", rej)
	}
	for _, m := range launches {
		rs := parsed(t, m.Resources)
		if rs.Cpus() != resources.ToMilli(1) || rs.Mem() != resources.ToMilli(256) {
			t.Errorf("match on %s has %s, want cpus:1;mem:256", m.OfferID.GetValue(), rs)
		}
	}
	if unused := round.Unused(); len(unused) != 0 {
		t.Errorf("Unused = %d offers, want none", len(unused))
	}
	used := round.Used()
	if len(used) != 3 || len(used[0].Matches) != 2 || used[0].Offer != offers[0] {
		t.Errorf("Used = %+v, want o1 with 2 matches, o2, o3", used)
	}
}

func TestSeveralAppsShareARound(t *testing.T) {
	offers := []*mesospb.Offer{
		mesosOffer(t, "o1", "h1", "cpus:4;mem:3000", "", plain, ""),
		mesosOffer(t, "o2", "h2", "cpus:4;mem:3000", "", plain, ""),
	}
	round := placement.NewRound(offers, "")
	a := &placement.Request{CPUs: 1, Mem: 100}
	b := &placement.Request{CPUs: 2, Mem: 100}
	la, _ := round.Place(a, 4)
	lb, rej := round.Place(b, 3)
	if got := offerIDs(la); !slices.Equal(got, []string{"o1", "o2", "o1", "o2"}) {
		t.Fatalf("app a placed on %v, want spread over o1 and o2", got)
	}
	// a left 2 cpus on each offer: b fits once on each.
	if got := offerIDs(lb); !slices.Equal(got, []string{"o1", "o2"}) {
		t.Fatalf("app b placed on %v, want [o1 o2]", got)
	}
	if rej.Count("cpus") != 2 {
		t.Errorf("app b rejections %+v, want 2 offers short of cpus", rej)
	}
	if round.Unused() != nil {
		t.Errorf("Unused = %v, want none", round.Unused())
	}
}

func TestUniqueHoldsWithinOneRound(t *testing.T) {
	var offers []*mesospb.Offer
	for i := range 4 {
		offers = append(offers, mesosOffer(t, fmt.Sprint("o", i), fmt.Sprint("h", i), "cpus:16;mem:16384", "", plain, ""))
	}
	// A second offer from agent h0 (another role's allocation, say): UNIQUE
	// must see that h0 already has an instance.
	offers = append(offers, mesosOffer(t, "o0b", "h0", "cpus:16;mem:16384", "", plain, ""))
	round := placement.NewRound(offers, "")
	req := &placement.Request{CPUs: 0.1, Mem: 32, Constraints: mustConstraints(t, []string{"hostname", "UNIQUE"})}
	launches, rej := round.Place(req, 10)
	if len(launches) != 4 {
		t.Fatalf("placed %d instances, want 4 (one per host)", len(launches))
	}
	hosts := map[string]bool{}
	for _, m := range launches {
		if hosts[m.Hostname] {
			t.Fatalf("two instances on %s", m.Hostname)
		}
		hosts[m.Hostname] = true
	}
	if rej.Processed != 5 || rej.Count("hostname:UNIQUE") != 5 {
		t.Errorf("rejections %+v, want 5 processed, all refused by hostname:UNIQUE", rej)
	}
	if got := rej.Counts[0].Example; got == "" {
		t.Error("no example reason")
	}
	// A later round with the same index still refuses the hosts.
	round2 := placement.NewRound(offers[:1], "")
	if l, _ := round2.Place(req, 1); len(l) != 0 {
		t.Errorf("second round placed on %s again", l[0].Hostname)
	}
}

// During a restart of a hostname:UNIQUE app, an offer refused only because
// an old instance (being replaced) runs on its host is told apart from one
// refused for good: by a new instance, or for lack of resources as well.
func TestOffersHeldByInstancesBeingReplaced(t *testing.T) {
	unique := mustConstraints(t, []string{"hostname", "UNIQUE"})
	var offers []*mesospb.Offer
	for i := range 3 {
		offers = append(offers, mesosOffer(t, fmt.Sprint("o", i), fmt.Sprint("h", i), "cpus:4;mem:4096", "", plain, ""))
	}
	// The old instances: one per host.
	old := &placement.Request{CPUs: 1, Mem: 128, Constraints: unique}
	placed, _ := placement.NewRound(offers, "").Place(old, 3)
	if len(placed) != 3 {
		t.Fatalf("placed %d old instances, want 3", len(placed))
	}
	next := []*mesospb.Offer{
		mesosOffer(t, "n0", "h0", "cpus:4;mem:4096", "", plain, ""),
		mesosOffer(t, "n1", "h1", "cpus:4;mem:4096", "", plain, ""),
		mesosOffer(t, "n2", "h2", "cpus:0.5;mem:4096", "", plain, ""), // too small anyway
	}
	cases := []struct {
		name    string
		staying []placement.Match // new instances already placed
		want    int
	}{
		{"every host held by an old instance", nil, 2},
		{"h1 runs a new instance", placed[1:2], 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := &placement.Request{CPUs: 1, Mem: 128, Constraints: unique,
				Placed: constraints.NewIndex(), Staying: constraints.NewIndex()}
			for _, m := range placed {
				req.Placed.Add(m.Agent)
			}
			for _, m := range tc.staying {
				req.Staying.Add(m.Agent)
			}
			launches, rej := placement.NewRound(next, "").Place(req, 3)
			if len(launches) != 0 {
				t.Fatalf("placed on %v, want nothing", offerIDs(launches))
			}
			if rej.Count("hostname:UNIQUE") != 3 || rej.HeldByReplaced != tc.want {
				t.Fatalf("rejections %+v, want 3 refused by hostname:UNIQUE, %d held by replaced instances", rej, tc.want)
			}
		})
	}
	// Without Staying nothing is being replaced.
	req := &placement.Request{CPUs: 1, Mem: 128, Constraints: unique, Placed: constraints.NewIndex()}
	for _, m := range placed {
		req.Placed.Add(m.Agent)
	}
	if _, rej := placement.NewRound(next, "").Place(req, 1); rej.HeldByReplaced != 0 {
		t.Errorf("HeldByReplaced %d without Staying", rej.HeldByReplaced)
	}
	// What a round places stays: it holds its host for good.
	req = &placement.Request{CPUs: 1, Mem: 128, Constraints: unique, Placed: constraints.NewIndex(), Staying: constraints.NewIndex()}
	launches, rej := placement.NewRound(offers[:1], "").Place(req, 2)
	if len(launches) != 1 || rej.HeldByReplaced != 0 {
		t.Errorf("placed %d, HeldByReplaced %d; want 1 placed and the host not counted as held", len(launches), rej.HeldByReplaced)
	}
	var sum placement.Rejections
	sum.Add(placement.Rejections{Processed: 3, HeldByReplaced: 2})
	sum.Add(placement.Rejections{Processed: 3, HeldByReplaced: 1})
	if sum.HeldByReplaced != 3 {
		t.Errorf("merged HeldByReplaced %d, want 3", sum.HeldByReplaced)
	}
}

// A framework with several roles gets offers allocated to each; an app's
// instances go only on offers of its role, use that role's reservations
// first, and an offer of another role is refused as UnfulfilledRole.
func TestInstancesGoOnOffersOfTheirRole(t *testing.T) {
	multi := resources.FormatFor(true, false)
	offers := []*mesospb.Offer{
		mesosOffer(t, "star", "h1", "cpus:8;mem:8192", "", multi, "*"),
		mesosOffer(t, "dev", "h2", "cpus:8;mem:8192;cpus(dev):1;mem(dev):256", "", multi, "dev"),
	}
	round := placement.NewRound(offers, "*")
	dev := &placement.Request{Role: "dev", CPUs: 1, Mem: 256}
	launches, _ := round.Place(dev, 1)
	if got := offerIDs(launches); !slices.Equal(got, []string{"dev"}) {
		t.Fatalf("dev instance on %v, want the dev offer", got)
	}
	// The reservation went first.
	for _, r := range launches[0].Resources {
		if r.GetAllocationInfo().GetRole() != "dev" || len(r.GetReservations()) == 0 && r.GetRole() != "dev" {
			t.Errorf("resource %v: want dev's reservation, allocated to dev", r)
		}
	}
	// An app of the framework's own role takes the "*" offer.
	launches, _ = round.Place(&placement.Request{CPUs: 1, Mem: 256}, 1)
	if got := offerIDs(launches); !slices.Equal(got, []string{"star"}) {
		t.Errorf("default-role instance on %v, want the * offer", got)
	}
	// Only dev's offer can take a dev instance: the * offer is refused for its role.
	round = placement.NewRound(offers[:1], "*")
	launches, rej := round.Place(&placement.Request{Role: "dev", CPUs: 1, Mem: 256}, 1)
	if len(launches) != 0 || rej.Count("role") != 1 || rej.Counts[0].Example != "offer is for role *; the app runs as role dev" {
		t.Errorf("placed %v; rejections %+v", offerIDs(launches), rej)
	}
}

func TestReasonsCountTheFirstInFixedOrder(t *testing.T) {
	offers := []*mesospb.Offer{
		// refused by its role only (reserved to another role)
		mesosOffer(t, "o1", "h1", "cpus(other):8;mem(other):8192", "rack:r1", plain, ""),
		// refused by the constraint before its lack of cpus
		mesosOffer(t, "o2", "h2", "cpus:0.1;mem:8192", "rack:r2", plain, ""),
		// refused by cpus
		mesosOffer(t, "o3", "h3", "cpus:0.1;mem:8192", "rack:r1", plain, ""),
		// refused by mem
		mesosOffer(t, "o4", "h4", "cpus:8;mem:64", "rack:r1", plain, ""),
		// refused by disk
		mesosOffer(t, "o5", "h5", "cpus:8;mem:8192;disk:10", "rack:r1", plain, ""),
		// refused by ports: 31000 is not offered
		mesosOffer(t, "o6", "h6", "cpus:8;mem:8192;disk:100;gpus:1;ports:[32000-32010]", "rack:r1", plain, ""),
		// refused by gpus
		mesosOffer(t, "o7", "h7", "cpus:8;mem:8192;disk:100;ports:[31000-31000]", "rack:r1", plain, ""),
	}
	round := placement.NewRound(offers, "web")
	req := &placement.Request{CPUs: 1, Mem: 128, Disk: 50, GPUs: 1, Ports: []int{31000},
		Constraints: mustConstraints(t, []string{"rack", "LIKE", "r1"})}
	launches, rej := round.Place(req, 1)
	if len(launches) != 0 {
		t.Fatalf("placed on %v, want nothing", offerIDs(launches))
	}
	var got []string
	for _, c := range rej.Counts {
		got = append(got, fmt.Sprintf("%s=%d", c, c.Offers))
	}
	want := []string{"role=1", "rack:LIKE:r1=1", "cpus=1", "mem=1", "disk=1", "gpus=1", "ports=1"}
	if !slices.Equal(got, want) {
		t.Fatalf("reasons %v, want %v", got, want)
	}
	funnel := rej.Funnel()
	if funnel[0] != (placement.FunnelStep{Reason: "UnfulfilledRole", Declined: 1, Processed: 7}) ||
		funnel[1] != (placement.FunnelStep{Reason: "UnfulfilledConstraint", Declined: 1, Processed: 6}) ||
		funnel[4] != (placement.FunnelStep{Reason: "InsufficientCpus", Declined: 1, Processed: 5}) ||
		funnel[8] != (placement.FunnelStep{Reason: "InsufficientPorts", Declined: 1, Processed: 1}) ||
		funnel[9] != (placement.FunnelStep{Reason: "DeclinedScarceResources", Declined: 0, Processed: 0}) {
		t.Errorf("funnel %+v", funnel)
	}
	var sum placement.Rejections
	sum.Add(rej)
	sum.Add(rej)
	if sum.Processed != 14 || sum.Count("ports") != 2 || sum.Count("constraint") != 2 || len(sum.Counts) != 7 {
		t.Errorf("merged rejections %+v", sum)
	}
}

func TestRolesAndReservations(t *testing.T) {
	multiRole := resources.FormatFor(true, true)
	offers := []*mesospb.Offer{
		mesosOffer(t, "o1", "h1", "cpus(web):1;mem(web):256;cpus:1;mem:256", "", multiRole, "web"),
	}
	t.Run("default roles take the framework's reservation first", func(t *testing.T) {
		round := placement.NewRound(offers, "web")
		req := &placement.Request{CPUs: 1.5, Mem: 256}
		launches, _ := round.Place(req, 1)
		if len(launches) != 1 {
			t.Fatal("not placed")
		}
		rs := parsed(t, launches[0].Resources)
		if got := rs.ReservedTo("web").Cpus(); got != resources.ToMilli(1) {
			t.Errorf("took %s cpus reserved to web, want 1 (reserved first): %s", got, rs)
		}
		if got := rs.Unreserved().Cpus(); got != resources.ToMilli(0.5) {
			t.Errorf("took %s unreserved cpus, want 0.5: %s", got, rs)
		}
		for _, r := range launches[0].Resources {
			if r.GetAllocationInfo().GetRole() != "web" {
				t.Errorf("resource %v lost its allocation_info", r)
			}
		}
		if !parsed(t, offers[0].Resources).Contains(rs) {
			t.Errorf("match %s is not part of the offer", rs)
		}
	})
	t.Run("unreserved only", func(t *testing.T) {
		round := placement.NewRound(offers, "web")
		req := &placement.Request{CPUs: 1.5, Mem: 256, Roles: []string{"*"}}
		if launches, rej := round.Place(req, 1); len(launches) != 0 || rej.Count("cpus") != 1 {
			t.Errorf("placed %d with rejections %+v, want none: only 1 unreserved cpu", len(launches), rej)
		}
	})
	t.Run("a role the offer does not hold", func(t *testing.T) {
		round := placement.NewRound(offers, "web")
		req := &placement.Request{CPUs: 0.1, Mem: 16, Roles: []string{"db"}}
		if launches, rej := round.Place(req, 1); len(launches) != 0 || rej.Count("role") != 1 {
			t.Errorf("placed %d with rejections %+v, want a role refusal", len(launches), rej)
		}
	})
}

func TestPorts(t *testing.T) {
	offers := []*mesospb.Offer{mesosOffer(t, "o1", "h1", "cpus:8;mem:8192;ports:[31000-31003,31010-31011]", "", plain, "")}
	round := placement.NewRound(offers, "")
	req := &placement.Request{CPUs: 0.1, Mem: 16, Ports: []int{0, 31001, 0}}
	launches, rej := round.Place(req, 5)
	if len(launches) != 1 {
		t.Fatalf("placed %d, want 1 (31001 is required and offered once)", len(launches))
	}
	if got := launches[0].HostPorts; !slices.Equal(got, []int{31000, 31001, 31002}) {
		t.Errorf("first instance's ports %v, want [31000 31001 31002]", got)
	}
	if rej.Count("ports") != 1 {
		t.Errorf("rejections %+v, want one for ports", rej)
	}
	if got := parsed(t, launches[0].Resources).Ports(); len(got) != 1 || got[0] != (resources.Range{Begin: 31000, End: 31002}) {
		t.Errorf("first instance's port resources %v, want [31000-31002]", got)
	}

	round = placement.NewRound(offers, "")
	dynamic := &placement.Request{CPUs: 0.1, Mem: 16, Ports: []int{0, 0}}
	launches, _ = round.Place(dynamic, 5)
	if len(launches) != 3 {
		t.Fatalf("placed %d with two dynamic ports each, want 3 (6 ports offered)", len(launches))
	}
	seen := map[int]bool{}
	for _, m := range launches {
		for _, p := range m.HostPorts {
			if seen[p] {
				t.Fatalf("port %d given twice", p)
			}
			seen[p] = true
		}
	}
	if !seen[31011] {
		t.Errorf("ports %v: want the second range used too", seen)
	}
}

func TestInvalidOffersAreUnused(t *testing.T) {
	bad := mesosOffer(t, "bad", "h1", "cpus:8;mem:8192", "", plain, "")
	bad.Resources[0].Scalar.Value = proto64(-1)
	good := mesosOffer(t, "good", "h2", "cpus:8;mem:8192", "", plain, "")
	round := placement.NewRound([]*mesospb.Offer{bad, good}, "")
	if errs := round.Errors(); len(errs) != 1 || !errors.Is(errs[0], placement.ErrInvalidOffer) {
		t.Fatalf("Errors() = %v, want one ErrInvalidOffer", errs)
	}
	launches, rej := round.Place(&placement.Request{CPUs: 1, Mem: 1}, 100)
	if len(launches) != 8 || rej.Processed != 1 {
		t.Errorf("placed %d (processed %d), want 8 on the good offer only", len(launches), rej.Processed)
	}
	if u := round.Unused(); len(u) != 1 || u[0] != bad {
		t.Errorf("Unused = %v, want the bad offer", u)
	}
}

func proto64(f float64) *float64 { return &f }

func TestNothingToPlace(t *testing.T) {
	round := placement.NewRound([]*mesospb.Offer{mesosOffer(t, "o1", "h1", "cpus:1;mem:1", "", plain, "")}, "")
	if l, rej := round.Place(&placement.Request{CPUs: 1}, 0); l != nil || rej.Processed != 0 {
		t.Errorf("Place(0) = %v, %+v", l, rej)
	}
	if l, _ := round.Place(nil, 3); l != nil {
		t.Errorf("Place(nil) = %v", l)
	}
	if len(round.Unused()) != 1 || round.Used() != nil {
		t.Error("offer used by nothing")
	}
}

func TestConstraintKey(t *testing.T) {
	cs := mustConstraints(t, []string{"hostname", "unique"}, []string{"rack", "GROUP_BY", "3"}, []string{"@zone", "CLUSTER"})
	var got []string
	for _, c := range cs {
		got = append(got, placement.ConstraintKey(c))
	}
	if want := []string{"hostname:UNIQUE", "rack:GROUP_BY:3", "@zone:CLUSTER"}; !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
}

var _ = constraints.NewIndex
