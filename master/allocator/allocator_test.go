package allocator

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"agora/resources"
)

func TestTwoRolesAreOfferedAgentsAlternatelyByDRF(t *testing.T) {
	c := newCluster(t, Options{})
	for i := range 6 {
		c.agent(fmt.Sprintf("agent-%d", i), "cpus:1;mem:1024")
	}
	c.framework("fa", "a").framework("fb", "b")

	offers := c.Allocate(t0)

	if len(offers) != 6 {
		t.Fatalf("got %d offers, want one per agent (6): %v", len(offers), offers)
	}
	// Each grant makes the receiving role the richer one, so the next
	// agent goes to the other role: a, b, a, b... ("a" first on the name
	// tie-break while both hold nothing).
	for i, o := range offers {
		want := []string{"fa", "fb"}[i%2]
		if o.FrameworkID != want {
			t.Fatalf("offer %d went to %s, want %s (offers alternate): %v", i, o.FrameworkID, want, offers)
		}
	}
	shares := c.Shares()
	if shares.Roles["a"] != 0.5 || shares.Roles["b"] != 0.5 {
		t.Errorf("role shares = %v, want a and b at 0.5", shares.Roles)
	}
}

func TestDRFSplitsTheClusterByWeightedDominantShare(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		roles   []string
		used    map[string]resources.Resources // what fa already holds on agent "gpu"
		want    map[string]int                 // offers per framework over 12 agents
		wantErr error
	}{
		{
			name:  "equal weights split evenly",
			roles: []string{"a", "b"},
			want:  map[string]int{"fa": 6, "fb": 6},
		},
		{
			name:  "weight 2 gets twice as much",
			opts:  Options{Weights: map[string]float64{"a": 2}},
			roles: []string{"a", "b"},
			want:  map[string]int{"fa": 8, "fb": 4},
		},
		{
			name:  "weight 3 gets three times as much",
			opts:  Options{Weights: map[string]float64{"b": 3}},
			roles: []string{"a", "b"},
			want:  map[string]int{"fa": 3, "fb": 9},
		},
		{
			name:  "three roles get a third each",
			roles: []string{"a", "b", "c"},
			want:  map[string]int{"fa": 4, "fb": 4, "fc": 4},
		},
		{
			name:  "holding all gpus makes a role the richest",
			roles: []string{"a", "b"},
			used:  map[string]resources.Resources{"fa": res(t, "gpus:4").AllocateTo("a")},
			want:  map[string]int{"fb": 12},
		},
		{
			name:  "unless gpus are excluded from fair sharing",
			opts:  Options{FairnessExcludeResourceNames: []string{"gpus"}},
			roles: []string{"a", "b"},
			used:  map[string]resources.Resources{"fa": res(t, "gpus:4").AllocateTo("a")},
			want:  map[string]int{"fa": 6, "fb": 6},
		},
		{
			name:    "a weight must be positive",
			opts:    Options{Weights: map[string]float64{"a": 0}},
			wantErr: ErrInvalidWeight,
		},
		{
			name:    "a weight needs a valid role",
			opts:    Options{Weights: map[string]float64{"a//b": 1}},
			wantErr: resources.ErrInvalidRole,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantErr != nil {
				if _, err := New(tt.opts); !errors.Is(err, tt.wantErr) {
					t.Fatalf("New: err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			c := newCluster(t, tt.opts)
			for i := range 12 {
				c.agent(fmt.Sprintf("agent-%02d", i), "cpus:1;mem:1024")
			}
			if tt.used != nil {
				c.ok(c.AddAgent("gpu", res(t, "gpus:4"), tt.used))
			}
			for _, r := range tt.roles {
				c.framework("f"+r, r)
			}

			got := offerCounts(c.Allocate(t0))

			if !maps.Equal(got, tt.want) {
				t.Errorf("offers per framework = %v, want %v", got, tt.want)
			}
		})
	}
}

// The example from the DRF paper (Ghodsi et al., NSDI 2011): on 9 CPUs and
// 18 GB, tasks of <1 CPU, 4 GB> and <3 CPU, 1 GB> end at 3 and 2 tasks, both
// with a dominant share of 2/3. Each framework launches one task per offer
// and returns the rest; a framework that cannot fit a task declines for an
// hour.
func TestDRFProgressiveFillingEqualisesDominantShares(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("agent", "cpus:9;mem:18432").framework("fa", "a").framework("fb", "b")
	task := map[string]resources.Resources{
		"fa": res(t, "cpus:1;mem:4096"),
		"fb": res(t, "cpus:3;mem:1024"),
	}
	tasks := map[string]int{}
	now := t0
	for range 100 {
		offers := c.Allocate(now)
		if len(offers) == 0 {
			break
		}
		for _, o := range offers {
			for role, rs := range o.Resources {
				want := task[o.FrameworkID].AllocateTo(role)
				if !rs.Contains(want) {
					c.ok(c.Recover(o.FrameworkID, o.AgentID, rs, time.Hour, now))
					continue
				}
				tasks[o.FrameworkID]++
				c.ok(c.Recover(o.FrameworkID, o.AgentID, rs.Subtract(want), 0, now))
			}
		}
		now = now.Add(time.Second)
	}
	if want := map[string]int{"fa": 3, "fb": 2}; !maps.Equal(tasks, want) {
		t.Errorf("tasks = %v, want %v", tasks, want)
	}
	shares := c.Shares()
	for _, r := range []string{"a", "b"} {
		if got := shares.Roles[r]; got < 0.666 || got > 0.667 {
			t.Errorf("share of %s = %v, want 2/3", r, got)
		}
	}
}

func TestRefuseFilter(t *testing.T) {
	tests := []struct {
		name   string
		refuse time.Duration
		// freeMore makes more resources free on the agent after the
		// decline (another framework ends a task).
		freeMore bool
		at       time.Duration // when Allocate runs, after the decline
		want     bool          // fa is offered the agent again
	}{
		{name: "not re-offered before the filter expires", refuse: 5 * time.Second, at: 4999 * time.Millisecond, want: false},
		{name: "re-offered once it expires", refuse: 5 * time.Second, at: 5 * time.Second, want: true},
		{name: "refuse 0 installs no filter", refuse: 0, at: 0, want: true},
		{name: "negative refuse means the 5s default", refuse: -time.Second, at: 4 * time.Second, want: false},
		{name: "negative refuse expires after 5s", refuse: -time.Second, at: 5 * time.Second, want: true},
		{name: "refuse is capped at 365 days", refuse: 400 * 24 * time.Hour, at: MaxRefuse, want: true},
		{name: "more free than was refused is offered at once", refuse: time.Hour, freeMore: true, at: time.Second, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, Options{})
			var used map[string]resources.Resources
			if tt.freeMore {
				used = map[string]resources.Resources{"other": res(t, "cpus:2;mem:2048").AllocateTo("b")}
			}
			c.ok(c.AddAgent("agent", res(t, "cpus:4;mem:4096"), used))
			c.framework("fa", "a")
			offers := c.Allocate(t0)
			o, ok := offerFor(offers, "fa")
			if !ok {
				t.Fatalf("no first offer: %v", offers)
			}
			c.decline(o, tt.refuse, t0)
			if tt.freeMore {
				c.ok(c.Recover("other", "agent", res(t, "cpus:2;mem:2048").AllocateTo("b"), 0, t0))
			}

			_, got := offerFor(c.Allocate(t0.Add(tt.at)), "fa")

			if got != tt.want {
				t.Errorf("offered again at +%v = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestAFilteredAgentGoesToTheNextFramework(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("a1", "cpus:4;mem:4096").agent("a2", "cpus:4;mem:4096").framework("fa", "a").framework("fb", "a")
	first := c.Allocate(t0)
	declined, ok := offerFor(first, "fa")
	if len(first) != 2 || !ok {
		t.Fatalf("first offers = %v, want one each", first)
	}
	// fa, holding nothing now, comes before fb, which holds half.
	c.decline(declined, time.Hour, t0)
	out, _ := c.Explain("fa", t0.Add(time.Second))
	if out.Reasons[ReasonFiltered] != 1 {
		t.Errorf("fa's outcome = %v, want one refuse filter", out)
	}

	second := c.Allocate(t0.Add(time.Second))

	if len(second) != 1 || second[0].FrameworkID != "fb" || second[0].AgentID != declined.AgentID {
		t.Fatalf("second offers = %v, want %s to fb", second, declined.AgentID)
	}
}

func TestReviveClearsRefuseFilters(t *testing.T) {
	tests := []struct {
		name   string
		revive []string
		want   []string // roles offered after the revive
	}{
		{name: "revive all roles", revive: nil, want: []string{"a", "b"}},
		{name: "revive one role clears only its filters", revive: []string{"b"}, want: []string{"b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, Options{})
			// Two agents, so that each role gets one.
			c.agent("a1", "cpus:1;mem:1024").agent("a2", "cpus:1;mem:1024").framework("f", "a", "b")
			// A decline filters one role on one agent, so the agent
			// goes to the other role next: decline until both roles
			// have filtered both agents.
			for round := 0; ; round++ {
				offers := c.Allocate(t0)
				if len(offers) == 0 {
					break
				}
				if round == 4 {
					t.Fatalf("still offered after 4 rounds of declines: %v", offers)
				}
				for _, o := range offers {
					c.decline(o, time.Hour, t0)
				}
			}
			c.ok(c.Revive("f", tt.revive))

			var roles []string
			for _, o := range c.Allocate(t0.Add(time.Second)) {
				roles = append(roles, slices.Collect(maps.Keys(o.Resources))...)
			}
			slices.Sort(roles)
			roles = slices.Compact(roles)
			if !slices.Equal(roles, tt.want) {
				t.Errorf("roles offered after revive = %v, want %v", roles, tt.want)
			}
		})
	}
}

func TestSuppressAndRevive(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("agent", "cpus:4;mem:4096").framework("f", "a", "b")

	c.ok(c.Suppress("f", nil))
	if offers := c.Allocate(t0); len(offers) != 0 {
		t.Fatalf("suppressed framework offered %v", offers)
	}
	out, _ := c.Explain("f", t0.Add(time.Second))
	if out.Reasons[ReasonSuppressed] != 2 {
		t.Errorf("outcome = %v, want suppressed in both roles", out)
	}

	c.ok(c.Revive("f", []string{"b"}))
	offers := c.Allocate(t0)
	if len(offers) != 1 || offers[0].Resources["b"].IsEmpty() || len(offers[0].Resources) != 1 {
		t.Fatalf("after reviving b: offers = %v, want one in role b", offers)
	}

	if err := c.Suppress("f", []string{"c"}); !errors.Is(err, ErrRoleNotSubscribed) {
		t.Errorf("suppressing an unsubscribed role: err = %v, want ErrRoleNotSubscribed", err)
	}
	if err := c.Revive("nobody", nil); !errors.Is(err, ErrUnknownFramework) {
		t.Errorf("reviving an unknown framework: err = %v, want ErrUnknownFramework", err)
	}
}

func TestReservedResourcesAreOfferedOnlyToTheirRole(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("agent", "cpus(web):2;mem(web):512;cpus:1;mem:512").
		framework("batch", "batch").framework("web", "web")

	offers := c.Allocate(t0)

	// batch comes first on the name tie-break and takes the unreserved
	// part; the reserved part is left for web.
	batch, _ := offerFor(offers, "batch")
	web, _ := offerFor(offers, "web")
	if got, want := offered(batch), res(t, "cpus:1;mem:512"); !got.Equal(want) {
		t.Errorf("batch offered %v, want the unreserved %v", got, want)
	}
	if got, want := offered(web), res(t, "cpus(web):2;mem(web):512"); !got.Equal(want) {
		t.Errorf("web offered %v, want the reservation %v", got, want)
	}
	for _, o := range offers {
		for role, rs := range o.Resources {
			for r := range rs.All() {
				if r.AllocationRole != role || !r.IsAllocatableTo(role) {
					t.Errorf("%s offered %v in role %s", o.FrameworkID, r, role)
				}
			}
		}
	}
}

func TestReservedResourcesWaitForTheirRole(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("agent", "cpus(web):2;mem(web):512").framework("batch", "batch")

	if offers := c.Allocate(t0); len(offers) != 0 {
		t.Fatalf("reservation for web offered to batch: %v", offers)
	}
	c.framework("web", "web")
	if offers := c.Allocate(t0); len(offers) != 1 || offers[0].FrameworkID != "web" {
		t.Fatalf("offers = %v, want the reservation to web", offers)
	}
}

func TestOfferedResourcesAreNotOfferedAgainUntilRecovered(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("agent", "cpus:4;mem:4096").framework("fa", "a").framework("fb", "b")
	first := c.Allocate(t0)
	if len(first) != 1 {
		t.Fatalf("first offers = %v, want 1", first)
	}

	if again := c.Allocate(t0); len(again) != 0 {
		t.Fatalf("outstanding offer offered again: %v", again)
	}
	out, _ := c.Explain("fb", t0.Add(time.Second))
	if out.Reasons[ReasonNothingFree] != 1 {
		t.Errorf("fb's outcome = %v, want nothing free", out)
	}

	c.decline(first[0], 0, t0)
	if again := c.Allocate(t0); len(again) != 1 {
		t.Fatalf("recovered resources not offered again: %v", again)
	}
}

func TestRecoveringPartOfAnOfferOffersThatPart(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("agent", "cpus:4;mem:4096;ports:[31000-32000]").framework("f", "a")
	o := c.Allocate(t0)[0]
	unused := res(t, "cpus:3;mem:3072;ports:[31001-32000]").AllocateTo("a")

	c.ok(c.Recover("f", "agent", unused, 0, t0))

	again := c.Allocate(t0)
	if len(again) != 1 || !offered(again[0]).Equal(unused.Unallocate()) {
		t.Fatalf("offers = %v, want the unused part %v", again, unused)
	}
	if held := c.Allocation("f")["agent"]; !held.Equal(o.Resources["a"]) {
		t.Errorf("f holds %v, want the whole agent %v again", held, o.Resources["a"])
	}
}

func TestRecoverReportsWhatWasNotHeld(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("agent", "cpus:4;mem:4096").framework("f", "a")
	c.Allocate(t0)

	err := c.Recover("f", "agent", res(t, "cpus:8").AllocateTo("a"), 0, t0)

	if !errors.Is(err, ErrNotAllocated) {
		t.Fatalf("err = %v, want ErrNotAllocated", err)
	}
	if free, _ := c.Free("agent"); !free.Equal(res(t, "cpus:4")) {
		t.Errorf("free = %v, want the 4 cpus it did hold back", free)
	}
	if err := c.Recover("f", "gone", res(t, "cpus:1"), 0, t0); err != nil {
		t.Errorf("recovering on a removed agent: %v, want nil", err)
	}
}

func TestRemoveFrameworkReturnsItsResources(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("agent", "cpus:4;mem:4096").framework("fa", "a")
	if offers := c.Allocate(t0); len(offers) != 1 {
		t.Fatalf("offers = %v", offers)
	}
	c.framework("fb", "b")

	c.ok(c.RemoveFramework("fa"))

	offers := c.Allocate(t0)
	if len(offers) != 1 || offers[0].FrameworkID != "fb" || !offered(offers[0]).Equal(res(t, "cpus:4;mem:4096")) {
		t.Fatalf("offers = %v, want everything to fb", offers)
	}
	if _, ok := c.Shares().Roles["a"]; ok {
		t.Errorf("role a outlived its only framework: %v", c.Shares().Roles)
	}
	if err := c.Recover("fa", "agent", res(t, "cpus:4").AllocateTo("a"), 0, t0); err != nil {
		t.Errorf("recovering a removed framework's offer: %v, want nil", err)
	}
	if free, _ := c.Free("agent"); !free.IsEmpty() {
		t.Errorf("late recover freed %v", free)
	}
}

func TestInactiveFrameworksAndAgentsGetNothing(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(c *testCluster)
		wantOffers int
		wantReason Reason
	}{
		{
			name:       "inactive framework",
			setup:      func(c *testCluster) { c.ok(c.DeactivateFramework("f")) },
			wantReason: ReasonInactive,
		},
		{
			name: "framework added inactive",
			setup: func(c *testCluster) {
				c.ok(c.RemoveFramework("f"))
				c.ok(c.AddFramework("f", []string{"a"}, nil, nil, false))
			},
			wantReason: ReasonInactive,
		},
		{
			name: "reactivated framework",
			setup: func(c *testCluster) {
				c.ok(c.DeactivateFramework("f"))
				c.ok(c.ActivateFramework("f"))
			},
			wantOffers: 1,
		},
		{
			name:  "deactivated agent",
			setup: func(c *testCluster) { c.ok(c.DeactivateAgent("agent")) },
		},
		{
			name: "reactivated agent",
			setup: func(c *testCluster) {
				c.ok(c.DeactivateAgent("agent"))
				c.ok(c.ActivateAgent("agent"))
			},
			wantOffers: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, Options{})
			c.agent("agent", "cpus:4;mem:4096").framework("f", "a")
			tt.setup(c)

			offers := c.Allocate(t0)

			if len(offers) != tt.wantOffers {
				t.Fatalf("offers = %v, want %d", offers, tt.wantOffers)
			}
			out, _ := c.Explain("f", t0.Add(time.Second))
			if tt.wantReason != 0 && out.Reasons[tt.wantReason] != 1 {
				t.Errorf("outcome = %v, want %v", out, tt.wantReason)
			}
		})
	}
}

func TestDeactivatingAFrameworkKeepsItsAllocationAndDropsItsFilters(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("a1", "cpus:4;mem:4096").agent("a2", "cpus:4;mem:4096").framework("f", "a")
	offers := c.Allocate(t0)
	c.decline(offers[0], time.Hour, t0)

	c.ok(c.DeactivateFramework("f"))
	if got := c.Allocation("f"); len(got) != 1 {
		t.Errorf("allocation after deactivation = %v, want the one kept offer", got)
	}
	c.ok(c.ActivateFramework("f"))

	if again := c.Allocate(t0); len(again) != 1 {
		t.Errorf("declined agent not offered after re-activation: %v", again)
	}
}

func TestMinAllocatableResources(t *testing.T) {
	tests := []struct {
		name  string
		min   []Quantities
		agent string
		want  bool
	}{
		{name: "default: enough cpus", agent: "cpus:0.01", want: true},
		{name: "default: enough mem", agent: "mem:32", want: true},
		{name: "default: too little of both", agent: "cpus:0.009;mem:31;disk:1000", want: false},
		{name: "default: ports alone are not enough", agent: "ports:[1-100]", want: false},
		{name: "no minimum offers anything", min: []Quantities{}, agent: "disk:1", want: true},
		{name: "both of one alternative", min: []Quantities{{"cpus": 1000, "mem": 64000}}, agent: "cpus:1;mem:63", want: false},
		{name: "ports counted by number", min: []Quantities{{"ports": 10000}}, agent: "ports:[1-10]", want: true},
		{name: "ports counted by number, too few", min: []Quantities{{"ports": 10000}}, agent: "ports:[1-9]", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, Options{MinAllocatable: tt.min})
			c.agent("agent", tt.agent).framework("f", "a")

			offers := c.Allocate(t0)

			if got := len(offers) == 1; got != tt.want {
				t.Fatalf("offered = %v, want %v (%v)", got, tt.want, offers)
			}
			if out, _ := c.Explain("f", t0.Add(time.Second)); !tt.want && out.Reasons[ReasonBelowMinAllocatable] != 1 {
				t.Errorf("outcome = %v, want below min allocatable", out)
			}
		})
	}
}

