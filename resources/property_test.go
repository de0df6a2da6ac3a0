package resources

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// generator draws random resource collections: scalars, ranges and sets;
// unreserved, static, dynamic and refined reservations over a small role
// tree; allocation roles; revocable resources; persistent and shared volumes
// and MOUNT disks.
//
// Collections drawn for different parts (0, 1, 2) never share a port or a
// set item, so that (a+b)−b = a holds: Mesos's union loses the overlap of
// non-disjoint ranges, which is the expected behaviour, not a bug.
type generator struct {
	rng   *rand.Rand
	parts int
}

var (
	propertyRoles  = []string{"a", "b", "c", "a/x"}
	propertyScalar = []string{"cpus", "mem", "disk", "gpus"}
)

func (g *generator) reservations() []Reservation {
	role := propertyRoles[g.rng.IntN(len(propertyRoles))]
	switch g.rng.IntN(6) {
	case 0, 1:
		return nil
	case 2:
		return []Reservation{StaticReservation(role)}
	case 3:
		res := DynamicReservation(role, fmt.Sprintf("p%d", g.rng.IntN(2)))
		if g.rng.IntN(3) == 0 {
			res.Labels = []Label{{"k", fmt.Sprint(g.rng.IntN(2))}}
		}
		return []Reservation{res}
	case 4:
		return []Reservation{StaticReservation("a"), DynamicReservation("a/x", "p0")}
	default:
		return []Reservation{DynamicReservation("a", "p1"), DynamicReservation("a/x", "p0"), DynamicReservation("a/x/y", "p0")}
	}
}

func (g *generator) resource(part int) Resource {
	var r Resource
	switch g.rng.IntN(5) {
	case 0, 1, 2:
		r = Resource{Name: propertyScalar[g.rng.IntN(len(propertyScalar))],
			Value: Value{Kind: KindScalar, Scalar: Milli(1 + g.rng.IntN(5000))}}
	case 3:
		var ranges []Range
		for range 1 + g.rng.IntN(3) {
			block := uint64(g.rng.IntN(8)*g.parts + part)
			base := 31000 + 100*block
			lo := base + uint64(g.rng.IntN(50))
			ranges = append(ranges, Range{lo, lo + uint64(g.rng.IntN(50))})
		}
		r = NewRanges("ports", ranges...)
	default:
		var items []string
		for range 1 + g.rng.IntN(3) {
			items = append(items, fmt.Sprintf("i%d-%d", part, g.rng.IntN(6)))
		}
		r = NewSet("bugs", items...)
	}
	r.Reservations = g.reservations()
	if g.rng.IntN(4) == 0 {
		r.AllocationRole = propertyRoles[g.rng.IntN(len(propertyRoles))]
	}
	if g.rng.IntN(8) == 0 {
		r.Revocable = true
	}
	if r.Name == "disk" {
		switch g.rng.IntN(6) {
		case 0:
			r.Disk = &DiskInfo{Persistence: &Persistence{ID: fmt.Sprintf("v%d", g.rng.IntN(3))},
				Volume: &Volume{ContainerPath: "data", Mode: ReadWrite}}
		case 1:
			r.Disk = &DiskInfo{Persistence: &Persistence{ID: fmt.Sprintf("s%d", g.rng.IntN(3))}}
			r.Shared = true
			r.Scalar = 1000 // equal shared volumes count as copies
		case 2:
			r.Disk = &DiskInfo{Source: &DiskSource{Type: SourceMount, Root: fmt.Sprintf("/m%d", g.rng.IntN(2))}}
		case 3:
			r.Disk = &DiskInfo{Source: &DiskSource{Type: SourcePath, Root: "/p"}}
		}
	}
	return r
}

func (g *generator) resources(part int) Resources {
	var rs []Resource
	for range g.rng.IntN(8) {
		rs = append(rs, g.resource(part))
	}
	out, err := New(rs...)
	if err != nil {
		panic(fmt.Sprintf("generator produced invalid resources %v: %v", rs, err))
	}
	return out
}

// checkNormal verifies the collection invariants.
func checkNormal(t *testing.T, what string, rs Resources) {
	t.Helper()
	for i := range rs.entries {
		e := rs.entries[i]
		if e.IsEmpty() {
			t.Fatalf("%s: empty entry %s in %s", what, e.Resource, rs)
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("%s: invalid entry: %v", what, err)
		}
		if e.copies < 1 || (!e.Shared && e.copies != 1) {
			t.Fatalf("%s: entry %s has %d copies", what, e.Resource, e.copies)
		}
		for j := range i {
			if mergeable(&rs.entries[j].Resource, &e.Resource) {
				t.Fatalf("%s: entries %s and %s should have been merged", what, rs.entries[j].Resource, e.Resource)
			}
		}
	}
}

const propertyIterations = 3000

