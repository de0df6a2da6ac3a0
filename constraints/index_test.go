package constraints

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"testing"
)

// naive evaluates constraints the slow, obvious way: it keeps the history of
// placements and removals and recomputes everything from it on each check,
// the way Marathon scans its instance list. The indexed Check must agree.
type naive struct {
	history []naiveEvent
	replays map[string]naiveState // by field, for the current history
}

type naiveState struct {
	counts, since map[string]int
}

type naiveEvent struct {
	agent Agent
	add   bool
}

func (n *naive) add(a Agent)    { n.history, n.replays = append(n.history, naiveEvent{a, true}), nil }
func (n *naive) remove(a Agent) { n.history, n.replays = append(n.history, naiveEvent{a, false}), nil }

// fieldValue reads a field the way the spec says, without the package's helpers.
func fieldValue(field string, a Agent) (string, bool) {
	switch field {
	case "hostname", "@hostname":
		return a.Hostname, a.Hostname != ""
	case "@region":
		return a.Region, a.Region != ""
	case "@zone":
		return a.Zone, a.Zone != ""
	}
	v, ok := a.Attributes[field]
	return v, ok
}

// state replays the history for one field: the instance count per value, and
// for each value present the step at which its current run of instances began.
func (n *naive) state(field string) (counts map[string]int, since map[string]int) {
	if s, ok := n.replays[field]; ok {
		return s.counts, s.since
	}
	defer func() {
		if n.replays == nil {
			n.replays = map[string]naiveState{}
		}
		n.replays[field] = naiveState{counts, since}
	}()
	counts, since = map[string]int{}, map[string]int{}
	for i, e := range n.history {
		v, ok := fieldValue(field, e.agent)
		if !ok {
			continue
		}
		if e.add {
			if counts[v] == 0 {
				since[v] = i
			}
			counts[v]++
			continue
		}
		counts[v]--
		if counts[v] == 0 {
			delete(counts, v)
			delete(since, v)
		}
	}
	return counts, since
}

func (n *naive) check(c Constraint, a Agent) bool {
	v, ok := fieldValue(c.Field, a)
	if !ok {
		return c.Operator == Unlike
	}
	counts, since := n.state(c.Field)
	switch c.Operator {
	case Like:
		return regexp.MustCompile("^(?:" + c.Value + ")$").MatchString(v)
	case Unlike:
		return !regexp.MustCompile("^(?:" + c.Value + ")$").MatchString(v)
	case Is:
		return v == c.Value // the test only uses text IS values
	case Unique:
		return counts[v] == 0
	case MaxPer:
		var max int
		fmt.Sscan(c.Value, &max)
		return counts[v] < max
	case Cluster:
		if c.HasValue {
			return v == c.Value
		}
		first, firstSince := "", -1
		for value, s := range since {
			if firstSince < 0 || s < firstSince {
				first, firstSince = value, s
			}
		}
		return firstSince < 0 || v == first
	case GroupBy:
		if counts[v] == 0 {
			return true
		}
		want := 0
		if c.HasValue {
			fmt.Sscan(c.Value, &want)
		}
		if len(counts) < want {
			return false
		}
		for _, k := range counts {
			if k < counts[v] {
				return false
			}
		}
		return true
	}
	panic("operator " + c.Operator.String())
}

// randomAgent draws from a small world so that values collide often: few
// hosts, few racks, some agents without a rack or a zone.
func randomAgent(r *rand.Rand) Agent {
	a := Agent{Hostname: fmt.Sprintf("h%d", r.IntN(12)), Attributes: map[string]string{}}
	if r.IntN(5) > 0 {
		a.Attributes["rack"] = fmt.Sprintf("r%d", r.IntN(5))
	}
	if r.IntN(4) > 0 {
		a.Zone = fmt.Sprintf("z%d", r.IntN(3))
	}
	if r.IntN(3) == 0 {
		a.Region = "eu"
	}
	return a
}