func TestAgentReRegisteringWithTasksOfAnUnknownFramework(t *testing.T) {
	c := newCluster(t, Options{})
	used := map[string]resources.Resources{"fa": res(t, "cpus:3;mem:3072").AllocateTo("a")}
	c.ok(c.AddAgent("agent", res(t, "cpus:4;mem:4096"), used))

	if free, _ := c.Free("agent"); !free.Equal(res(t, "cpus:1;mem:1024")) {
		t.Fatalf("free = %v, want what fa's tasks leave", free)
	}
	// fa re-subscribes with its view of the same tasks: not counted twice.
	c.ok(c.AddFramework("fa", []string{"a"}, nil, map[string]resources.Resources{"agent": used["fa"]}, true))
	c.framework("fb", "b")

	if got := c.Allocation("fa")["agent"]; !got.Equal(used["fa"]) {
		t.Errorf("fa holds %v, want %v", got, used["fa"])
	}
	if got := c.Shares().Roles["a"]; got != 0.75 {
		t.Errorf("share of a = %v, want 3/4", got)
	}
	if free, _ := c.Free("agent"); !free.Equal(res(t, "cpus:1;mem:1024")) {
		t.Errorf("free after AddFramework = %v, want unchanged", free)
	}
	offers := c.Allocate(t0)
	if len(offers) != 1 || offers[0].FrameworkID != "fb" {
		t.Errorf("offers = %v, want the rest to the poorer fb", offers)
	}
}

