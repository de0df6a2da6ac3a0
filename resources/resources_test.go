package resources

import (
	"errors"
	"slices"
	"testing"
)

// mustParse parses a --resources text form for tests.
func mustParse(t testing.TB, text string) Resources {
	t.Helper()
	rs, err := Parse(text, "")
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	return rs
}

func dynamic(r Resource, role, principal string) Resource {
	r.Reservations = append(slices.Clip(r.Reservations), DynamicReservation(role, principal))
	return r
}

func static(r Resource, role string) Resource {
	r.Reservations = append(slices.Clip(r.Reservations), StaticReservation(role))
	return r
}

func volume(id string, mb float64, shared bool) Resource {
	r := NewScalar("disk", mb)
	r.Disk = &DiskInfo{Persistence: &Persistence{ID: id}, Volume: &Volume{ContainerPath: "data", Mode: ReadWrite}}
	r.Shared = shared
	return dynamic(r, "web", "ops")
}

func mountDisk(root string, mb float64) Resource {
	r := NewScalar("disk", mb)
	r.Disk = &DiskInfo{Source: &DiskSource{Type: SourceMount, Root: root}}
	return r
}

func TestAddSubtract(t *testing.T) {
	tests := []struct {
		name      string
		a, b      string
		sum, diff string
	}{
		{"scalars", "cpus:1;mem:512", "cpus:0.5", "cpus(*):1.5; mem(*):512", "cpus(*):0.5; mem(*):512"},
		{"exact decimals", "cpus:0.3", "cpus:0.1", "cpus(*):0.4", "cpus(*):0.2"},
		{"subtract to zero removes", "cpus:1;mem:1", "cpus:1", "cpus(*):2; mem(*):1", "mem(*):1"},
		{"subtract more than held removes, never negative", "cpus:1", "cpus:2", "cpus(*):3", "{}"},
		{"subtract what is not held is ignored", "cpus:1", "mem:5", "cpus(*):1; mem(*):5", "cpus(*):1"},
		{"roles are separate", "cpus:1;cpus(a):1", "cpus(a):0.25", "cpus(*):1; cpus(a):1.25", "cpus(*):1; cpus(a):0.75"},
		{"ranges union and difference", "ports:[1-10]", "ports:[5-6,11-12]", "ports(*):[1-12]", "ports(*):[1-4, 7-10]"},
		{"ranges partly outside", "ports:[1-10]", "ports:[8-20]", "ports(*):[1-20]", "ports(*):[1-7]"},
		{"range removed entirely", "ports:[1-10];cpus:1", "ports:[1-10]", "ports(*):[1-10]; cpus(*):1", "cpus(*):1"},
		{"sets", "bugs:{a,b,c}", "bugs:{c,d}", "bugs(*):{a, b, c, d}", "bugs(*):{a, b}"},
		{"empty", "", "cpus:1", "cpus(*):1", "{}"},
		{"subtract empty", "cpus:1", "", "cpus(*):1", "cpus(*):1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mustParse(t, tt.a), mustParse(t, tt.b)
			if got := a.Add(b).String(); got != tt.sum {
				t.Errorf("%s + %s = %s, want %s", a, b, got, tt.sum)
			}
			if got := a.Subtract(b).String(); got != tt.diff {
				t.Errorf("%s - %s = %s, want %s", a, b, got, tt.diff)
			}
		})
	}
}

func TestOperationsDoNotModifyInputs(t *testing.T) {
	a := mustParse(t, "cpus:2;ports:[1-100];bugs:{a,b,c}")
	before := a.String()
	b := mustParse(t, "cpus:1;ports:[50-60];bugs:{b}")
	_ = a.Add(b)
	_ = a.Subtract(b)
	_, _ = a.Find(b)
	_ = a.AllocateTo("web").Flatten()
	if _, err := a.PushReservation(DynamicReservation("web", "ops")); err != nil {
		t.Fatal(err)
	}
	if a.String() != before {
		t.Errorf("a changed from %s to %s", before, a)
	}
}

