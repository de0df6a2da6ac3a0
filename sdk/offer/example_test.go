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

// Reserve part of an offer for a role, make a persistent volume of the
// reserved disk, and give a task both, all in one ACCEPT.
func ExampleOffer_Reserve() {
	rs, _ := resources.Parse("cpus:4;mem:4096;disk:10000", "*")
	list, _ := rs.AllocateTo("db").ToProto(resources.FormatFor(true, true))
	o, _ := offer.New(&mesospb.Offer{
		Id: &mesospb.OfferID{Value: proto.String("o1")}, FrameworkId: &mesospb.FrameworkID{Value: proto.String("fw")},
		AgentId: &mesospb.AgentID{Value: proto.String("a1")}, Hostname: proto.String("h1"), Resources: list,
	})
	want, _ := resources.Parse("cpus:1;mem:1024;disk:2048", "*")
	reserve, err := o.Reserve("db", "db-principal", want)
	if err != nil {
		fmt.Println(err)
		return
	}
	create, err := o.CreateVolumes(offer.Volume{ID: "pgdata", ContainerPath: "pgdata", MB: 2048, Role: "db", Principal: "db-principal"})
	if err != nil {
		fmt.Println(err)
		return
	}
	needs, _ := resources.Parse("cpus(db):1;mem(db):1024", "*")
	taskResources, ok := o.Take(needs.Add(o.Remaining().PersistentVolumes()))
	fmt.Println(reserve.GetType(), create.GetType(), ok, len(taskResources), "resources for the task")
	fmt.Println("cpus left unreserved:", o.Remaining().Unreserved().Cpus())
	// Output:
	// RESERVE CREATE true 3 resources for the task
	// cpus left unreserved: 3
}