func TestUpdateFramework(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("a1", "cpus:4;mem:4096").agent("a2", "cpus:4;mem:4096").framework("f", "a")
	first := c.Allocate(t0)
	c.decline(first[0], time.Hour, t0) // leaves one agent held in role a

	c.ok(c.UpdateFramework("f", []string{"b"}, nil))

	offers := c.Allocate(t0)
	if len(offers) != 1 || offers[0].Resources["b"].IsEmpty() {
		t.Fatalf("offers = %v, want the declined agent in role b (no filter there)", offers)
	}
	if got := c.Shares().Frameworks["f"]; got["a"] != 0.5 || got["b"] != 0.5 {
		t.Errorf("shares = %v, want a still held and b offered", got)
	}
	if err := c.UpdateFramework("f", []string{"b"}, []string{"a"}); !errors.Is(err, ErrRoleNotSubscribed) {
		t.Errorf("suppressing a role it left: err = %v", err)
	}
	if err := c.UpdateFramework("f", []string{"a b"}, nil); !errors.Is(err, resources.ErrInvalidRole) {
		t.Errorf("invalid role: err = %v", err)
	}
}

func TestRemoveAndUpdateAgent(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("a1", "cpus:4;mem:4096").agent("a2", "cpus:4;mem:4096").framework("f", "a")
	c.Allocate(t0)

	c.ok(c.RemoveAgent("a1"))
	if got := c.Allocation("f"); len(got) != 1 {
		t.Errorf("allocation = %v, want only a2", got)
	}
	if got := c.Shares().Roles["a"]; got != 1 {
		t.Errorf("share = %v, want 1 (everything left is f's)", got)
	}

	c.ok(c.UpdateAgent("a2", res(t, "cpus:8;mem:8192")))
	offers := c.Allocate(t0)
	if len(offers) != 1 || !offered(offers[0]).Equal(res(t, "cpus:4;mem:4096")) {
		t.Errorf("offers = %v, want the added half", offers)
	}
	if err := c.RemoveAgent("a1"); !errors.Is(err, ErrUnknownAgent) {
		t.Errorf("removing twice: err = %v", err)
	}
	if err := c.AddAgent("a2", res(t, "cpus:1"), nil); !errors.Is(err, ErrAgentExists) {
		t.Errorf("adding twice: err = %v", err)
	}
}

