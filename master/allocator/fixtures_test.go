package allocator

import (
	"math/rand/v2"
	"testing"
	"time"

	"agora/resources"
)

// t0 is the fake "now" tests start from.
var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// res parses resources in the --resources form: "cpus:2;mem:1024",
// "cpus(web):1" for a static reservation.
func res(t testing.TB, text string) resources.Resources {
	t.Helper()
	rs, err := resources.Parse(text, "")
	if err != nil {
		t.Fatalf("resources %q: %v", text, err)
	}
	return rs
}

// testCluster builds an allocator step by step in tests.
type testCluster struct {
	t testing.TB
	*Allocator
}

func newCluster(t testing.TB, opts Options) *testCluster {
	t.Helper()
	if opts.Rand == nil {
		opts.Rand = rand.New(rand.NewPCG(1, 2))
	}
	a, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &testCluster{t: t, Allocator: a}
}

// agent adds an activated agent with nothing held.
func (c *testCluster) agent(id, total string) *testCluster {
	c.t.Helper()
	c.ok(c.AddAgent(id, res(c.t, total), nil))
	return c
}

// framework adds an active framework subscribed to roles, holding nothing.
func (c *testCluster) framework(id string, roles ...string) *testCluster {
	c.t.Helper()
	c.ok(c.AddFramework(id, roles, nil, nil, true))
	return c
}

func (c *testCluster) ok(err error) {
	c.t.Helper()
	if err != nil {
		c.t.Fatal(err)
	}
}

// decline recovers a whole offer with a refuse filter, as the master does
// on DECLINE.
func (c *testCluster) decline(o Offer, refuse time.Duration, now time.Time) {
	c.t.Helper()
	for _, rs := range o.Resources {
		c.ok(c.Recover(o.FrameworkID, o.AgentID, rs, refuse, now))
	}
}

// offerFor returns the offer to a framework, if any.
func offerFor(offers []Offer, frameworkID string) (Offer, bool) {
	for _, o := range offers {
		if o.FrameworkID == frameworkID {
			return o, true
		}
	}
	return Offer{}, false
}

// offerCounts counts offers by framework.
func offerCounts(offers []Offer) map[string]int {
	n := map[string]int{}
	for _, o := range offers {
		n[o.FrameworkID]++
	}
	return n
}

// offered sums an offer's resources with the allocation roles cleared.
func offered(o Offer) resources.Resources {
	var sum resources.Resources
	for _, rs := range o.Resources {
		sum = sum.Add(rs.Unallocate())
	}
	return sum
}