func TestIndexAgreesWithNaiveScan(t *testing.T) {
	var cs []Constraint
	for _, field := range []string{"hostname", "rack", "@zone", "@region"} {
		for _, parts := range [][]string{
			{field, "UNIQUE"},
			{field, "CLUSTER"},
			{field, "CLUSTER", "r1"},
			{field, "GROUP_BY"},
			{field, "GROUP_BY", "2"},
			{field, "GROUP_BY", "4"},
			{field, "MAX_PER", "1"},
			{field, "MAX_PER", "3"},
			{field, "LIKE", "r[0-2]|h1.*|z1"},
			{field, "UNLIKE", "r[0-2]|h1.*|z1"},
			{field, "IS", "z2"},
		} {
			cs = append(cs, mustMarathon(t, parts...))
		}
	}
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		x, slow := NewIndex(), &naive{}
		var live []Agent
		for step := range 400 {
			// Grow more than shrink, but empty out now and then.
			if len(live) > 0 && r.IntN(3) == 0 {
				i := r.IntN(len(live))
				a := live[i]
				live = append(live[:i], live[i+1:]...)
				if !x.Remove(a) {
					t.Fatalf("seed %d step %d: Remove of a placed instance refused", seed, step)
				}
				slow.remove(a)
			} else {
				a := randomAgent(r)
				live = append(live, a)
				x.Add(a)
				slow.add(a)
			}
			checkBuckets(t, x)
			candidate := randomAgent(r)
			for _, c := range cs {
				ok, reason := c.Check(candidate, x)
				if want := slow.check(c, candidate); ok != want {
					t.Fatalf("seed %d step %d: %s on %+v with %d placed: index says %v (%q), scan says %v",
						seed, step, c, candidate, len(live), ok, reason, want)
				}
				if !ok && reason == "" {
					t.Fatalf("seed %d step %d: %s refused without a reason", seed, step, c)
				}
			}
		}
	}
}

// checkBuckets verifies the invariants of every field's count buckets: they
// ascend from least, each holds exactly the values with its count, and the
// arrival list holds exactly the values present.
func checkBuckets(t *testing.T, x *Index) {
	t.Helper()
	for k, f := range x.fields {
		want := map[int]int{}
		total := 0
		for _, e := range f.values {
			want[e.n]++
			total += e.n
		}
		if total != f.total {
			t.Fatalf("field %v: total %d, values sum to %d", k, f.total, total)
		}
		seen, prev := 0, 0
		var lower *countBucket
		for b := f.least; b != nil; b = b.higher {
			if b.n <= prev || b.lower != lower || want[b.n] != b.values || f.buckets[b.n] != b {
				t.Fatalf("field %v: bucket %d (values %d) out of order or wrong, want %d values", k, b.n, b.values, want[b.n])
			}
			prev, lower = b.n, b
			seen++
		}
		if seen != len(want) || len(f.buckets) != len(want) {
			t.Fatalf("field %v: %d buckets linked, %d mapped, want %d", k, seen, len(f.buckets), len(want))
		}
		n := 0
		for e := f.oldest; e != nil; e = e.newer {
			if f.values[e.value] != e {
				t.Fatalf("field %v: arrival list holds %q, which is not present", k, e.value)
			}
			n++
		}
		if n != len(f.values) {
			t.Fatalf("field %v: arrival list has %d values, want %d", k, n, len(f.values))
		}
	}
}

// TestGroupBySpreadsEvenly: with GROUP_BY n over n racks and offers in random
// order, no rack ever runs more than one instance above another.
func TestGroupBySpreadsEvenly(t *testing.T) {
	const racks = 5
	c := mustMarathon(t, "rack", "GROUP_BY", fmt.Sprint(racks))
	r := rand.New(rand.NewPCG(1, 2))
	placed := NewIndex()
	for placed.Len() < 200 {
		a := agent(fmt.Sprintf("h%d", r.IntN(50)), "rack", fmt.Sprintf("r%d", r.IntN(racks)))
		if ok, _ := c.Check(a, placed); !ok {
			continue
		}
		placed.Add(a)
		least, most := placed.Len(), 0
		for i := range racks {
			n := placed.Count("rack", fmt.Sprintf("r%d", i))
			least, most = min(least, n), max(most, n)
		}
		if placed.Len() >= racks && most-least > 1 {
			t.Fatalf("after %d placements racks hold between %d and %d instances", placed.Len(), least, most)
		}
	}
}
