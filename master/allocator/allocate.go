package allocator

import (
	"time"

	"agora/resources"
)

// Allocate runs one allocation cycle and returns the offers to make, at most
// one per (framework, agent). Everything offered counts as held by the
// framework at once, so it is never offered again until the master Recovers
// it (declined, rescinded, timed out, or used and then released).
//
// The cycle follows Mesos's hierarchical allocator (__generateOffers, second
// stage; roles are flat for now and there is no quota):
//
//   - activated agents with free resources are visited in a random order
//     (Mesos's std::random_shuffle): a fixed order would hand the same
//     agents to the same frameworks cycle after cycle;
//   - on each agent, roles are taken lowest weighted dominant share first
//     and, within a role, frameworks lowest dominant share first;
//   - the first framework whose refuse filters do not cover what is free
//     for its role gets all of it: the unreserved resources and those
//     reserved to the role (or its ancestors), if they reach the minimum
//     allocatable; the role and the framework then move back in their
//     orders, so the next agent goes to whoever is now poorest;
//   - inactive frameworks, suppressed roles and deactivated agents get
//     nothing.
func (a *Allocator) Allocate(now time.Time) []Offer {
	a.resort()
	a.startCycle()

	agents := a.candidates[:0]
	for _, ag := range a.agentList {
		if ag.active && !ag.free.IsEmpty() {
			agents = append(agents, ag)
		}
	}
	a.rand.Shuffle(len(agents), func(i, j int) { agents[i], agents[j] = agents[j], agents[i] })

	var offers []Offer
	for _, ag := range agents {
		offers = a.allocateAgent(ag, now, offers)
	}
	clear(agents)
	a.candidates = agents[:0]
	return offers
}

// allocateAgent offers one agent's free resources.
//
// It walks the live role order, not a copy: a grant moves the granted role
// (and framework) later, never earlier, so after a grant at index i the next
// role to look at is the one that slid into i. A granted role met again
// further on has nothing left allocatable to it and is passed over.
func (a *Allocator) allocateAgent(ag *agent, now time.Time, offers []Offer) []Offer {
	first := len(offers) // offers made on this agent start here
	roles := &a.roleOrder
	// Every role is looked at at most twice per agent (before and after its
	// grant); the bound keeps a bookkeeping bug from hanging the master's
	// loop.
	visits := 2*len(roles.items) + 1
	for i := 0; i < len(roles.items) && !ag.free.IsEmpty() && visits > 0; visits-- {
		r := roles.items[i]
		free := ag.free
		if ag.reserved {
			free = free.AllocatableTo(r.name)
		}
		if free.IsEmpty() {
			i++
			continue
		}
		if !a.minimum.allows(free) {
			for _, fr := range r.order.items {
				fr.outcome.belowMin++
			}
			i++
			continue
		}
		var taker *frameworkRole
		for _, fr := range r.order.items {
			if len(ag.filters) > 0 && fr.filtered(ag, free, now) {
				fr.outcome.filtered++
				continue
			}
			taker = fr
			break
		}
		if taker == nil {
			i++
			continue
		}
		offers = a.grant(ag, taker, free, offers, first)
	}
	return offers
}

// grant gives free (unallocated, all allocatable to the role) to a
// framework in a role on an agent and adds it to the framework's offer for
// the agent.
func (a *Allocator) grant(ag *agent, fr *frameworkRole, free resources.Resources, offers []Offer, first int) []Offer {
	name := fr.role.name
	fwID := fr.fw.id
	granted := free.AllocateTo(name)
	if ag.reserved {
		a.setFree(ag, ag.free.Subtract(free))
	} else {
		a.setFree(ag, resources.Resources{}) // free was everything free
	}
	ag.allocated[fwID] = ag.allocated[fwID].Add(granted)
	a.index(fwID, ag.id)
	a.track(fr.fw, granted, 1)
	fr.outcome.offered++

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
