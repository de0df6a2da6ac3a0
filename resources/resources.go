package resources

import (
	"fmt"
	"iter"
	"slices"
	"strings"
)

// Resources is a normalised collection of resources: what an agent has, what
// an offer holds, what a task uses.
//
// The zero value is the empty collection. A Resources is immutable: every
// operation returns a new collection and leaves its inputs alone, so values
// can be shared between goroutines and kept in snapshots without copying.
// The slices inside the resources it hands out (Ranges, Set, Reservations)
// are shared too and must not be modified.
//
// Normal form, kept by every operation (Mesos's Resources::add):
//   - no resource is empty;
//   - resources with the same identity are combined into one, with the
//     exception of atomic resources, which Mesos never merges: persistent
//     volumes, MOUNT and BLOCK disks, and RAW disks with an ID each stay a
//     separate entry, and identical copies of a shared volume are counted
//     (see Count) instead of summed;
//   - entries keep the order in which they were first added, so a flag
//     prints back in the order it was written.
type Resources struct {
	entries []*entry
}

// entry is a resource in a collection. copies counts identical copies of a
// shared resource (several tasks using one shared volume); it is 1 for
// everything else.
type entry struct {
	Resource
	copies int
}

// New builds a normalised collection from resources written in code or
// converted from elsewhere. Ranges are sorted and merged and set items sorted
// and de-duplicated first; each resource must then pass Validate. Empty
// resources are dropped. Adding the same shared resource twice counts two
// copies, as in Mesos.
func New(rs ...Resource) (Resources, error) {
	out := newBuilder(len(rs), len(rs))
	for _, r := range rs {
		for _, rg := range r.Ranges {
			if rg.Begin > rg.End {
				return Resources{}, errorf(ErrInvalidResource, "resource %q: range %s has begin greater than end", r.Name, formatRange(rg))
			}
		}
		switch r.Kind {
		case KindRanges:
			if !rangesSorted(r.Ranges) {
				r.Ranges = normalizeRanges(r.Ranges)
			}
		case KindSet:
			r.Set = normalizeSet(r.Set)
		}
		if err := r.Validate(); err != nil {
			return Resources{}, err
		}
		out.add(&r, 1)
	}
	return out.resources(), nil
}

// Must is New for resources known to be valid, such as literals in tests and
// examples. It panics on an error; never use it on input from users or the
// network.
func Must(rs ...Resource) Resources {
	out, err := New(rs...)
	if err != nil {
		panic(err)
	}
	return out
}

// builder assembles a new collection. It owns its entry slice; the entries
// themselves are shared and immutable once built, so a merge makes a new
// entry instead of changing one. New entries come from blocks (arena) so
// that an operation costs a few allocations however many entries it makes.
type builder struct {
	entries []*entry
	arena   []entry
}

// newBuilder sizes a builder for about n entries, of which about made are
// created (not reused from an existing collection).
func newBuilder(n, made int) builder {
	return builder{entries: make([]*entry, 0, n), arena: make([]entry, 0, made)}
}

// newEntry returns a pointer to a copy of e.
func (b *builder) newEntry(e entry) *entry {
	if len(b.arena) == cap(b.arena) {
		// A fresh block: entries already handed out stay where they are.
		b.arena = make([]entry, 0, max(4, 2*cap(b.arena)))
	}
	b.arena = append(b.arena, e)
	return &b.arena[len(b.arena)-1]
}

// add folds r into the collection (Mesos's Resources::add): merged into the
// first mergeable entry, else appended. r's slices may end up shared; they
// are never written to.
func (b *builder) add(r *Resource, copies int) {
	if r.IsEmpty() || copies <= 0 {
		return
	}
	if b.merge(r, copies) {
		return
	}
	if !r.Shared {
		copies = 1
	}
	b.entries = append(b.entries, b.newEntry(entry{Resource: *r, copies: copies}))
}

// addEntry adds an entry of another (normal) collection, sharing it when it
// merges with nothing.
func (b *builder) addEntry(e *entry) {
	if !b.merge(&e.Resource, e.copies) {
		b.entries = append(b.entries, e)
	}
}

