package services

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"agora/services/app"
	"agora/services/events"
	"agora/services/marathon"
	"agora/services/store"
)

// change is one app's part of a requested change: a new definition, or the
// removal of the app (Delete set).
type change struct {
	App     *app.App
	Delete  string
	Restart bool // a new version even if the definition did not change
	// Group is the group body being deployed that holds App, if any: its
	// top-level group's enforceRole counts before the recorded one.
	Group *app.Group
}

func (c change) id() string {
	if c.App != nil {
		return c.App.ID
	}
	return c.Delete
}

// ErrInvalid reports a change the engine cannot carry out as asked (no free
// service port, …); the REST layer's validation catches the rest earlier.
var ErrInvalid = errors.New("services: invalid request")

// nextVersion is a version string for a change made now, later than every
// version before it even if the clock stands still or steps back.
func (e *Engine) nextVersion(now time.Time) string {
	v := app.VersionAt(now)
	if v <= e.lastVersion {
		last, err := app.ParseVersion(e.lastVersion)
		if err == nil {
			v = app.VersionAt(last.Add(time.Millisecond))
		}
	}
	e.lastVersion = v
	return v
}

// startDeployment records changes and starts the deployment that carries
// them out. Apps locked by another deployment make it fail with a
// *LockedError unless force is set; then those deployments are cancelled
// without rollback and the new one takes over.
func (e *Engine) startDeployment(changes []change, force bool) (*deployment, error) {
	return e.startDeploymentWith(changes, force, nil)
}

// startDeploymentWith is startDeployment where groupDeps adds, for an app,
// the dependencies its groups declare.
func (e *Engine) startDeploymentWith(changes []change, force bool, groupDeps func(string) []string) (*deployment, error) {
	now := e.now()
	locked := e.lockingDeployments(changes)
	if len(locked) > 0 && !force {
		return nil, &marathon.LockedError{Deployments: locked}
	}
	d, defs, err := e.planDeployment(changes, e.nextVersion(now), groupDeps)
	if err != nil {
		return nil, err
	}
	d.ID, d.Started = newID(), now

	// The change is valid: from here on it happens. Forced over locks,
	// the deployments holding its apps end without rollback.
	for _, id := range locked {
		e.dropDeployment(e.deployments[id], "cancelled by a forced change")
	}

	err = e.store.Update(func(tx *store.Tx) error {
		for _, def := range defs {
			if err := tx.Put(store.Apps, def.ID, appRecord{App: def}); err != nil {
				return err
			}
			if err := tx.Put(store.Versions, versionKey(def.ID, def.Version), def); err != nil {
				return err
			}
		}
		for _, c := range changes {
			if c.App == nil {
				if err := tx.Put(store.Apps, c.Delete, appRecord{App: e.apps[c.Delete].def, Deleting: true}); err != nil {
					return err
				}
			}
		}
		return tx.Put(store.Deployments, d.ID, d)
	})
	if err != nil {
		return nil, fmt.Errorf("services: recording the deployment: %w", err)
	}

	e.deployments[d.ID] = d
	e.needRevive = true
	for _, def := range defs {
		a := e.apps[def.ID]
		if a == nil {
			a = e.newAppState(def)
			a.active = nil
		}
		if a.def == nil || configVersion(a.def) != configVersion(def) {
			a.backoff.failures, a.backoff.until = 0, time.Time{}
		}
		a.def, a.deleting, a.deployment = def, false, d.ID
		if d.stepOf(def.ID) == 0 {
			a.active = def
		}
	}
	for _, c := range changes {
		if c.App == nil {
			a := e.apps[c.Delete]
			a.deleting, a.deployment = true, d.ID
			if d.stepOf(c.Delete) == 0 {
				a.active = nil
			}
		}
	}
	e.log.Info("deployment started", "id", d.ID, "version", d.Version, "steps", len(d.Steps))
	e.syncRoles() // a new role is offered before the launches wait for it
	e.publish(&events.DeploymentInfo{Plan: d.plan(), CurrentStep: d.step(0)})
	for _, act := range d.Steps[0] {
		e.converge(e.apps[act.App])
	}
	e.advance(d)
	return d, nil
}

