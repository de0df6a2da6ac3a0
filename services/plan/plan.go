package plan

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// State is where an instance is in its life, as the engine last heard.
// Terminal instances (finished, failed, killed, gone) are not passed in:
// the engine forgets them.
type State uint8

const (
	// Scheduled: a launch was decided (a Step said Launch) and the instance
	// waits for an offer; it has no task yet. The engine must record
	// launches as Scheduled instances at once, so that the next Next does not
	// launch them again, and forget a Scheduled instance as soon as a Step
	// kills it (there is no task to kill).
	Scheduled State = iota + 1
	// Staged: the task was launched (TASK_STAGING, or no status yet).
	Staged
	// Starting: TASK_STARTING.
	Starting
	// Running: TASK_RUNNING. Ready when the app has no health checks, or
	// when Healthy is true.
	Running
	// Unreachable: TASK_UNREACHABLE (or LOST from a partition); the engine
	// keeps UnreachableSince set from the moment it heard.
	Unreachable
	// Killing: a kill was sent and the terminal status has not come yet.
	// A kill sent to an unreachable instance keeps its UnreachableSince.
	Killing
)

func (s State) String() string {
	switch s {
	case Scheduled:
		return "scheduled"
	case Staged:
		return "staged"
	case Starting:
		return "starting"
	case Running:
		return "running"
	case Unreachable:
		return "unreachable"
	case Killing:
		return "killing"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Instance is one instance of an app as the planner sees it.
type Instance struct {
	ID string
	// Version is the app version the instance runs: Marathon's
	// lastConfigChangeVersion, which scaling does not change, so that scaling
	// never restarts instances.
	Version string
	State   State
	// Healthy is the latest health result; nil when there is none yet or the
	// app has no health checks.
	Healthy *bool
	// StartedAt is when the task was launched (zero while Scheduled); kill
	// selection compares it.
	StartedAt time.Time
	// UnreachableSince is when the instance became unreachable; zero when it
	// is reachable.
	UnreachableSince time.Time
}

// Kill selections (Marathon's killSelection).
const (
	YoungestFirst = "YOUNGEST_FIRST" // kill the most recently started first (the default)
	OldestFirst   = "OLDEST_FIRST"
)

// Target is what an app should become.
type Target struct {
	Version   string
	Instances int
	// MinimumHealthCapacity and MaximumOverCapacity are the app's
	// upgradeStrategy, both in [0, 1].
	MinimumHealthCapacity float64
	MaximumOverCapacity   float64
	KillSelection         string // YoungestFirst (also when empty) or OldestFirst
	// HealthChecked: the app has health checks, so "ready" means running and
	// healthy; without them running is ready.
	HealthChecked bool
	// UnreachableInactiveAfter is how long an unreachable instance still
	// counts as present (no replacement); UnreachableExpungeAfter is when it
	// is given up. A negative or smaller expunge delay is read as equal to the
	// inactive delay.
	UnreachableInactiveAfter time.Duration
	UnreachableExpungeAfter  time.Duration
}

// Step is what the engine should do now for one app.
type Step struct {
	// Launch is how many new instances of the target version to launch:
	// record them as Scheduled instances at once.
	Launch int
	// Kill names instances to kill: send the kills and mark them Killing
	// (forget Scheduled ones). Ordered as chosen.
	Kill []string
	// Expunge names unreachable instances to give up: send a kill (the
	// master remembers it for when the agent returns) and forget them now.
	// They are old instances of a deployment or unreachable for longer than
	// UnreachableExpungeAfter.
	Expunge []string
	// Done: every instance is of the target version and ready, there are
	// Target.Instances of them, and nothing is being killed. A deployment
	// step is finished. (Inactive unreachable instances waiting to be
	// expunged do not hold a deployment up.)
	Done bool
	// Waiting says, when the step is neither done nor has anything to do,
	// what it waits for, in words for a person.
	Waiting string
}

// Idle reports whether the step asks nothing of the engine.
func (s Step) Idle() bool { return s.Launch == 0 && len(s.Kill) == 0 && len(s.Expunge) == 0 }

// Capacity returns the rolling restart's bounds for a target, as Marathon
// computes them: at least minHealthy = ceil(instances × minimumHealthCapacity)
// ready instances, at most maxCapacity = floor(instances × (1 +
// maximumOverCapacity)) instances, and one more when the two are equal so a
// restart can start at all. A tiny tolerance keeps 3 × 1.1 at 3, not 4.
func Capacity(t Target) (minHealthy, maxCapacity int) {
	n := max(t.Instances, 0)
	const eps = 1e-9
	minHealthy = int(math.Ceil(float64(n)*clamp01(t.MinimumHealthCapacity) - eps))
	maxCapacity = int(math.Floor(float64(n)*(1+clamp01(t.MaximumOverCapacity)) + eps))
	minHealthy = min(max(minHealthy, 0), n)
	maxCapacity = max(maxCapacity, n)
	if n > 0 && minHealthy == maxCapacity {
		maxCapacity++
	}
	return minHealthy, maxCapacity
}

func clamp01(f float64) float64 {
	if math.IsNaN(f) {
		return 0
	}
	return min(max(f, 0), 1)
}

// view is current sorted into what Next reasons about.
type view struct {
	t          Target
	minHealthy int
	maxCap     int

	newLive []*Instance // target version, counted as present
	oldLive []*Instance // other versions, counted as present, reachable
	killing []*Instance // kill sent, still holding resources
	expunge []*Instance // to give up now
	gone    int         // unreachable longer than the inactive delay: replaced, not counted
}

func classify(t Target, current []Instance, now time.Time) *view {
	v := &view{t: t}
	v.minHealthy, v.maxCap = Capacity(t)
	// One backing array for all lists keeps a call to a few allocations.
	backing := make([]*Instance, 0, 2*len(current))
	v.newLive = backing[0:0:len(current)]
	v.oldLive = backing[len(current) : len(current) : 2*len(current)]
	inactive := max(t.UnreachableInactiveAfter, 0)
	expunge := max(t.UnreachableExpungeAfter, inactive)
	for i := range current {
		in := &current[i]
		unreachable := in.State == Unreachable || (in.State == Killing && !in.UnreachableSince.IsZero())
		var away time.Duration
		if unreachable && !in.UnreachableSince.IsZero() {
			away = now.Sub(in.UnreachableSince)
		}
		switch {
		case unreachable && away >= expunge:
			v.expunge = append(v.expunge, in)
		case unreachable && (in.Version != t.Version || t.Instances <= 0):
			// An old instance the deployment replaces anyway, or any
			// instance of an app going to zero: waiting for its agent would
			// only hold the deployment up.
			v.expunge = append(v.expunge, in)
		case unreachable && away >= inactive:
			v.gone++
		case in.State == Killing:
			v.killing = append(v.killing, in)
		case in.Version == t.Version:
			v.newLive = append(v.newLive, in)
		default:
			v.oldLive = append(v.oldLive, in)
		}
	}
	return v
}

// ready: running, and healthy when the app has health checks. An instance
// of another version is judged by what is known of it: running and not
// failing (its version may have had no health checks, so no result is not
// held against it).
func (v *view) ready(in *Instance) bool {
	if in.State != Running {
		return false
	}
	if in.Version != v.t.Version {
		return in.Healthy == nil || *in.Healthy
	}
	return !v.t.HealthChecked || (in.Healthy != nil && *in.Healthy)
}

// rank orders instances for killing, lowest first: the ones that serve
// least go first (Marathon's ScalingProposition order Unreachable, Staging,
// Starting, Running, with TaskReplaceActor's "unhealthy first" added).
func (v *view) rank(in *Instance) int {
	switch in.State {
	case Unreachable:
		return 0
	case Scheduled:
		return 1
	case Staged:
		return 2
	case Starting:
		return 3
	case Running:
		switch {
		case in.Healthy != nil && !*in.Healthy:
			return 4
		case v.t.HealthChecked && in.Healthy == nil && in.Version == v.t.Version:
			return 5
		}
		return 6
	}
	return 7
}

// killOrder sorts instances so that the first are killed first: by rank,
// then by kill selection on StartedAt (an instance not started yet is the
// youngest), then by id so that the choice is the same every time.
func (v *view) killOrder(list []*Instance) {
	oldestFirst := v.t.KillSelection == OldestFirst
	slices.SortStableFunc(list, func(a, b *Instance) int {
		if c := cmp.Compare(v.rank(a), v.rank(b)); c != 0 {
			return c
		}
		if c := compareStart(a.StartedAt, b.StartedAt); c != 0 {
			if oldestFirst {
				return c
			}
			return -c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// compareStart orders start times, a zero time (not started) last.
func compareStart(a, b time.Time) int {
	switch {
	case a.Equal(b):
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}

// Next decides what to do now to take an app from current to target:
// scaling up or down, a rolling restart to a new version, replacing
// instances that failed or stayed unreachable too long, and killing the
// surplus when one comes back. It is the whole deployment logic, called
// again whenever something changes; each call looks only at its inputs.
//
// The rules, in the order applied:
//
//  1. Unreachable instances: one unreachable for UnreachableExpungeAfter is
//     expunged; an old-version one is expunged at once (the deployment
//     replaces it anyway); one unreachable for UnreachableInactiveAfter no
//     longer counts (a replacement is launched, it is not killed);
//     before that it counts as present, not ready.
//  2. More target-version instances than wanted (scale down, or an
//     unreachable instance came back after its replacement was launched):
//     exactly the surplus is killed, least useful first (unreachable,
//     scheduled, staged, starting, unhealthy, health unknown, ready), and
//     among equals by kill selection: with YOUNGEST_FIRST the returning
//     instance, which started earlier, is kept over its replacement.
//  3. Old-version instances: those not ready are killed at once (they count
//     for nothing towards minHealthy); ready ones while at least minHealthy
//     ready instances (old and new) remain — "kill old beyond minHealthy at
//     once", then one more for each new instance that becomes ready.
//  4. Launch new instances up to Target.Instances, without going over
//     maxCapacity counting everything present and everything being killed
//     (a kill frees its resources only when the task is gone).
//
// Next is idempotent: after the engine carried out a step (launches
// recorded as Scheduled, kills marked Killing, expunged and killed
// Scheduled instances forgotten), calling it again with the same time asks
// for nothing more.
func Next(t Target, current []Instance, now time.Time) Step {
	v := classify(t, current, now)
	var step Step
	for _, in := range v.expunge {
		step.Expunge = append(step.Expunge, in.ID)
	}
	remove := func(in *Instance) {
		if in.State == Unreachable {
			step.Expunge = append(step.Expunge, in.ID)
		} else {
			step.Kill = append(step.Kill, in.ID)
		}
	}
	n := max(t.Instances, 0)

	// 2. Surplus of the target version.
	newKept := v.newLive
	if len(v.newLive) > n {
		v.killOrder(v.newLive)
		surplus := len(v.newLive) - n
		for _, in := range v.newLive[:surplus] {
			remove(in)
		}
		newKept = v.newLive[surplus:]
	}
	occupying := len(v.killing) + len(v.newLive) // killed surplus holds resources until gone
	for _, in := range v.newLive[:len(v.newLive)-len(newKept)] {
		if in.State == Scheduled || in.State == Unreachable {
			occupying-- // nothing to wait for: forgotten at once
		}
	}

	// 3. Old instances.
	readyLeft := 0
	for _, in := range newKept {
		if v.ready(in) {
			readyLeft++
		}
	}
	var oldReady []*Instance
	for _, in := range v.oldLive {
		if v.ready(in) {
			oldReady = append(oldReady, in)
			readyLeft++
			continue
		}
		remove(in)
		if in.State != Scheduled {
			occupying++
		}
	}
	killable := readyLeft - v.minHealthy
	if n == 0 {
		killable = len(oldReady)
	}
	if killable > 0 {
		v.killOrder(oldReady) // sorted only when something is killed
	}
	oldKept := 0
	for i, in := range oldReady {
		if i < killable {
			remove(in)
		} else {
			oldKept++
		}
		occupying++
	}

	// 4. Launch.
	need := n - len(newKept)
	room := v.maxCap - occupying
	step.Launch = max(0, min(need, room))

	if !step.Idle() {
		return step
	}
	newReady := 0
	for _, in := range newKept {
		if v.ready(in) {
			newReady++
		}
	}
	if len(v.killing) == 0 && len(v.oldLive) == 0 && len(newKept) == n && newReady == n {
		step.Done = true
		return step
	}
	step.Waiting = v.waiting(newKept, newReady, oldKept, need, room)
	return step
}

// waiting says what a step with nothing to do waits for.
func (v *view) waiting(newKept []*Instance, newReady, oldKept, need, room int) string {
	var why []string
	if notReady := len(newKept) - newReady; notReady > 0 {
		counts := map[string]int{}
		var order []string
		for _, in := range newKept {
			if v.ready(in) {
				continue
			}
			label := in.State.String()
			if in.State == Running {
				label = "unhealthy"
				if in.Healthy == nil {
					label = "without a health result yet"
				}
			}
			if counts[label] == 0 {
				order = append(order, label)
			}
			counts[label]++
		}
		var parts []string
		for _, label := range order {
			parts = append(parts, fmt.Sprintf("%d %s", counts[label], label))
		}
		why = append(why, fmt.Sprintf("%d of %d instances of version %s to become ready (%s)",
			notReady, len(newKept), v.t.Version, strings.Join(parts, ", ")))
	}
	if oldKept > 0 {
		why = append(why, fmt.Sprintf("new instances to become ready before %d old ones are killed (minimumHealthCapacity keeps %d ready)",
			oldKept, v.minHealthy))
	}
	if len(v.killing) > 0 {
		why = append(why, instances(len(v.killing))+" to be killed")
	}
	if need > 0 && room <= 0 {
		why = append(why, fmt.Sprintf("room to launch %d more: maximumOverCapacity allows %d instances at once", need, v.maxCap))
	}
	if len(why) == 0 {
		return "nothing to wait for"
	}
	return "waiting for " + strings.Join(why, "; ")
}

// Unhealthy returns which instances failing their health checks may be
// killed for replacement now, in the order to kill them, so that health
// failures never take more instances out at once than the upgrade strategy
// allows: at most instances − minHealthy instances may be not ready for
// this reason at a time (at least one, so that an app with
// minimumHealthCapacity 1 still replaces a failing instance, one at a
// time). Instances already being replaced count against it: those being
// killed and those launched but not ready yet.
//
// A candidate is a running instance whose Healthy is false. The engine
// decides what makes it fail (Marathon: maxConsecutiveFailures reached) and
// passes Healthy false only then, or asks only about such instances.
func Unhealthy(t Target, current []Instance) []string {
	v := &view{t: t}
	v.minHealthy, v.maxCap = Capacity(t)
	var failing []*Instance
	inFlight := 0
	for i := range current {
		in := &current[i]
		switch {
		case in.State == Running && in.Healthy != nil && !*in.Healthy:
			failing = append(failing, in)
		case in.State == Killing, in.State == Scheduled, in.State == Staged, in.State == Starting:
			inFlight++
		case in.State == Running && t.HealthChecked && in.Healthy == nil:
			inFlight++
		}
	}
	allowed := max(1, max(t.Instances, 0)-v.minHealthy) - inFlight
	if allowed <= 0 || len(failing) == 0 {
		return nil
	}
	v.killOrder(failing)
	var out []string
	for _, in := range failing[:min(allowed, len(failing))] {
		out = append(out, in.ID)
	}
	return out
}

// Backoff is Marathon's launch delay after consecutive failures of an app's
// instances: none before the first failure, then seconds, growing by factor
// with each further failure, never more than maxSeconds
// (backoffSeconds, backoffFactor, maxLaunchDelaySeconds; Marathon's
// RateLimiter).
func Backoff(failures int, seconds, factor, maxSeconds float64) time.Duration {
	if failures <= 0 || seconds <= 0 || math.IsNaN(seconds) {
		return 0
	}
	if math.IsNaN(maxSeconds) || maxSeconds < 0 {
		maxSeconds = 0
	}
	if math.IsNaN(factor) || factor < 1 {
		factor = 1
	}
	d := seconds * math.Pow(factor, float64(failures-1))
	if math.IsInf(d, 0) || math.IsNaN(d) || d > maxSeconds {
		d = maxSeconds
	}
	return time.Duration(math.Round(d * float64(time.Second)))
}

func instances(n int) string {
	if n == 1 {
		return "1 instance"
	}
	return fmt.Sprintf("%d instances", n)
}
