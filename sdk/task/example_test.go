package task_test

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	"agora/resources"
	"agora/sdk/offer"
	"agora/sdk/task"
)

// Build command tasks for an offer until it is used up.
func ExampleSpec_Build() {
	rs, _ := resources.Parse("cpus:1;mem:256", "*")
	list, _ := rs.ToProto(resources.FormatFor(false, false))
	o, _ := offer.New(&mesospb.Offer{
		Id: &mesospb.OfferID{Value: proto.String("o1")}, FrameworkId: &mesospb.FrameworkID{Value: proto.String("fw")},
		AgentId: &mesospb.AgentID{Value: proto.String("a1")}, Hostname: proto.String("h1"), Resources: list,
	})
	hello := task.Command("", "echo hello").Need(resources.NewScalar("cpus", 0.4), resources.NewScalar("mem", 64))
	for i := 0; ; i++ {
		info, ok := hello.WithID(fmt.Sprintf("hello-%d", i)).Build(o)
		if !ok {
			break
		}
		fmt.Println(info.GetName(), info.GetCommand().GetValue())
	}
	// Output:
	// hello-0 echo hello
	// hello-1 echo hello
}