func TestMultiRoleFrameworkGetsOneOfferPerAgent(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("agent", "cpus:1;mem:512;cpus(b):2").framework("f", "a", "b")

	offers := c.Allocate(t0)

	if len(offers) != 1 {
		t.Fatalf("offers = %v, want one per agent", offers)
	}
	if got := offers[0].Resources; !got["a"].Equal(res(t, "cpus:1;mem:512").AllocateTo("a")) ||
		!got["b"].Equal(res(t, "cpus(b):2").AllocateTo("b")) {
		t.Errorf("offer by role = %v", got)
	}
}

func TestExplainSaysWhyNoOffer(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("a1", "cpus:1;mem:1024").agent("a2", "cpus:1;mem:1024").agent("a3", "cpus:1;mem:1024").
		framework("rich", "a").framework("poor", "b")
	if _, ok := c.Explain("nobody", t0); ok {
		t.Errorf("outcome for an unknown framework")
	}
	offers := c.Allocate(t0)
	for _, o := range offers {
		if o.FrameworkID == "poor" {
			c.decline(o, time.Hour, t0)
		}
	}
	c.ok(c.Suppress("rich", nil))

	if again := c.Allocate(t0.Add(time.Second)); len(again) != 0 {
		t.Fatalf("offers despite the filter: %v", again)
	}

	out, ok := c.Explain("poor", t0.Add(time.Second))
	want := Outcome{Agents: 3, Reasons: map[Reason]int{ReasonFiltered: 1, ReasonNothingFree: 2}}
	if !ok || out.Agents != want.Agents || !maps.Equal(out.Reasons, want.Reasons) {
		t.Errorf("outcome = %+v, want %+v", out, want)
	}
	if got := out.String(); got != "3 agent-roles: nothing free 2, refuse filter 1" {
		t.Errorf("String() = %q", got)
	}
	// Once the filter lapses the agent is available again.
	out, _ = c.Explain("poor", t0.Add(2*time.Hour))
	if out.Reasons[ReasonAvailable] != 1 {
		t.Errorf("after the filter: %v, want one available", out)
	}
}

