package allocator

import (
	"time"

	"agora/resources"
)

// CycleStats describes the last Allocate, for metrics and logs.
type CycleStats struct {
	// Agents is the number of agents the cycle looked at: those that
	// changed since they were last looked at (see Allocate).
	Agents int
	// Offers is the number of (framework, agent) offers it made.
	Offers int
	// HeldBack counts agents on which quota held resources back.
	HeldBack int
}

// LastCycle reports what the last Allocate did.
func (a *Allocator) LastCycle() CycleStats { return a.stats }

// Allocate runs one allocation cycle and returns the offers to make, at most
// one per (framework, agent). Everything offered counts as held by the
// framework at once, so it is never offered again until the master Recovers
// it (declined, rescinded, timed out, or used and then released).
//
// The cycle follows Mesos's hierarchical allocator (__generateOffers):
//
//   - agents are visited in a random order (Mesos's std::random_shuffle):
//     a fixed order would hand the same agents to the same frameworks
//     cycle after cycle;
//   - stage one, only when some role's quota guarantee is unsatisfied:
//     those roles are offered, on each agent, what counts towards their
//     guarantee (plus what quota lets them have beyond it);
//   - stage two: on each agent the role tree is walked lowest weighted
//     dominant share first at every level (hierarchical DRF), and within
//     a role frameworks lowest dominant share first; the first framework
//     whose refuse filters do not cover what is free for its role gets all
//     of it (unreserved resources and those reserved to the role or its
//     ancestors, cut to quota limits and guarantee headroom) if it reaches
//     the minimum allocatable; the orders then change and the walk starts
//     again for what is left;
//   - inactive frameworks, suppressed roles and deactivated agents get
//     nothing.
//
// Cycles are incremental. An agent that was looked at and kept some free
// resources kept them because nobody could take them: nothing was
// allocatable to an eligible role, or below the minimum, or covered by every
// candidate's refuse filter. Visiting it again gives the same answer until
// something changes: its free resources (a recovery, a task ending, a new
// total), a refuse filter on it lapsing or being dropped (REVIVE), a new
// candidate (a framework added, activated, revived, subscribing to a role),
// or quota (a quota update, or anything that moves consumption or headroom
// while quota held resources back on it). Those events mark the agent, or
// all agents, dirty, and Allocate looks only at dirty agents. A cycle in
// which nothing changed costs next to nothing, whatever the cluster's size.
func (a *Allocator) Allocate(now time.Time) []Offer {
	a.resort()
	a.cycle++
	a.wakeFilters(now)
	if a.quotaVersion != a.quotaSeen {
		for ag := range a.quotaHeld {
			a.markDirty(ag)
		}
		clear(a.quotaHeld)
		a.quotaSeen = a.quotaVersion
	}

	a.wakeNewcomers(now)

	agents := a.candidates[:0]
	if a.allDirty {
		for _, ag := range a.agentList {
			ag.dirty = false
			if ag.active && !ag.free.IsEmpty() {
				agents = append(agents, ag)
			}
		}
		a.allDirty = false
	} else {
		for _, ag := range a.dirty {
			ag.dirty = false
			if ag.index >= 0 && ag.active && !ag.free.IsEmpty() {
				agents = append(agents, ag)
			}
		}
	}
	clear(a.dirty)
	a.dirty = a.dirty[:0]
	a.stats = CycleStats{Agents: len(agents)}

	var offers []Offer
	if len(agents) > 0 && len(a.root.kids.items) > 0 {
		cq := a.startQuotaCycle()
		if cq.guaranteed {
			a.rand.Shuffle(len(agents), func(i, j int) { agents[i], agents[j] = agents[j], agents[i] })
			for _, ag := range agents {
				offers = a.allocateAgent(ag, now, offers, 1, &cq)
			}
		}
		a.rand.Shuffle(len(agents), func(i, j int) { agents[i], agents[j] = agents[j], agents[i] })
		for _, ag := range agents {
			offers = a.allocateAgent(ag, now, offers, 2, &cq)
		}
	}
	a.stats.Offers = len(offers)
	clear(agents)
	a.candidates = agents[:0]
	return offers
}

// maxNewcomers is how many newly eligible framework roles wakeNewcomers
// checks one by one; beyond that (a master failover re-subscribing every
// framework) looking at every agent once is cheaper.
const maxNewcomers = 32

// wakeNewcomers marks dirty the agents on which a framework role that
// became eligible since the last cycle could take something. Every other
// clean agent stays clean: nobody else could take anything there before,
// and the newcomer cannot either. This is what keeps a framework
// subscribing or reviving from costing a visit of every (agent, framework)
// pair.
func (a *Allocator) wakeNewcomers(now time.Time) {
	defer func() {
		for _, fr := range a.newcomers {
			fr.newcomer = false
		}
		clear(a.newcomers)
		a.newcomers = a.newcomers[:0]
	}()
	if a.allDirty || len(a.newcomers) == 0 {
		return
	}
	if len(a.newcomers) > maxNewcomers {
		a.allDirty = true
		return
	}
	for _, fr := range a.newcomers {
		if !fr.eligible() || fr.role.node == nil || a.nodes[fr.role.name] != fr.role.node {
			continue // left again, or its role is gone
		}
		for _, ag := range a.agentList {
			if ag.dirty || !ag.active || ag.free.IsEmpty() {
				continue
			}
			if a.couldTake(fr, ag, now) {
				a.markDirty(ag)
			}
		}
	}
}

