package placement_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	"agora/constraints"
	"agora/resources"
)

var plain = resources.FormatFor(false, false)

// mesosOffer builds an offer on its own agent (agent-<id>, host <host>) of
// text resources ("cpus:4;mem:1024;ports:[31000-31009]") and attributes
// ("rack:r1"), in wire format f, allocated to role when it is not empty.
func mesosOffer(t testing.TB, id, host, res, attrs string, f resources.Format, role string) *mesospb.Offer {
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
		AgentId:     &mesospb.AgentID{Value: proto.String("agent-" + host)},
		Hostname:    proto.String(host),
		Resources:   list,
		Attributes:  resources.AttributesToProto(as),
	}
}

func mustConstraints(t testing.TB, list ...[]string) []constraints.Constraint {
	t.Helper()
	cs, err := constraints.FromMarathonList(list)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func parsed(t testing.TB, list []*mesospb.Resource) resources.Resources {
	t.Helper()
	rs, err := resources.FromProto(list)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}