// merge folds r into the first mergeable entry and reports whether there
// was one.
func (b *builder) merge(r *Resource, copies int) bool {
	for i, e := range b.entries {
		if !mergeable(&e.Resource, r) {
			continue
		}
		merged := *e
		if r.Shared {
			merged.copies += copies
		} else {
			merged.Value = addValue(&e.Value, &r.Value)
		}
		b.entries[i] = b.newEntry(merged)
		return true
	}
	return false
}

func (b *builder) resources() Resources {
	if len(b.entries) == 0 {
		return Resources{}
	}
	return Resources{entries: b.entries}
}

// Len returns the number of distinct resources (entries) in the collection.
func (rs Resources) Len() int { return len(rs.entries) }

// IsEmpty reports whether the collection holds nothing.
func (rs Resources) IsEmpty() bool { return len(rs.entries) == 0 }

// All iterates over the resources in order. A shared resource with several
// copies is yielded once, as Mesos does; see Count.
func (rs Resources) All() iter.Seq[Resource] {
	return func(yield func(Resource) bool) {
		for i := range rs.entries {
			if !yield(rs.entries[i].Resource) {
				return
			}
		}
	}
}

// Slice returns the resources as a new slice (shared resources once each).
func (rs Resources) Slice() []Resource {
	out := make([]Resource, len(rs.entries))
	for i := range rs.entries {
		out[i] = rs.entries[i].Resource
	}
	return out
}

// Count returns how many times r is in the collection: the number of copies
// for a shared resource, 1 for any other resource present with exactly this
// identity and value, 0 otherwise (Mesos's Resources::count).
func (rs Resources) Count(r Resource) int {
	for i := range rs.entries {
		if e := rs.entries[i]; e.Shared == r.Shared && equalResource(&e.Resource, &r) {
			return e.copies
		}
	}
	return 0
}

// Add returns rs + other (Mesos's operator+): scalars summed, ranges and sets
// united, shared copies counted.
func (rs Resources) Add(other Resources) Resources {
	switch {
	case len(other.entries) == 0:
		return rs
	case len(rs.entries) == 0:
		return other
	}
	out := builder{
		entries: make([]*entry, len(rs.entries), len(rs.entries)+len(other.entries)),
		arena:   make([]entry, 0, len(other.entries)),
	}
	copy(out.entries, rs.entries)
	for _, e := range other.entries {
		out.addEntry(e)
	}
	return out.resources()
}

// Subtract returns rs − other with Mesos's semantics (Resources::operator-):
// each resource of other is taken from the entry of rs with the same
// identity; a scalar that would go to zero or below and ranges or sets that
// become empty disappear; anything in other that rs does not hold is
// ignored. The result is never negative. An atomic resource (persistent
// volume, exclusive disk) is only removed by an equal one, and a shared one
// loses copies.
//
// Subtract is for bookkeeping that knows what it removes, like Mesos's
// master and allocator. When other comes from a framework or the network,
// use SubtractContained, which refuses to remove what is not there.
func (rs Resources) Subtract(other Resources) Resources {
	out := rs.entries
	owned := false
	var made builder // allocates the entries that change
	for _, o := range other.entries {
		for i, e := range out {
			if !subtractable(&e.Resource, &o.Resource) {
				continue
			}
			// Mesos subtracts each resource from the first entry it
			// fits; in a normal collection that entry is unique.
			left := *e
			if e.Shared {
				left.copies -= o.copies
			} else {
				left.Value = subtractValue(&e.Value, &o.Value)
				if unchanged(&e.Value, &left.Value) {
					break
				}
			}
			if !owned {
				out = slices.Clone(out)
				made.arena = make([]entry, 0, len(other.entries))
				owned = true
			}
			if left.copies <= 0 || left.IsEmpty() || (left.Kind == KindScalar && left.Scalar < 0) {
				out = slices.Delete(out, i, i+1)
			} else {
				out[i] = made.newEntry(left)
			}
			break
		}
	}
	if len(out) == 0 {
		return Resources{}
	}
	return Resources{entries: out}
}