func TestContains(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"cpus:2;mem:10", "cpus:1", true},
		{"cpus:2;mem:10", "cpus:2;mem:10", true},
		{"cpus:2", "cpus:2.001", false},
		{"cpus:2", "mem:1", false},
		{"cpus(a):2", "cpus:1", false},
		{"cpus:2", "cpus(a):1", false},
		{"ports:[1-10,20-30]", "ports:[2-3,25-30]", true},
		{"ports:[1-10,20-30]", "ports:[9-21]", false},
		{"ports:[1-10,11-20]", "ports:[9-12]", true}, // adjacent ranges are one
		{"bugs:{a,b}", "bugs:{a}", true},
		{"bugs:{a,b}", "bugs:{c}", false},
		{"", "", true},
		{"cpus:1", "", true},
		{"", "cpus:1", false},
	}
	for _, tt := range tests {
		a, b := mustParse(t, tt.a), mustParse(t, tt.b)
		if got := a.Contains(b); got != tt.want {
			t.Errorf("(%s).Contains(%s) = %v, want %v", a, b, got, tt.want)
		}
	}
}

func TestEqual(t *testing.T) {
	a := mustParse(t, "cpus:1;mem:2;ports:[1-2]")
	b := mustParse(t, "ports:[1-2];mem:2;cpus:0.5;cpus:0.5")
	if !a.Equal(b) {
		t.Errorf("%s should equal %s regardless of order", a, b)
	}
	if a.Equal(mustParse(t, "cpus:1;mem:2")) {
		t.Error("collections of different size are not equal")
	}
	if a.Equal(mustParse(t, "cpus:1;mem:2;ports:[1-3]")) {
		t.Error("different ranges are not equal")
	}
}

