package allocator

import (
	"slices"

	"agora/resources"
)

// This file is the DRF sorter (Mesos's DRFSorter, src/master/allocator/mesos/
// sorter/drf/sorter.cpp), kept incrementally instead of re-sorted per agent.
//
// A client is something that holds an allocation and competes for more: a
// role (against other roles) or a framework within one role (against the
// other frameworks of that role). Its dominant share is the largest fraction
// of the cluster total it holds of any scalar resource, divided by its
// weight. Clients are ordered by (share, count, name): lowest share first;
// among equal shares the one that received fewer allocations so far, then
// the name. The count is Mesos's tie-breaker: without it, clients whose
// shares stay equal (nothing allocated yet, or only non-scalar or excluded
// resources) would always be served in name order instead of taking turns.
//
// Orders only hold clients that can receive offers. A grant can only raise a
// client's share and count, so it moves later in its order; fix does that by
// shifting the clients it passes, which costs the distance moved. When the
// cluster total changes every share changes: the allocator then marks its
// orders dirty and re-sorts them once before the next use (resort).

type client struct {
	name   string
	weight float64
	// alloc is the scalar allocation, indexed by the allocator's scalar
	// name index; it may be shorter than the index (missing = 0).
	alloc []resources.Milli
	count uint64
	share float64
	// pos is the client's index in its order, or -1 when it is not in one.
	pos int
}

func (c *client) less(d *client) bool {
	if c.share != d.share {
		return c.share < d.share
	}
	if c.count != d.count {
		return c.count < d.count
	}
	return c.name < d.name
}

// isZero reports whether the client holds no scalar resources.
func (c *client) isZero() bool {
	for _, m := range c.alloc {
		if m != 0 {
			return false
		}
	}
	return true
}

type member interface {
	comparable
	cl() *client
}

// order is a sorted list of clients.
type order[T member] struct {
	items []T
}

// insert adds x at its sorted place (at the end when dirty: the next resort
// puts it in place).
func (o *order[T]) insert(x T, dirty bool) {
	c := x.cl()
	i := len(o.items)
	if !dirty {
		i, _ = slices.BinarySearchFunc(o.items, c, func(e T, c *client) int {
			if e.cl().less(c) {
				return -1
			}
			return 1
		})
	}
	o.items = slices.Insert(o.items, i, x)
	for j := i; j < len(o.items); j++ {
		o.items[j].cl().pos = j
	}
}

// remove takes x out of the order.
func (o *order[T]) remove(x T) {
	i := x.cl().pos
	if i < 0 || i >= len(o.items) || o.items[i] != x {
		return
	}
	var zero T
	copy(o.items[i:], o.items[i+1:])
	o.items[len(o.items)-1] = zero
	o.items = o.items[:len(o.items)-1]
	for j := i; j < len(o.items); j++ {
		o.items[j].cl().pos = j
	}
	x.cl().pos = -1
}

// fix moves x to its sorted place after its key changed.
func (o *order[T]) fix(x T) {
	c := x.cl()
	i := c.pos
	if i < 0 || i >= len(o.items) || o.items[i] != x {
		return
	}
	for i > 0 && c.less(o.items[i-1].cl()) {
		o.items[i] = o.items[i-1]
		o.items[i].cl().pos = i
		i--
	}
	for i+1 < len(o.items) && o.items[i+1].cl().less(c) {
		o.items[i] = o.items[i+1]
		o.items[i].cl().pos = i
		i++
	}
	o.items[i] = x
	c.pos = i
}

// sort re-sorts the whole order after every key changed.
func (o *order[T]) sort() {
	slices.SortFunc(o.items, func(a, b T) int {
		if a.cl().less(b.cl()) {
			return -1
		}
		if b.cl().less(a.cl()) {
			return 1
		}
		return 0
	})
	for j, x := range o.items {
		x.cl().pos = j
	}
}

// scalarIndex numbers the scalar resource names the cluster has seen so that
// allocations are small slices instead of maps. Names are never forgotten;
// a cluster has a handful.
type scalarIndex struct {
	ids      map[string]int
	total    []resources.Milli // cluster total of each name, all agents
	excluded []bool            // --fair_sharing_excluded_resource_names
	exclude  map[string]bool
}

func (s *scalarIndex) id(name string) int {
	if i, ok := s.ids[name]; ok {
		return i
	}
	i := len(s.total)
	s.ids[name] = i
	s.total = append(s.total, 0)
	s.excluded = append(s.excluded, s.exclude[name])
	return i
}

// share is the client's weighted dominant share (DRFSorter::calculateShare).
func (s *scalarIndex) share(c *client) float64 {
	var share float64
	for i, m := range c.alloc {
		if s.excluded[i] || s.total[i] <= 0 {
			continue
		}
		share = max(share, float64(m)/float64(s.total[i]))
	}
	return share / c.weight
}

// addScalars adds sign × the scalars of rs to the cluster total.
func (s *scalarIndex) addScalars(rs resources.Resources, sign resources.Milli) {
	for r := range rs.All() {
		if r.Kind == resources.KindScalar {
			s.total[s.id(r.Name)] += sign * r.Scalar
		}
	}
}

func addTo(alloc []resources.Milli, i int, m resources.Milli) []resources.Milli {
	if i >= len(alloc) {
		alloc = append(alloc, make([]resources.Milli, i+1-len(alloc))...)
	}
	alloc[i] += m
	if alloc[i] < 0 {
		// Never negative: a caller that recovers more than it was given
		// must not give a client a head start.
		alloc[i] = 0
	}
	return alloc
}
