package scheduler

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
)

// reconciliation is the explicit reconciliation of one subscription, as
// Mesos's docs/reconciliation.md describes it: after (re)subscribing, ask
// the master about every task the framework believes non-terminal, and ask
// again, with growing waits, about those the master has not answered for
// (it stays silent about tasks on agents that are still recovering). It is
// owned by the session loop.
type reconciliation struct {
	pending  map[string]Task
	interval time.Duration // the next retry's wait
	done     bool          // Reconciled was called for this subscription
}

func (d *Driver) startReconciliation(ctx context.Context, rec *reconciliation, timer *time.Timer) {
	tasks, err := d.cfg.Store.NonTerminal()
	if err != nil {
		d.log.Error("task store: cannot list tasks to reconcile", "err", err)
	}
	rec.pending = make(map[string]Task, len(tasks))
	for _, t := range tasks {
		rec.pending[t.ID] = t
	}
	rec.interval = d.cfg.ReconcileInterval
	rec.done = false
	d.mu.Lock()
	d.reconciling = len(rec.pending) > 0
	d.mu.Unlock()
	if len(rec.pending) == 0 {
		d.finishReconciliation(ctx, rec)
		return
	}
	d.log.Info("reconciling tasks", "tasks", len(rec.pending))
	d.sendReconcile(ctx, rec)
	timer.Reset(rec.interval)
}

func (d *Driver) reconcileAgain(ctx context.Context, rec *reconciliation, timer *time.Timer) {
	if len(rec.pending) == 0 {
		return
	}
	d.log.Info("reconciling tasks again: the master has not answered for some", "tasks", len(rec.pending))
	d.sendReconcile(ctx, rec)
	rec.interval = min(2*rec.interval, d.cfg.MaxReconcileInterval)
	timer.Reset(rec.interval)
}

func (d *Driver) sendReconcile(ctx context.Context, rec *reconciliation) {
	tasks := make([]*schedulerpb.Call_Reconcile_Task, 0, len(rec.pending))
	for _, t := range rec.pending {
		rt := &schedulerpb.Call_Reconcile_Task{TaskId: &mesospb.TaskID{Value: proto.String(t.ID)}}
		if t.AgentID != "" {
			rt.AgentId = &mesospb.AgentID{Value: proto.String(t.AgentID)}
		}
		tasks = append(tasks, rt)
	}
	if err := d.Reconcile(ctx, tasks...); err != nil && ctx.Err() == nil {
		d.log.Warn("RECONCILE call failed; will retry", "err", err)
	}
}

// confirm notes that an update about task id arrived.
func (d *Driver) confirm(ctx context.Context, rec *reconciliation, timer *time.Timer, id string) {
	if rec.done || rec.pending == nil {
		return
	}
	if _, ok := rec.pending[id]; !ok {
		return
	}
	delete(rec.pending, id)
	if len(rec.pending) == 0 {
		timer.Stop()
		d.finishReconciliation(ctx, rec)
	}
}

func (d *Driver) finishReconciliation(ctx context.Context, rec *reconciliation) {
	rec.done = true
	d.mu.Lock()
	d.reconciling = false
	d.mu.Unlock()
	d.log.Debug("reconciliation done")
	if r, ok := d.sched.(Reconciler); ok {
		r.Reconciled(ctx, d)
	}
}
