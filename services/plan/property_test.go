package plan_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"agora/services/plan"
)

// world is a fake engine and cluster: it carries out steps and moves
// instances along their lives at random.
type world struct {
	t      *testing.T
	seed   uint64
	rng    *rand.Rand
	now    time.Time
	tg     plan.Target
	insts  []plan.Instance
	nextID int
	// strict: no chaos and the app started at full strength, so ready
	// instances never fall below minHealthy at all.
	strict bool
}

func (w *world) fail(format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf("seed %d, target %+v at %s: %s\ninstances: %s", w.seed, w.tg, w.now.Sub(t0), fmt.Sprintf(format, args...), w.dump())
}

func (w *world) dump() string {
	s := ""
	for _, in := range w.insts {
		h := "-"
		if in.Healthy != nil {
			h = fmt.Sprint(*in.Healthy)
		}
		s += fmt.Sprintf("\n  %s %s %s healthy=%s away=%v", in.ID, in.Version, in.State, h, !in.UnreachableSince.IsZero())
	}
	return s
}

func (w *world) p(x float64) bool { return w.rng.Float64() < x }

// ready mirrors the documented rule: running, and for the target version
// healthy when the app has health checks; an older version running and not
// failing.
func (w *world) ready(in plan.Instance) bool {
	if in.State != plan.Running {
		return false
	}
	if in.Version != w.tg.Version {
		return in.Healthy == nil || *in.Healthy
	}
	return !w.tg.HealthChecked || (in.Healthy != nil && *in.Healthy)
}

// occupying counts what holds resources or a place: everything but
// instances unreachable for longer than the inactive delay.
func (w *world) occupying(list []plan.Instance) int {
	n := 0
	for _, in := range list {
		if !in.UnreachableSince.IsZero() && w.now.Sub(in.UnreachableSince) >= w.tg.UnreachableInactiveAfter {
			continue
		}
		n++
	}
	return n
}

func (w *world) index(id string) int {
	return slices.IndexFunc(w.insts, func(in plan.Instance) bool { return in.ID == id })
}

// apply carries out a step as the engine must.
func (w *world) apply(s plan.Step) {
	for _, id := range s.Expunge {
		w.insts = slices.Delete(w.insts, w.index(id), w.index(id)+1)
	}
	for _, id := range s.Kill {
		i := w.index(id)
		if w.insts[i].State == plan.Scheduled {
			w.insts = slices.Delete(w.insts, i, i+1)
			continue
		}
		w.insts[i].State = plan.Killing
	}
	for range s.Launch {
		w.nextID++
		w.insts = append(w.insts, plan.Instance{ID: fmt.Sprint("n", w.nextID), Version: w.tg.Version, State: plan.Scheduled})
	}
}

// check asserts every promise of one step taken on the current instances.
func (w *world) check(s plan.Step) {
	w.t.Helper()
	minHealthy, maxCap := plan.Capacity(w.tg)
	named := map[string]bool{}
	for _, id := range slices.Concat(s.Kill, s.Expunge) {
		i := w.index(id)
		if i < 0 {
			w.fail("step %+v names %s, which does not exist", s, id)
		}
		if named[id] {
			w.fail("step %+v names %s twice", s, id)
		}
		named[id] = true
	}
	for _, id := range s.Kill {
		if in := w.insts[w.index(id)]; in.State == plan.Killing || in.State == plan.Unreachable {
			w.fail("step %+v kills %s, which is %s", s, id, in.State)
		}
	}
	if s.Launch < 0 || s.Launch > w.tg.Instances {
		w.fail("step launches %d", s.Launch)
	}
	if s.Done && (!s.Idle() || s.Waiting != "") {
		w.fail("done step %+v does something", s)
	}
	if !s.Done && s.Idle() && s.Waiting == "" {
		w.fail("idle step without a reason")
	}

	readyBefore, readyAfter := 0, 0
	for _, in := range w.insts {
		if w.ready(in) {
			readyBefore++
			if !named[in.ID] {
				readyAfter++
			}
		}
	}
	if w.strict && readyBefore < minHealthy {
		w.fail("%d ready instances, below minHealthy %d, without any failure", readyBefore, minHealthy)
	}
	if w.tg.Instances > 0 && readyAfter < min(readyBefore, minHealthy) {
		w.fail("step %+v leaves %d ready of %d, below minHealthy %d", s, readyAfter, readyBefore, minHealthy)
	}

	after := w.clone()
	after.apply(s)
	if s.Launch > 0 && after.occupying(after.insts) > maxCap {
		w.fail("step %+v takes the app to %d instances, over maxCapacity %d", s, after.occupying(after.insts), maxCap)
	}
	if again := plan.Next(w.tg, after.insts, w.now); !again.Idle() {
		w.fail("step %+v carried out, Next asks again: %+v", s, again)
	}
}

func (w *world) clone() *world {
	c := *w
	c.insts = slices.Clone(w.insts)
	return &c
}

// progress moves instances along: placed, started, healthy, killed.
func (w *world) progress() {
	out := w.insts[:0]
	for _, in := range w.insts {
		reachable := in.UnreachableSince.IsZero()
		switch {
		case in.State == plan.Scheduled && w.p(0.6):
			in.State, in.StartedAt = plan.Staged, w.now
		case in.State == plan.Staged && w.p(0.5):
			in.State = plan.Starting
		case in.State == plan.Starting && w.p(0.5):
			in.State = plan.Running
		case in.State == plan.Running && w.tg.HealthChecked && in.Healthy == nil && w.p(0.5):
			in.Healthy = healthy(true)
		case in.State == plan.Running && in.Healthy != nil && !*in.Healthy && w.p(0.2):
			in.Healthy = healthy(true)
		case in.State == plan.Killing && reachable && w.p(0.6):
			continue // terminal: forgotten
		}
		out = append(out, in)
	}
	w.insts = out
}

