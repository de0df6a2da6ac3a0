package allocator

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"agora/resources"
)

// ErrInvalidQuota is returned for a quota the allocator cannot apply.
var ErrInvalidQuota = errors.New("allocator: invalid quota")

// Quota is a role's quota (Mesos's Quota: docs/quota.md, quota.proto's
// QuotaConfig). Guarantees are amounts the role is offered before any other
// role is offered anything, as long as its frameworks accept them; Limits
// are amounts the role never consumes more of. A role consumes what is
// allocated to it and its subroles, offered or in use, plus every
// reservation to it or its subroles whether allocated or not. Only scalar
// resources have quota; a name without a limit is unlimited.
type Quota struct {
	Guarantees Quantities
	Limits     Quantities
}

// IsZero reports whether q is the default quota: no guarantees, no limits.
func (q Quota) IsZero() bool { return len(q.Guarantees) == 0 && len(q.Limits) == 0 }

func (q Quota) clone() Quota {
	return Quota{Guarantees: maps.Clone(q.Guarantees), Limits: maps.Clone(q.Limits)}
}

// SetQuota sets a role's quota; the zero Quota removes it. Guarantees must
// not exceed limits (Mesos's quota::validate). Checks that depend on the
// cluster (consumption above the new limit, guarantees beyond capacity,
// guarantees of subroles) are the caller's: the master makes them with
// Mesos's messages and its force flag. Every agent is looked at again in
// the next Allocate.
func (a *Allocator) SetQuota(role string, q Quota) error {
	if err := resources.ValidateRole(role); err != nil {
		return fmt.Errorf("allocator: quota for role %q: %w", role, err)
	}
	for name, g := range q.Guarantees {
		if g < 0 {
			return fmt.Errorf("%w: role %q: negative guarantee for %s", ErrInvalidQuota, role, name)
		}
		if l, ok := q.Limits[name]; ok && g > l {
			return fmt.Errorf("%w: role %q: guarantee %s:%s exceeds limit %s:%s", ErrInvalidQuota, role, name, g, name, l)
		}
	}
	for name, l := range q.Limits {
		if l < 0 {
			return fmt.Errorf("%w: role %q: negative limit for %s", ErrInvalidQuota, role, name)
		}
	}
	q = dropZeroGuarantees(q.clone())
	if q.IsZero() {
		if n := a.nodes[role]; n != nil && n.quota != nil {
			n.quota = nil
			a.quotaSet--
			a.gcRole(n)
		}
	} else {
		n := a.roleNode(role, true)
		if n.quota == nil {
			a.quotaSet++
		}
		n.quota = &q
	}
	for name := range q.Guarantees {
		a.scalars.id(name)
	}
	for name := range q.Limits {
		a.scalars.id(name)
	}
	a.quotaVersion++
	a.allDirty = true
	return nil
}

func dropZeroGuarantees(q Quota) Quota {
	for name, g := range q.Guarantees {
		if g == 0 {
			delete(q.Guarantees, name)
		}
	}
	if len(q.Guarantees) == 0 {
		q.Guarantees = nil
	}
	if len(q.Limits) == 0 {
		q.Limits = nil
	}
	return q
}

// Quota returns a role's quota; false when it has the default one.
func (a *Allocator) Quota(role string) (Quota, bool) {
	if n := a.nodes[role]; n != nil && n.quota != nil {
		return n.quota.clone(), true
	}
	return Quota{}, false
}

// Quotas returns every role's quota that is not the default.
func (a *Allocator) Quotas() map[string]Quota {
	out := map[string]Quota{}
	for name, n := range a.nodes {
		if n.quota != nil {
			out[name] = n.quota.clone()
		}
	}
	return out
}

// Consumed is what a role consumes of its quota: allocations (offered or in
// use) to it and its subroles, plus their reservations, allocated or not.
func (a *Allocator) Consumed(role string) Quantities {
	q := Quantities{}
	n := a.nodes[role]
	if n == nil {
		return q
	}
	for name, i := range a.scalars.ids {
		if m := a.consumed(n, i); m > 0 {
			q[name] = m
		}
	}
	return q
}

func at(ms []resources.Milli, i int) resources.Milli {
	if i < len(ms) {
		return ms[i]
	}
	return 0
}

// consumed is a node's consumed quota of scalar i.
func (a *Allocator) consumed(n *role, i int) resources.Milli {
	return at(n.reserved, i) + at(n.alloc, i) - at(n.allocReserved, i)
}

// unsatisfied is what a node's guarantees still lack, by name; empty when
// met.
func (a *Allocator) unsatisfied(n *role) Quantities {
	var out Quantities
	for name, g := range n.quota.Guarantees {
		if c := a.consumed(n, a.scalars.id(name)); c < g {
			if out == nil {
				out = Quantities{}
			}
			out[name] = g - c
		}
	}
	return out
}

// limitAllowance is how much more each limited resource a node may consume
// under its own limits and those of its ancestors; nil when none applies.
func (a *Allocator) limitAllowance(n *role) Quantities {
	var out Quantities
	for ; n != a.root; n = n.parent {
		if n.quota == nil {
			continue
		}
		for name, l := range n.quota.Limits {
			left := max(l-a.consumed(n, a.scalars.id(name)), 0)
			if out == nil {
				out = Quantities{}
			}
			if cur, ok := out[name]; !ok || left < cur {
				out[name] = left
			}
		}
	}
	return out
}