// couldTake reports whether fr might be offered something on ag: something
// allocatable to its role is free, above the minimum, and not covered by
// its refuse filters. With quota it answers yes and leaves the details to
// the cycle.
func (a *Allocator) couldTake(fr *frameworkRole, ag *agent, now time.Time) bool {
	avail := ag.free
	if ag.reserved {
		avail = avail.AllocatableTo(fr.role.name)
	}
	if avail.IsEmpty() || !a.minimum.allows(avail) {
		return false
	}
	if a.quotaSet > 0 {
		return true
	}
	return len(ag.filters) == 0 || !a.filtered(fr, ag, avail, now, true)
}

// allocateAgent offers one agent's free resources in one stage.
func (a *Allocator) allocateAgent(ag *agent, now time.Time, offers []Offer, stage int, cq *cycleQuota) []Offer {
	// The minimum is monotone: if all that is free is not worth
	// offering, no part of it is.
	if !a.minimum.allows(ag.free) {
		return offers
	}
	first := len(offers) // offers made on this agent in this stage start here
	prior := cq.stageOne[ag]
	held := false
	// Every grant takes something from the agent; the bound keeps a
	// bookkeeping bug from hanging the master's loop.
	for range 1024 {
		if ag.free.IsEmpty() {
			break
		}
		p := picker{a: a, ag: ag, now: now, stage: stage, cq: cq}
		if !p.walk(a.root) {
			held = held || p.heldBack
			break
		}
		held = held || p.heldBack
		offers = a.grant(ag, p.fr, p.offer, offers, prior, first)
		if stage == 1 && cq.required != nil {
			cq.required = minus(cq.required, resourcesQuantities(p.guar))
		}
	}
	if stage == 1 && len(offers) > first {
		if cq.stageOne == nil {
			cq.stageOne = map[*agent][]int{}
		}
		for k := first; k < len(offers); k++ {
			cq.stageOne[ag] = append(cq.stageOne[ag], k)
		}
	}
	if held {
		a.quotaHeld[ag] = struct{}{}
		if stage == 2 {
			a.stats.HeldBack++
		}
	}
	return offers
}

// picker finds the next taker on an agent: the first framework, in
// hierarchical DRF order, that can be offered something there.
type picker struct {
	a     *Allocator
	ag    *agent
	now   time.Time
	stage int
	cq    *cycleQuota

	fr       *frameworkRole
	offer    resources.Resources
	guar     resources.Resources
	heldBack bool
}

// walk visits a node's kids in order, depth first, and reports whether it
// found a taker.
func (p *picker) walk(n *role) bool {
	for _, kid := range n.kids.items {
		if kid.isLeaf() {
			if p.leaf(kid) {
				return true
			}
		} else if p.walk(kid) {
			return true
		}
	}
	return false
}

// leaf looks for a taker among one role's frameworks.
func (p *picker) leaf(leaf *role) bool {
	a, ag := p.a, p.ag
	if p.stage == 1 && (leaf.node.quota == nil || len(leaf.node.quota.Guarantees) == 0) {
		return false
	}
	avail := ag.free
	if ag.reserved {
		avail = avail.AllocatableTo(leaf.name)
	}
	if avail.IsEmpty() || !a.minimum.allows(avail) {
		return false
	}
	offer, guar := avail, resources.Resources{}
	cache := true
	if a.quotaSet > 0 {
		var held bool
		offer, guar, held = a.quotaOffer(leaf, avail, p.stage, p.cq)
		p.heldBack = p.heldBack || held
		cache = false
		if offer.IsEmpty() || !a.minimum.allows(offer) {
			return false
		}
	}
	for _, fr := range leaf.order.items {
		if len(ag.filters) > 0 && a.filtered(fr, ag, offer, p.now, cache) {
			continue
		}
		p.fr, p.offer, p.guar = fr, offer, guar
		return true
	}
	return false
}

// grant gives rs (free on the agent, all allocatable to the role) to a
// framework in a role and adds it to the framework's offer for the agent.
//
// The framework's offer on the agent, if it has one in this cycle already,
// is among offers[first:] or at one of the indices in prior.
func (a *Allocator) grant(ag *agent, fr *frameworkRole, rs resources.Resources, offers []Offer, prior []int, first int) []Offer {
	name := fr.role.name
	fwID := fr.fw.id
	granted := rs.AllocateTo(name)
	if !ag.reserved && a.quotaSet == 0 {
		a.setFreeQuiet(ag, resources.Resources{}) // rs was everything free
	} else {
		a.setFreeQuiet(ag, ag.free.Subtract(rs))
	}
	ag.allocated[fwID] = ag.allocated[fwID].Add(granted)
	a.index(fwID, ag.id)
	a.track(fr.fw, granted, 1)

	for _, k := range prior {
		if offers[k].FrameworkID == fwID {
			offers[k].Resources[name] = offers[k].Resources[name].Add(granted)
			return offers
		}
	}
	for k := first; k < len(offers); k++ {
		if offers[k].FrameworkID == fwID {
			offers[k].Resources[name] = offers[k].Resources[name].Add(granted)
			return offers
		}
	}
	return append(offers, Offer{
		FrameworkID: fwID,
		AgentID:     ag.id,
		Resources:   map[string]resources.Resources{name: granted},
	})
}

func resourcesQuantities(rs resources.Resources) Quantities {
	q := Quantities{}
	q.Add(rs)
	return q
}