// chaos: failures, partitions and returns, health flapping.
func (w *world) chaos() {
	out := w.insts[:0]
	for _, in := range w.insts {
		reachable := in.UnreachableSince.IsZero()
		switch {
		case reachable && in.State != plan.Killing && in.State != plan.Scheduled && w.p(0.02):
			continue // failed
		case reachable && (in.State == plan.Running || in.State == plan.Staged) && w.p(0.02):
			in.State, in.UnreachableSince = plan.Unreachable, w.now
		case in.State == plan.Running && reachable && in.Healthy != nil && *in.Healthy && w.p(0.02):
			in.Healthy = healthy(false)
		}
		out = append(out, in)
	}
	w.insts = out
}

// returns brings partitioned instances back now and then, also after the
// chaos: a returning instance being killed dies.
func (w *world) returns() {
	out := w.insts[:0]
	for _, in := range w.insts {
		if !in.UnreachableSince.IsZero() && w.p(0.05) {
			if in.State == plan.Killing {
				continue
			}
			in.State, in.UnreachableSince = plan.Running, time.Time{}
		}
		out = append(out, in)
	}
	w.insts = out
}

// healthKills plays the engine's health checker: it kills what Unhealthy
// allows and checks the bound.
func (w *world) healthKills() {
	w.t.Helper()
	ids := plan.Unhealthy(w.tg, w.insts)
	minHealthy, _ := plan.Capacity(w.tg)
	inFlight := 0
	for _, in := range w.insts {
		switch in.State {
		case plan.Killing, plan.Scheduled, plan.Staged, plan.Starting:
			inFlight++
		case plan.Running:
			if w.tg.HealthChecked && in.Healthy == nil {
				inFlight++
			}
		}
	}
	if len(ids) > 0 && inFlight+len(ids) > max(1, w.tg.Instances-minHealthy) {
		w.fail("Unhealthy allows %v with %d already in flight, over %d", ids, inFlight, max(1, w.tg.Instances-minHealthy))
	}
	for _, id := range ids {
		i := w.index(id)
		if i < 0 || w.insts[i].State != plan.Running || w.insts[i].Healthy == nil || *w.insts[i].Healthy {
			w.fail("Unhealthy names %s, which is not a failing running instance", id)
		}
		w.insts[i].State = plan.Killing
	}
}

// TestDeploymentsUnderChaos drives random deployments (scaling, restarts,
// both) through random failures, partitions and health flapping, checking
// after every step that no ready instance is killed below minHealthy, no
// launch goes over maxCapacity, every kill names a live instance, Next asks
// for nothing twice, and that every deployment finishes at its target once
// the chaos stops.
func TestDeploymentsUnderChaos(t *testing.T) {
	healths := []float64{0, 0.5, 0.75, 1}
	overs := []float64{0, 0.25, 0.5, 1}
	for seed := range uint64(400) {
		rng := rand.New(rand.NewPCG(seed, 42))
		w := &world{t: t, seed: seed, rng: rng, now: t0}
		from := 1 + rng.IntN(8)
		w.tg = plan.Target{
			Version:                  "v2",
			Instances:                rng.IntN(9),
			MinimumHealthCapacity:    healths[rng.IntN(len(healths))],
			MaximumOverCapacity:      overs[rng.IntN(len(overs))],
			KillSelection:            []string{plan.YoungestFirst, plan.OldestFirst, ""}[rng.IntN(3)],
			HealthChecked:            rng.IntN(2) == 0,
			UnreachableInactiveAfter: time.Duration(rng.IntN(3)) * 20 * time.Second,
		}
		w.tg.UnreachableExpungeAfter = w.tg.UnreachableInactiveAfter + time.Duration(rng.IntN(3))*30*time.Second
		oldVersion := "v1"
		if seed%5 == 0 {
			oldVersion = "v2" // scaling only
		}
		w.insts = running("old", oldVersion, from)

		chaosSteps, maxSteps := 120, 1500
		if seed%3 == 0 {
			// A calm deployment: nothing fails, so nothing excuses a drop
			// below minHealthy and nothing unsticks a stuck plan.
			chaosSteps = 0
			minHealthy, _ := plan.Capacity(w.tg)
			w.strict = from >= minHealthy
		}
		done := false
		for i := 0; i < maxSteps && !done; i++ {
			w.now = w.now.Add(time.Duration(1+rng.IntN(10)) * time.Second)
			w.progress()
			if i < chaosSteps {
				w.chaos()
				if rng.IntN(2) == 0 {
					w.healthKills()
				}
			}
			w.returns()
			s := plan.Next(w.tg, w.insts, w.now)
			w.check(s)
			w.apply(s)
			if s.Done && i >= chaosSteps {
				done = true
			}
		}
		if !done {
			w.fail("not done after %d steps: %+v", maxSteps, plan.Next(w.tg, w.insts, w.now))
		}
		ready := 0
		for _, in := range w.insts {
			if in.UnreachableSince.IsZero() {
				if in.Version != "v2" || !w.ready(in) {
					w.fail("done with %s (%s, %s)", in.ID, in.Version, in.State)
				}
				ready++
			}
		}
		if ready != w.tg.Instances {
			w.fail("done with %d ready instances, want %d", ready, w.tg.Instances)
		}
	}
}
