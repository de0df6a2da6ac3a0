package resources_test

import (
	"fmt"

	"agora/resources"
)

func ExampleParse() {
	agent, err := resources.Parse("cpus:8; mem:16384; ports:[31000-32000]; cpus(analytics):4", "*")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(agent)
	fmt.Println("cpus:", agent.Cpus(), "unreserved cpus:", agent.Unreserved().Cpus())

	_, err = resources.Parse("cpus:abc", "*")
	fmt.Println(err)
	// Output:
	// cpus(*):8; mem(*):16384; ports(*):[31000-32000]; cpus(analytics):4
	// cpus: 12 unreserved cpus: 8
	// resources: "cpus:abc": not a number, range or set
}

func ExampleResources_Subtract() {
	agent, _ := resources.Parse("cpus:4;mem:8192;ports:[31000-31010]", "*")
	task, _ := resources.Parse("cpus:0.1;mem:32;ports:[31005-31005]", "*")

	if agent.Contains(task) {
		agent = agent.Subtract(task)
	}
	fmt.Println(agent)
	fmt.Println(agent.Add(task))
	// Output:
	// cpus(*):3.9; mem(*):8160; ports(*):[31000-31004, 31006-31010]
	// cpus(*):4; mem(*):8192; ports(*):[31000-31010]
}

func ExampleResources_Find() {
	// An offer to role "web": its reserved cpus, and unreserved resources.
	agent, _ := resources.Parse("cpus(web):1;cpus:4;mem:1024;ports:[31000-31009]", "*")
	offer := agent.AllocateTo("web")

	// The framework asks for 2 cpus reserved to web and some ports: Find
	// takes the reserved cpu first, then an unreserved one.
	wanted, _ := resources.Parse("cpus(web):2;mem:128;ports:[31000-31001]", "*")
	found, ok := offer.Find(wanted)
	fmt.Println(ok)
	for r := range found.All() {
		fmt.Println(r)
	}
	// Output:
	// true
	// cpus(web)(allocated: web):1
	// cpus(*)(allocated: web):1
	// mem(*)(allocated: web):128
	// ports(*)(allocated: web):[31000-31001]
}

func ExampleResources_PushReservation() {
	unreserved, _ := resources.Parse("cpus:2;mem:512", "*")
	reserved, err := unreserved.PushReservation(resources.DynamicReservation("eng", "ops"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(reserved)
	_, err = reserved.PushReservation(resources.DynamicReservation("other", "ops"))
	fmt.Println(err)
	// Output:
	// cpus(eng)(reservations: [(DYNAMIC,eng,ops)]):2; mem(eng)(reservations: [(DYNAMIC,eng,ops)]):512
	// resources: resource "cpus": reservation role "other" is not a refinement of "eng"
}

func ExampleParseAttributes() {
	attrs, err := resources.ParseAttributes("rack:r1;zone:us-east-1a;level:0.80;keys:[5-9,1-2]")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range attrs {
		fmt.Printf("%s %s %q\n", a.Name, a.Kind, a.ValueString())
	}
	fmt.Println(attrs.Strings()["level"])
	// Output:
	// rack TEXT "r1"
	// zone TEXT "us-east-1a"
	// level SCALAR "0.8"
	// keys RANGES "[1-2,5-9]"
	// 0.8
}

func ExampleWithDefaults() {
	configured, _ := resources.Parse("cpus:2", "*")
	machine := resources.Machine{CPUs: 8, MemoryBytes: 16 << 30, DiskBytes: 100 << 30}
	total, _ := resources.WithDefaults(configured, machine, "*")
	fmt.Println(total)
	// Output:
	// cpus(*):2; mem(*):15360; disk(*):97280; ports(*):[31000-32000]
}

func ExampleResources_ToProto() {
	rs, _ := resources.Parse("cpus(web):1", "*")
	// A framework without RESERVATION_REFINEMENT reads role + reservation.
	old, _ := rs.ToProto(resources.FormatFor(true, false))
	fmt.Println(old[0].GetRole(), len(old[0].GetReservations()))
	// Others read the reservation stack.
	current, _ := rs.ToProto(resources.FormatFor(true, true))
	fmt.Println(current[0].Role == nil, current[0].GetReservations()[0].GetRole())
	// Output:
	// web 0
	// true web
}
