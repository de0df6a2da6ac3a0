package scheduler

import (
	"context"

	mesospb "agora/api/mesos/v1"
)

// Scheduler is what a framework implements: the callbacks of the Mesos
// scheduler driver (mesos.Scheduler in Mesos's C++ and Java drivers), one
// per kind of event. Embed Base to implement only the ones you need.
//
// The driver calls them one at a time, in the order the master sent the
// events, from the goroutine running Driver.Run. A callback may call any
// Driver method. ctx is the subscription's context: it ends when the
// subscription does, so calls made with it give up on a dead connection.
// A callback that blocks holds up the events after it (heartbeats are still
// read, so a slow callback does not make the driver think the master is
// gone).
type Scheduler interface {
	// Registered is called on the first SUBSCRIBED of a Run, with the
	// framework id to keep (give it back in FrameworkInfo.Id after a
	// restart of the scheduler to fail over to the same framework).
	Registered(ctx context.Context, d *Driver, id *mesospb.FrameworkID, master *mesospb.MasterInfo)
	// Reregistered is called on each later SUBSCRIBED, after a
	// disconnection. The driver then reconciles its tasks.
	Reregistered(ctx context.Context, d *Driver, master *mesospb.MasterInfo)
	// Disconnected is called when a subscription ends: the stream broke,
	// heartbeats were missed, or the master changed. The driver subscribes
	// again by itself.
	Disconnected(ctx context.Context, d *Driver)
	// ResourceOffers delivers an OFFERS event. Accept, Launch or Decline
	// every offer; an offer kept unanswered holds its resources.
	ResourceOffers(ctx context.Context, d *Driver, offers []*mesospb.Offer)
	// OfferRescinded says an offer is no longer valid (RESCIND).
	OfferRescinded(ctx context.Context, d *Driver, id *mesospb.OfferID)
	// StatusUpdate delivers a task's status (UPDATE), including the
	// answers to reconciliation. Unless Config.ManualAcknowledgements is
	// set, the driver acknowledges the update after StatusUpdate returns.
	StatusUpdate(ctx context.Context, d *Driver, status *mesospb.TaskStatus)
	// FrameworkMessage delivers data an executor sent (MESSAGE).
	FrameworkMessage(ctx context.Context, d *Driver, executor *mesospb.ExecutorID, agent *mesospb.AgentID, data []byte)
	// AgentLost reports an agent removed from the cluster (FAILURE without
	// an executor id).
	AgentLost(ctx context.Context, d *Driver, agent *mesospb.AgentID)
	// ExecutorLost reports an executor that ended (FAILURE with an
	// executor id); status is its exit status as the agent reported it.
	ExecutorLost(ctx context.Context, d *Driver, executor *mesospb.ExecutorID, agent *mesospb.AgentID, status int)
	// Error reports an ERROR event: the master removed the framework or
	// another scheduler took it over. Run returns after it.
	Error(ctx context.Context, d *Driver, message string)
}

// Reconciler is implemented by a Scheduler that wants to know when the
// driver has confirmed the state of every task it believed non-terminal,
// after each subscription. It is called on the Run goroutine, after the
// StatusUpdate of the last confirmation (at once when there was nothing to
// confirm). It is the moment to compare what runs with what should run.
type Reconciler interface {
	Reconciled(ctx context.Context, d *Driver)
}

// Base implements every Scheduler method by doing nothing (and declining
// offers in ResourceOffers, so that a framework that forgets them does not
// hold the cluster's resources). Embed it and override what you need.
type Base struct{}

var _ Scheduler = Base{}

func (Base) Registered(context.Context, *Driver, *mesospb.FrameworkID, *mesospb.MasterInfo) {}
func (Base) Reregistered(context.Context, *Driver, *mesospb.MasterInfo)                     {}
func (Base) Disconnected(context.Context, *Driver)                                          {}

// ResourceOffers declines the offers with the master's default filter.
func (Base) ResourceOffers(ctx context.Context, d *Driver, offers []*mesospb.Offer) {
	ids := make([]*mesospb.OfferID, 0, len(offers))
	for _, o := range offers {
		ids = append(ids, o.GetId())
	}
	_ = d.Decline(ctx, 0, ids...)
}
func (Base) OfferRescinded(context.Context, *Driver, *mesospb.OfferID)  {}
func (Base) StatusUpdate(context.Context, *Driver, *mesospb.TaskStatus) {}
func (Base) FrameworkMessage(context.Context, *Driver, *mesospb.ExecutorID, *mesospb.AgentID, []byte) {
}
func (Base) AgentLost(context.Context, *Driver, *mesospb.AgentID)                              {}
func (Base) ExecutorLost(context.Context, *Driver, *mesospb.ExecutorID, *mesospb.AgentID, int) {}
func (Base) Error(context.Context, *Driver, string)                                            {}
