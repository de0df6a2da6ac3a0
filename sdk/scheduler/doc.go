// Package scheduler is the Go SDK's scheduler driver: it subscribes a
// framework to a Mesos master over the v1 scheduler HTTP API
// (POST /api/v1/scheduler, docs/scheduler-http-api.md in Mesos), delivers
// the master's events to callbacks framework authors know from Mesos's
// driver (Registered, ResourceOffers, StatusUpdate, …) and sends calls
// (Accept/Launch/LaunchGroup, Decline, Suppress, Revive, Kill, Shutdown,
// Acknowledge, Reconcile, Message, Teardown).
//
// It speaks only the public Mesos v1 API, so it works against agora and
// against any Mesos 1.x master, in protobuf or JSON.
//
//	type hello struct{ scheduler.Base }
//
//	func (h *hello) ResourceOffers(ctx context.Context, d *scheduler.Driver, offers []*mesospb.Offer) { ... }
//	func (h *hello) StatusUpdate(ctx context.Context, d *scheduler.Driver, st *mesospb.TaskStatus) { ... }
//
//	d, err := scheduler.New(scheduler.Config{
//		Master:    "127.0.0.1:5050",
//		Framework: &mesospb.FrameworkInfo{User: proto.String("me"), Name: proto.String("hello")},
//	}, &hello{})
//	err = d.Run(ctx) // until ctx ends, Stop, Teardown or a fatal error
//
// # What the driver does for you
//
//   - Redirects: a master that is not the leader answers 307 with a
//     Location of the leader ("//host:port/api/v1/scheduler"); the driver
//     subscribes there and sends its calls there. A call redirected later
//     means the leader changed: the driver subscribes again at the new one.
//   - Reconnection: when the stream breaks, or no event (heartbeats
//     included) arrives for MissedHeartbeats × heartbeat_interval_seconds
//     of SUBSCRIBED, it calls Disconnected and subscribes again with
//     exponential backoff and jitter, with the framework id it was given,
//     so the master treats it as the same framework (failover).
//   - Acknowledgements: updates that carry a uuid are acknowledged after
//     StatusUpdate returns (Config.ManualAcknowledgements turns this off).
//   - Reconciliation: the driver records the tasks it launches and every
//     update in a TaskStore (NewMemoryStore by default). After every
//     SUBSCRIBED it sends an explicit RECONCILE for every non-terminal
//     task, and asks again with growing waits about tasks the master has
//     not answered for, until each one's state is confirmed; then it calls
//     Reconciled if the Scheduler implements Reconciler.
//
// # Concurrency
//
// Callbacks run one at a time on the goroutine that called Run, in the
// order of the master's events. Driver methods are safe for concurrent
// use, from callbacks or other goroutines. When Run returns, every
// goroutine it started has ended.
//
// Fatal conditions end Run with an error: the master refused SUBSCRIBE
// with a 4xx status (ErrSubscribeRejected) or sent an ERROR event
// (ErrFrameworkError: the framework was removed, or another scheduler
// failed over to it). Everything else is retried.
package scheduler