func TestSubtractContained(t *testing.T) {
	a := mustParse(t, "cpus:1;ports:[1-10]")
	got, err := a.SubtractContained(mustParse(t, "cpus:0.5;ports:[3-3]"))
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != "cpus(*):0.5; ports(*):[1-2, 4-10]" {
		t.Errorf("got %s", got)
	}
	_, err = a.SubtractContained(mustParse(t, "cpus:2"))
	if !errors.Is(err, ErrNotContained) {
		t.Fatalf("err = %v, want ErrNotContained", err)
	}
	if want := "resources: cpus(*):1; ports(*):[1-10] does not contain cpus(*):2"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestRevocableAllocatedProviderAreIdentity(t *testing.T) {
	plain := NewScalar("cpus", 1)
	rev := plain
	rev.Revocable = true
	alloc := plain
	alloc.AllocationRole = "web"
	prov := plain
	prov.ProviderID = "p1"
	rs := Must(plain, rev, alloc, prov, plain)
	if rs.Len() != 4 {
		t.Fatalf("want 4 distinct entries, got %s", rs)
	}
	if got := rs.Cpus(); got != 5000 {
		t.Errorf("Cpus() = %v, want 5", got)
	}
	if got := rs.Revocable().String(); got != "cpus(*){REV}:1" {
		t.Errorf("Revocable() = %s", got)
	}
	if got := rs.NonRevocable().Len(); got != 3 {
		t.Errorf("NonRevocable() has %d entries, want 3", got)
	}
	if rs.Contains(Must(rev, rev)) {
		t.Error("one revocable cpu does not contain two")
	}
	if !rs.Subtract(Must(alloc)).Equal(Must(plain, plain, rev, prov)) {
		t.Errorf("subtracting the allocated cpu should leave the rest: %s", rs.Subtract(Must(alloc)))
	}
}

func TestReservedDynamicAndRefinedStacksAreDistinct(t *testing.T) {
	cpus := NewScalar("cpus", 1)
	a := static(cpus, "eng")
	b := dynamic(cpus, "eng", "ops")
	c := dynamic(dynamic(cpus, "eng", "ops"), "eng/web", "ops")
	d := dynamic(cpus, "eng", "other") // another principal is another reservation
	rs := Must(a, b, c, d, b)
	if rs.Len() != 4 {
		t.Fatalf("want 4 entries, got %s", rs)
	}
	if got := rs.ReservedTo("eng").Cpus(); got != 4000 {
		t.Errorf("ReservedTo(eng) cpus = %v, want 4", got)
	}
	if got := rs.ReservedTo("eng/web").Cpus(); got != 1000 {
		t.Errorf("ReservedTo(eng/web) cpus = %v, want 1", got)
	}
	if got := rs.ReservedToRoleSubtree("eng").Cpus(); got != 5000 {
		t.Errorf("ReservedToRoleSubtree(eng) cpus = %v, want 5", got)
	}
	if got := rs.Flatten().String(); got != "cpus(*):5" {
		t.Errorf("Flatten() = %s, want cpus(*):5", got)
	}
	if got := rs.Reservations(); len(got) != 2 || got["eng"].Cpus() != 4000 || got["eng/web"].Cpus() != 1000 {
		t.Errorf("Reservations() = %v", got)
	}
}

func TestReservationLabelsCompareInAnyOrder(t *testing.T) {
	cpus := NewScalar("cpus", 1)
	x, y := cpus, cpus
	x.Reservations = []Reservation{DynamicReservation("a", "p", Label{"k1", "v1"}, Label{"k2", ""})}
	y.Reservations = []Reservation{DynamicReservation("a", "p", Label{"k2", ""}, Label{"k1", "v1"})}
	if rs := Must(x, y); rs.Len() != 1 || rs.Cpus() != 2000 {
		t.Errorf("labels in another order are the same reservation: %s", rs)
	}
	z := cpus
	z.Reservations = []Reservation{DynamicReservation("a", "p", Label{"k1", "v2"}, Label{"k2", ""})}
	if rs := Must(x, z); rs.Len() != 2 {
		t.Errorf("different label values are different reservations: %s", rs)
	}
}

func TestFilters(t *testing.T) {
	rs := Must(
		NewScalar("cpus", 4),
		static(NewScalar("cpus", 2), "eng"),
		dynamic(NewScalar("mem", 64), "eng/web", "ops"),
		NewRanges("ports", Range{31000, 32000}),
		NewSet("gpus-ids", "a", "b"),
	)
	tests := []struct {
		name string
		got  Resources
		want string
	}{
		{"Unreserved", rs.Unreserved(), "cpus(*):4; ports(*):[31000-32000]; gpus-ids(*):{a, b}"},
		{"Reserved", rs.Reserved(), "cpus(eng):2; mem(eng/web)(reservations: [(DYNAMIC,eng/web,ops)]):64"},
		{"ReservedTo eng", rs.ReservedTo("eng"), "cpus(eng):2"},
		{"ReservedToRoleSubtree eng", rs.ReservedToRoleSubtree("eng"), "cpus(eng):2; mem(eng/web)(reservations: [(DYNAMIC,eng/web,ops)]):64"},
		{"AllocatableTo eng", rs.AllocatableTo("eng"), "cpus(*):4; cpus(eng):2; ports(*):[31000-32000]; gpus-ids(*):{a, b}"},
		{"AllocatableTo eng/web", rs.AllocatableTo("eng/web").Scalars(), "cpus(*):4; cpus(eng):2; mem(eng/web)(reservations: [(DYNAMIC,eng/web,ops)]):64"},
		{"AllocatableTo other", rs.AllocatableTo("other").Scalars(), "cpus(*):4"},
		{"Named", rs.Named("ports"), "ports(*):[31000-32000]"},
		{"Scalars", rs.Scalars().Unreserved(), "cpus(*):4"},
		{"Filter", rs.Filter(func(r Resource) bool { return r.Kind == KindSet }), "gpus-ids(*):{a, b}"},
		{"ScalarQuantities", rs.ScalarQuantities(), "cpus(*):6; mem(*):64"},
	}
	for _, tt := range tests {
		if got := tt.got.String(); got != tt.want {
			t.Errorf("%s = %s\nwant %s", tt.name, got, tt.want)
		}
	}
	if got := rs.Names(); !slices.Equal(got, []string{"cpus", "gpus-ids", "mem", "ports"}) {
		t.Errorf("Names() = %v", got)
	}
	if got := rs.Ports(); !slices.Equal(got, []Range{{31000, 32000}}) {
		t.Errorf("Ports() = %v", got)
	}
	if got := rs.Set("gpus-ids"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Set() = %v", got)
	}
	if rs.Mem() != 64000 || rs.Disk() != 0 || rs.Gpus() != 0 {
		t.Errorf("Mem/Disk/Gpus = %v/%v/%v", rs.Mem(), rs.Disk(), rs.Gpus())
	}
}

func TestAllocateAndUnallocate(t *testing.T) {
	rs := mustParse(t, "cpus:1;cpus(eng):1;mem:10")
	web := rs.AllocateTo("eng")
	if got := web.String(); got != "cpus(*)(allocated: eng):1; cpus(eng)(allocated: eng):1; mem(*)(allocated: eng):10" {
		t.Errorf("AllocateTo = %s", got)
	}
	if !web.AllocatedTo("eng").Equal(web) || !web.AllocatedTo("other").IsEmpty() {
		t.Error("AllocatedTo should select by allocation role")
	}
	if rs.Contains(web) || web.Contains(rs) {
		t.Error("allocation is part of the identity")
	}
	if !web.Unallocate().Equal(rs) {
		t.Errorf("Unallocate() = %s, want %s", web.Unallocate(), rs)
	}
	both := web.Add(rs.AllocateTo("eng/a"))
	if got := both.AllocatedToRoleSubtree("eng").Cpus(); got != 4000 {
		t.Errorf("AllocatedToRoleSubtree(eng) cpus = %v, want 4", got)
	}
	allocs := both.Allocations()
	if len(allocs) != 2 || !allocs["eng/a"].Unallocate().Equal(rs) {
		t.Errorf("Allocations() = %v", allocs)
	}
	// Unallocating merges what only differed by allocation.
	if got := both.Unallocate().String(); got != "cpus(*):2; cpus(eng):2; mem(*):20" {
		t.Errorf("Unallocate() of two allocations = %s", got)
	}
}

func TestPushAndPopReservation(t *testing.T) {
	rs := mustParse(t, "cpus:1;mem:64")
	reserved, err := rs.PushReservation(DynamicReservation("eng", "ops"))
	if err != nil {
		t.Fatal(err)
	}
	if !reserved.ReservedTo("eng").Equal(reserved) {
		t.Errorf("everything should be reserved to eng: %s", reserved)
	}
	refined, err := reserved.PushReservation(DynamicReservation("eng/web", "ops"))
	if err != nil {
		t.Fatal(err)
	}
	for r := range refined.All() {
		if !r.HasRefinedReservations() || r.ReservationRole() != "eng/web" {
			t.Errorf("%s should be refined to eng/web", r)
		}
	}
	popped, err := refined.PopReservation()
	if err != nil || !popped.Equal(reserved) {
		t.Errorf("PopReservation = %s, %v; want %s", popped, err, reserved)
	}
	unreserved, err := popped.PopReservation()
	if err != nil || !unreserved.Equal(rs) {
		t.Errorf("PopReservation = %s, %v; want %s", unreserved, err, rs)
	}
	if _, err := unreserved.PopReservation(); !errors.Is(err, ErrNotContained) {
		t.Errorf("popping an unreserved resource: err = %v, want ErrNotContained", err)
	}

	bad := []struct {
		name string
		from Resources
		push Reservation
		want string
	}{
		{"not a refinement", reserved, DynamicReservation("other", "ops"), `resources: resource "cpus": reservation role "other" is not a refinement of "eng"`},
		{"same role is not a refinement", reserved, DynamicReservation("eng", "ops"), `resources: resource "cpus": reservation role "eng" is not a refinement of "eng"`},
		{"static refinement", reserved, StaticReservation("eng/web"), `resources: resource "cpus": a refined reservation cannot be STATIC`},
		{"star", rs, DynamicReservation("*", "ops"), `resources: resource "cpus": role "*" cannot be reserved`},
		{"bad role", rs, DynamicReservation("a//b", "ops"), `resources: resource "cpus": reservation role "a//b" cannot contain two adjacent slashes`},
		{"no type", rs, Reservation{Role: "a"}, `resources: resource "cpus": reservation 0 has no type (STATIC or DYNAMIC)`},
	}
	for _, tt := range bad {
		_, err := tt.from.PushReservation(tt.push)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: err = %v, want %s", tt.name, err, tt.want)
		}
	}
}