// planDeployment works out, without changing anything, the deployment that
// carries out changes at version: the new definitions (version and service
// ports assigned), their steps, timeout and rollback. Its ID and start are
// left for startDeploymentWith; a dry run (?dryRun=true) shows its steps.
func (e *Engine) planDeployment(changes []change, version string, groupDeps func(string) []string) (*deployment, []*app.App, error) {
	ports := e.servicePortOwners()
	d := &deployment{
		Version:  version,
		Previous: make(map[string]*app.App),
	}
	var defs []*app.App
	actions := make(map[string]action)
	for _, c := range changes {
		id := c.id()
		var prev *app.App
		if a := e.apps[id]; a != nil && !a.deleting {
			prev = a.def
		}
		d.Previous[id] = prev
		if c.App == nil {
			if prev == nil {
				return nil, nil, fmt.Errorf("%w: app %q", marathon.ErrNotFound, id)
			}
			actions[id] = action{Action: actionStop, App: id}
			continue
		}
		def := c.App
		if err := e.settleRole(def, prev, e.enforcedRole(def.ID, c.Group)); err != nil {
			return nil, nil, err
		}
		def.Version = version
		act := actionScale
		switch {
		case prev == nil:
			act = actionStart
			def.VersionInfo = &app.VersionInfo{LastScalingAt: version, LastConfigChangeAt: version}
		case c.Restart || app.NeedsRestart(prev, def):
			act = actionRestart
			def.VersionInfo = &app.VersionInfo{LastScalingAt: version, LastConfigChangeAt: version}
		default:
			def.VersionInfo = &app.VersionInfo{LastScalingAt: version, LastConfigChangeAt: configVersion(prev)}
		}
		if prev != nil {
			app.ReuseServicePorts(def, prev)
		}
		used := func(p int) bool { owner, ok := ports[p]; return ok && owner != def.ID }
		if err := app.AssignServicePorts(def, used, e.cfg.ServicePortMin, e.cfg.ServicePortMax); err != nil {
			return nil, nil, fmt.Errorf("%w: %s: %v", marathon.ErrConflict, def.ID, err)
		}
		for _, pd := range def.PortDefinitions {
			ports[pd.Port] = def.ID // the next apps of this change see it taken
		}
		actions[id] = action{Action: act, App: id}
		defs = append(defs, def)
		if def.DeploymentTimeoutSeconds > 0 {
			if t := time.Duration(def.DeploymentTimeoutSeconds * float64(time.Second)); t > d.Timeout {
				d.Timeout = t
			}
		}
		d.Rollback = d.Rollback || def.RollbackOnTimeout
	}
	d.Steps = e.steps(changes, actions, groupDeps)
	return d, defs, nil
}

// lockingDeployments lists the deployments that hold any app of changes.
func (e *Engine) lockingDeployments(changes []change) []string {
	var out []string
	for _, c := range changes {
		if a := e.apps[c.id()]; a != nil && a.deployment != "" && !slices.Contains(out, a.deployment) {
			out = append(out, a.deployment)
		}
	}
	slices.Sort(out)
	return out
}

// steps orders a deployment's actions: an app runs after the apps of the
// same change it depends on; apps that do not depend on each other run in
// the same step. Removals run after everything else, dependants first.
func (e *Engine) steps(changes []change, actions map[string]action, groupDeps func(string) []string) [][]action {
	inChange := make(map[string]*app.App)
	var removals []string
	for _, c := range changes {
		if c.App != nil {
			inChange[c.App.ID] = c.App
		} else {
			removals = append(removals, c.Delete)
		}
	}
	level := make(map[string]int)
	var depth func(id string, seen map[string]bool) int
	depth = func(id string, seen map[string]bool) int {
		if l, ok := level[id]; ok {
			return l
		}
		if seen[id] {
			return 0 // a cycle; validation refuses them, stay finite anyway
		}
		seen[id] = true
		l := 0
		deps := inChange[id].Dependencies
		if groupDeps != nil {
			deps = append(slices.Clone(deps), groupDeps(id)...)
		}
		for _, dep := range deps {
			// A dependency names an app or a group: every app of the
			// change under it comes first.
			for other := range inChange {
				if other != id && app.IsUnder(other, dep) {
					l = max(l, depth(other, seen)+1)
				}
			}
		}
		level[id] = l
		return l
	}
	var out [][]action
	for _, id := range sortedKeys(inChange) {
		l := depth(id, map[string]bool{})
		for len(out) <= l {
			out = append(out, nil)
		}
		out[l] = append(out[l], actions[id])
	}
	if len(removals) > 0 {
		slices.Sort(removals)
		var step []action
		for _, id := range removals {
			step = append(step, actions[id])
		}
		out = append(out, step)
	}
	if len(out) == 0 {
		out = [][]action{{}}
	}
	return out
}

