// Package task builds the TaskInfo and ExecutorInfo messages a scheduler
// launches, so that framework code says what a task is (a command, its
// resources, its executor) and not how Mesos spells it.
//
//	spec := task.Command("hello-1", "echo hello").
//		Need(resources.NewScalar("cpus", 0.1), resources.NewScalar("mem", 32)).
//		Env("GREETING", "hi")
//	info, ok := spec.Build(o) // o is an *offer.Offer; its resources shrink
//	if ok { d.Launch(ctx, o.GetId(), info) }
package task