func TestPopReservationMerges(t *testing.T) {
	base := static(NewScalar("cpus", 1), "eng")
	refined := dynamic(static(NewScalar("cpus", 2), "eng"), "eng/web", "ops")
	rs := Must(refined)
	popped, err := rs.PopReservation()
	if err != nil {
		t.Fatal(err)
	}
	if got := popped.Add(Must(base)).String(); got != "cpus(eng):3" {
		t.Errorf("popped refinement should merge with the static reservation: %s", got)
	}
}

func TestPersistentVolumes(t *testing.T) {
	v1 := volume("v1", 100, false)
	v2 := volume("v2", 100, false)
	rs := Must(v1, v2, NewScalar("disk", 50))
	if rs.Len() != 3 {
		t.Fatalf("volumes never merge: %s", rs)
	}
	if got := rs.PersistentVolumes().Len(); got != 2 {
		t.Errorf("PersistentVolumes() has %d entries", got)
	}
	// A volume is used whole: taking part of it is ignored, taking it all removes it.
	part := volume("v1", 50, false)
	if rs.Contains(Must(part)) {
		t.Error("half a volume is not contained")
	}
	if got := rs.Subtract(Must(part)); !got.Equal(rs) {
		t.Errorf("subtracting half a volume changed %s to %s", rs, got)
	}
	if got := rs.Subtract(Must(v1)); !got.Equal(Must(v2, NewScalar("disk", 50))) {
		t.Errorf("subtracting v1 = %s", got)
	}
	// The volume's mount point is not part of its identity.
	elsewhere := v1
	elsewhere.Disk = &DiskInfo{Persistence: &Persistence{ID: "v1", Principal: "x"}, Volume: &Volume{ContainerPath: "other", Mode: ReadOnly}}
	if !rs.Contains(Must(elsewhere)) {
		t.Error("a volume mounted elsewhere is the same volume")
	}
	// Two identical non-shared volumes stay two entries, matched one to one.
	twice := Must(v1, v1)
	if twice.Len() != 2 {
		t.Fatalf("identical non-shared volumes stay separate: %s", twice)
	}
	if Must(v1).Contains(twice) {
		t.Error("one volume does not contain two")
	}
	if !twice.Contains(twice) {
		t.Error("a collection contains itself")
	}
}

