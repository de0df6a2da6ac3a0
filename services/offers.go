package services

import (
	"context"
	"slices"
	"strings"
	"time"

	mesospb "agora/api/mesos/v1"
	"agora/constraints"
	"agora/services/app"
	"agora/services/placement"
	"agora/services/store"
)

// shortRefuse is how long an offer declined while some app still waits
// stays away: short, so that a change (a killed instance, a new agent) is
// tried soon.
const shortRefuse = 5 * time.Second

// resourceOffers places the instances apps are waiting for on a batch of
// offers, records them (before the master hears of them, so that a crash
// cannot launch a task services does not know), and answers every offer.
func (e *Engine) resourceOffers(offers []*mesospb.Offer) {
	now := e.now()
	round := placement.NewRound(offers, e.cfg.Role)
	var launched []*instance
	infos := make(map[string][]*mesospb.TaskInfo) // offer id → tasks
	for _, a := range e.waitingApps(now) {
		req := e.placementRequest(a)
		matches, rej := round.Place(req, a.wanted)
		a.offers.record(rej, now)
		e.noteBlocked(a, rej, len(matches), now)
		for _, m := range matches {
			in := e.newInstance(a, m, now)
			launched = append(launched, in)
			info := taskInfo(a.active, in.TaskID, in.Index, slot{
				AgentID: m.AgentID.GetValue(), Hostname: m.Hostname, Resources: m.Resources, HostPorts: m.HostPorts,
			})
			infos[m.OfferID.GetValue()] = append(infos[m.OfferID.GetValue()], info)
		}
		a.wanted -= len(matches)
	}
	for _, err := range round.Errors() {
		e.log.Warn("an offer could not be read", "err", err)
	}
	if len(launched) > 0 {
		err := e.store.Update(func(tx *store.Tx) error {
			for _, in := range launched {
				if err := tx.Put(store.Instances, in.TaskID, in); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			// Nothing is launched that is not recorded: give the offers back.
			e.log.Error("cannot record new instances; declining the offers", "err", err)
			for _, in := range launched {
				e.drop(in)
			}
			e.declineAll(offers, shortRefuse)
			return
		}
	}
	for _, used := range round.Used() {
		offerID := used.Offer.GetId()
		tasks := infos[offerID.GetValue()]
		e.call(func(ctx context.Context) {
			if err := e.drv().Launch(ctx, offerID, tasks...); err != nil {
				e.log.Warn("launch failed", "offer", offerID.GetValue(), "tasks", len(tasks), "err", err)
				e.do(context.Background(), func() { e.launchFailed(tasks) })
			}
		})
	}
	if len(launched) > 0 {
		e.log.Debug("offers used", "offers", len(offers), "used", len(round.Used()),
			"instances", len(launched), "took", time.Since(now).Round(time.Microsecond))
	}
	refuse := e.cfg.DeclineRefuse
	if e.anyWaiting(now) {
		refuse = shortRefuse
	}
	e.declineAll(round.Unused(), refuse)
}

func (e *Engine) declineAll(offers []*mesospb.Offer, refuse time.Duration) {
	if len(offers) == 0 {
		return
	}
	ids := make([]*mesospb.OfferID, len(offers))
	for i, o := range offers {
		ids[i] = o.GetId()
	}
	e.call(func(ctx context.Context) {
		if err := e.drv().Decline(ctx, refuse, ids...); err != nil {
			e.log.Debug("decline failed", "offers", len(ids), "err", err)
		}
	})
}

// waitingApps are the apps that want instances now and are not held back
// by their launch delay, those waiting longest first.
func (e *Engine) waitingApps(now time.Time) []*appState {
	var out []*appState
	for _, a := range e.apps {
		if a.waits(now) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(x, y *appState) int {
		if c := x.waitingSince.Compare(y.waitingSince); c != 0 {
			return c
		}
		return strings.Compare(x.def.ID, y.def.ID)
	})
	return out
}

func (e *Engine) anyWaiting(now time.Time) bool {
	for _, a := range e.apps {
		if a.waits(now) {
			return true
		}
	}
	return false
}

// waits reports whether a wants instances launched now: it is not held
// back by its launch delay.
func (a *appState) waits(now time.Time) bool {
	return a.wanted > 0 && a.active != nil && !now.Before(a.backoff.until)
}

// placementRequest is what a's active definition asks of an offer. The
// constraint index holds every live instance of the app, of any version, so
// that a rolling upgrade never breaks UNIQUE or MAX_PER.
func (e *Engine) placementRequest(a *appState) *placement.Request {
	def := a.active
	if a.requestFor != def {
		cs, err := constraints.FromMarathonList(def.Constraints)
		if err != nil {
			// Validation refuses such apps; one that got through
			// anyway is placed without its constraints, loudly.
			e.log.Error("app has invalid constraints", "app", def.ID, "err", err)
		}
		ports := make([]int, len(def.PortDefinitions))
		if def.RequirePorts {
			for i, pd := range def.PortDefinitions {
				ports[i] = pd.Port
			}
		}
		a.request = &placement.Request{
			CPUs: def.CPUs, Mem: def.Mem, Disk: def.Disk, GPUs: def.GPUs,
			Ports: ports, Role: e.roleOf(def), Roles: def.AcceptedResourceRoles, Constraints: cs,
		}
		a.requestFor = def
	}
	placed := constraints.NewIndex()
	config := configVersion(def)
	replacing := false
	for _, in := range a.instances {
		if in.UnreachableSince.IsZero() {
			placed.Add(in.Agent)
			replacing = replacing || in.Config != config
		}
	}
	// Staying, only while instances are being replaced: the rest of the
	// time it would cost an index per app and round for nothing.
	var staying *constraints.Index
	if replacing {
		staying = constraints.NewIndex()
		for _, in := range a.instances {
			if in.UnreachableSince.IsZero() && in.Config == config {
				staying.Add(in.Agent)
			}
		}
	}
	a.request.Placed, a.request.Staying = placed, staying
	return a.request
}

// newInstance records an instance placed by m, staged now.
func (e *Engine) newInstance(a *appState, m placement.Match, now time.Time) *instance {
	def := a.active
	in := &instance{
		TaskID:   app.TaskID(def.ID, newID()),
		AppID:    def.ID,
		Version:  def.Version,
		Config:   configVersion(def),
		AgentID:  m.AgentID.GetValue(),
		Host:     m.Hostname,
		Ports:    slices.Clone(m.HostPorts),
		Index:    freeIndex(a),
		Agent:    m.Agent,
		StagedAt: now,
		State:    mesospb.TaskState_TASK_STAGING,
	}
	a.instances[in.TaskID] = in
	e.instances[in.TaskID] = in
	return in
}

// freeIndex is the smallest instance index no live instance of a has.
func freeIndex(a *appState) int {
	used := make(map[int]bool, len(a.instances))
	for _, in := range a.instances {
		used[in.Index] = true
	}
	for i := 0; ; i++ {
		if !used[i] {
			return i
		}
	}
}

// launchFailed forgets instances whose launch never reached the master.
func (e *Engine) launchFailed(tasks []*mesospb.TaskInfo) {
	for _, t := range tasks {
		if in := e.instances[t.GetTaskId().GetValue()]; in != nil {
			e.forget(in)
			if a := e.apps[in.AppID]; a != nil {
				e.converge(a)
			}
		}
	}
}

// drop forgets an instance that was never recorded nor launched.
func (e *Engine) drop(in *instance) {
	delete(e.instances, in.TaskID)
	if a := e.apps[in.AppID]; a != nil {
		delete(a.instances, in.TaskID)
		a.wanted++
	}
}

// record adds one round's rejections to the app's offer statistics.
func (s *offerStats) record(rej placement.Rejections, now time.Time) {
	s.Total.Add(rej)
	s.Last = rej
	s.LastAt = now
}
