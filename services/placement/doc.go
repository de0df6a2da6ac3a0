// Package placement decides which offers take which instances of the
// services scheduler's apps, and says why an offer did not take one.
//
// It is a pure decision core: no I/O, no goroutines, no clock. The services
// engine builds a Round from each batch of offers, asks it to Place the
// instances each waiting app needs, then accepts the used offers and
// declines the rest:
//
//	round := placement.NewRound(offers, frameworkRole)
//	for _, app := range waiting {
//		launches, why := round.Place(app.request, app.missing)
//		// build a TaskInfo per launch (launch.Resources, launch.HostPorts)
//		// and add why to the app's processed-offers summary
//	}
//	for _, u := range round.Used() { /* ACCEPT u.Offer with a LAUNCH per match */ }
//	decline(round.Unused())
//
// A Request carries its own small description of an app (resources, host
// ports, accepted roles, constraints and the constraints.Index of instances
// already placed), so this package does not depend on the app model.
//
// Guarantees within a round: an offer never gives out more than it holds
// (each placement takes its resources out of the offer, so later instances
// and later apps see only what is left); every placement is added to the
// request's Index at once, so UNIQUE, MAX_PER and CLUSTER hold among the
// instances of one round as across rounds; with GROUP_BY each instance goes
// to the least used value among the offers that fit, so instances spread
// evenly whatever order the offers arrive in; without such constraints each
// instance goes to the fitting offer that took the fewest instances of the
// round, so an app spreads over machines (Marathon filled offers in order).
//
// Resources come back in the offer's own wire format (allocation_info,
// refined or legacy reservations as offered), taken first from resources
// reserved to their role, then unreserved (sdk/offer's rules, from
// resources.Find). Only plain resources are used: no disk sources or
// persistent volumes, nothing revocable or shared.
//
// When an app could not place every instance it asked for, Rejections says
// why, counting for every offer the first reason in a fixed order (role,
// each constraint, cpus, mem, disk, gpus, ports): the answer to "why is my
// app not starting?" and, through Funnel, Marathon's processedOffersSummary.
package placement