func TestSharedVolumesAreCounted(t *testing.T) {
	s := volume("s1", 100, true)
	one := Must(s)
	three := one.Add(one).Add(one)
	if three.Len() != 1 || three.Count(s) != 3 {
		t.Fatalf("three copies of a shared volume: %s, count %d", three, three.Count(s))
	}
	if three.Disk() != 100000 {
		t.Errorf("copies do not add disk space: %v", three.Disk())
	}
	if !three.Contains(one.Add(one)) || one.Contains(one.Add(one)) {
		t.Error("containment counts copies")
	}
	two := three.Subtract(one)
	if two.Count(s) != 2 {
		t.Errorf("after subtracting a copy: count %d", two.Count(s))
	}
	if got := two.Subtract(one).Subtract(one); !got.IsEmpty() {
		t.Errorf("all copies subtracted: %s", got)
	}
	if three.Equal(two) {
		t.Error("different numbers of copies are not equal")
	}
	if got := Must(s).Subtract(Must(volume("s1", 50, true))); got.Count(s) != 1 {
		t.Error("a shared volume is only subtracted by an equal one")
	}
	if Must(NewScalar("cpus", 1)).Count(s) != 0 || Must(NewScalar("cpus", 1)).Count(NewScalar("cpus", 1)) != 1 {
		t.Error("Count of absent and plain resources")
	}
}

