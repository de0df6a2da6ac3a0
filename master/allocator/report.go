package allocator

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"agora/resources"
)

// Reason says why a framework is not offered an agent's free resources in
// one of its roles (STYLE rule 5: decisions come with reasons, and the
// reasons are counted).
type Reason uint8

// The reasons, in the order Outcome.String prints them.
const (
	// ReasonAvailable: something is free there for the role and nothing
	// stops the framework from being offered it; the next allocation
	// offers it to this framework or to one with a lower share.
	ReasonAvailable Reason = iota + 1
	// ReasonNothingFree: nothing allocatable to the role is free on the
	// agent (all held, or reserved to other roles).
	ReasonNothingFree
	// ReasonFiltered: the framework's refuse filter for the agent covers
	// everything free for the role.
	ReasonFiltered
	// ReasonBelowMinAllocatable: what is free for the role is less than
	// every --min_allocatable_resources alternative.
	ReasonBelowMinAllocatable
	// ReasonQuota: the role's quota limit, or headroom kept for other
	// roles' guarantees, leaves too little to offer.
	ReasonQuota
	// ReasonSuppressed: the framework suppressed offers for the role.
	ReasonSuppressed
	// ReasonInactive: the framework is disconnected.
	ReasonInactive
)

var reasonNames = [...]string{
	ReasonAvailable:           "available",
	ReasonNothingFree:         "nothing free",
	ReasonFiltered:            "refuse filter",
	ReasonBelowMinAllocatable: "below min allocatable",
	ReasonQuota:               "quota",
	ReasonSuppressed:          "suppressed",
	ReasonInactive:            "framework inactive",
}

