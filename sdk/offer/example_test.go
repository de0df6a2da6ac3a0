package offer_test

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	"agora/constraints"
	"agora/resources"
	"agora/sdk/offer"
)

// Split one offer among tasks of different sizes.
func ExampleOffer_Split() {
	rs, _ := resources.Parse("cpus:2;mem:512", "*")
	list, _ := rs.ToProto(resources.FormatFor(false, false))
	o, err := offer.New(&mesospb.Offer{
		Id: &mesospb.OfferID{Value: proto.String("o1")}, FrameworkId: &mesospb.FrameworkID{Value: proto.String("fw")},
		AgentId: &mesospb.AgentID{Value: proto.String("a1")}, Hostname: proto.String("h1"), Resources: list,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	web := resources.Must(resources.NewScalar("cpus", 1), resources.NewScalar("mem", 256))
	out, n := o.Split(web, web, web)
	fmt.Println(n, "of 3 tasks fit; third:", out[2])
	fmt.Println("left:", o.Remaining())
	// Output:
	// 2 of 3 tasks fit; third: []
	// left: {}
}

// Keep one instance per rack.
func ExamplePlacement() {
	cs, _ := constraints.ParseCompact("rack=unique")
	p := offer.NewPlacement(cs...)
	p.Add(constraints.Agent{Hostname: "a1", Attributes: map[string]string{"rack": "r1"}})
	attrs, _ := resources.ParseAttributes("rack:r1")
	o, _ := offer.New(&mesospb.Offer{
		Id: &mesospb.OfferID{Value: proto.String("o2")}, FrameworkId: &mesospb.FrameworkID{Value: proto.String("fw")},
		AgentId: &mesospb.AgentID{Value: proto.String("a2")}, Hostname: proto.String("a2"),
		Attributes: resources.AttributesToProto(attrs),
	})
	for _, r := range p.Check(o) {
		fmt.Println(r.Reason)
	}
	// Output:
	// rack r1 already runs an instance (UNIQUE)
}