func TestExclusiveDisks(t *testing.T) {
	m1 := mountDisk("/mnt/1", 1000)
	m1again := mountDisk("/mnt/1", 1000)
	rs := Must(m1, m1again)
	if rs.Len() != 2 {
		t.Fatalf("MOUNT disks never merge: %s", rs)
	}
	if rs.Contains(Must(mountDisk("/mnt/1", 500))) {
		t.Error("part of a MOUNT disk is not contained")
	}
	if got := rs.Subtract(Must(m1)); got.Len() != 1 {
		t.Errorf("subtracting one MOUNT disk: %s", got)
	}
	path := NewScalar("disk", 100)
	path.Disk = &DiskInfo{Source: &DiskSource{Type: SourcePath, Root: "/p"}}
	paths := Must(path, path)
	if paths.Len() != 1 || paths.Disk() != 200000 {
		t.Errorf("PATH disks are divisible and merge: %s", paths)
	}
	raw := NewScalar("disk", 10)
	raw.Disk = &DiskInfo{Source: &DiskSource{Type: SourceRaw, ID: "dev1", Vendor: "csi"}}
	if Must(raw, raw).Len() != 2 {
		t.Error("RAW disks with an ID never merge")
	}
	anon := raw
	anon.Disk = &DiskInfo{Source: &DiskSource{Type: SourceRaw}}
	if Must(anon, anon).Len() != 1 {
		t.Error("RAW disks without an ID merge")
	}
}