func TestProperties(t *testing.T) {
	g := &generator{rng: rand.New(rand.NewPCG(7, 11)), parts: 3}
	for i := range propertyIterations {
		a, b, c := g.resources(0), g.resources(1), g.resources(2)
		for _, x := range []Resources{a, b, c} {
			checkNormal(t, "generated", x)
		}
		ab := a.Add(b)
		checkNormal(t, "a+b", ab)

		if got := ab.Subtract(b); !got.Equal(a) {
			t.Fatalf("case %d: (a+b)-b != a\na = %s\nb = %s\n(a+b)-b = %s", i, a, b, got)
		}
		if !ab.Contains(a) || !ab.Contains(b) {
			t.Fatalf("case %d: a+b = %s does not contain a = %s or b = %s", i, ab, a, b)
		}
		if ba := b.Add(a); !ab.Equal(ba) {
			t.Fatalf("case %d: a+b = %s != b+a = %s", i, ab, ba)
		}
		left, right := ab.Add(c), a.Add(b.Add(c))
		if !left.Equal(right) {
			t.Fatalf("case %d: (a+b)+c = %s != a+(b+c) = %s", i, left, right)
		}
		checkNormal(t, "(a+b)+c", left)

		// Subtraction of arbitrary, overlapping amounts.
		other := g.resources(g.rng.IntN(3))
		diff := a.Subtract(other)
		checkNormal(t, "a-b", diff)
		if !a.Contains(diff) {
			t.Fatalf("case %d: a = %s does not contain a-b = %s (b = %s)", i, a, diff, other)
		}
		if !diff.Add(other).Contains(a) {
			t.Fatalf("case %d: (a-b)+b = %s does not contain a = %s (b = %s)", i, diff.Add(other), a, other)
		}
		if a.Contains(other) {
			if back := diff.Add(other); !back.Equal(a) {
				t.Fatalf("case %d: b ⊆ a but (a-b)+b = %s != a = %s (b = %s)", i, back, a, other)
			}
			if _, err := a.SubtractContained(other); err != nil {
				t.Fatalf("case %d: SubtractContained of a contained amount: %v", i, err)
			}
		} else if _, err := a.SubtractContained(other); err == nil {
			t.Fatalf("case %d: SubtractContained(%s) from %s should fail", i, other, a)
		}
		if !a.Subtract(a).IsEmpty() || !a.Equal(a) || !a.Contains(a) || !a.Contains(Resources{}) {
			t.Fatalf("case %d: a-a, a=a, a⊇a or a⊇{} fails for %s", i, a)
		}

		// Flatten, allocation and reservations keep amounts. (Shared
		// volumes that become identical merge into copies, which count
		// once, as in Mesos.)
		plain := a.NonShared()
		for _, name := range propertyScalar {
			if plain.Flatten().Scalar(name) != plain.Scalar(name) || plain.AllocateTo("b").Scalar(name) != plain.Scalar(name) {
				t.Fatalf("case %d: Flatten or AllocateTo changed the amount of %s in %s", i, name, a)
			}
		}
		if !a.AllocateTo("c").Unallocate().Equal(a.Unallocate()) {
			t.Fatalf("case %d: AllocateTo then Unallocate of %s", i, a)
		}
		if pushed, err := a.Flatten().PushReservation(DynamicReservation("b", "p")); err == nil {
			popped, err := pushed.PopReservation()
			if err != nil || !popped.Equal(a.Flatten()) {
				t.Fatalf("case %d: push then pop of %s gave %s, %v", i, a.Flatten(), popped, err)
			}
		}
	}
}

func TestPropertyFind(t *testing.T) {
	g := &generator{rng: rand.New(rand.NewPCG(3, 5)), parts: 1}
	for i := range propertyIterations {
		offer := g.resources(0).Add(g.resources(0)).AllocateTo("a")
		wanted := offer.Subtract(g.resources(0)).Unallocate()
		found, ok := offer.Find(wanted)
		if !ok {
			t.Fatalf("case %d: Find(%s) in %s failed although the offer holds it", i, wanted, offer)
		}
		checkNormal(t, "found", found)
		if !offer.Contains(found) {
			t.Fatalf("case %d: offer %s does not contain found %s", i, offer, found)
		}
		if !found.Flatten().Unallocate().Equal(wanted.Flatten()) {
			t.Fatalf("case %d: found %s is not the amount wanted %s", i, found, wanted)
		}
		// Asking for more than the offer holds fails.
		extra := Must(NewScalar("cpus", 1))
		if _, ok := offer.Find(wanted.Add(offer.Flatten().Unallocate()).Add(extra)); ok {
			t.Fatalf("case %d: Find of more than the offer succeeded", i)
		}
	}
}

func TestPropertyProtoRoundTrip(t *testing.T) {
	g := &generator{rng: rand.New(rand.NewPCG(13, 17)), parts: 1}
	for i := range propertyIterations {
		rs := g.resources(0)
		// The wire carries each shared volume once, not its copies.
		want := Must(rs.Slice()...)

		list, err := rs.ToProto(Format{})
		if err != nil {
			t.Fatal(err)
		}
		back, err := FromProto(list)
		if err != nil {
			t.Fatalf("case %d: FromProto(ToProto(%s)): %v", i, rs, err)
		}
		if !back.Equal(want) {
			t.Fatalf("case %d: round trip of %s gave %s", i, want, back)
		}

		stripped, err := rs.ToProto(FormatFor(false, true))
		if err != nil {
			t.Fatal(err)
		}
		if back, err := FromProto(stripped); err != nil || !back.Equal(want.Unallocate()) {
			t.Fatalf("case %d: without MULTI_ROLE: %s, %v; want %s", i, back, err, want.Unallocate())
		}

		old, err := rs.ToProto(FormatFor(true, false))
		refined := false
		for r := range rs.All() {
			refined = refined || r.HasRefinedReservations()
		}
		if refined {
			if err == nil {
				t.Fatalf("case %d: refined reservations written for an old framework", i)
			}
			continue
		}
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if back, err := FromProto(old); err != nil || !back.Equal(want) {
			t.Fatalf("case %d: pre-refinement round trip: %s, %v; want %s", i, back, err, want)
		}
	}
}