// cycleQuota is the quota state of one Allocate: Mesos's required and
// available headroom. Required headroom is what the unsatisfied guarantees
// of the topmost guaranteed roles still need; unreserved resources beyond
// what is free above it are not allocated to roles past their guarantees.
type cycleQuota struct {
	required Quantities // nil when no guarantee is unsatisfied
	// guaranteed is set when a role with an unsatisfied guarantee has an
	// eligible framework: stage one runs.
	guaranteed bool
	// stageOne remembers the offers stage one made on each agent, so that
	// stage two adds to them instead of making a second offer to the
	// same framework on the same agent.
	stageOne map[*agent][]int
}

func (a *Allocator) startQuotaCycle() cycleQuota {
	var cq cycleQuota
	if a.quotaSet == 0 {
		return cq
	}
	for _, name := range sortedKeys(a.nodes) {
		n := a.nodes[name]
		if n.quota == nil || len(n.quota.Guarantees) == 0 {
			continue
		}
		u := a.unsatisfied(n)
		if len(u) == 0 {
			continue
		}
		if n.leaf.pos >= 0 {
			cq.guaranteed = true
		}
		if a.guaranteedAncestor(n) {
			continue // the ancestor's guarantee includes this one
		}
		if cq.required == nil {
			cq.required = Quantities{}
		}
		for k, v := range u {
			cq.required[k] += v
		}
	}
	return cq
}

func (a *Allocator) guaranteedAncestor(n *role) bool {
	for p := n.parent; p != a.root; p = p.parent {
		if p.quota != nil && len(p.quota.Guarantees) > 0 {
			return true
		}
	}
	return false
}

// surplus is the free headroom beyond what guarantees require.
func (a *Allocator) surplus(required Quantities) Quantities {
	out := Quantities{}
	for name, i := range a.scalars.ids {
		if left := at(a.headroomFree, i) - required[name]; left > 0 {
			out[name] = left
		}
	}
	return out
}

// quotaOffer cuts what a leaf's role may be offered from avail (what is free
// on the agent and allocatable to the role) down to what quota allows:
// Mesos's two allocation stages. In stage one only roles with unsatisfied
// guarantees are offered, and only if some of their guarantee can be met
// here; in stage two every role is. In both, unreserved non-revocable
// scalars beyond a guarantee are cut to the role's (and its ancestors')
// limits and to the headroom that other roles' guarantees do not need.
// It returns what to offer, the part that counts towards guarantees, and
// whether anything was held back.
func (a *Allocator) quotaOffer(leaf *role, avail resources.Resources, stage int, cq *cycleQuota) (offer, guar resources.Resources, heldBack bool) {
	n := leaf.node
	var fixed, extra []resources.Resource
	for r := range avail.All() {
		switch {
		case r.Kind == resources.KindScalar && r.IsUnreserved() && !r.Revocable:
			extra = append(extra, r)
		case stage == 1 && !r.IsUnreserved() && r.ReservationRole() != n.name:
			// Stage one offers only the role's own reservations
			// with its guarantee; the rest waits for stage two.
		default:
			fixed = append(fixed, r)
		}
	}
	allow := a.limitAllowance(n)
	var guaranteed []resources.Resource
	if stage == 1 {
		u := a.unsatisfied(n)
		guaranteed, extra = shrink(extra, u, false)
		if allow != nil {
			// A guarantee below the role's own limit can still be
			// above what an ancestor's limit leaves.
			guaranteed, _ = shrink(guaranteed, allow, true)
		}
		if len(guaranteed) == 0 {
			return resources.Resources{}, resources.Resources{}, false
		}
	}
	before := quantityOf(extra)
	if allow != nil {
		extra, _ = shrink(extra, minus(allow, quantityOf(guaranteed)), true)
	}
	if cq.required != nil && len(extra) > 0 {
		extra, _ = shrink(extra, a.surplus(cq.required), false)
	}
	heldBack = !maps.Equal(before, quantityOf(extra))
	all := slices.Concat(fixed, guaranteed, extra)
	return resources.Must(all...), resources.Must(guaranteed...), heldBack
}

// shrink splits scalars into what fits in target and the rest. With
// unlimited, names missing from target are kept whole (limits); otherwise
// they are dropped into the rest (quantities). Atomic resources (volumes,
// mount and block disks, shared resources) are kept whole or not at all.
func shrink(rs []resources.Resource, target Quantities, unlimited bool) (in, rest []resources.Resource) {
	left := maps.Clone(target)
	for _, r := range rs {
		budget, ok := left[r.Name]
		if !ok {
			if unlimited {
				in = append(in, r)
			} else {
				rest = append(rest, r)
			}
			continue
		}
		take := min(r.Scalar, budget)
		if take < r.Scalar && atomic(r) {
			take = 0
		}
		if take > 0 {
			part := r
			part.Scalar = take
			in = append(in, part)
			left[r.Name] = budget - take
		}
		if take < r.Scalar {
			part := r
			part.Scalar = r.Scalar - take
			rest = append(rest, part)
		}
	}
	return in, rest
}

func atomic(r resources.Resource) bool {
	return r.Shared || r.Disk != nil && (r.Disk.Persistence != nil || r.Disk.Source != nil)
}

func quantityOf(rs []resources.Resource) Quantities {
	q := Quantities{}
	for _, r := range rs {
		q[r.Name] += r.Scalar
	}
	return q
}

// minus subtracts b from a, never below zero, keeping a's names.
func minus(a, b Quantities) Quantities {
	out := maps.Clone(a)
	for name := range out {
		out[name] = max(out[name]-b[name], 0)
	}
	return out
}
