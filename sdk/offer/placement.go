package offer

import (
	"agora/constraints"
)

// Placement decides which agents may take one more instance of a group of
// tasks (an app, a service) under placement constraints, counting the
// instances already placed. Add and Remove keep Placed in step with the
// tasks' lives: Add when launching, Remove on a terminal or lost status.
type Placement struct {
	Constraints []constraints.Constraint
	Placed      *constraints.Index
}

// NewPlacement returns a Placement with no instance placed yet.
func NewPlacement(cs ...constraints.Constraint) *Placement {
	return &Placement{Constraints: cs, Placed: constraints.NewIndex()}
}

// Check returns why o's agent may not take one more instance; nil means
// it may.
func (p *Placement) Check(o *Offer) []constraints.Rejection {
	return p.Placed.Check(p.Constraints, o.Agent())
}

// Filter splits offers into those whose agents may take one more instance
// and the others, with the reasons of each refusal by offer id. It does not
// place anything: after launching on one, call Add, and check the rest
// again before launching another instance (a UNIQUE constraint refuses a
// second instance on the same rack).
func (p *Placement) Filter(offers []*Offer) (allowed []*Offer, refused map[string][]constraints.Rejection) {
	for _, o := range offers {
		if rs := p.Check(o); rs != nil {
			if refused == nil {
				refused = map[string][]constraints.Rejection{}
			}
			refused[o.GetId().GetValue()] = rs
			continue
		}
		allowed = append(allowed, o)
	}
	return allowed, refused
}

// Add records an instance placed on agent.
func (p *Placement) Add(agent constraints.Agent) { p.Placed.Add(agent) }

// Remove forgets an instance placed on agent; it reports whether there
// was one.
func (p *Placement) Remove(agent constraints.Agent) bool { return p.Placed.Remove(agent) }