// servicePortOwners maps each service port apps hold to the app.
func (e *Engine) servicePortOwners() map[int]string {
	owners := make(map[int]string)
	for id, a := range e.apps {
		if a.def == nil {
			continue
		}
		for _, pd := range a.def.PortDefinitions {
			if pd.Port != 0 {
				owners[pd.Port] = id
			}
		}
	}
	return owners
}

// advance moves d on while its running step is done, and finishes it after
// the last step. It checks every action of the running step.
func (e *Engine) advance(d *deployment) {
	d.pending = nil
	e.advanceFor(d, "")
}

// advanceFor is advance after a change to one app (changed): only that
// app's action is checked again, so that a status update costs the same in a
// deployment of one app or of a thousand. An action once done stays done.
func (e *Engine) advanceFor(d *deployment, changed string) {
	for e.deployments[d.ID] == d {
		if d.pending == nil {
			d.pending = make(map[string]action)
			for _, act := range d.Steps[d.Current] {
				if !e.actionDone(act, true) {
					d.pending[act.App] = act
				}
			}
		} else if act, ok := d.pending[changed]; ok && e.actionDone(act, false) {
			delete(d.pending, changed)
		}
		if len(d.pending) > 0 {
			return
		}
		d.pending, changed = nil, ""
		e.publish(&events.DeploymentStepSuccess{Plan: d.plan(), CurrentStep: d.step(d.Current)})
		d.Current++
		if d.Current == len(d.Steps) {
			e.finishDeployment(d)
			return
		}
		for _, act := range d.Steps[d.Current] {
			if a := e.apps[act.App]; a != nil {
				if act.Action == actionStop {
					a.active = nil
				} else {
					a.active = a.def
				}
				e.converge(a)
			}
		}
		e.saveDeployment(d)
		e.publish(&events.DeploymentInfo{Plan: d.plan(), CurrentStep: d.step(d.Current)})
	}
}

// actionDone reports whether an app has reached what its action asks; fresh
// asks plan again, else the answer of the app's last converge is used (the
// caller converged it just before).
func (e *Engine) actionDone(act action, fresh bool) bool {
	a := e.apps[act.App]
	if a == nil {
		return true
	}
	if act.Action == actionStop {
		return len(a.instances) == 0
	}
	if !fresh {
		return a.active == a.def && a.done
	}
	return a.active == a.def && e.settled(a)
}

func (e *Engine) saveDeployment(d *deployment) {
	if err := e.store.Update(func(tx *store.Tx) error { return tx.Put(store.Deployments, d.ID, d) }); err != nil {
		e.log.Error("cannot record deployment progress", "id", d.ID, "err", err)
	}
}

// finishDeployment ends d successfully: removed apps are forgotten, the
// others are unlocked.
func (e *Engine) finishDeployment(d *deployment) {
	var removed []string
	for _, id := range d.apps() {
		a := e.apps[id]
		if a == nil || a.deployment != d.ID {
			continue
		}
		a.deployment = ""
		if a.deleting {
			removed = append(removed, id)
		}
	}
	err := e.store.Update(func(tx *store.Tx) error {
		for _, id := range removed {
			if err := tx.Delete(store.Apps, id); err != nil {
				return err
			}
			if err := tx.DeletePrefix(store.Versions, id+" "); err != nil {
				return err
			}
		}
		return tx.Delete(store.Deployments, d.ID)
	})
	if err != nil {
		e.log.Error("cannot record the end of a deployment", "id", d.ID, "err", err)
	}
	delete(e.deployments, d.ID)
	for _, id := range removed {
		delete(e.apps, id)
		e.publish(&events.AppTerminated{AppID: id})
	}
	e.log.Info("deployment finished", "id", d.ID, "version", d.Version)
	e.publish(&events.DeploymentSuccess{ID: d.ID, Plan: d.plan()})
	e.publish(&events.GroupChangeSuccess{GroupID: "/", Version: d.Version})
}

