package placement_test

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	"agora/constraints"
	"agora/resources"
	"agora/services/placement"
)

func exampleOffer(id, host, rack string) *mesospb.Offer {
	rs, _ := resources.Parse("cpus:2;mem:1024;ports:[31000-31010]", "*")
	list, _ := rs.ToProto(resources.FormatFor(false, false))
	return &mesospb.Offer{
		Id:         &mesospb.OfferID{Value: proto.String(id)},
		AgentId:    &mesospb.AgentID{Value: proto.String("agent-" + host)},
		Hostname:   proto.String(host),
		Resources:  list,
		Attributes: []*mesospb.Attribute{{Name: proto.String("rack"), Type: mesospb.Value_TEXT.Enum(), Text: &mesospb.Value_Text{Value: proto.String(rack)}}},
	}
}

func Example() {
	offers := []*mesospb.Offer{
		exampleOffer("o1", "a1", "r1"),
		exampleOffer("o2", "a2", "r1"),
		exampleOffer("o3", "a3", "r2"),
	}
	unique, _ := constraints.FromMarathonList([][]string{{"hostname", "UNIQUE"}})
	web := &placement.Request{CPUs: 1, Mem: 128, Ports: []int{0}, Constraints: unique}
	batch := &placement.Request{CPUs: 1, Mem: 512}

	round := placement.NewRound(offers, "services")
	launches, why := round.Place(web, 5)
	for _, l := range launches {
		fmt.Println("web on", l.Hostname, "port", l.HostPorts[0])
	}
	fmt.Println("web waiting:", 5-len(launches), "because", why.Counts[0].Reason, "refused", why.Counts[0].Offers, "offers")

	launches, why = round.Place(batch, 5)
	fmt.Println("batch placed:", len(launches), "then short of", why.Counts[0].Reason)
	fmt.Println("offers to accept:", len(round.Used()), "to decline:", len(round.Unused()))
	// Output:
	// web on a1 port 31000
	// web on a2 port 31000
	// web on a3 port 31000
	// web waiting: 2 because hostname:UNIQUE refused 3 offers
	// batch placed: 3 then short of cpus
	// offers to accept: 3 to decline: 0
}