func (r Reason) String() string {
	if int(r) < len(reasonNames) && reasonNames[r] != "" {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", r)
}

// Outcome explains, for one framework, every (activated agent, subscribed
// role) pair: why it is or is not about to be offered there.
type Outcome struct {
	// Agents is the number of activated agents.
	Agents int
	// Reasons counts the pairs by reason.
	Reasons map[Reason]int
}

// String reads like "3 agent-roles: nothing free 2, refuse filter 1".
func (o Outcome) String() string {
	total := 0
	for _, n := range o.Reasons {
		total += n
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d agent-roles", total)
	sep := ": "
	for r := ReasonAvailable; r <= ReasonInactive; r++ {
		if n := o.Reasons[r]; n > 0 {
			fmt.Fprintf(&b, "%s%s %d", sep, r, n)
			sep = ", "
		}
	}
	return b.String()
}

// Explain answers "why does this framework get no offer?" from the current
// state: for every activated agent and every role the framework subscribes
// to, what would stop an offer at now. It costs a pass over the agents, so
// it is meant for operators and logs, not for every cycle. It reports false
// for an unknown framework.
func (a *Allocator) Explain(frameworkID string, now time.Time) (Outcome, bool) {
	fw := a.frameworks[frameworkID]
	if fw == nil {
		return Outcome{}, false
	}
	out := Outcome{Agents: a.active, Reasons: map[Reason]int{}}
	cq := a.startQuotaCycle()
	for _, fr := range fw.roles {
		if !fr.subscribed {
			continue
		}
		switch {
		case !fw.active:
			out.Reasons[ReasonInactive] += a.active
			continue
		case fr.suppressed:
			out.Reasons[ReasonSuppressed] += a.active
			continue
		}
		for _, ag := range a.agentList {
			if ag.active {
				out.Reasons[a.reason(fr, ag, now, &cq)]++
			}
		}
	}
	for r, n := range out.Reasons {
		if n == 0 {
			delete(out.Reasons, r)
		}
	}
	return out, true
}

// RoleExplanation says why a framework is or is not about to be offered an
// agent's free resources in one of its roles.
type RoleExplanation struct {
	Role   string
	Reason Reason
	// Free is what is free on the agent and allocatable to the role.
	Free resources.Resources
	// Held is what the framework holds on the agent in the role, offered
	// or in use.
	Held resources.Resources
	// Filtered is what the framework's live refuse filters for the agent
	// refuse in the role, and FilteredUntil when the last of them lapses.
	Filtered      resources.Resources
	FilteredUntil time.Time
}

// AgentExplanation is ExplainAgent's answer.
type AgentExplanation struct {
	// AgentActive is false while the agent is deactivated (unreachable):
	// nothing on it is offered, whatever the roles say.
	AgentActive bool
	// FrameworkActive is false while the framework is disconnected.
	FrameworkActive bool
	// Roles has one entry per role the framework subscribes to, by name.
	Roles []RoleExplanation
}

// ExplainAgent answers "why does this framework get (or not get) this
// agent's resources?" for every role the framework subscribes to, with
// what is free, held and filtered there. It reports false when the
// framework or the agent is unknown.
func (a *Allocator) ExplainAgent(frameworkID, agentID string, now time.Time) (AgentExplanation, bool) {
	fw, ag := a.frameworks[frameworkID], a.agents[agentID]
	if fw == nil || ag == nil {
		return AgentExplanation{}, false
	}
	out := AgentExplanation{AgentActive: ag.active, FrameworkActive: fw.active}
	cq := a.startQuotaCycle()
	for _, name := range sortedKeys(fw.roles) {
		fr := fw.roles[name]
		if !fr.subscribed {
			continue
		}
		e := RoleExplanation{
			Role: name,
			Free: ag.free.AllocatableTo(name),
			Held: ag.allocated[frameworkID].AllocatedTo(name),
		}
		for _, f := range ag.filters[fr] {
			if !f.expired(now) {
				e.Filtered = e.Filtered.Add(f.refused)
				if f.expires.After(e.FilteredUntil) {
					e.FilteredUntil = f.expires
				}
			}
		}
		switch {
		case !fw.active:
			e.Reason = ReasonInactive
		case fr.suppressed:
			e.Reason = ReasonSuppressed
		default:
			e.Reason = a.reason(fr, ag, now, &cq)
		}
		out.Roles = append(out.Roles, e)
	}
	return out, true
}

// reason is why fr would or would not be offered ag's free resources now.
func (a *Allocator) reason(fr *frameworkRole, ag *agent, now time.Time, cq *cycleQuota) Reason {
	avail := ag.free.AllocatableTo(fr.role.name)
	if avail.IsEmpty() {
		return ReasonNothingFree
	}
	if !a.minimum.allows(avail) {
		return ReasonBelowMinAllocatable
	}
	offer := avail
	if a.quotaSet > 0 {
		offer, _, _ = a.quotaOffer(fr.role, avail, 2, cq)
		if offer.IsEmpty() || !a.minimum.allows(offer) {
			return ReasonQuota
		}
	}
	if fr.covering(ag, offer, now) {
		return ReasonFiltered
	}
	return ReasonAvailable
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
		Roles:      make(map[string]float64, len(a.nodes)),
		Frameworks: make(map[string]map[string]float64, len(a.frameworks)),
	}
	for name, n := range a.nodes {
		s.Roles[name] = n.share
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

// RoleInfo is what the allocator knows of a role, for GET_ROLES and
// /roles.
type RoleInfo struct {
	Name   string
	Weight float64
	// Share is the role's weighted dominant share among its siblings,
	// counting its subroles' allocations.
	Share float64
	// Quota is the role's quota (zero: the default, none).
	Quota Quota
	// Consumed is what it consumes of its quota: allocations of the role
	// and its subroles plus their reservations (Mesos's quota consumed).
	Consumed Quantities
	// Frameworks subscribed to the role itself.
	Frameworks []string
}

// Roles lists the roles the allocator knows (with frameworks, allocations,
// reservations or quota, and their ancestors), sorted by name.
func (a *Allocator) Roles() []RoleInfo {
	a.resort()
	out := make([]RoleInfo, 0, len(a.nodes))
	for _, name := range sortedKeys(a.nodes) {
		n := a.nodes[name]
		info := RoleInfo{Name: name, Weight: n.weight, Share: n.share, Consumed: a.Consumed(name)}
		if n.quota != nil {
			info.Quota = n.quota.clone()
		}
		for id, fr := range n.leaf.members {
			if fr.subscribed {
				info.Frameworks = append(info.Frameworks, id)
			}
		}
		slices.Sort(info.Frameworks)
		out = append(out, info)
	}
	return out
}
