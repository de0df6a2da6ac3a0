// Package constraints owns agora's placement constraint language: Marathon's
// operators (UNIQUE, CLUSTER, GROUP_BY, LIKE, UNLIKE, MAX_PER, IS) in
// Marathon's JSON form and in the compact attr=op[:value] form of Elodina's
// frameworks, their validation, and the decision whether an agent may take one
// more instance of an app, with a reason when it may not.
//
// It is a pure decision core: no I/O, no clocks, no goroutines. The services
// scheduler drives it:
//
//	cs, err := constraints.ParseMarathon(app.Constraints) // or ParseCompact(flag)
//	placed := constraints.NewIndex()                       // one per app version
//	for _, inst := range runningInstancesOfCurrentVersion {
//		placed.Add(inst.Agent)
//	}
//	// for each offer:
//	if rs := placed.Check(cs, agent); rs != nil {
//		// count rs[i].Constraint.String() for "why is this not placed?"
//	} else {
//		// launch, then placed.Add(agent); on a terminal or lost status,
//		// placed.Remove(agent)
//	}
//
// Fields: "hostname" and "@hostname" read the agent's hostname, "@region" and
// "@zone" its fault domain, anything else the attribute of that name. Values
// compare as the strings Mesos prints (see Agent); an agent without the field
// is accepted by UNLIKE only. LIKE and UNLIKE use RE2 syntax and must match
// the whole value.
//
// Checks against the placed instances go through an Index of per-field value
// counts, so their cost does not grow with the number of instances: UNIQUE,
// MAX_PER, CLUSTER and GROUP_BY are each a few map lookups.
//
// Where this package departs from Marathon, on purpose:
//   - GROUP_BY follows Marathon 1.x and its documentation (a new value is
//     always accepted, a used one only when it is among the least used and at
//     least n values are in use), not the later quota rule that needs the
//     app's target instance count and divides by zero without a value.
//   - CLUSTER without a value holds instances to the value present the
//     longest, a stable choice, where Marathon takes whichever placed
//     instance its task list yields first.
//   - An instance on an agent without the field holds no value: it neither
//     forms a GROUP_BY group of its own nor blocks CLUSTER.
//   - Validation is stricter: GROUP_BY and MAX_PER values must be positive,
//     LIKE and UNLIKE need a non-empty expression, and operators are read
//     without regard to case.
package constraints
