package offer_test

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	"agora/constraints"
	"agora/resources"
	"agora/sdk/offer"
)

// mesosOffer builds an offer of text resources ("cpus:4;mem(web):64") on
// agent id with attributes ("rack:r1"), in the wire format f.
func mesosOffer(t testing.TB, id, res, attrs string, f resources.Format, role string) *mesospb.Offer {
	t.Helper()
	rs, err := resources.Parse(res, "*")
	if err != nil {
		t.Fatal(err)
	}
	if role != "" {
		rs = rs.AllocateTo(role)
	}
	list, err := rs.ToProto(f)
	if err != nil {
		t.Fatal(err)
	}
	as, err := resources.ParseAttributes(attrs)
	if err != nil {
		t.Fatal(err)
	}
	return &mesospb.Offer{
		Id:          &mesospb.OfferID{Value: proto.String(id)},
		FrameworkId: &mesospb.FrameworkID{Value: proto.String("fw")},
		AgentId:     &mesospb.AgentID{Value: proto.String("agent-" + id)},
		Hostname:    proto.String("host-" + id),
		Resources:   list,
		Attributes:  resources.AttributesToProto(as),
	}
}

var plain = resources.FormatFor(false, false)

func need(t testing.TB, text string) resources.Resources {
	t.Helper()
	rs, err := resources.Parse(text, "*")
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func parsed(t testing.TB, list []*mesospb.Resource) resources.Resources {
	t.Helper()
	rs, err := resources.FromProto(list)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestTakeRespectsReservations(t *testing.T) {
	o, err := offer.New(mesosOffer(t, "o1", "cpus(web):2;cpus:4;mem:1024", "", plain, ""))
	if err != nil {
		t.Fatal(err)
	}
	// An unreserved want is met from unreserved resources first.
	got, ok := o.Take(need(t, "cpus:3"))
	if !ok {
		t.Fatal("cpus:3 not found")
	}
	if want := need(t, "cpus:3"); !parsed(t, got).Equal(want) {
		t.Fatalf("took %v, want %v", parsed(t, got), want)
	}
	// A want reserved to web takes web's cpus first, then the rest.
	got, ok = o.Take(need(t, "cpus(web):3"))
	if !ok {
		t.Fatal("cpus(web):3 not found")
	}
	if want := need(t, "cpus(web):2;cpus:1"); !parsed(t, got).Equal(want) {
		t.Fatalf("took %v, want %v", parsed(t, got), want)
	}
	if _, ok := o.Take(need(t, "cpus:0.5")); ok {
		t.Fatal("took cpus from an exhausted offer")
	}
	if want := need(t, "mem:1024"); !o.Remaining().Equal(want) {
		t.Fatalf("remaining %v, want %v", o.Remaining(), want)
	}
	// TakeFrom restricts the pool.
	o2, _ := offer.New(mesosOffer(t, "o2", "cpus(web):2;cpus:1", "", plain, ""))
	if _, ok := o2.TakeFrom(o2.Remaining().Unreserved(), need(t, "cpus:2")); ok {
		t.Fatal("TakeFrom(unreserved) used reserved cpus")
	}
	if _, ok := o2.TakeFrom(o2.Remaining().ReservedTo("web"), need(t, "cpus:2")); !ok {
		t.Fatal("TakeFrom(reserved to web) found nothing")
	}
}

func TestSplit(t *testing.T) {
	o, err := offer.New(mesosOffer(t, "o1", "cpus:2.5;mem:256;ports:[31000-31001]", "", plain, ""))
	if err != nil {
		t.Fatal(err)
	}
	big1, big2, small := need(t, "cpus:1;mem:64;ports:[31000-31000]"), need(t, "cpus:1;mem:64;ports:[31001-31001]"), need(t, "cpus:0.5;mem:32")
	out, n := o.Split(big1, big2, big1, small)
	if n != 3 || out[0] == nil || out[1] == nil || out[2] != nil || out[3] == nil {
		t.Fatalf("Split fitted %d: %v", n, out)
	}
	if !parsed(t, out[1]).Equal(big2) {
		t.Fatalf("second task got %v, want %v", parsed(t, out[1]), big2)
	}
}

// Resources go back in the offer's own format: allocation_info for a
// MULTI_ROLE framework's offer.
func TestTakeKeepsOfferFormat(t *testing.T) {
	o, err := offer.New(mesosOffer(t, "o1", "cpus:2;mem:256", "", resources.FormatFor(true, true), "dev"))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := o.Take(need(t, "cpus:1"))
	if !ok || len(got) != 1 {
		t.Fatalf("Take: %v %v", got, ok)
	}
	if got[0].GetAllocationInfo().GetRole() != "dev" {
		t.Fatalf("taken resource %v lacks allocation_info role dev", got[0])
	}
	o, _ = offer.New(mesosOffer(t, "o2", "cpus:2", "", plain, ""))
	got, _ = o.Take(need(t, "cpus:1"))
	if got[0].AllocationInfo != nil || len(got[0].GetReservations()) != 0 {
		t.Fatalf("plain offer gave %v", got[0])
	}
}

func TestNewRejectsBadOffers(t *testing.T) {
	bad := mesosOffer(t, "o1", "cpus:1", "", plain, "")
	bad.Resources[0].Scalar.Value = proto.Float64(-1)
	if _, err := offer.New(bad); !errors.Is(err, offer.ErrInvalidOffer) {
		t.Fatalf("New: %v, want ErrInvalidOffer", err)
	}
}

func TestPlacementUniqueRack(t *testing.T) {
	cs, err := constraints.ParseMarathon([]byte(`[["rack","UNIQUE"]]`))
	if err != nil {
		t.Fatal(err)
	}
	p := offer.NewPlacement(cs...)
	var offers []*offer.Offer
	for i, rack := range []string{"r1", "r1", "r2", ""} {
		attrs := ""
		if rack != "" {
			attrs = "rack:" + rack
		}
		o, err := offer.New(mesosOffer(t, string(rune('a'+i)), "cpus:1", attrs, plain, ""))
		if err != nil {
			t.Fatal(err)
		}
		offers = append(offers, o)
	}
	allowed, refused := p.Filter(offers)
	if len(allowed) != 3 || len(refused) != 1 || refused["d"] == nil {
		t.Fatalf("allowed %d, refused %v; want a, b, c allowed and d (no rack) refused", len(allowed), refused)
	}
	p.Add(offers[0].Agent())
	allowed, refused = p.Filter(offers)
	if len(allowed) != 1 || allowed[0].GetId().GetValue() != "c" || len(refused["b"]) != 1 {
		t.Fatalf("after placing on r1: allowed %v, refused %v", allowed, refused)
	}
	if !p.Remove(offers[0].Agent()) {
		t.Fatal("Remove found no instance")
	}
	if rs := p.Check(offers[1]); rs != nil {
		t.Fatalf("r1 refused after removal: %v", rs)
	}
}

func TestPorts(t *testing.T) {
	o, err := offer.New(mesosOffer(t, "o1", "cpus:1;ports:[31000-31001,31005-31010]", "", plain, ""))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := o.Ports(3)
	if !ok || p.String() != "ports(*):[31000-31001, 31005-31005]" {
		t.Fatalf("Ports(3) = %v, %v", p, ok)
	}
	if _, ok := o.Take(resources.Must(p)); !ok {
		t.Fatal("picked ports not takeable")
	}
	if p, ok := o.Ports(5); !ok || p.String() != "ports(*):[31006-31010]" {
		t.Fatalf("second Ports(5) = %v, %v", p, ok)
	}
	if _, ok := o.Ports(6); ok {
		t.Fatal("Ports(6) succeeded with 5 left")
	}
}
