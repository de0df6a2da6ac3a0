// Package allocator decides which framework is offered which agent's free
// resources: dominant resource fairness (DRF) over roles with weights, as in
// Apache Mesos's hierarchical allocator, with refuse filters, suppress and
// revive, reservations and a minimum allocatable amount.
//
// It owns the allocation bookkeeping of the cluster: every agent's total and
// free resources, what each framework holds on each agent (offered or in
// use, with allocation roles), the dominant shares of roles and frameworks,
// and the frameworks' refuse filters. It does not know about offers, tasks
// or time beyond what it is told: it is a pure decision core with no
// goroutines, no I/O and no clock. Time comes in as an argument.
//
// The master's event loop is its only owner and drives it:
//
//   - agents come and go with AddAgent, RemoveAgent, UpdateAgent, and stop
//     being offered while unreachable (DeactivateAgent, ActivateAgent);
//   - frameworks with AddFramework, UpdateFramework, RemoveFramework, and
//     ActivateFramework/DeactivateFramework as their scheduler connects and
//     disconnects; SUPPRESS and REVIVE map to Suppress and Revive;
//   - on its allocation tick (Mesos's --allocation_interval, 1 s) and after
//     events that free resources, the master calls Allocate(now) and sends
//     the returned Offers. Offered resources are held by the framework
//     until the master calls Recover for them: on DECLINE (with the
//     refuse_seconds filter), RESCIND, offer timeout, for the unused part of
//     an ACCEPT, and when a task or executor ends.
//
// LastOutcome says why a framework got no offer in the last cycle, as
// counts of reasons; Shares reports the dominant shares for /state and
// metrics.
//
// Roles are flat for now: "eng/web" is a role of its own, though
// resources reserved to "eng" are allocatable to it (resources package
// rules). Hierarchical shares, quota and per-framework minimums are meant to
// fit into the same sorter and cycle.
package allocator
