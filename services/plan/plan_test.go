package plan_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"agora/services/plan"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func healthy(b bool) *bool { return &b }

// running returns n ready instances id<prefix>0.. of version, started a
// minute apart (the last one youngest).
func running(prefix, version string, n int) []plan.Instance {
	out := make([]plan.Instance, n)
	for i := range out {
		out[i] = plan.Instance{ID: fmt.Sprint(prefix, i), Version: version, State: plan.Running,
			Healthy: healthy(true), StartedAt: t0.Add(time.Duration(i) * time.Minute)}
	}
	return out
}

func target(version string, n int, minHealth, overCap float64) plan.Target {
	return plan.Target{Version: version, Instances: n, MinimumHealthCapacity: minHealth, MaximumOverCapacity: overCap,
		HealthChecked: true, UnreachableInactiveAfter: 5 * time.Minute, UnreachableExpungeAfter: 10 * time.Minute}
}

func TestCapacity(t *testing.T) {
	for _, c := range []struct {
		n                int
		minHealth, over  float64
		wantMin, wantMax int
	}{
		{4, 0.5, 0.5, 2, 6},
		{3, 1, 0, 3, 4}, // equal: one extra so a restart can start
		{3, 1, 1, 3, 6}, // Marathon's defaults
		{10, 0.1, 0.1, 1, 11},
		{3, 0.1, 0.1, 1, 3}, // 3 × 1.1 is 3.3: floor 3, not 4 through rounding
		{5, 0, 0, 0, 5},
		{0, 1, 1, 0, 0},
	} {
		gotMin, gotMax := plan.Capacity(target("v", c.n, c.minHealth, c.over))
		if gotMin != c.wantMin || gotMax != c.wantMax {
			t.Errorf("Capacity(%d, %v, %v) = %d, %d; want %d, %d", c.n, c.minHealth, c.over, gotMin, gotMax, c.wantMin, c.wantMax)
		}
	}
}

func TestScaleUpFromNothingAndDone(t *testing.T) {
	tg := target("v1", 3, 1, 1)
	if s := plan.Next(tg, nil, t0); s.Launch != 3 || s.Done {
		t.Fatalf("step %+v, want Launch 3", s)
	}
	cur := []plan.Instance{{ID: "a", Version: "v1", State: plan.Scheduled}, {ID: "b", Version: "v1", State: plan.Staged},
		{ID: "c", Version: "v1", State: plan.Running}}
	s := plan.Next(tg, cur, t0)
	if !s.Idle() || s.Done || !strings.Contains(s.Waiting, "3 of 3 instances of version v1 to become ready") {
		t.Fatalf("step %+v, want waiting for 3 instances", s)
	}
	if s := plan.Next(tg, running("i", "v1", 3), t0); !s.Done || !s.Idle() {
		t.Fatalf("step %+v, want done", s)
	}
}

func TestScaleDownKillSelection(t *testing.T) {
	cur := running("i", "v1", 5) // i4 is the youngest
	tg := target("v1", 3, 1, 1)
	if s := plan.Next(tg, cur, t0); !slices.Equal(s.Kill, []string{"i4", "i3"}) || s.Launch != 0 {
		t.Errorf("YOUNGEST_FIRST step %+v, want kill i4, i3", s)
	}
	tg.KillSelection = plan.OldestFirst
	if s := plan.Next(tg, cur, t0); !slices.Equal(s.Kill, []string{"i0", "i1"}) {
		t.Errorf("OLDEST_FIRST step %+v, want kill i0, i1", s)
	}
	// The least useful go first whatever the selection.
	cur[1].Healthy = healthy(false)
	cur[2].State = plan.Staged
	if s := plan.Next(tg, cur, t0); !slices.Equal(s.Kill, []string{"i2", "i1"}) {
		t.Errorf("step %+v, want the staged i2 then the unhealthy i1", s)
	}
	// After the kills, nothing more until they are gone; then done.
	cur[1].State, cur[2].State = plan.Killing, plan.Killing
	s := plan.Next(tg, cur, t0)
	if !s.Idle() || s.Done || !strings.Contains(s.Waiting, "2 instances to be killed") {
		t.Errorf("step %+v, want waiting for the kills", s)
	}
	if s := plan.Next(tg, slices.Delete(cur, 1, 3), t0); !s.Done {
		t.Errorf("step %+v, want done", s)
	}
}

func TestScaleToZero(t *testing.T) {
	cur := append(running("i", "v1", 2), plan.Instance{ID: "u", Version: "v1", State: plan.Unreachable, UnreachableSince: t0})
	s := plan.Next(target("v1", 0, 1, 1), cur, t0)
	if !slices.Equal(s.Kill, []string{"i1", "i0"}) || !slices.Equal(s.Expunge, []string{"u"}) || s.Launch != 0 {
		t.Errorf("step %+v, want both killed and the unreachable one expunged", s)
	}
	if s := plan.Next(target("v1", 0, 1, 1), nil, t0); !s.Done {
		t.Errorf("step %+v, want done with nothing left", s)
	}
}

