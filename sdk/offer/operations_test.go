package offer_test

import (
	"errors"
	"testing"

	mesospb "agora/api/mesos/v1"
	"agora/resources"
	"agora/sdk/offer"
)

var multiRole = resources.FormatFor(true, true)

// A reserved want comes from its role's reservations, then unreserved
// resources, never from another role's reservations; an unreserved want
// may use the reservations of the offer's role and its ancestors only.
func TestTakeNeverUsesAnotherRolesReservations(t *testing.T) {
	o, err := offer.New(mesosOffer(t, "o1", "cpus(web):2;cpus(db):4;cpus:1", "", plain, ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := o.Take(need(t, "cpus(web):4")); ok {
		t.Fatal("cpus(web):4 taken from web:2 + unreserved:1 (db's cpus used)")
	}
	got, ok := o.Take(need(t, "cpus(web):3"))
	if !ok {
		t.Fatal("cpus(web):3 not found in web:2 + unreserved:1")
	}
	if want := need(t, "cpus(web):2;cpus:1"); !parsed(t, got).Equal(want) {
		t.Fatalf("took %v, want %v", parsed(t, got), want)
	}
	if _, ok := o.Take(need(t, "cpus(web):0.5")); ok {
		t.Fatal("a web want was met from db's reservation")
	}
	if want := need(t, "cpus(db):4"); !o.Remaining().Equal(want) {
		t.Fatalf("remaining %v, want %v", o.Remaining(), want)
	}

	// A MULTI_ROLE offer to eng/web: eng's reservation is shared down the
	// hierarchy, eng/db's (a sibling) is not.
	o, err = offer.New(mesosOffer(t, "o2", "cpus(eng):2;cpus(eng/db):2;cpus:1", "", multiRole, "eng/web"))
	if err != nil {
		t.Fatal(err)
	}
	if o.Role() != "eng/web" {
		t.Fatalf("Role() = %q", o.Role())
	}
	got, ok = o.Take(need(t, "cpus:2"))
	if !ok {
		t.Fatal("cpus:2 not found in unreserved:1 + eng:2")
	}
	if want := need(t, "cpus:1;cpus(eng):1").AllocateTo("eng/web"); !parsed(t, got).Equal(want) {
		t.Fatalf("took %v, want %v (unreserved first)", parsed(t, got), want)
	}
	if _, ok := o.Take(need(t, "cpus:2")); ok {
		t.Fatal("an unreserved want was met from the sibling role eng/db")
	}
	if _, ok := o.Take(need(t, "cpus(eng/web):1")); !ok {
		t.Fatal("a want of role eng/web could not use its parent's reservation")
	}
}

func TestNewRejectsOfferToSeveralRoles(t *testing.T) {
	a := mesosOffer(t, "o1", "cpus:1", "", multiRole, "a")
	b := mesosOffer(t, "o1", "mem:1", "", multiRole, "b")
	a.Resources = append(a.Resources, b.Resources...)
	if _, err := offer.New(a); !errors.Is(err, offer.ErrInvalidOffer) {
		t.Fatalf("New: %v, want ErrInvalidOffer", err)
	}
}

// RESERVE, CREATE, then a task on the reserved resources and the volume,
// then DESTROY and UNRESERVE: each operation's payload is what the master
// expects and Remaining follows the conversions.
func TestReserveCreateDestroyUnreserve(t *testing.T) {
	o, err := offer.New(mesosOffer(t, "o1", "cpus:4;mem:1024;disk:1000", "", multiRole, "web"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Reserve("db", "p", need(t, "cpus:1")); !errors.Is(err, offer.ErrNotInOffer) {
		t.Fatalf("Reserve to a role the offer was not made to: %v, want ErrNotInOffer", err)
	}
	if _, err := o.Reserve("web", "p", need(t, "cpus:5")); !errors.Is(err, offer.ErrNotInOffer) {
		t.Fatalf("Reserve beyond the offer: %v, want ErrNotInOffer", err)
	}
	if _, err := o.Reserve("web", "p", need(t, "cpus(web):1")); !errors.Is(err, resources.ErrInvalidResource) {
		t.Fatalf("Reserve of reserved amounts: %v, want ErrInvalidResource", err)
	}
	op, err := o.Reserve("web", "p", need(t, "cpus:2;disk:500"), resources.Label{Key: "owner", Value: "team-a"})
	if err != nil {
		t.Fatal(err)
	}
	if op.GetType() != mesospb.Offer_Operation_RESERVE || len(op.GetReserve().GetResources()) != 2 {
		t.Fatalf("operation %v", op)
	}
	for r := range parsed(t, op.GetReserve().GetResources()).All() {
		rs := r.Reservations
		if r.AllocationRole != "web" || len(rs) != 1 || rs[0].Type != resources.Dynamic ||
			rs[0].Role != "web" || rs[0].Principal != "p" || len(rs[0].Labels) != 1 || rs[0].Labels[0].Value != "team-a" {
			t.Fatalf("RESERVE resource %v", r)
		}
	}
	reserved := o.Remaining().ReservedTo("web")
	if reserved.Cpus() != 2000 || reserved.Disk() != 500000 || o.Remaining().Unreserved().Cpus() != 2000 {
		t.Fatalf("remaining after RESERVE: %v", o.Remaining())
	}

	if _, err := o.CreateVolumes(offer.Volume{ID: "data", ContainerPath: "data", MB: 600, Role: "web"}); !errors.Is(err, offer.ErrNotInOffer) {
		t.Fatalf("CreateVolumes beyond the reserved disk: %v, want ErrNotInOffer", err)
	}
	op, err = o.CreateVolumes(offer.Volume{ID: "data", ContainerPath: "data", MB: 100, Role: "web", Principal: "p"})
	if err != nil {
		t.Fatal(err)
	}
	v := op.GetCreate().GetVolumes()
	if op.GetType() != mesospb.Offer_Operation_CREATE || len(v) != 1 || v[0].GetDisk().GetPersistence().GetId() != "data" ||
		v[0].GetDisk().GetVolume().GetContainerPath() != "data" || v[0].GetDisk().GetVolume().GetMode() != mesospb.Volume_RW ||
		v[0].GetScalar().GetValue() != 100 || v[0].GetAllocationInfo().GetRole() != "web" {
		t.Fatalf("CREATE %v", op)
	}
	volumes := o.Remaining().PersistentVolumes()
	if volumes.Len() != 1 || o.Remaining().ReservedTo("web").Disk() != 500000 {
		t.Fatalf("remaining after CREATE: %v", o.Remaining())
	}

	// A task takes reserved cpus and the volume.
	if _, ok := o.Take(need(t, "cpus(web):1").Add(volumes)); !ok {
		t.Fatalf("task on reserved cpus and the volume not found in %v", o.Remaining())
	}
	if !o.Remaining().PersistentVolumes().IsEmpty() {
		t.Fatal("the volume is still in Remaining after Take")
	}

	// Next offer: the volume is offered again; destroy and unreserve all.
	o2, err := offer.New(mesosOffer(t, "o2", "cpus:1", "", multiRole, "web"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o2.DestroyVolumes(volumes); !errors.Is(err, offer.ErrNotInOffer) {
		t.Fatalf("DestroyVolumes of a volume not offered: %v, want ErrNotInOffer", err)
	}
	if _, err := o.Unreserve(o.Remaining().ReservedTo("web")); err != nil {
		t.Fatalf("Unreserve: %v", err)
	}
	if !o.Remaining().Reserved().IsEmpty() {
		t.Fatalf("reserved after UNRESERVE: %v", o.Remaining().Reserved())
	}
}

// In an offer without allocation_info and reservations (a framework
// without MULTI_ROLE), RESERVE is written with the older role and
// reservation fields, and DESTROY gives back the reserved disk.
func TestOperationsInPreRefinementFormat(t *testing.T) {
	o, err := offer.New(mesosOffer(t, "o1", "cpus:1;disk:100", "", plain, ""))
	if err != nil {
		t.Fatal(err)
	}
	op, err := o.Reserve("web", "p", need(t, "disk:100"))
	if err != nil {
		t.Fatal(err)
	}
	r := op.GetReserve().GetResources()[0]
	if r.GetRole() != "web" || r.GetReservation().GetPrincipal() != "p" || len(r.GetReservations()) != 0 || r.AllocationInfo != nil {
		t.Fatalf("RESERVE resource %v, want role web and reservation{principal p}", r)
	}
	if _, err := o.CreateVolumes(offer.Volume{ID: "v", ContainerPath: "v", MB: 40, Role: "web"}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Unreserve(o.Remaining().ReservedTo("web")); !errors.Is(err, resources.ErrInvalidResource) {
		t.Fatalf("Unreserve with a volume: %v, want ErrInvalidResource", err)
	}
	op, err = o.DestroyVolumes(o.Remaining().PersistentVolumes())
	if err != nil {
		t.Fatal(err)
	}
	if op.GetDestroy().GetVolumes()[0].GetDisk().GetPersistence().GetId() != "v" {
		t.Fatalf("DESTROY %v", op)
	}
	if !o.Remaining().PersistentVolumes().IsEmpty() || o.Remaining().ReservedTo("web").Disk() != 100000 {
		t.Fatalf("remaining after DESTROY: %v", o.Remaining())
	}
	op, err = o.Unreserve(o.Remaining().ReservedTo("web"))
	if err != nil {
		t.Fatal(err)
	}
	if u := op.GetUnreserve().GetResources(); len(u) != 1 || u[0].GetRole() != "web" || u[0].GetScalar().GetValue() != 100 {
		t.Fatalf("UNRESERVE names %v, want the reserved disk", op.GetUnreserve().GetResources())
	}
	if want := need(t, "cpus:1;disk:100"); !o.Remaining().Equal(want) {
		t.Fatalf("remaining %v, want %v", o.Remaining(), want)
	}
}
