// Package services is agora's services scheduler: a Mesos framework, built on
// the public scheduler API through agora/sdk/scheduler, that keeps long-running
// apps running the way Marathon did, and serves Marathon's REST API through
// agora/services/marathon so that Marathon's clients and tools work unchanged.
//
// The Engine owns all state on one loop goroutine: app definitions, the
// instances it launched, and the deployments in progress. Everything that
// changes state — a REST call, an offer, a status update, a timer — is a
// closure run on that loop. The decisions are made by pure cores:
//
//   - agora/services/plan says, per app, what to launch and kill now to move
//     its instances to the app's target (scaling, rolling restarts with the
//     upgrade strategy, unreachable instances, health-check kills).
//   - agora/services/placement says which offers take which instances
//     without over-committing an offer or breaking a constraint, and why the
//     others were refused (for /v2/queue and "why is my app not starting").
//
// The engine is level-triggered: after every event it asks plan again
// (converge), so nothing depends on remembering half-done steps. Launches are
// recorded in the store (agora/services/store) before the master hears of
// them, so a crash never leaves a task services does not know; after a
// restart the engine subscribes with the same framework id, the driver
// reconciles every recorded instance, and tasks it no longer knows are
// killed.
//
// Driver calls (launch, kill, decline, revive, suppress) are decided on the
// loop and sent, in order, by one sender goroutine, so a slow master never
// holds up the loop.
package services