// dropDeployment ends d without rolling back: its apps keep their newest
// definitions and are unlocked.
func (e *Engine) dropDeployment(d *deployment, reason string) {
	if d == nil {
		return
	}
	for _, id := range d.apps() {
		if a := e.apps[id]; a != nil && a.deployment == d.ID {
			a.deployment = ""
			if a.deleting {
				a.active = nil
			} else {
				a.active = a.def
			}
			e.converge(a)
		}
	}
	if err := e.store.Update(func(tx *store.Tx) error { return tx.Delete(store.Deployments, d.ID) }); err != nil {
		e.log.Error("cannot record a cancelled deployment", "id", d.ID, "err", err)
	}
	delete(e.deployments, d.ID)
	e.log.Info("deployment ended", "id", d.ID, "reason", reason)
	e.publish(&events.DeploymentFailed{ID: d.ID, Plan: d.plan(), Reason: reason})
}

// rollback replaces d by a deployment that restores what its apps were
// before it: apps it created are removed, the others get their previous
// definitions back (as a new version).
func (e *Engine) rollback(d *deployment, reason string) (*deployment, error) {
	var changes []change
	for _, id := range d.apps() {
		prev, ok := d.Previous[id]
		if !ok {
			continue
		}
		if prev == nil {
			if a := e.apps[id]; a != nil && !a.deleting {
				changes = append(changes, change{Delete: id})
			}
			continue
		}
		changes = append(changes, change{App: prev.Clone()})
	}
	e.dropDeployment(d, reason)
	if len(changes) == 0 {
		return nil, nil
	}
	return e.startDeployment(changes, true)
}

// plan is d as Marathon's events print it.
func (d *deployment) plan() events.DeploymentPlan {
	p := events.DeploymentPlan{ID: d.ID, Version: d.Version}
	for i := range d.Steps {
		p.Steps = append(p.Steps, d.step(i))
	}
	return p
}

func (d *deployment) step(i int) events.DeploymentStep {
	s := events.DeploymentStep{Actions: []events.DeploymentAction{}}
	if i < len(d.Steps) {
		for _, a := range d.Steps[i] {
			s.Actions = append(s.Actions, events.DeploymentAction{Action: a.Action, App: a.App})
		}
	}
	return s
}

// configVersion is the version of a's last change that was not scaling.
func configVersion(a *app.App) string {
	if a.VersionInfo != nil && a.VersionInfo.LastConfigChangeAt != "" {
		return a.VersionInfo.LastConfigChangeAt
	}
	return a.Version
}

func (e *Engine) publish(ev events.Event) {
	if err := e.events.Publish(ev); err != nil {
		e.log.Warn("cannot publish event", "type", ev.Type(), "err", err)
	}
}

// timeoutReason says why d has not finished: what each app of its running
// step waits for, and what recent offers lacked.
func (e *Engine) timeoutReason(d *deployment, now time.Time) string {
	var parts []string
	for _, act := range d.Steps[d.Current] {
		if e.actionDone(act, true) {
			continue
		}
		a := e.apps[act.App]
		msg := act.App + ": " + e.why(a)
		parts = append(parts, msg)
	}
	return fmt.Sprintf("deployment %s did not finish within %s: %s", d.ID, d.Timeout, strings.Join(parts, "; "))
}

// why says in words what an app waits for.
func (e *Engine) why(a *appState) string {
	if a == nil {
		return "gone"
	}
	var parts []string
	if a.waiting != "" {
		parts = append(parts, a.waiting)
	}
	if a.blocked != "" && a.wanted > 0 {
		parts = append(parts, a.blocked)
	}
	if a.wanted > 0 {
		parts = append(parts, fmt.Sprintf("%d instance(s) waiting", a.wanted))
		if !a.backoff.until.IsZero() && e.now().Before(a.backoff.until) {
			parts = append(parts, fmt.Sprintf("launch delayed for %s after %d failure(s)",
				a.backoff.until.Sub(e.now()).Round(time.Second), a.backoff.failures))
		}
		if total := a.offers.Total; total.Processed > 0 {
			var rs []string
			for _, c := range total.Counts {
				rs = append(rs, fmt.Sprintf("%s: %d", c.Reason, c.Offers))
			}
			parts = append(parts, fmt.Sprintf("%d of %d offers unusable (%s)", total.Declined(), total.Processed, strings.Join(rs, ", ")))
		} else {
			parts = append(parts, "no offers received yet")
		}
	}
	if len(parts) == 0 {
		return "instances not yet ready"
	}
	return strings.Join(parts, "; ")
}
