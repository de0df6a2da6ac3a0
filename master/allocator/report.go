package allocator

import (
	"fmt"
	"strings"
)

// Reason says why a framework got no offer from an agent in one of its roles
// during the last Allocate (STYLE rule 5: decisions come with reasons, and
// the reasons are counted).
type Reason uint8

// The reasons, in the order Outcome.String prints them.
const (
	// ReasonNothingFree: nothing allocatable to the role was left on the
	// agent by the framework's turn (taken by poorer roles or frameworks,
	// reserved to other roles, or all held already).
	ReasonNothingFree Reason = iota + 1
	// ReasonFiltered: the framework's refuse filter for the agent covered
	// everything free for the role.
	ReasonFiltered
	// ReasonBelowMinAllocatable: what was free for the role was less than
	// every --min_allocatable_resources alternative.
	ReasonBelowMinAllocatable
	// ReasonSuppressed: the framework suppressed offers for the role.
	ReasonSuppressed
	// ReasonInactive: the framework was disconnected.
	ReasonInactive
)

var reasonNames = [...]string{
	ReasonNothingFree:         "nothing free",
	ReasonFiltered:            "refuse filter",
	ReasonBelowMinAllocatable: "below min allocatable",
	ReasonSuppressed:          "suppressed",
	ReasonInactive:            "framework inactive",
}

func (r Reason) String() string {
	if int(r) < len(reasonNames) && reasonNames[r] != "" {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", r)
}

// Outcome is what the last Allocate did for one framework, counted over
// (agent, role) pairs: every activated agent once for every role the
// framework is subscribed to.
type Outcome struct {
	// Agents is the number of activated agents the cycle considered.
	Agents int
	// Offered counts the pairs that produced an offer.
	Offered int
	// Reasons counts the other pairs by why they did not.
	Reasons map[Reason]int
}

// String reads like "offered on 2 of 10 agent-roles; nothing free 7,
// refuse filter 1".
func (o Outcome) String() string {
	total := o.Offered
	for _, n := range o.Reasons {
		total += n
	}
	var b strings.Builder
	fmt.Fprintf(&b, "offered on %d of %d agent-roles", o.Offered, total)
	sep := "; "
	for r := ReasonNothingFree; r <= ReasonInactive; r++ {
		if n := o.Reasons[r]; n > 0 {
			fmt.Fprintf(&b, "%s%s %d", sep, r, n)
			sep = ", "
		}
	}
	return b.String()
}

// roleOutcome is kept per framework and role; Allocate only touches it where
// it makes a decision, so counting costs nothing on the common path.
// "Nothing free" is not counted but derived: every considered agent not
// otherwise accounted for.
type roleOutcome struct {
	cycle    uint64 // the Allocate it belongs to
	state    Reason // 0 when the framework could be offered in the role
	offered  int
	filtered int
	belowMin int
}

// startCycle resets the outcomes for a new Allocate.
func (a *Allocator) startCycle() {
	a.cycle++
	a.lastAgents = a.active
	for _, fw := range a.frameworks {
		for _, fr := range fw.roles {
			o := roleOutcome{cycle: a.cycle}
			switch {
			case !fw.active:
				o.state = ReasonInactive
			case fr.suppressed:
				o.state = ReasonSuppressed
			}
			fr.outcome = o
		}
	}
}

// LastOutcome explains what the last Allocate did for a framework: the
// answer to "why did it get no offer?". It reports false for a framework
// that is unknown or was added after the last Allocate.
func (a *Allocator) LastOutcome(frameworkID string) (Outcome, bool) {
	fw := a.frameworks[frameworkID]
	if fw == nil || a.cycle == 0 {
		return Outcome{}, false
	}
	out := Outcome{Agents: a.lastAgents, Reasons: map[Reason]int{}}
	subscribed, seen := 0, 0
	for _, fr := range fw.roles {
		if !fr.subscribed {
			continue
		}
		subscribed++
		o := fr.outcome
		if o.cycle != a.cycle {
			continue
		}
		seen++
		if o.state != 0 {
			out.Reasons[o.state] += a.lastAgents
			continue
		}
		out.Offered += o.offered
		out.Reasons[ReasonFiltered] += o.filtered
		out.Reasons[ReasonBelowMinAllocatable] += o.belowMin
		out.Reasons[ReasonNothingFree] += a.lastAgents - o.offered - o.filtered - o.belowMin
	}
	if subscribed > 0 && seen == 0 {
		return Outcome{}, false
	}
	for r, n := range out.Reasons {
		if n == 0 {
			delete(out.Reasons, r)
		}
	}
	return out, true
}

// Shares are the dominant shares DRF orders by, for the master's /state,
// GET_ROLES and metrics.
type Shares struct {
	// Roles maps each role with frameworks to its dominant share divided
	// by its weight (Mesos's allocator/mesos/roles/<role>/shares/dominant).
	Roles map[string]float64
	// Frameworks maps framework → role → the framework's dominant share
	// of what it holds in that role.
	Frameworks map[string]map[string]float64
}

// Shares returns the current shares.
func (a *Allocator) Shares() Shares {
	a.resort()
	s := Shares{
		Roles:      make(map[string]float64, len(a.roles)),
		Frameworks: make(map[string]map[string]float64, len(a.frameworks)),
	}
	for name, r := range a.roles {
		s.Roles[name] = r.share
	}
	for id, fw := range a.frameworks {
		m := make(map[string]float64, len(fw.roles))
		for name, fr := range fw.roles {
			m[name] = fr.share
		}
		s.Frameworks[id] = m
	}
	return s
}