func TestNewValidation(t *testing.T) {
	withDisk := NewScalar("cpus", 1)
	withDisk.Disk = &DiskInfo{}
	sharedCPU := NewScalar("cpus", 1)
	sharedCPU.Shared = true
	blockRoot := NewScalar("disk", 1)
	blockRoot.Disk = &DiskInfo{Source: &DiskSource{Type: SourceBlock, Root: "/x"}}
	tests := []struct {
		name string
		r    Resource
		want string
	}{
		{"no name", NewScalar("", 1), `resources: resource "": empty resource name`},
		{"negative", Resource{Name: "cpus", Value: Value{Kind: KindScalar, Scalar: -1}}, `resources: resource "cpus": scalar value -0.001 is negative`},
		{"inverted range", Resource{Name: "ports", Value: Value{Kind: KindRanges, Ranges: []Range{{5, 3}}}}, `resources: resource "ports": range 5-3 has begin greater than end`},
		{"text", Resource{Name: "os", Value: Value{Kind: KindText, Text: "x"}}, `resources: resource "os": resources cannot be TEXT; use a scalar, ranges or a set`},
		{"no kind", Resource{Name: "x"}, `resources: resource "x": unknown value type Kind(0)`},
		{"mixed value", Resource{Name: "x", Value: Value{Kind: KindScalar, Scalar: 1, Set: []string{"a"}}}, `resources: resource "x": a SCALAR resource carries another kind of value`},
		{"disk info on cpus", withDisk, `resources: resource "cpus": disk info is only allowed on "disk" resources`},
		{"shared cpus", sharedCPU, `resources: resource "cpus": only persistent volumes can be shared`},
		{"block with root", blockRoot, `resources: resource "disk": BLOCK disk source cannot have a root`},
		{"bad allocation role", Resource{Name: "cpus", Value: Value{Kind: KindScalar, Scalar: 1}, AllocationRole: "/x"}, `resources: resource "cpus": allocation role "/x" cannot start with a slash`},
	}
	for _, tt := range tests {
		_, err := New(tt.r)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: New error = %v, want %s", tt.name, err, tt.want)
		}
	}
	// New normalises values written in code.
	rs, err := New(Resource{Name: "ports", Value: Value{Kind: KindRanges, Ranges: []Range{{10, 20}, {1, 5}, {15, 30}}}},
		Resource{Name: "bugs", Value: Value{Kind: KindSet, Set: []string{"b", "a", "b"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rs.String(); got != "ports(*):[1-5, 10-30]; bugs(*):{a, b}" {
		t.Errorf("New normalised = %s", got)
	}
}

func TestResourceString(t *testing.T) {
	v := volume("v1", 100, true)
	v.AllocationRole = "web"
	rev := NewScalar("cpus", 0.5)
	rev.Revocable = true
	refined := dynamic(static(NewScalar("cpus", 1), "eng"), "eng/web", "ops")
	refined.Reservations[1].Labels = []Label{{"k", "v"}, {"flag", ""}}
	csi := NewScalar("disk", 5)
	csi.Disk = &DiskInfo{Source: &DiskSource{Type: SourceRaw, Vendor: "csi", ID: "d1", Profile: "fast"}}
	hostVol := NewScalar("disk", 1)
	hostVol.Disk = &DiskInfo{Source: &DiskSource{Type: SourceMount, Root: "/m"}, Persistence: &Persistence{ID: "p"},
		Volume: &Volume{ContainerPath: "c", HostPath: "/h", Mode: ReadOnly}}
	tests := []struct {
		r    Resource
		want string
	}{
		{NewScalar("cpus", 2), "cpus(*):2"},
		{static(NewScalar("mem", 1024), "web"), "mem(web):1024"},
		{rev, "cpus(*){REV}:0.5"},
		{v, "disk(web)(allocated: web)(reservations: [(DYNAMIC,web,ops)])[v1:data]<SHARED>:100"},
		{refined, "cpus(eng/web)(reservations: [(STATIC,eng),(DYNAMIC,eng/web,ops,{k: v, flag})]):1"},
		{csi, "disk(*)[RAW(csi,d1,fast)]:5"},
		{hostVol, "disk(*)[MOUNT:/m,p:/h:c:ro]:1"},
		{NewRanges("ports", Range{1, 2}, Range{4, 5}), "ports(*):[1-2, 4-5]"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("String() = %s\n          want %s", got, tt.want)
		}
	}
	if got := (Resources{}).String(); got != "{}" {
		t.Errorf("empty String() = %q", got)
	}
}

func TestIterationAndSlice(t *testing.T) {
	rs := mustParse(t, "cpus:1;mem:2;disk:3")
	var names []string
	for r := range rs.All() {
		names = append(names, r.Name)
		if r.Name == "mem" {
			break
		}
	}
	if !slices.Equal(names, []string{"cpus", "mem"}) {
		t.Errorf("All() with break yielded %v", names)
	}
	if got := rs.Slice(); len(got) != 3 || got[2].Name != "disk" {
		t.Errorf("Slice() = %v", got)
	}
}

// TestConcurrentUseOfSharedCollections runs every kind of operation on one
// collection from several goroutines. Under -race it proves that operations
// never write to the entries and slices collections share.
func TestConcurrentUseOfSharedCollections(t *testing.T) {
	agent := benchAgent(t)
	before := agent.String()
	task := benchTask(t, "role3", 3)
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 50 {
				left := agent.Subtract(task)
				_ = left.Add(task).Equal(agent)
				_, _ = agent.AllocateTo("role3").Find(task)
				_ = agent.Flatten().Unallocate()
				if g%2 == 0 {
					_, _ = agent.Unreserved().PushReservation(DynamicReservation("x", "p"))
				}
				_, _ = agent.ToProto(Format{})
				_ = agent.Contains(task)
			}
		}()
	}
	for range 8 {
		<-done
	}
	if agent.String() != before {
		t.Fatal("the shared collection changed")
	}
}
