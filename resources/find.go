package resources

import "slices"

// Find looks inside rs (typically an offer) for a sub-collection that
// satisfies wanted, and returns it with rs's own reservations and
// allocation, so that rs.Contains(found) holds and found can be used in an
// operation on the offer. It reports false when rs cannot cover wanted.
//
// This is Mesos's Resources::find. Reservations and allocation of wanted are
// ignored except as a preference: each resource of wanted is taken first from
// resources reserved to its own reservation role, then from unreserved
// resources, then from anything else (resources reserved to other roles).
// Scalars, ranges and sets are split across as many entries as needed; atomic
// resources (persistent volumes, exclusive disks, shared volumes) are only
// taken whole and must match exactly.
//
// agora departs from Mesos in one respect: Mesos moves to the next
// preference after taking one whole entry and skips entries that only
// partly overlap what is still needed, so it can miss a solution that
// exists (for example ports [1-5] out of [1-3,10] and [4-5]). Find instead
// takes the overlap of every compatible entry, so it succeeds whenever rs
// holds enough of each identity.
func (rs Resources) Find(wanted Resources) (Resources, bool) {
	if wanted.IsEmpty() {
		return Resources{}, true
	}
	pool := slices.Clone(rs.entries) // what is still free to take
	found := newBuilder(wanted.Len(), wanted.Len())
	var taken builder // allocates the reduced pool entries
	for k := range wanted.entries {
		target := wanted.entries[k]
		var ok bool
		pool, ok = findOne(pool, &found, &taken, target)
		if !ok {
			return Resources{}, false
		}
	}
	return found.resources(), true
}

// findOne takes target out of pool into found, following Mesos's order of
// preference. pool and found are owned by the caller.
func findOne(pool []*entry, found, taken *builder, target *entry) ([]*entry, bool) {
	need := target.Resource
	need.Reservations = nil
	need.AllocationRole = ""
	needCopies := target.copies

	// Mesos's order of preference: reserved to the target's reservation
	// role (only for a reserved target), unreserved, anything.
	role, first := "", preferUnreserved
	if len(target.Reservations) > 0 {
		role, first = target.ReservationRole(), preferRole
	}
	for pref := first; pref <= preferAny; pref++ {
		for i := 0; i < len(pool); i++ {
			e := pool[i]
			if !pref.accepts(&e.Resource, role) || !sameIdentityIgnoringPlacement(&e.Resource, &need) {
				continue
			}
			piece := e.Resource
			pieceCopies := 1
			switch {
			case e.isAtomic():
				if !equalValues(&e.Value, &need.Value) {
					continue
				}
				if e.Shared {
					pieceCopies = min(e.copies, needCopies)
				}
			default:
				piece.Value = intersectValue(&e.Value, &need.Value)
				if piece.IsEmpty() {
					continue
				}
			}
			found.add(&piece, pieceCopies)

			// Take the piece out of the pool and out of what is needed.
			// Pool entries are shared with rs, so they are replaced.
			left := *e
			switch {
			case e.Shared:
				left.copies -= pieceCopies
				needCopies -= pieceCopies
			case e.isAtomic():
				left.Value = Value{Kind: e.Kind}
				need.Value = Value{Kind: need.Kind}
			default:
				left.Value = subtractValue(&e.Value, &piece.Value)
				need.Value = subtractValue(&need.Value, &piece.Value)
			}
			if left.copies <= 0 || left.IsEmpty() {
				pool = slices.Delete(pool, i, i+1)
				i--
			} else {
				pool[i] = taken.newEntry(left)
			}
			if (need.Shared && needCopies <= 0) || (!need.Shared && need.IsEmpty()) {
				return pool, true
			}
		}
	}
	return pool, false
}

// preference is one step of Find's order of preference.
type preference uint8

const (
	preferRole preference = iota
	preferUnreserved
	preferAny
)

func (p preference) accepts(r *Resource, role string) bool {
	switch p {
	case preferRole:
		return r.IsReservedTo(role)
	case preferUnreserved:
		return len(r.Reservations) == 0
	}
	return true
}
