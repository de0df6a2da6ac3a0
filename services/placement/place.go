package placement

import (
	"slices"
	"strings"

	"agora/constraints"
	"agora/resources"
)

// Place places up to n instances of req on the round's offers, consuming
// the resources it gives them, and adds each to req.Placed. It returns the
// matches in the order placed and, when it placed fewer than n, why each
// offer could not take one more.
//
// Each instance goes to one offer that fits it (accepted roles, every
// constraint against req.Placed as it is after the instances before it,
// resources): with GROUP_BY or MAX_PER constraints the fitting offer whose
// values of those fields are least used (lexicographically in constraint
// order; ties to the earlier offer), so that instances spread evenly
// whatever the order of the offers; otherwise the fitting offer that took
// the fewest instances of this round so far (ties to the earlier offer).
// Marathon filled one offer before the next, which put every instance of an
// app without constraints on one machine and made its agent launch them all
// alone; spreading keeps an app up when one machine goes and launches on
// every agent at once. Since
// req.Placed is updated after every instance, UNIQUE, MAX_PER and CLUSTER
// hold within one round exactly as across rounds.
//
// Place stops early once no offer can take the next instance: the next
// would find the same.
func (r *Round) Place(req *Request, n int) ([]Match, Rejections) {
	var rej Rejections
	if req == nil || n <= 0 {
		return nil, rej
	}
	if req.Placed == nil {
		req.Placed = constraints.NewIndex()
	}
	roles, rolesKey := r.acceptedRoles(req)
	role := r.roleOf(req)
	nd := newNeed(req)
	spread := spreadConstraints(req.Constraints)
	// Within one Place call req.Placed only grows, and resources only
	// shrink, so an offer refused by UNIQUE, MAX_PER, CLUSTER, LIKE,
	// UNLIKE, IS or its resources stays refused: it is dropped from the
	// candidates. GROUP_BY is the exception: a value refused as over-used
	// becomes acceptable again once the other values catch up.
	monotone := !slices.ContainsFunc(req.Constraints, func(c constraints.Constraint) bool {
		return c.Operator == constraints.GroupBy
	})

	cands := make([]*offerState, 0, len(r.offers))
	for _, s := range r.offers {
		if s.invalid {
			continue
		}
		rej.Processed++
		if s.allocation(r.frameworkRole) == role && hasAcceptedRole(s.roles, roles) {
			cands = append(cands, s)
		}
	}

	var launches []Match
	var bestScore, score []int
	for len(launches) < n {
		var best *offerState
		bestLoad := 0
		w := 0
		for i := 0; i < len(cands); i++ {
			s := cands[i]
			if k, _ := s.poolFor(roles, rolesKey, role).fit(&nd); k != 0 {
				continue // dropped: resources never grow back within a round
			}
			load := len(s.matches)
			if len(spread) == 0 && best != nil && load >= bestLoad {
				// Without spreading constraints, the least loaded offer
				// of the round takes the instance.
				cands[w] = s
				w++
				continue
			}
			if len(spread) > 0 {
				// Only an offer emptier than the best so far matters; the
				// constraints are checked for those alone.
				score = scoreOf(score[:0], spread, req.Placed, &s.agent)
				if best != nil && slices.Compare(score, bestScore) >= 0 {
					cands[w] = s
					w++
					continue
				}
			}
			if len(req.Constraints) > 0 && !req.Placed.Allows(req.Constraints, s.agent) {
				if !monotone {
					cands[w] = s
					w++
				}
				continue
			}
			cands[w] = s
			w++
			if len(spread) == 0 {
				best, bestLoad = s, load
				if load == 0 {
					// No offer is emptier: keep the rest as they are.
					w += copy(cands[w:], cands[i+1:])
					break
				}
				continue
			}
			best = s
			bestScore = append(bestScore[:0], score...)
		}
		cands = cands[:w]
		if best == nil {
			break
		}
		m, ok := r.take(best, req, &nd, roles, rolesKey, role)
		if !ok {
			// Cannot happen with plain resources (fit checked the same
			// pool); never loop on it.
			cands = slices.DeleteFunc(cands, func(s *offerState) bool { return s == best })
			continue
		}
		launches = append(launches, m)
	}

	if len(launches) < n {
		r.explain(&rej, req, &nd, roles, rolesKey, role)
	}
	return launches, rej
}