// unchanged reports whether a subtraction left the value as it was, so that
// Subtract copies nothing when it removes nothing.
func unchanged(before, after *Value) bool {
	switch before.Kind {
	case KindScalar:
		return before.Scalar == after.Scalar
	case KindRanges:
		// subtractRanges returns its input itself when nothing overlaps.
		return len(before.Ranges) == len(after.Ranges) &&
			(len(before.Ranges) == 0 || &before.Ranges[0] == &after.Ranges[0])
	case KindSet:
		return len(before.Set) == len(after.Set)
	}
	return false
}

// SubtractContained returns rs − other, or an error wrapping ErrNotContained
// when rs does not contain other. It is the checked form of Subtract for
// amounts that come from outside (Mesos's ResourceConversion::apply checks
// containment the same way before subtracting).
func (rs Resources) SubtractContained(other Resources) (Resources, error) {
	if !rs.Contains(other) {
		return Resources{}, errorf(ErrNotContained, "%s does not contain %s", rs, other)
	}
	return rs.Subtract(other), nil
}

// Contains reports whether other ⊆ rs: every resource of other fits in the
// entry of rs with the same identity (scalar ≤, ranges and sets subsets).
// Atomic resources are matched one to one, and shared ones by number of
// copies (Mesos's Resources::contains).
func (rs Resources) Contains(other Resources) bool {
	pool := rs.entries
	owned := false
	for k := range other.entries {
		o := other.entries[k]
		i := indexContaining(pool, o)
		if i < 0 {
			return false
		}
		if !o.isAtomic() {
			continue
		}
		// An atomic resource matches one entry of rs; take that entry
		// out so that the next one needs another (Mesos does this for
		// persistent volumes).
		if !owned {
			pool = slices.Clone(pool)
			owned = true
		}
		if pool[i].Shared && pool[i].copies > o.copies {
			left := *pool[i]
			left.copies -= o.copies
			pool[i] = &left
		} else {
			pool = slices.Delete(pool, i, i+1)
		}
	}
	return true
}

// indexContaining returns the index of the entry that contains o, or -1.
func indexContaining(entries []*entry, o *entry) int {
	for i := range entries {
		e := entries[i]
		if e.Name != o.Name || !subtractable(&e.Resource, &o.Resource) {
			continue
		}
		if e.Shared {
			if e.copies >= o.copies {
				return i
			}
			continue
		}
		if containsValue(&e.Value, &o.Value) {
			return i
		}
	}
	return -1
}

// Equal reports whether both collections hold exactly the same resources.
func (rs Resources) Equal(other Resources) bool {
	return len(rs.entries) == len(other.entries) && rs.Contains(other) && other.Contains(rs)
}

// Filter returns the resources for which keep returns true.
func (rs Resources) Filter(keep func(Resource) bool) Resources {
	var out []*entry
	for i := range rs.entries {
		if keep(rs.entries[i].Resource) {
			out = append(out, rs.entries[i])
		}
	}
	return Resources{entries: out}
}

// filter is Filter with a pointer predicate, for the package's own filters.
func (rs Resources) filter(keep func(*Resource) bool) Resources {
	var out []*entry
	for i := range rs.entries {
		if keep(&rs.entries[i].Resource) {
			out = append(out, rs.entries[i])
		}
	}
	return Resources{entries: out}
}

// Unreserved returns the unreserved resources.
func (rs Resources) Unreserved() Resources {
	return rs.filter(func(r *Resource) bool { return len(r.Reservations) == 0 })
}

// Reserved returns the reserved resources, to any role.
func (rs Resources) Reserved() Resources {
	return rs.filter(func(r *Resource) bool { return len(r.Reservations) > 0 })
}

// ReservedTo returns the resources reserved to exactly role (the role at the
// top of their reservation stack).
func (rs Resources) ReservedTo(role string) Resources {
	return rs.filter(func(r *Resource) bool { return r.IsReservedTo(role) })
}

// ReservedToRoleSubtree returns the resources reserved to role or one of its
// subroles.
func (rs Resources) ReservedToRoleSubtree(role string) Resources {
	return rs.filter(func(r *Resource) bool { return r.IsReservedToRoleSubtree(role) })
}

