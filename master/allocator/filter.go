package allocator

import (
	"slices"
	"time"

	"agora/resources"
)

// refuseFilter keeps a framework from being offered, in one role on one
// agent, resources it declined: Mesos's RefusedOfferFilter
// (hierarchical.cpp). It covers the agent while what would be offered is
// contained in what was refused, so it stops applying early as soon as more
// becomes free there, and it expires at a fixed time.
type refuseFilter struct {
	refused resources.Resources // allocation role cleared
	expires time.Time
	// version and covers remember the last verdict: while the agent's
	// free resources stay at that version, the filter covers them or not
	// without comparing again. Frameworks that declined agents they
	// cannot use meet them again whenever the agent changes; this keeps
	// that cheap.
	version uint64
	covers  bool
}

func (f *refuseFilter) expired(now time.Time) bool { return !now.Before(f.expires) }

// addFilter installs a filter, dropping expired ones of the same agent.
//
// The agent is woken when the filter lapses only if the filter ever stops
// an offer (see filtered): a filter that never decides anything, because
// what is free is below the minimum or goes to another framework, need not
// be watched, and in a busy cluster most declined leftovers are such.
func (a *Allocator) addFilter(fr *frameworkRole, ag *agent, f refuseFilter, now time.Time) {
	if ag.filters == nil {
		ag.filters = map[*frameworkRole][]refuseFilter{}
	}
	if fr.filterAgents == nil {
		fr.filterAgents = map[*agent]struct{}{}
	}
	fs := slices.DeleteFunc(ag.filters[fr], func(f refuseFilter) bool { return f.expired(now) })
	ag.filters[fr] = append(fs, f)
	fr.filterAgents[ag] = struct{}{}
}

// dropFilters removes the framework's filters in this role on every agent;
// those agents are looked at again, since the framework may now take what
// it refused.
func (a *Allocator) dropFilters(fr *frameworkRole) {
	for ag := range fr.filterAgents {
		delete(ag.filters, fr)
		a.markDirty(ag)
	}
	fr.filterAgents = nil
}

// filtered reports whether a refuse filter of the framework in this role
// covers offering rs (what the framework would be offered) on the agent.
// Expired filters are dropped on the way. cache says whether rs is a
// function of the agent's free resources alone (no quota shrinking), so
// that the verdict can be remembered for the agent's version.
//
// A filter that covers keeps the agent from being offered to the framework
// until it lapses, so the agent is woken then (wakeFilters).
func (a *Allocator) filtered(fr *frameworkRole, ag *agent, rs resources.Resources, now time.Time, cache bool) bool {
	fs, ok := ag.filters[fr]
	if !ok {
		return false
	}
	hit, expired := false, false
	for i := range fs {
		f := &fs[i]
		if f.expired(now) {
			expired = true
			continue
		}
		if hit {
			continue
		}
		switch {
		case !cache:
			hit = f.refused.Contains(rs)
		case f.version != ag.version:
			f.version, f.covers = ag.version, f.refused.Contains(rs)
			hit = f.covers
		default:
			hit = f.covers
		}
		if hit {
			a.expiries.wakeAt(ag, f.expires)
		}
	}
	if expired {
		fs = slices.DeleteFunc(fs, func(f refuseFilter) bool { return f.expired(now) })
		if len(fs) == 0 {
			delete(ag.filters, fr)
			delete(fr.filterAgents, ag)
		} else {
			ag.filters[fr] = fs
		}
	}
	return hit
}

// covering reports, without changing anything, whether an unexpired filter
// of the framework in this role covers rs on the agent.
func (fr *frameworkRole) covering(ag *agent, rs resources.Resources, now time.Time) bool {
	for _, f := range ag.filters[fr] {
		if !f.expired(now) && f.refused.Contains(rs) {
			return true
		}
	}
	return false
}

// expiryHeap wakes agents up when one of their refuse filters lapses: a
// lapsed filter is the one change to an agent's offerability that nothing
// else reports. Each agent has at most one live entry, for its earliest
// pending expiry (agent.wake); entries superseded by an earlier one stay in
// the heap, stale, until popped or compacted.
type expiryHeap struct {
	entries []expiry
}

type expiry struct {
	at time.Time
	ag *agent
}

func (h *expiryHeap) Len() int { return len(h.entries) }

// A typed binary heap: container/heap would box every entry on Pop, and
// a busy cluster pops one per lapsing filter.
func (h *expiryHeap) push(e expiry) {
	h.entries = append(h.entries, e)
	h.up(len(h.entries) - 1)
}

func (h *expiryHeap) pop() expiry {
	top := h.entries[0]
	last := len(h.entries) - 1
	h.entries[0] = h.entries[last]
	h.entries[last] = expiry{}
	h.entries = h.entries[:last]
	h.down(0)
	return top
}

func (h *expiryHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.entries[i].at.Before(h.entries[p].at) {
			return
		}
		h.entries[i], h.entries[p] = h.entries[p], h.entries[i]
		i = p
	}
}

func (h *expiryHeap) down(i int) {
	n := len(h.entries)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.entries[r].at.Before(h.entries[l].at) {
			m = r
		}
		if !h.entries[m].at.Before(h.entries[i].at) {
			return
		}
		h.entries[i], h.entries[m] = h.entries[m], h.entries[i]
		i = m
	}
}

func (h *expiryHeap) init() {
	for i := len(h.entries)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// wakeAt makes sure the agent is woken at or before at.
func (h *expiryHeap) wakeAt(ag *agent, at time.Time) {
	if !ag.wake.IsZero() && !at.Before(ag.wake) {
		return
	}
	ag.wake = at
	h.push(expiry{at: at, ag: ag})
}

// wake marks dirty every agent with a filter that lapsed by now and
// schedules its next lapse. limit bounds the heap: when it holds more than
// that many entries, stale ones are dropped.
func (a *Allocator) wakeFilters(now time.Time) {
	h := &a.expiries
	for h.Len() > 0 && !now.Before(h.entries[0].at) {
		e := h.pop()
		ag := e.ag
		if ag.index < 0 || !e.at.Equal(ag.wake) {
			continue // removed agent, or superseded entry
		}
		ag.wake = time.Time{}
		// A lapse matters only if what is free there is worth
		// offering; if not, the agent is looked at when that changes.
		if a.minimum.allows(ag.free) {
			a.markDirty(ag)
		}
		var next time.Time
		for _, fs := range ag.filters {
			for _, f := range fs {
				if !f.expired(now) && (next.IsZero() || f.expires.Before(next)) {
					next = f.expires
				}
			}
		}
		if !next.IsZero() {
			h.wakeAt(ag, next)
		}
	}
	if h.Len() > 2*len(a.agentList)+64 {
		live := h.entries[:0]
		for _, e := range h.entries {
			if e.ag.index >= 0 && e.at.Equal(e.ag.wake) {
				live = append(live, e)
			}
		}
		clear(h.entries[len(live):])
		h.entries = live
		h.init()
	}
}