// take places one instance of req on s.
func (r *Round) take(s *offerState, req *Request, nd *need, roles map[string]bool, rolesKey, role string) (Match, bool) {
	p := s.poolFor(roles, rolesKey, role)
	hostPorts, portRanges := p.pickPorts(req, nd)
	var ports resources.Resources
	if len(portRanges) > 0 {
		var err error
		if ports, err = resources.New(resources.NewRanges("ports", portRanges...)); err != nil {
			return Match{}, false
		}
	}
	found, ok := p.res.Find(nd.scalarsFor(p).Add(ports))
	if !ok && p.reservedRole != "" {
		// The reservation preference is only a preference: look again
		// for the instance's resources wherever the pool has them.
		found, ok = p.res.Find(nd.scalars.Add(ports))
	}
	if !ok {
		return Match{}, false
	}
	list, err := found.ToProto(s.format)
	if err != nil {
		return Match{}, false
	}
	s.remaining = s.remaining.Subtract(found)
	s.version++
	// found came out of the pool, so the pool minus found is what
	// poolFor would compute again.
	p.res = p.res.Subtract(found)
	p.cpus, p.mem, p.disk, p.gpus = p.res.Cpus(), p.res.Mem(), p.res.Disk(), p.res.Gpus()
	if len(portRanges) > 0 {
		p.ports = p.res.Ports()
	}
	s.poolVersion = s.version
	req.Placed.Add(s.agent)
	if req.Staying != nil {
		req.Staying.Add(s.agent)
	}
	m := Match{
		Request:   req,
		OfferID:   s.offer.GetId(),
		AgentID:   s.offer.GetAgentId(),
		Hostname:  s.offer.GetHostname(),
		Agent:     s.agent,
		Resources: list,
		HostPorts: hostPorts,
	}
	s.matches = append(s.matches, m)
	return m, true
}

// explain counts, for every offer of the round, the first reason it cannot
// take one more instance of req now.
func (r *Round) explain(rej *Rejections, req *Request, nd *need, roles map[string]bool, rolesKey, role string) {
	for _, s := range r.offers {
		if s.invalid {
			continue
		}
		if alloc := s.allocation(r.frameworkRole); alloc != role {
			rej.add(Reason{Kind: KindRole}, 1, "offer is for role "+alloc+"; the app runs as role "+role)
			continue
		}
		if !hasAcceptedRole(s.roles, roles) {
			rej.add(Reason{Kind: KindRole}, 1, "offer has no resources of role "+roleList(roles))
			continue
		}
		refused := false
		for i := range req.Constraints {
			c := &req.Constraints[i]
			if ok, why := c.Check(s.agent, req.Placed); !ok {
				rej.add(Reason{Kind: KindConstraint, Constraint: ConstraintKey(*c)}, 1, why)
				refused = true
				break
			}
		}
		if refused {
			if req.Staying != nil && req.Staying.Allows(req.Constraints, s.agent) {
				if k, _ := s.poolFor(roles, rolesKey, role).fit(nd); k == 0 {
					rej.HeldByReplaced++
				}
			}
			continue
		}
		if k, why := s.poolFor(roles, rolesKey, role).fit(nd); k != 0 {
			rej.add(Reason{Kind: k}, 1, why)
		}
	}
}

func hasAcceptedRole(offered, accepted map[string]bool) bool {
	for role := range offered {
		if accepted[role] {
			return true
		}
	}
	return false
}

func roleList(roles map[string]bool) string {
	list := make([]string, 0, len(roles))
	for role := range roles {
		list = append(list, role)
	}
	slices.Sort(list)
	return strings.Join(list, " or ")
}

// spreadConstraints returns the constraints whose fields placement spreads
// instances over: GROUP_BY (its purpose) and MAX_PER (so that no value
// reaches its limit while others are empty).
func spreadConstraints(cs []constraints.Constraint) []constraints.Constraint {
	var out []constraints.Constraint
	for _, c := range cs {
		if c.Operator == constraints.GroupBy || c.Operator == constraints.MaxPer {
			out = append(out, c)
		}
	}
	return out
}

// scoreOf appends, for each spreading constraint, how many placed instances
// share the agent's value of its field: lower is emptier.
func scoreOf(dst []int, spread []constraints.Constraint, placed *constraints.Index, a *constraints.Agent) []int {
	for i := range spread {
		dst = append(dst, placed.Count(spread[i].Field, fieldValue(a, spread[i].Field)))
	}
	return dst
}

// fieldValue reads a constraint field of an agent, as the constraints
// package does.
func fieldValue(a *constraints.Agent, field string) string {
	switch field {
	case "hostname", "@hostname":
		return a.Hostname
	case "@region":
		return a.Region
	case "@zone":
		return a.Zone
	}
	return a.Attributes[field]
}