// AllocatableTo returns what may be offered to a framework in role:
// unreserved resources and those reserved to role or its ancestors.
func (rs Resources) AllocatableTo(role string) Resources {
	return rs.filter(func(r *Resource) bool { return r.IsAllocatableTo(role) })
}

// AllocatedTo returns the resources allocated to exactly role.
func (rs Resources) AllocatedTo(role string) Resources {
	return rs.filter(func(r *Resource) bool { return r.AllocationRole == role })
}

// AllocatedToRoleSubtree returns the resources allocated to role or one of
// its subroles.
func (rs Resources) AllocatedToRoleSubtree(role string) Resources {
	return rs.filter(func(r *Resource) bool {
		return r.AllocationRole == role || IsStrictSubroleOf(r.AllocationRole, role)
	})
}

// Revocable returns the revocable resources.
func (rs Resources) Revocable() Resources {
	return rs.filter(func(r *Resource) bool { return r.Revocable })
}

// NonRevocable returns the resources that are not revocable.
func (rs Resources) NonRevocable() Resources {
	return rs.filter(func(r *Resource) bool { return !r.Revocable })
}

// Shared returns the shared resources.
func (rs Resources) Shared() Resources {
	return rs.filter(func(r *Resource) bool { return r.Shared })
}

// NonShared returns the resources that are not shared.
func (rs Resources) NonShared() Resources {
	return rs.filter(func(r *Resource) bool { return !r.Shared })
}

// PersistentVolumes returns the persistent volumes.
func (rs Resources) PersistentVolumes() Resources {
	return rs.filter(func(r *Resource) bool { return r.IsPersistentVolume() })
}

// Named returns the resources called name.
func (rs Resources) Named(name string) Resources {
	return rs.filter(func(r *Resource) bool { return r.Name == name })
}

// Scalars returns the scalar resources.
func (rs Resources) Scalars() Resources {
	return rs.filter(func(r *Resource) bool { return r.Kind == KindScalar })
}

// Scalar returns the sum of the scalar resources called name, whatever their
// reservations; 0 when there are none. A shared volume counts once however
// many copies are held (Mesos's get<Value::Scalar>).
func (rs Resources) Scalar(name string) Milli {
	var sum Milli
	for i := range rs.entries {
		if e := rs.entries[i]; e.Name == name && e.Kind == KindScalar {
			sum = addMilli(sum, e.Scalar)
		}
	}
	return sum
}

// Ranges returns the union of the ranges resources called name.
func (rs Resources) Ranges(name string) []Range {
	var out []Range
	for i := range rs.entries {
		if e := rs.entries[i]; e.Name == name && e.Kind == KindRanges {
			out = unionRanges(out, e.Ranges)
		}
	}
	return out
}

// Set returns the union of the set resources called name.
func (rs Resources) Set(name string) []string {
	var out []string
	for i := range rs.entries {
		if e := rs.entries[i]; e.Name == name && e.Kind == KindSet {
			out = unionSet(out, e.Set)
		}
	}
	return out
}

// Cpus returns the total "cpus".
func (rs Resources) Cpus() Milli { return rs.Scalar("cpus") }

// Mem returns the total "mem", in megabytes.
func (rs Resources) Mem() Milli { return rs.Scalar("mem") }

// Disk returns the total "disk", in megabytes.
func (rs Resources) Disk() Milli { return rs.Scalar("disk") }

// Gpus returns the total "gpus".
func (rs Resources) Gpus() Milli { return rs.Scalar("gpus") }

// Ports returns all "ports" ranges, merged.
func (rs Resources) Ports() []Range { return rs.Ranges("ports") }

