// Package allocator decides which framework is offered which agent's free
// resources: hierarchical dominant resource fairness (DRF) over a tree of
// roles with weights and quota, as in Apache Mesos's hierarchical allocator
// (src/master/allocator/mesos/hierarchical.cpp, sorter/drf), with refuse
// filters, suppress and revive, reservations and a minimum allocatable
// amount.
//
// It owns the allocation bookkeeping of the cluster: every agent's total and
// free resources, what each framework holds on each agent (offered or in
// use, with allocation roles), the role tree with its dominant shares,
// weights, quota and reservations, and the frameworks' refuse filters. It
// does not know about offers, tasks or time beyond what it is told: it is a
// pure decision core with no goroutines, no I/O and no clock. Time comes in
// as an argument.
//
// The master's event loop is its only owner and drives it:
//
//   - agents come and go with AddAgent, RemoveAgent, UpdateAgent (a new
//     total, e.g. after a dynamic reservation), and stop being offered
//     while unreachable (DeactivateAgent, ActivateAgent);
//   - frameworks with AddFramework, UpdateFramework, RemoveFramework, and
//     ActivateFramework/DeactivateFramework as their scheduler connects and
//     disconnects; SUPPRESS and REVIVE map to Suppress and Revive;
//   - operators set weights (SetWeights) and quota (SetQuota);
//   - on its allocation tick (Mesos's --allocation_interval, 1 s) and after
//     events that free resources, the master calls Allocate(now) and sends
//     the returned Offers. Offered resources are held by the framework
//     until the master calls Recover for them: on DECLINE (with the
//     refuse_seconds filter), RESCIND, offer timeout, for the unused part of
//     an ACCEPT, and when a task or executor ends.
//
// # Roles
//
// Roles form a tree by their names: "eng/web" is a child of "eng". Shares
// are computed at every level: "eng" competes with "ops" with everything
// allocated under it, and "eng/web" with "eng/db" for what goes to "eng".
// A role's own frameworks compete with its children as one more child (the
// virtual leaf "eng/." of Mesos's sorter). Weights apply among siblings.
// Resources reserved to a role are offered to it and its subroles only.
//
// # Quota
//
// A role's Quota has guarantees and limits on scalar resources. A role
// consumes its (and its subroles') allocations plus all their reservations.
// Each Allocate first offers roles with unsatisfied guarantees what helps
// meet them (Mesos's first stage), and in both stages keeps enough
// unreserved resources free for the guarantees not met yet (headroom) and
// never lets an allocation take a role or one of its ancestors beyond a
// limit.
//
// # Incremental cycles
//
// Allocate looks only at agents that changed since they were last looked
// at; see its documentation for what counts as a change. A cycle in a busy
// cluster where nothing changed costs next to nothing, and a change costs
// in proportion to the agents it touches, not to agents × frameworks.
//
// Explain says, on demand, why a framework is not being offered resources,
// as counts of reasons over (agent, role) pairs; LastCycle reports what the
// last Allocate did; Shares and Roles report shares, weights, quota and
// consumption for /state, GET_ROLES and metrics.
package allocator