func TestRollingRestart(t *testing.T) {
	// REFERENCE.md: minHealthy = ceil(4 × 0.5) = 2, maxCapacity = floor(4 × 1.5) = 6.
	tg := target("v2", 4, 0.5, 0.5)
	cur := running("old", "v1", 4)
	cur[1].Healthy = nil // no result (its version may have had no checks): counts as ready
	s := plan.Next(tg, cur, t0)
	// Kill old beyond minHealthy at once (2, the youngest), start new up to
	// capacity (6 − 4 present, the killed ones still hold resources).
	if !slices.Equal(s.Kill, []string{"old3", "old2"}) || s.Launch != 2 {
		t.Fatalf("first step %+v, want kill old3, old2 and launch 2", s)
	}
	cur[2].State, cur[3].State = plan.Killing, plan.Killing
	cur = append(cur, plan.Instance{ID: "new0", Version: "v2", State: plan.Scheduled}, plan.Instance{ID: "new1", Version: "v2", State: plan.Scheduled})
	if s := plan.Next(tg, cur, t0); !s.Idle() {
		t.Fatalf("second call after the first step was carried out %+v, want nothing more", s)
	}
	// The kills complete: two more new ones fit.
	cur = slices.DeleteFunc(cur, func(in plan.Instance) bool { return in.State == plan.Killing })
	s = plan.Next(tg, cur, t0)
	if s.Launch != 2 || len(s.Kill) != 0 {
		t.Fatalf("step %+v, want launch 2", s)
	}
	cur = append(cur, plan.Instance{ID: "new2", Version: "v2", State: plan.Scheduled}, plan.Instance{ID: "new3", Version: "v2", State: plan.Scheduled})
	// new0 becomes ready: one old goes.
	cur[2].State, cur[2].Healthy = plan.Running, healthy(true)
	s = plan.Next(tg, cur, t0)
	if !slices.Equal(s.Kill, []string{"old1"}) || s.Launch != 0 {
		t.Fatalf("step %+v, want kill old1 (the younger) only", s)
	}
	// A new one running but not yet healthy does not count.
	cur[3].State = plan.Running
	if s := plan.Next(tg, cur, t0); !slices.Equal(s.Kill, []string{"old1"}) {
		t.Fatalf("step %+v, want still only old1", s)
	}
	// All new ready: every old one goes; done once they are gone.
	for i := 2; i < 6; i++ {
		cur[i].State, cur[i].Healthy = plan.Running, healthy(true)
	}
	s = plan.Next(tg, cur, t0)
	if !slices.Equal(s.Kill, []string{"old1", "old0"}) {
		t.Fatalf("step %+v, want the last two old ones killed", s)
	}
	if s := plan.Next(tg, cur[2:], t0); !s.Done {
		t.Fatalf("step %+v, want done", s)
	}
}

func TestRollingRestartWithNoRoomAllowsOneExtra(t *testing.T) {
	tg := target("v2", 3, 1, 0)
	cur := running("old", "v1", 3)
	s := plan.Next(tg, cur, t0)
	if s.Launch != 1 || len(s.Kill) != 0 {
		t.Fatalf("step %+v, want one extra instance launched and nothing killed", s)
	}
	cur = append(cur, plan.Instance{ID: "new0", Version: "v2", State: plan.Staged})
	if s := plan.Next(tg, cur, t0); !s.Idle() || !strings.Contains(s.Waiting, "before 3 old ones are killed") {
		t.Fatalf("step %+v, want waiting", s)
	}
}

func TestOldInstancesNotReadyGoFirst(t *testing.T) {
	tg := target("v2", 4, 1, 0.25) // minHealthy 4, maxCapacity 5
	cur := running("old", "v1", 4)
	cur[2].Healthy = healthy(false)
	s := plan.Next(tg, cur, t0)
	// The failing one is not serving: killed at once; one new instance
	// fits beside the four present.
	if !slices.Equal(s.Kill, []string{"old2"}) || s.Launch != 1 {
		t.Fatalf("step %+v, want kill old2 and launch 1", s)
	}
}