// Names returns the distinct resource names, sorted.
func (rs Resources) Names() []string {
	var names []string
	for i := range rs.entries {
		names = append(names, rs.entries[i].Name)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Reservations groups the reserved resources by reservation role (the top
// of each stack).
func (rs Resources) Reservations() map[string]Resources {
	out := map[string]Resources{}
	for i := range rs.entries {
		e := rs.entries[i]
		if len(e.Reservations) == 0 {
			continue
		}
		role := e.ReservationRole()
		group := out[role]
		group.entries = append(group.entries, e)
		out[role] = group
	}
	return out
}

// Allocations groups the allocated resources by allocation role; resources
// that are not allocated are left out.
func (rs Resources) Allocations() map[string]Resources {
	out := map[string]Resources{}
	for i := range rs.entries {
		e := rs.entries[i]
		if e.AllocationRole == "" {
			continue
		}
		group := out[e.AllocationRole]
		group.entries = append(group.entries, e)
		out[e.AllocationRole] = group
	}
	return out
}

// rebuild applies change to a copy of every resource and normalises the
// result, merging resources whose identities have become equal.
func (rs Resources) rebuild(change func(r *Resource)) Resources {
	out := newBuilder(len(rs.entries), len(rs.entries))
	for i := range rs.entries {
		e := *rs.entries[i]
		change(&e.Resource)
		out.add(&e.Resource, e.copies)
	}
	return out.resources()
}

// Flatten strips every reservation, leaving the same amounts unreserved
// (Mesos's Resources::toUnreserved). Allocation and other attributes stay.
func (rs Resources) Flatten() Resources {
	return rs.rebuild(func(r *Resource) { r.Reservations = nil })
}

// AllocateTo marks every resource as allocated to role (Mesos's
// Resources::allocate), as the allocator does before offering.
func (rs Resources) AllocateTo(role string) Resources {
	return rs.rebuild(func(r *Resource) { r.AllocationRole = role })
}

// Unallocate clears the allocation role of every resource.
func (rs Resources) Unallocate() Resources {
	return rs.rebuild(func(r *Resource) { r.AllocationRole = "" })
}

// PushReservation puts reservation on top of every resource's stack: a
// RESERVE operation. The result must be valid: a first reservation may be
// static or dynamic, a refinement must be dynamic and to a strict subrole of
// the current reservation role. The error wraps ErrInvalidResource or
// ErrInvalidRole.
func (rs Resources) PushReservation(reservation Reservation) (Resources, error) {
	out := newBuilder(len(rs.entries), len(rs.entries))
	for i := range rs.entries {
		e := *rs.entries[i]
		e.Reservations = append(slices.Clip(e.Reservations), reservation)
		if err := e.validateRoles(fmt.Sprintf("resource %q", e.Name)); err != nil {
			return Resources{}, err
		}
		out.add(&e.Resource, e.copies)
	}
	return out.resources(), nil
}

// PopReservation removes the top reservation of every resource: an
// UNRESERVE operation. It fails with ErrNotContained when some resource is
// unreserved.
func (rs Resources) PopReservation() (Resources, error) {
	out := newBuilder(len(rs.entries), len(rs.entries))
	for i := range rs.entries {
		e := *rs.entries[i]
		if len(e.Reservations) == 0 {
			return Resources{}, errorf(ErrNotContained, "%s has no reservation to pop", e.Resource)
		}
		e.Reservations = slices.Clip(e.Reservations[:len(e.Reservations)-1])
		if len(e.Reservations) == 0 {
			e.Reservations = nil
		}
		out.add(&e.Resource, e.copies)
	}
	return out.resources(), nil
}

// ScalarQuantities returns the scalar resources reduced to name and amount,
// summed per name: no reservations, allocation, disk or other identity
// (Mesos's createStrippedScalarQuantity). The allocator compares and sums
// these.
func (rs Resources) ScalarQuantities() Resources {
	var out builder
	for i := range rs.entries {
		e := rs.entries[i]
		if e.Kind != KindScalar {
			continue
		}
		q := Resource{Name: e.Name, Value: Value{Kind: KindScalar, Scalar: e.Scalar}}
		out.add(&q, 1)
	}
	return out.resources()
}

// String renders the collection like Mesos: resources separated by "; ",
// "{}" when empty. Unreserved and statically reserved resources print in the
// --resources form and parse back with Parse.
func (rs Resources) String() string {
	if len(rs.entries) == 0 {
		return "{}"
	}
	var b strings.Builder
	for i := range rs.entries {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(rs.entries[i].Resource.String())
	}
	return b.String()
}
