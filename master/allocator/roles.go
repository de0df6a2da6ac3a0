package allocator

import (
	"strings"

	"agora/resources"
)

// This file is the role tree: hierarchical DRF as in Mesos's sorter
// (src/master/allocator/mesos/sorter/drf/sorter.cpp) and docs/roles.md.
//
// Every role that has frameworks, holds resources, has reservations or a
// quota is a node of a tree whose root is the cluster: "eng/web" is a child
// of "eng". A node's allocation is everything allocated to it and to its
// descendants, and its share among its siblings is that allocation's
// dominant share divided by its weight. A role can both have frameworks of
// its own and children ("eng" and "eng/web"); its own frameworks then sit in
// a leaf of the node, Mesos's virtual leaf "eng/.", which competes with the
// children for what the node gets, with the role's weight and its direct
// allocation. Every node has such a leaf; when the node has no children the
// leaf is all there is below it.
//
// Allocation walks the tree depth first, each level in its order (lowest
// share first), down to the first leaf that can take something, and within
// the leaf the frameworks lowest share first. Orders hold only what leads
// to a framework that may be offered (active, subscribed, not suppressed).

type role struct {
	// client: name is the role's full name; alloc is the subtree's
	// allocation for a node and the role's own for a leaf; pos is the
	// place in the parent's kids.
	client
	parent *role
	// node is set on leaves: the node whose own frameworks they hold.
	node *role

	// Nodes only.
	children map[string]*role
	leaf     *role
	kids     order[*role] // children and leaf with an eligible framework below
	// allocReserved is the reserved part of alloc (scalars); reserved is
	// what the agents' totals reserve to the subtree. Consumed quota is
	// reserved + (alloc − allocReserved): reservations count whether or not
	// they are allocated (Mesos's quotaOfferedOrConsumed).
	allocReserved []resources.Milli
	reserved      []resources.Milli
	quota         *Quota

	// Leaves only.
	members map[string]*frameworkRole
	order   order[*frameworkRole]
}

func (r *role) cl() *client { return &r.client }

func (r *role) isLeaf() bool { return r.node != nil }

// roleNode returns the node of a role, creating it and its ancestors when
// create is set; nil when it does not exist and create is not set.
func (a *Allocator) roleNode(name string, create bool) *role {
	if n := a.nodes[name]; n != nil || !create {
		return n
	}
	parent := a.root
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		parent = a.roleNode(name[:i], true)
	}
	w := a.Weight(name)
	n := &role{
		client:   client{name: name, weight: w, pos: -1},
		parent:   parent,
		children: map[string]*role{},
	}
	n.leaf = &role{
		client:  client{name: name, weight: w, pos: -1},
		parent:  n,
		node:    n,
		members: map[string]*frameworkRole{},
	}
	parent.children[name] = n
	a.nodes[name] = n
	return n
}

// gcRole forgets a node, and then its ancestors, once nothing refers to it
// any more: no frameworks, children, allocation, reservations or quota.
func (a *Allocator) gcRole(n *role) {
	for n != nil && n != a.root {
		if len(n.leaf.members) > 0 || len(n.children) > 0 || !n.isZero() ||
			!isZeroMilli(n.reserved) || n.quota != nil || n.pos >= 0 {
			return
		}
		delete(n.parent.children, n.name)
		delete(a.nodes, n.name)
		n = n.parent
	}
}

func isZeroMilli(ms []resources.Milli) bool {
	for _, m := range ms {
		if m != 0 {
			return false
		}
	}
	return true
}

// refreshUp puts a leaf or node into its parent's kids, or takes it out,
// after what lies below it may have changed, and so on up to the root.
func (a *Allocator) refreshUp(r *role) {
	for r != nil && r.parent != nil {
		var want bool
		if r.isLeaf() {
			want = len(r.order.items) > 0
		} else {
			want = len(r.kids.items) > 0
		}
		if want == (r.pos >= 0) {
			return
		}
		if want {
			r.parent.kids.insert(r, a.stale)
		} else {
			r.parent.kids.remove(r)
		}
		r = r.parent
	}
}

// join returns the framework's place in a role, creating the role and the
// place if needed.
func (a *Allocator) join(fw *framework, name string) *frameworkRole {
	if fr := fw.roles[name]; fr != nil {
		return fr
	}
	leaf := a.roleNode(name, true).leaf
	fr := &frameworkRole{
		client: client{name: fw.id, weight: 1, pos: -1},
		fw:     fw,
		role:   leaf,
	}
	fw.roles[name] = fr
	leaf.members[fw.id] = fr
	return fr
}

// leave drops a framework's place in a role once it is neither subscribed
// nor holding scalar resources there (or at once with force, when the
// framework goes). Non-scalar holdings, such as ports alone, do not count
// towards shares, so forgetting them loses nothing. The place must already
// be out of the leaf's order.
func (a *Allocator) leave(fr *frameworkRole, force bool) {
	if !force && (fr.subscribed || !fr.isZero()) {
		return
	}
	leaf := fr.role
	if !fr.isZero() {
		// Only with force: the framework goes with resources still
		// counted (RemoveFramework untracks them first, so this is a
		// safety net for non-tracked leftovers).
		for i, m := range fr.alloc {
			if m != 0 {
				a.addAlloc(leaf, i, -m, false)
			}
		}
		a.reshareUp(leaf)
	}
	delete(fr.fw.roles, leaf.name)
	delete(leaf.members, fr.fw.id)
	a.gcRole(leaf.node)
}

