package services

import (
	"context"

	mesospb "agora/api/mesos/v1"
	"agora/sdk/scheduler"
	"agora/services/events"
	"agora/services/store"
)

// callbacks receives the driver's events and hands them to the engine's
// loop. The driver calls them one at a time; each waits for the loop, so an
// update is acknowledged only after the engine has recorded it.
type callbacks struct {
	scheduler.Base
	e *Engine
}

func (c *callbacks) Registered(ctx context.Context, d *scheduler.Driver, id *mesospb.FrameworkID, m *mesospb.MasterInfo) {
	e := c.e
	e.do(ctx, func() {
		e.subscribed = true
		if id.GetValue() != e.frameworkID {
			e.frameworkID = id.GetValue()
			if err := e.store.Update(func(tx *store.Tx) error {
				return tx.Put(store.Meta, keyFrameworkID, e.frameworkID)
			}); err != nil {
				e.log.Error("cannot record the framework id", "err", err)
			}
		}
		e.log.Info("registered with the master", "framework_id", e.frameworkID, "master", m.GetHostname())
		e.publish(&events.SchedulerRegistered{FrameworkID: e.frameworkID, Master: masterAddress(m)})
		e.suppressed = false
		e.nextReconciliation = e.now().Add(e.cfg.ReconciliationInitialDelay)
		e.retryKills(e.now(), true)
		e.convergeAll()
	})
}

func (c *callbacks) Reregistered(ctx context.Context, d *scheduler.Driver, m *mesospb.MasterInfo) {
	e := c.e
	e.do(ctx, func() {
		e.subscribed = true
		e.log.Info("re-registered with the master", "master", m.GetHostname())
		e.publish(&events.SchedulerReregistered{Master: masterAddress(m)})
		e.suppressed = false
		e.nextReconciliation = e.now().Add(e.cfg.ReconciliationInitialDelay)
		e.retryKills(e.now(), true)
		e.convergeAll()
	})
}

func (c *callbacks) Disconnected(ctx context.Context, d *scheduler.Driver) {
	e := c.e
	e.do(context.Background(), func() {
		e.subscribed = false
		e.publish(&events.SchedulerDisconnected{})
	})
}

func (c *callbacks) ResourceOffers(ctx context.Context, d *scheduler.Driver, offers []*mesospb.Offer) {
	c.e.do(ctx, func() { c.e.resourceOffers(offers) })
}

func (c *callbacks) StatusUpdate(ctx context.Context, d *scheduler.Driver, st *mesospb.TaskStatus) {
	c.e.do(ctx, func() { c.e.statusUpdate(st) })
}

func (c *callbacks) Error(ctx context.Context, d *scheduler.Driver, message string) {
	c.e.log.Error("the master ended the framework", "message", message)
	if message == frameworkRemovedMessage {
		c.e.removed.Store(true)
	}
}

// frameworkRemovedMessage is the ERROR a Mesos master sends a framework it
// removed (failover timeout passed, or torn down).
const frameworkRemovedMessage = "Framework has been removed"

func masterAddress(m *mesospb.MasterInfo) string {
	if m == nil {
		return ""
	}
	if a := m.GetAddress(); a != nil {
		return a.GetHostname()
	}
	return m.GetHostname()
}
