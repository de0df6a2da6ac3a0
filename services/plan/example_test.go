package plan_test

import (
	"fmt"
	"time"

	"agora/services/plan"
)

// A rolling restart of three instances to version v2 with Marathon's
// default upgradeStrategy (minimumHealthCapacity 1, maximumOverCapacity 1):
// three new instances start beside the old ones, and each old one goes as a
// new one becomes ready.
func Example() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	target := plan.Target{Version: "v2", Instances: 3, MinimumHealthCapacity: 1, MaximumOverCapacity: 1}
	current := []plan.Instance{
		{ID: "a", Version: "v1", State: plan.Running, StartedAt: now.Add(-3 * time.Hour)},
		{ID: "b", Version: "v1", State: plan.Running, StartedAt: now.Add(-2 * time.Hour)},
		{ID: "c", Version: "v1", State: plan.Running, StartedAt: now.Add(-1 * time.Hour)},
	}
	step := plan.Next(target, current, now)
	fmt.Println("launch", step.Launch, "kill", step.Kill)

	// The engine records the launches; one of them comes up.
	current = append(current,
		plan.Instance{ID: "d", Version: "v2", State: plan.Running, StartedAt: now},
		plan.Instance{ID: "e", Version: "v2", State: plan.Staged, StartedAt: now},
		plan.Instance{ID: "f", Version: "v2", State: plan.Scheduled})
	step = plan.Next(target, current, now)
	fmt.Println("launch", step.Launch, "kill", step.Kill)

	current[2].State = plan.Killing
	step = plan.Next(target, current, now)
	fmt.Println(step.Waiting)

	fmt.Println("launch delay after 3 failures:", plan.Backoff(3, 1, 1.15, 300))
	// Output:
	// launch 3 kill []
	// launch 0 kill [c]
	// waiting for 2 of 3 instances of version v2 to become ready (1 staged, 1 scheduled); new instances to become ready before 2 old ones are killed (minimumHealthCapacity keeps 3 ready); 1 instance to be killed
	// launch delay after 3 failures: 1.3225s
}
