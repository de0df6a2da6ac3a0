package allocator_test

import (
	"fmt"
	"time"

	"agora/master/allocator"
	"agora/resources"
)

// The master's loop owns the allocator: it reports agents and frameworks,
// calls Allocate on its allocation tick and recovers what frameworks
// decline or stop using.
func Example() {
	a, err := allocator.New(allocator.Options{Weights: map[string]float64{"web": 2}})
	if err != nil {
		panic(err)
	}
	for _, id := range []string{"agent-1", "agent-2", "agent-3"} {
		total, err := resources.Parse("cpus:4;mem:8192", "")
		if err != nil {
			panic(err)
		}
		if err := a.AddAgent(id, total, nil); err != nil {
			panic(err)
		}
	}
	if err := a.AddFramework("batch-fw", []string{"batch"}, nil, nil, true); err != nil {
		panic(err)
	}
	if err := a.AddFramework("web-fw", []string{"web"}, nil, nil, true); err != nil {
		panic(err)
	}

	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	got := map[string]int{}
	for _, offer := range a.Allocate(now) {
		got[offer.FrameworkID]++
	}
	// web weighs twice as much, so it ends with two agents out of three.
	fmt.Println("offers:", got)
	fmt.Printf("shares: batch %.3f, web %.3f\n", a.Shares().Roles["batch"], a.Shares().Roles["web"])

	// web-fw has all it needs and suppresses offers. batch-fw declines its
	// offer for 10 s: nobody else wants it, so it stays free until the
	// filter expires, and Explain tells batch-fw why it gets nothing.
	if err := a.Suppress("web-fw", nil); err != nil {
		panic(err)
	}
	for agentID, held := range a.Allocation("batch-fw") {
		if err := a.Recover("batch-fw", agentID, held, 10*time.Second, now); err != nil {
			panic(err)
		}
	}
	fmt.Println("after decline:", len(a.Allocate(now.Add(time.Second))), "offers")
	outcome, _ := a.Explain("batch-fw", now.Add(time.Second))
	fmt.Println("batch-fw:", outcome)
	fmt.Println("after 10s:", len(a.Allocate(now.Add(10*time.Second))), "offers")

	// Output:
	// offers: map[batch-fw:1 web-fw:2]
	// shares: batch 0.333, web 0.333
	// after decline: 0 offers
	// batch-fw: 3 agent-roles: nothing free 2, refuse filter 1
	// after 10s: 1 offers
}

// Quota: a guarantee is offered before anything else, and a limit is never
// exceeded. Roles form a tree: "eng/web" and "eng/db" share what "eng" gets.
func ExampleAllocator_SetQuota() {
	a, err := allocator.New(allocator.Options{})
	if err != nil {
		panic(err)
	}
	total, _ := resources.Parse("cpus:1;mem:1024", "")
	for i := range 6 {
		if err := a.AddAgent(fmt.Sprintf("agent-%d", i), total, nil); err != nil {
			panic(err)
		}
	}
	// batch must get 3 cpus before anyone else; eng may never hold more than 2.
	if err := a.SetQuota("batch", allocator.Quota{Guarantees: allocator.Quantities{"cpus": 3000}}); err != nil {
		panic(err)
	}
	if err := a.SetQuota("eng", allocator.Quota{Limits: allocator.Quantities{"cpus": 2000}}); err != nil {
		panic(err)
	}
	for _, fw := range [][2]string{{"web", "eng/web"}, {"db", "eng/db"}, {"etl", "batch"}} {
		if err := a.AddFramework(fw[0], []string{fw[1]}, nil, nil, true); err != nil {
			panic(err)
		}
	}

	cpus := map[string]float64{}
	for _, offer := range a.Allocate(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
		for _, rs := range offer.Resources {
			cpus[offer.FrameworkID] += rs.Cpus().Float64()
		}
	}
	fmt.Println("cpus offered:", cpus)
	// Past its cpus limit eng is still offered memory, which has no limit
	// (as in Mesos).
	fmt.Println("eng consumes:", a.Consumed("eng"))
	// Output:
	// cpus offered: map[db:1 etl:4 web:1]
	// eng consumes: cpus:2;mem:3072
}
