// Package plan decides, for one app of the services scheduler, what to do
// next to bring its instances to a target: how many to launch, which to
// kill, which unreachable ones to give up. It covers scaling, Marathon's
// rolling restart (upgradeStrategy minimumHealthCapacity and
// maximumOverCapacity), replacing failed and long-unreachable instances,
// killing exactly the surplus when an unreachable instance comes back,
// limiting health-check kills, and the launch backoff.
//
// It is a pure decision core: no I/O, no goroutines, no clock. The engine
// calls Next whenever something about an app changes (a status update, a
// health result, a timer, a new app version) and carries out the Step:
//
//	step := plan.Next(target, instances, now)
//	for range step.Launch { /* queue a launch; record a Scheduled instance */ }
//	for _, id := range step.Kill { /* send KILL; mark the instance Killing */ }
//	for _, id := range step.Expunge { /* send KILL; forget the instance */ }
//	if step.Done { /* the deployment step is finished */ }
//
// Next keeps no state between calls: it reads everything from the
// instances, so a restarted engine continues a deployment where it stopped,
// and calling it twice asks for nothing twice.
//
// Inputs are the package's own small structs (Instance, Target), not the
// app model, so the rules can be tested on their own.
package plan
