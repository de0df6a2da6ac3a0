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
	// cannot use meet them again on every cycle; this keeps that cheap.
	version uint64
	covers  bool
}

func (f *refuseFilter) expired(now time.Time) bool { return !now.Before(f.expires) }

// addFilter installs a filter, dropping expired ones of the same agent.
func (fr *frameworkRole) addFilter(ag *agent, f refuseFilter, now time.Time) {
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

// dropFilters removes the framework's filters in this role on every agent.
func (fr *frameworkRole) dropFilters() {
	for ag := range fr.filterAgents {
		delete(ag.filters, fr)
	}
	fr.filterAgents = nil
}

// filtered reports whether a refuse filter of the framework in this role
// covers offering free (the agent's free resources allocatable to the role)
// on the agent. Expired filters are dropped on the way.
func (fr *frameworkRole) filtered(ag *agent, free resources.Resources, now time.Time) bool {
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
		if f.version != ag.version {
			f.version, f.covers = ag.version, f.refused.Contains(free)
		}
		hit = f.covers
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