func TestUnreachableReplacedAfterInactiveAndSurplusKilledOnReturn(t *testing.T) {
	tg := target("v1", 3, 1, 1)
	cur := running("i", "v1", 3)
	cur[0].State, cur[0].UnreachableSince = plan.Unreachable, t0

	// Within the inactive delay it counts as present: no replacement.
	s := plan.Next(tg, cur, t0.Add(4*time.Minute))
	if !s.Idle() || s.Done {
		t.Fatalf("step %+v before inactiveAfter, want nothing and not done", s)
	}
	// After it: one replacement, the unreachable one is not killed.
	s = plan.Next(tg, cur, t0.Add(5*time.Minute))
	if s.Launch != 1 || len(s.Kill) != 0 || len(s.Expunge) != 0 {
		t.Fatalf("step %+v after inactiveAfter, want launch 1", s)
	}
	cur = append(cur, plan.Instance{ID: "r", Version: "v1", State: plan.Running, Healthy: healthy(true), StartedAt: t0.Add(6 * time.Minute)})
	if s := plan.Next(tg, cur, t0.Add(7*time.Minute)); !s.Done || !s.Idle() {
		t.Fatalf("step %+v with the replacement ready, want done", s)
	}

	// The old one comes back: exactly one is killed, the younger replacement.
	back := slices.Clone(cur)
	back[0].State, back[0].UnreachableSince = plan.Running, time.Time{}
	s = plan.Next(tg, back, t0.Add(8*time.Minute))
	if !slices.Equal(s.Kill, []string{"r"}) || s.Launch != 0 {
		t.Fatalf("step %+v on return, want kill r only", s)
	}
	tg.KillSelection = plan.OldestFirst
	if s := plan.Next(tg, back, t0.Add(8*time.Minute)); !slices.Equal(s.Kill, []string{"i0"}) {
		t.Fatalf("OLDEST_FIRST step %+v on return, want kill i0 only", s)
	}
	tg.KillSelection = ""
	// Coming back unhealthy, it is the one killed.
	back[0].Healthy = healthy(false)
	if s := plan.Next(tg, back, t0.Add(8*time.Minute)); !slices.Equal(s.Kill, []string{"i0"}) {
		t.Fatalf("step %+v on an unhealthy return, want kill i0 only", s)
	}

	// Never back: given up after the expunge delay.
	s = plan.Next(tg, cur, t0.Add(10*time.Minute))
	if !slices.Equal(s.Expunge, []string{"i0"}) || len(s.Kill) != 0 || s.Launch != 0 {
		t.Fatalf("step %+v after expungeAfter, want expunge i0", s)
	}
}

func TestUnreachableOldInstanceIsExpungedByADeployment(t *testing.T) {
	tg := target("v2", 2, 0.5, 0)
	cur := running("old", "v1", 2)
	cur[1].State, cur[1].UnreachableSince = plan.Unreachable, t0
	s := plan.Next(tg, cur, t0)
	if !slices.Equal(s.Expunge, []string{"old1"}) || s.Launch != 1 || len(s.Kill) != 0 {
		t.Fatalf("step %+v, want old1 expunged and one launched", s)
	}
}

func TestUnhealthyNeverKillsMoreThanTheStrategyAllows(t *testing.T) {
	tg := target("v1", 10, 0.8, 0.2) // at most 2 not ready at a time
	cur := running("i", "v1", 10)
	for i := range cur {
		cur[i].Healthy = healthy(false) // an outage of a dependency: all fail
	}
	got := plan.Unhealthy(tg, cur)
	if !slices.Equal(got, []string{"i9", "i8"}) {
		t.Fatalf("Unhealthy = %v, want the two youngest", got)
	}
	cur[9].State = plan.Killing
	cur = append(cur, plan.Instance{ID: "n", Version: "v1", State: plan.Staged})
	if got := plan.Unhealthy(tg, cur); got != nil {
		t.Fatalf("Unhealthy = %v with two replacements in flight, want none", got)
	}
	// minimumHealthCapacity 1: still one at a time.
	tg.MinimumHealthCapacity = 1
	if got := plan.Unhealthy(tg, running("i", "v1", 3)); got != nil {
		t.Fatalf("Unhealthy of healthy instances = %v", got)
	}
	cur = running("i", "v1", 3)
	cur[0].Healthy, cur[1].Healthy = healthy(false), healthy(false)
	if got := plan.Unhealthy(tg, cur); !slices.Equal(got, []string{"i1"}) {
		t.Fatalf("Unhealthy = %v, want one", got)
	}
}

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		failures int
		want     time.Duration
	}{
		{0, 0},
		{1, time.Second},
		{2, 1150 * time.Millisecond},
		{3, 1322500 * time.Microsecond},
		{100, 300 * time.Second},
	} {
		got := plan.Backoff(c.failures, 1, 1.15, 300)
		if d := got - c.want; d > time.Microsecond || d < -time.Microsecond {
			t.Errorf("Backoff(%d, 1, 1.15, 300) = %v, want %v", c.failures, got, c.want)
		}
	}
	if got := plan.Backoff(1, 600, 2, 300); got != 300*time.Second {
		t.Errorf("first delay over the cap = %v, want the cap", got)
	}
	if got := plan.Backoff(1e6, 1, 2, 60); got != time.Minute {
		t.Errorf("overflowing delay = %v, want the cap", got)
	}
}