// refresh puts a framework's place in a role into, or takes it out of, the
// leaf's order after its eligibility may have changed. A place that becomes
// eligible may take resources nobody else could: the next Allocate first
// looks for agents it could take something on (see wakeNewcomers).
func (a *Allocator) refresh(fr *frameworkRole) {
	leaf := fr.role
	switch in := fr.pos >= 0; {
	case fr.eligible() && !in:
		leaf.order.insert(fr, a.stale)
		if !fr.newcomer {
			fr.newcomer = true
			a.newcomers = append(a.newcomers, fr)
		}
	case !fr.eligible() && in:
		leaf.order.remove(fr)
	}
	a.refreshUp(leaf)
}

// addAlloc adds m of scalar i to a leaf and every node above it.
func (a *Allocator) addAlloc(leaf *role, i int, m resources.Milli, reserved bool) {
	leaf.alloc = addTo(leaf.alloc, i, m)
	for n := leaf.node; n != a.root; n = n.parent {
		n.alloc = addTo(n.alloc, i, m)
		if reserved {
			n.allocReserved = addTo(n.allocReserved, i, m)
		}
	}
}

// track adds (sign 1) or removes (sign −1) resources a framework holds to
// or from the shares of its places in their allocation roles and of the
// role tree above them. Resources without an allocation role are held but
// count towards no role.
func (a *Allocator) track(fw *framework, rs resources.Resources, sign resources.Milli) {
	a.touched = a.touched[:0]
	var last *frameworkRole
	for r := range rs.All() {
		if r.AllocationRole == "" {
			continue
		}
		fr := last
		if fr == nil || fr.role.name != r.AllocationRole {
			fr = fw.roles[r.AllocationRole]
			if fr == nil {
				if sign < 0 {
					continue // only non-scalars were ever held there
				}
				fr = a.join(fw, r.AllocationRole)
			}
			if !containsFR(a.touched, fr) {
				a.touched = append(a.touched, fr)
			}
			last = fr
		}
		if r.Kind != resources.KindScalar {
			continue
		}
		i := a.scalars.id(r.Name)
		fr.alloc = addTo(fr.alloc, i, sign*r.Scalar)
		a.addAlloc(fr.role, i, sign*r.Scalar, !r.IsUnreserved())
	}
	if a.quotaSet > 0 {
		a.quotaVersion++
	}
	for _, fr := range a.touched {
		if sign > 0 {
			fr.count++
			for r := fr.role; r != a.root; r = r.parent {
				r.count++
			}
		}
		a.reshareFramework(fr)
		a.reshareUp(fr.role)
		if sign < 0 {
			a.leave(fr, false)
		}
	}
}

func containsFR(frs []*frameworkRole, fr *frameworkRole) bool {
	for _, x := range frs {
		if x == fr {
			return true
		}
	}
	return false
}

// reshareUp recomputes the shares of a leaf and the nodes above it and moves
// each in its parent's order. While the orders are stale a full resort
// follows anyway.
func (a *Allocator) reshareUp(r *role) {
	if a.stale {
		return
	}
	for ; r != a.root; r = r.parent {
		r.share = a.scalars.share(&r.client)
		r.parent.kids.fix(r)
	}
}

func (a *Allocator) reshareFramework(fr *frameworkRole) {
	if !a.stale {
		fr.share = a.scalars.share(&fr.client)
		fr.role.order.fix(fr)
	}
}

// resort recomputes every share and re-sorts every order after the cluster
// total changed.
func (a *Allocator) resort() {
	if !a.stale {
		return
	}
	var walk func(n *role)
	walk = func(n *role) {
		for _, c := range n.children {
			c.share = a.scalars.share(&c.client)
			walk(c)
		}
		if n.leaf != nil {
			l := n.leaf
			l.share = a.scalars.share(&l.client)
			for _, fr := range l.members {
				fr.share = a.scalars.share(&fr.client)
			}
			l.order.sort()
		}
		n.kids.sort()
	}
	walk(a.root)
	a.stale = false
}

// trackReservations adds (sign 1) or removes (sign −1) the reserved scalars
// of an agent's total to the reservation counts of the roles they are
// reserved to and their ancestors (quota consumption).
func (a *Allocator) trackReservations(total resources.Resources, sign resources.Milli) {
	for r := range total.All() {
		if r.Kind != resources.KindScalar || r.IsUnreserved() {
			continue
		}
		i := a.scalars.id(r.Name)
		n := a.roleNode(r.ReservationRole(), true)
		for x := n; x != a.root; x = x.parent {
			x.reserved = addTo(x.reserved, i, sign*r.Scalar)
		}
		if sign < 0 {
			a.gcRole(n)
		}
	}
	if a.quotaSet > 0 {
		a.quotaVersion++
	}
}
