package allocator

import (
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"agora/resources"
)

// agents adds n agents of one shape named a1..an.
func (c *testCluster) agents(n int, total string) *testCluster {
	c.t.Helper()
	for i := 1; i <= n; i++ {
		c.agent(fmt.Sprintf("a%d", i), total)
	}
	return c
}

// cpusHeld sums the cpus each framework holds.
func (c *testCluster) cpusHeld(frameworks ...string) map[string]float64 {
	out := map[string]float64{}
	for _, fw := range frameworks {
		for _, rs := range c.Allocation(fw) {
			out[fw] += rs.Cpus().Float64()
		}
	}
	return out
}

func TestHierarchicalDRFSharesAtEachLevel(t *testing.T) {
	tests := []struct {
		name    string
		weights map[string]float64
		fws     map[string]string // framework → role
		want    map[string]float64
	}{
		{
			name: "siblings split their parent's share",
			fws:  map[string]string{"web": "eng/web", "db": "eng/db", "ops": "ops"},
			want: map[string]float64{"web": 2, "db": 2, "ops": 4},
		},
		{
			name:    "weights apply among siblings",
			weights: map[string]float64{"eng": 3},
			fws:     map[string]string{"web": "eng/web", "db": "eng/db", "ops": "ops"},
			want:    map[string]float64{"web": 3, "db": 3, "ops": 2},
		},
		{
			name: "a role's own frameworks compete with its children",
			fws:  map[string]string{"eng": "eng", "web": "eng/web", "ops": "ops"},
			want: map[string]float64{"eng": 2, "web": 2, "ops": 4},
		},
		{
			name: "deep trees",
			fws:  map[string]string{"x": "a/b/c", "y": "a/b/d", "z": "a/e", "w": "f"},
			want: map[string]float64{"x": 1, "y": 1, "z": 2, "w": 4},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, Options{Weights: tt.weights})
			c.agents(8, "cpus:1;mem:1024")
			var ids []string
			for _, fw := range sortedKeys(tt.fws) {
				c.framework(fw, tt.fws[fw])
				ids = append(ids, fw)
			}

			if offers := c.Allocate(t0); len(offers) != 8 {
				t.Fatalf("%d offers, want one per agent", len(offers))
			}

			if got := c.cpusHeld(ids...); !maps.Equal(got, tt.want) {
				t.Errorf("cpus held = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestQuotaGuaranteeIsOfferedFirst(t *testing.T) {
	c := newCluster(t, Options{})
	c.agents(4, "cpus:1;mem:1024")
	c.ok(c.SetQuota("q", Quota{Guarantees: Quantities{"cpus": 3000}}))
	// a and b come first in DRF order (fewer allocations, names); the
	// guarantee still wins.
	c.framework("fa", "a").framework("fb", "b").framework("fq", "q")

	c.Allocate(t0)

	got := c.cpusHeld("fa", "fb", "fq")
	if got["fq"] != 3 || got["fa"]+got["fb"] != 1 {
		t.Errorf("cpus held = %v, want q's guarantee of 3 and 1 for the rest", got)
	}
	if cons := c.Consumed("q"); cons["cpus"] != 3000 {
		t.Errorf("q consumes %v", cons)
	}
}

func TestQuotaHeadroomIsKeptForAnUnmetGuarantee(t *testing.T) {
	c := newCluster(t, Options{})
	c.agents(4, "cpus:1;mem:1024")
	c.ok(c.SetQuota("q", Quota{Guarantees: Quantities{"cpus": 3000}}))
	c.framework("fa", "a").framework("fq", "q")
	c.ok(c.Suppress("fq", nil)) // q wants nothing yet

	c.Allocate(t0)

	// Three cpus stay free for q; a gets one and, from the other agents,
	// what the guarantee does not need (memory).
	if got := c.cpusHeld("fa"); got["fa"] != 1 {
		t.Errorf("a holds %v cpus, want 1: headroom for q's guarantee", got["fa"])
	}
	if got := c.LastCycle(); got.HeldBack == 0 {
		t.Errorf("cycle stats %+v: nothing held back", got)
	}

	// When q revives it gets its guarantee from what was held back.
	c.ok(c.Revive("fq", nil))
	c.Allocate(t0.Add(time.Second))
	if got := c.cpusHeld("fq"); got["fq"] != 3 {
		t.Errorf("q holds %v cpus after reviving, want 3", got["fq"])
	}
}

func TestQuotaLimitIsNeverExceeded(t *testing.T) {
	c := newCluster(t, Options{})
	c.agents(4, "cpus:1;mem:1024")
	c.ok(c.SetQuota("lim", Quota{Limits: Quantities{"cpus": 2500}}))
	c.framework("f", "lim")

	for i := range 3 {
		c.Allocate(t0.Add(time.Duration(i) * time.Second))
	}

	if got := c.Consumed("lim")["cpus"]; got != 2500 {
		t.Errorf("lim consumes %v cpus, want its limit 2.5", got)
	}
	out, _ := c.Explain("f", t0.Add(3*time.Second))
	if out.Reasons[ReasonAvailable] != 0 {
		t.Errorf("explain = %v: nothing should be available past the limit", out)
	}

	// Raising the limit offers the rest.
	c.ok(c.SetQuota("lim", Quota{Limits: Quantities{"cpus": 10000}}))
	c.Allocate(t0.Add(4 * time.Second))
	if got := c.Consumed("lim")["cpus"]; got != 4000 {
		t.Errorf("after raising the limit lim consumes %v, want 4", got)
	}
}

func TestAParentLimitBoundsItsSubroles(t *testing.T) {
	c := newCluster(t, Options{})
	c.agents(4, "cpus:1;mem:1024")
	c.ok(c.SetQuota("eng", Quota{Limits: Quantities{"cpus": 2000}}))
	c.framework("web", "eng/web").framework("db", "eng/db")

	c.Allocate(t0)

	got := c.cpusHeld("web", "db")
	if got["web"]+got["db"] != 2 {
		t.Errorf("cpus held = %v, want 2 in all under eng's limit", got)
	}
}

func TestReservationsFollowTheRoleTree(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("agent", "cpus(eng):2;mem(eng):1024;cpus(eng/web):1;mem(eng/web):512")
	c.framework("ops", "ops").framework("eng", "eng").framework("web", "eng/web")

	offers := c.Allocate(t0)

	// eng/web may use eng's reservation and its own; eng only its own;
	// ops nothing.
	byFw := map[string]resources.Resources{}
	for _, o := range offers {
		byFw[o.FrameworkID] = offered(o)
	}
	if !byFw["ops"].IsEmpty() {
		t.Errorf("ops offered %v", byFw["ops"])
	}
	for fw, rs := range byFw {
		for r := range rs.All() {
			if !r.IsAllocatableTo(map[string]string{"eng": "eng", "web": "eng/web"}[fw]) {
				t.Errorf("%s offered %v", fw, r)
			}
		}
	}
	all := byFw["eng"].Add(byFw["web"])
	if !all.Equal(res(t, "cpus(eng):2;mem(eng):1024;cpus(eng/web):1;mem(eng/web):512")) {
		t.Errorf("offered in all %v, want the whole agent", all)
	}
	if !byFw["web"].Contains(res(t, "cpus(eng/web):1;mem(eng/web):512")) {
		t.Errorf("web offered %v, want its own reservation at least", byFw["web"])
	}
}

func TestASuppressedFrameworkStarvesNobody(t *testing.T) {
	c := newCluster(t, Options{})
	c.agents(3, "cpus:1;mem:1024")
	// Same role: the suppressed framework has the lowest share (nothing).
	c.framework("quiet", "r").framework("busy", "r")
	c.ok(c.Suppress("quiet", nil))

	offers := c.Allocate(t0)

	if n := offerCounts(offers); n["busy"] != 3 || n["quiet"] != 0 {
		t.Errorf("offers = %v, want all three to busy", n)
	}
	// busy declines one; it stays with busy's filter, not with quiet.
	c.decline(offers[0], time.Hour, t0)
	if again := c.Allocate(t0.Add(time.Second)); len(again) != 0 {
		t.Errorf("offers = %v", again)
	}
	c.ok(c.Revive("quiet", nil))
	if again := c.Allocate(t0.Add(2 * time.Second)); len(again) != 1 || again[0].FrameworkID != "quiet" {
		t.Errorf("after revive offers = %v, want the declined agent to quiet", again)
	}
}

func TestANewFrameworkIsOfferedWhatEveryoneDeclined(t *testing.T) {
	c := newCluster(t, Options{})
	c.agents(5, "cpus:1;mem:1024").framework("f1", "r").framework("f2", "s")
	for {
		offers := c.Allocate(t0)
		if len(offers) == 0 {
			break
		}
		for _, o := range offers {
			c.decline(o, time.Hour, t0)
		}
	}

	c.framework("f3", "s")
	offers := c.Allocate(t0)

	if n := offerCounts(offers); n["f3"] != 5 || len(n) != 1 {
		t.Errorf("offers = %v, want all five agents to the newcomer", n)
	}
}

func TestAnExpiredFilterWakesAnUnchangedAgent(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("agent", "cpus:1;mem:1024").framework("f", "r")
	c.decline(c.Allocate(t0)[0], 10*time.Second, t0)
	for i := 1; i < 10; i++ {
		if offers := c.Allocate(t0.Add(time.Duration(i) * time.Second)); len(offers) != 0 {
			t.Fatalf("offered at +%ds despite the filter: %v", i, offers)
		}
	}
	if offers := c.Allocate(t0.Add(10 * time.Second)); len(offers) != 1 {
		t.Errorf("not offered when the filter lapsed: %v", offers)
	}
}

func TestQuotaValidation(t *testing.T) {
	c := newCluster(t, Options{})
	for _, q := range []Quota{
		{Guarantees: Quantities{"cpus": 2000}, Limits: Quantities{"cpus": 1000}},
		{Limits: Quantities{"cpus": -1}},
	} {
		if err := c.SetQuota("r", q); err == nil {
			t.Errorf("SetQuota(%+v) accepted", q)
		}
	}
	if err := c.SetQuota("a//b", Quota{}); err == nil {
		t.Errorf("invalid role accepted")
	}
	c.ok(c.SetQuota("r", Quota{Guarantees: Quantities{"cpus": 1000}}))
	if q, ok := c.Quota("r"); !ok || q.Guarantees["cpus"] != 1000 {
		t.Errorf("Quota = %+v, %v", q, ok)
	}
	c.ok(c.SetQuota("r", Quota{}))
	if _, ok := c.Quota("r"); ok || len(c.Roles()) != 0 {
		t.Errorf("default quota kept the role: %+v", c.Roles())
	}
}

func TestDynamicReservationsChangeWhoIsOffered(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("agent", "cpus:4;mem:1024").framework("f", "r")
	offers := c.Allocate(t0)
	if len(offers) != 1 {
		t.Fatalf("offers = %v", offers)
	}
	// f RESERVEs one cpu for r in its offer.
	plain := res(t, "cpus:1")
	reserved, err := plain.PushReservation(resources.DynamicReservation("r", "ops"))
	c.ok(err)
	c.ok(c.UpdateAllocation("f", "agent", plain.AllocateTo("r"), reserved.AllocateTo("r")))
	if total, _ := c.Total("agent"); !total.Equal(res(t, "cpus:3;mem:1024").Add(reserved)) {
		t.Errorf("total after RESERVE = %v", total)
	}
	if got := c.Consumed("r")["cpus"]; got != 4000 {
		t.Errorf("r consumes %v cpus, want 4 (3 offered + 1 reserved)", got)
	}
	// f declines everything; g in another role gets only unreserved.
	c.decline(Offer{FrameworkID: "f", AgentID: "agent", Resources: c.Allocation("f")["agent"].Allocations()}, time.Hour, t0)
	c.framework("g", "s")
	offers = c.Allocate(t0.Add(time.Second))
	if len(offers) != 1 || offers[0].FrameworkID != "g" || !offered(offers[0]).Equal(res(t, "cpus:3;mem:1024")) {
		t.Errorf("offers after RESERVE = %v, want the unreserved part to g", offers)
	}

	// UNRESERVE of free resources (the operator's call) makes it everyone's.
	c.ok(c.UpdateAvailable("agent", reserved, plain))
	if err := c.UpdateAvailable("agent", reserved, plain); !errors.Is(err, ErrNotAvailable) {
		t.Errorf("unreserving twice: %v", err)
	}
	if err := c.UpdateAllocation("f", "agent", reserved.AllocateTo("r"), plain.AllocateTo("r")); !errors.Is(err, ErrNotAllocated) {
		t.Errorf("converting what f does not hold: %v", err)
	}
	offers = c.Allocate(t0.Add(2 * time.Second))
	if len(offers) != 1 || !offered(offers[0]).Equal(plain) {
		t.Errorf("offers after UNRESERVE = %v, want the freed cpu", offers)
	}
}
