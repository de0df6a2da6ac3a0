package constraints

import (
	"fmt"
	"strconv"
)

// Rejection is a constraint that refused an agent, with the reason in words a
// person can act on, e.g. "rack=r2 does not match ^1.*$".
type Rejection struct {
	Constraint Constraint
	Reason     string
}

// String returns the constraint and the reason:
// ["rack","LIKE","^1.*$"]: rack=r2 does not match ^1.*$
func (r Rejection) String() string { return r.Constraint.String() + ": " + r.Reason }

// Check checks every constraint of an app against agent a for one more
// instance, given the app's placed instances, and returns a Rejection for each
// constraint that refuses; nil means a may take the instance. All refusals are
// returned, not just the first, so that a caller counting rejections by
// Rejection.Constraint.String() can say why an app is not placed. A nil Index
// means no instance is placed.
func (x *Index) Check(cs []Constraint, a Agent) []Rejection {
	var out []Rejection
	for i := range cs {
		if ok, reason := cs[i].check(&a, x); !ok {
			out = append(out, Rejection{Constraint: cs[i], Reason: reason})
		}
	}
	return out
}

// Allows reports whether every constraint accepts a, stopping at the first
// that refuses: the cheap question when the reasons are not wanted.
func (x *Index) Allows(cs []Constraint, a Agent) bool {
	for i := range cs {
		if ok, _ := cs[i].check(&a, x); !ok {
			return false
		}
	}
	return true
}

// Check reports whether c accepts agent a for one more instance of an app
// whose placed instances are in placed (nil: none), and if not, why.
func (c Constraint) Check(a Agent, placed *Index) (ok bool, reason string) {
	return c.check(&a, placed)
}

// check is Marathon's ConstraintsChecker, with the placed instances read from
// the index instead of scanned. Each case costs O(1) map lookups.
func (c *Constraint) check(a *Agent, placed *Index) (bool, string) {
	if !c.compiled {
		compiled := *c
		if p := compiled.compile(); p != nil {
			return false, "invalid constraint: " + p.detail
		}
		c = &compiled
	}
	v, present := c.field.value(a)
	if !present {
		// Marathon: "only the UNLIKE operator will (and always will) accept".
		if c.Operator == Unlike {
			return true, ""
		}
		return false, c.field.missing()
	}
	label := c.field.label()
	switch c.Operator {
	case Like:
		if c.re.MatchString(v) {
			return true, ""
		}
		return false, label + "=" + show(v) + " does not match " + c.Value
	case Unlike:
		if !c.re.MatchString(v) {
			return true, ""
		}
		return false, label + "=" + show(v) + " matches " + c.Value + ", which UNLIKE excludes"
	case Is:
		if v == c.is {
			return true, ""
		}
		return false, label + "=" + show(v) + ", not " + c.is + " (IS)"
	case Unique:
		n := placed.lookup(c.field).count(v)
		if n == 0 {
			return true, ""
		}
		return false, label + " " + show(v) + " already runs " + instances(n) + " (UNIQUE)"
	case MaxPer:
		n := placed.lookup(c.field).count(v)
		if n < c.n {
			return true, ""
		}
		return false, label + " " + show(v) + " has " + instances(n) + ", max " + strconv.Itoa(c.n) + " (MAX_PER)"
	case Cluster:
		if c.HasValue {
			if v == c.Value {
				return true, ""
			}
			return false, label + "=" + show(v) + ", not " + show(c.Value) + " (CLUSTER)"
		}
		// Marathon holds every instance to the first placed one's value. The
		// index answers with the value present the longest, which is that one
		// until it is gone, and a single, stable choice after.
		anchor, held := placed.lookup(c.field).anchor()
		if !held || v == anchor {
			return true, ""
		}
		return false, label + "=" + show(v) + ", but the app's instances are on " + label + " " + show(anchor) + " (CLUSTER)"
	case GroupBy:
		return c.checkGroupBy(v, label, placed.lookup(c.field))
	}
	return false, "invalid constraint: operator " + c.Operator.String()
}

// checkGroupBy is the GROUP_BY rule of Marathon 1.x (Constraints.checkGroupBy),
// which Marathon's constraints.md describes: a value no instance has yet is
// always accepted, since it opens a new group; a value that has instances is
// accepted only once at least n values are in use and no value has fewer
// instances than it. With GROUP_BY 3 and offers from two racks, one instance
// goes to each rack and the rest wait for a third; a fourth and fifth rack are
// still welcome.
func (c *Constraint) checkGroupBy(v, label string, f *fieldIndex) (bool, string) {
	n := f.count(v)
	if n == 0 {
		return true, ""
	}
	if groups := f.groups(); groups < c.n {
		return false, fmt.Sprintf("%s %s already runs %s and only %d of at least %d %s values are in use (GROUP_BY %d)",
			label, show(v), instances(n), groups, c.n, label, c.n)
	}
	if least := f.min(); n > least {
		return false, fmt.Sprintf("%s %s runs %s, more than the %d on the least used %s (GROUP_BY)",
			label, show(v), instances(n), least, label)
	}
	return true, ""
}

func instances(n int) string {
	if n == 1 {
		return "an instance"
	}
	return strconv.Itoa(n) + " instances"
}