func TestParseMinAllocatable(t *testing.T) {
	tests := []struct {
		in      string
		want    []Quantities
		wantErr bool
	}{
		{in: "cpus:0.01|mem:32", want: DefaultMinAllocatable()},
		{in: "disk:50|cpus:1;mem:32", want: []Quantities{{"disk": 50000}, {"cpus": 1000, "mem": 32000}}},
		{in: " cpus : 1 ; cpus:1 ", want: []Quantities{{"cpus": 2000}}},
		{in: "cpus:0|mem:1", want: []Quantities{{}, {"mem": 1000}}},
		{in: "", want: []Quantities{}},
		{in: "cpus", wantErr: true},
		{in: "cpus:-1", wantErr: true},
		{in: "ports:[1-2]", wantErr: true},
		{in: "cpus:1:2", wantErr: true},
		{in: "cpus:NaN", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseMinAllocatable(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidQuantities) {
					t.Fatalf("err = %v, want ErrInvalidQuantities", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, tt.want, maps.Equal) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if got := (Quantities{"mem": 32000, "cpus": 10}).String(); got != "cpus:0.01;mem:32" {
		t.Errorf("String() = %q", got)
	}
}

func TestExplainAgentSaysWhyPerRole(t *testing.T) {
	c := newCluster(t, Options{})
	c.agent("a1", "cpus:2;mem:1024;cpus(b):1;mem(b):64").framework("fw", "a", "b", "c")
	if _, ok := c.ExplainAgent("fw", "nowhere", t0); ok {
		t.Error("explanation for an unknown agent")
	}
	if _, ok := c.ExplainAgent("nobody", "a1", t0); ok {
		t.Error("explanation for an unknown framework")
	}
	c.ok(c.Suppress("fw", []string{"c"}))
	offers := c.Allocate(t0)
	o, ok := offerFor(offers, "fw")
	if !ok {
		t.Fatalf("no offer: %v", offers)
	}
	// Decline role a's part for an hour; keep role b's.
	c.ok(c.Recover("fw", "a1", o.Resources["a"], time.Hour, t0))

	e, ok := c.ExplainAgent("fw", "a1", t0.Add(time.Second))
	if !ok || !e.AgentActive || !e.FrameworkActive || len(e.Roles) != 3 {
		t.Fatalf("explanation = %+v", e)
	}
	byRole := map[string]RoleExplanation{}
	for _, r := range e.Roles {
		byRole[r.Role] = r
	}
	if r := byRole["a"]; r.Reason != ReasonFiltered || !r.FilteredUntil.Equal(t0.Add(time.Hour)) || !r.Filtered.Equal(r.Free) || !r.Held.IsEmpty() {
		t.Errorf("role a: %+v, want filtered until %v", r, t0.Add(time.Hour))
	}
	// Role b holds its reservation and is not filtered: what role a
	// declined is there for it.
	if r := byRole["b"]; r.Reason != ReasonAvailable || !r.Held.Equal(o.Resources["b"]) || !r.Free.Equal(byRole["a"].Free) {
		t.Errorf("role b: %+v, want available with its offer held", r)
	}
	if r := byRole["c"]; r.Reason != ReasonSuppressed {
		t.Errorf("role c: %+v, want suppressed", r)
	}
	c.ok(c.DeactivateAgent("a1"))
	if e, _ := c.ExplainAgent("fw", "a1", t0.Add(2*time.Hour)); e.AgentActive || e.Roles[0].Reason != ReasonAvailable {
		t.Errorf("deactivated agent, lapsed filter: %+v", e)
	}
}
