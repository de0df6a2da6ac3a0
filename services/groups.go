package services

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"

	"agora/services/app"
	"agora/services/marathon"
	"agora/services/store"
)

// Groups are mostly implied by app ids ("/prod/web" lives in "/prod"); a
// group deployed explicitly is also recorded, for its dependencies and so
// that it exists while empty.

// groupIDs is every group that exists: "/", the explicit ones and every
// ancestor of an app or explicit group.
func (e *Engine) groupIDs() map[string]bool {
	ids := map[string]bool{"/": true}
	add := func(id string) {
		for p := id; p != "/" && p != ""; p = app.Parent(p) {
			ids[p] = true
		}
	}
	for id := range e.groups {
		add(id)
	}
	for id, a := range e.apps {
		if !a.deleting {
			add(app.Parent(id))
		}
	}
	return ids
}

// Group implements marathon.Backend.
func (e *Engine) Group(ctx context.Context, id string, embed marathon.Embed) (marathon.GroupStatus, error) {
	return query(ctx, e, func() (marathon.GroupStatus, error) {
		ids := e.groupIDs()
		if !ids[id] {
			return marathon.GroupStatus{}, fmt.Errorf("%w: Group '%s' does not exist", marathon.ErrNotFound, id)
		}
		return e.groupStatus(id, ids, embed), nil
	})
}

func (e *Engine) groupStatus(id string, ids map[string]bool, embed marathon.Embed) marathon.GroupStatus {
	g := marathon.GroupStatus{ID: id, Apps: []marathon.AppStatus{}, Groups: []marathon.GroupStatus{}, Dependencies: []string{}, Version: e.lastVersion}
	if isTopLevel(id) {
		g.EnforceRole = e.cfg.NewGroupEnforceRole // a group implied by its apps' ids
	}
	if rec := e.groups[id]; rec != nil {
		g.Dependencies = append(g.Dependencies, rec.Dependencies...)
		g.EnforceRole = rec.EnforceRole
		if rec.Version != "" {
			g.Version = rec.Version
		}
	}
	for _, appID := range sortedKeys(e.apps) {
		if a := e.apps[appID]; !a.deleting && app.Parent(appID) == id {
			g.Apps = append(g.Apps, e.appStatus(a, embed))
		}
	}
	for _, sub := range sortedKeys(ids) {
		if sub != "/" && app.Parent(sub) == id {
			g.Groups = append(g.Groups, e.groupStatus(sub, ids, embed))
		}
	}
	return g
}

// DeployGroup implements marathon.Backend.
func (e *Engine) DeployGroup(ctx context.Context, g *app.Group, opts marathon.DeployOptions) (marathon.Deployment, error) {
	return query(ctx, e, func() (marathon.Deployment, error) {
		ids := e.groupIDs()
		if opts.Create && ids[g.ID] && g.ID != "/" {
			return marathon.Deployment{}, fmt.Errorf("%w: Group %s already exists", marathon.ErrExists, g.ID)
		}
		apps := g.Flatten()
		want := make(map[string]bool, len(apps))
		var changes []change
		for _, def := range apps {
			if ids[def.ID] {
				return marathon.Deployment{}, fmt.Errorf("%w: an app cannot have the id of the group %s", marathon.ErrConflict, def.ID)
			}
			want[def.ID] = true
			changes = append(changes, change{App: def.Clone(), Group: g})
		}
		for _, id := range sortedKeys(e.apps) {
			if a := e.apps[id]; !a.deleting && app.IsUnder(id, g.ID) && !want[id] {
				changes = append(changes, change{Delete: id})
			}
		}
		groups := collectGroups(g)
		for _, sub := range groups {
			sub.EnforceRole = e.groupEnforcesRole(sub)
		}
		deps := groupDeps(groups)
		if opts.DryRun {
			return e.dryRun(changes, deps)
		}
		d, err := e.startDeploymentWith(changes, opts.Force, deps)
		if err != nil {
			return marathon.Deployment{}, err
		}
		err = e.store.Update(func(tx *store.Tx) error {
			for id := range e.groups {
				if app.IsUnder(id, g.ID) {
					if err := tx.Delete(store.Groups, id); err != nil {
						return err
					}
				}
			}
			for _, sub := range groups {
				if err := tx.Put(store.Groups, sub.ID, sub); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return marathon.Deployment{}, fmt.Errorf("services: recording groups: %w", err)
		}
		for id := range e.groups {
			if app.IsUnder(id, g.ID) {
				delete(e.groups, id)
			}
		}
		for _, sub := range groups {
			sub.Version = d.Version
			e.groups[sub.ID] = sub
		}
		return e.deploymentView(d), nil
	})
}

// collectGroups lists g and its subgroups without their apps.
func collectGroups(g *app.Group) []*app.Group {
	out := []*app.Group{{ID: g.ID, Dependencies: slices.Clone(g.Dependencies),
		EnforceRole: g.EnforceRole, EnforceRoleGiven: g.EnforceRoleGiven}}
	for _, sub := range g.Groups {
		out = append(out, collectGroups(sub)...)
	}
	return out
}

// groupDeps returns, for an app id, the dependencies its enclosing groups
// declare.
func groupDeps(groups []*app.Group) func(id string) []string {
	return func(id string) []string {
		var out []string
		for _, g := range groups {
			if app.IsUnder(id, g.ID) {
				out = append(out, g.Dependencies...)
			}
		}
		return out
	}
}

// DeleteGroup implements marathon.Backend.
func (e *Engine) DeleteGroup(ctx context.Context, id string, force bool) (marathon.Deployment, error) {
	return query(ctx, e, func() (marathon.Deployment, error) {
		if !e.groupIDs()[id] {
			return marathon.Deployment{}, fmt.Errorf("%w: Group '%s' does not exist", marathon.ErrNotFound, id)
		}
		var changes []change
		for _, appID := range sortedKeys(e.apps) {
			if a := e.apps[appID]; !a.deleting && app.IsUnder(appID, id) {
				changes = append(changes, change{Delete: appID})
			}
		}
		d, err := e.startDeployment(changes, force)
		if err != nil {
			return marathon.Deployment{}, err
		}
		err = e.store.Update(func(tx *store.Tx) error {
			for gid := range e.groups {
				if app.IsUnder(gid, id) {
					if err := tx.Delete(store.Groups, gid); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return marathon.Deployment{}, fmt.Errorf("services: recording groups: %w", err)
		}
		for gid := range e.groups {
			if app.IsUnder(gid, id) {
				delete(e.groups, gid)
			}
		}
		return e.deploymentView(d), nil
	})
}

// maxScaledInstances bounds what a scaleBy may ask of one app, so that a
// factor like 1e300 is refused instead of overflowing an int.
const maxScaledInstances = 1 << 20

// ScaleGroup implements marathon.Backend: every app in the group, at any
// depth, gets ceil(instances × by) instances, in one deployment ordered by
// the dependencies of the apps and of their recorded groups.
func (e *Engine) ScaleGroup(ctx context.Context, id string, by float64, opts marathon.DeployOptions) (marathon.Deployment, error) {
	return query(ctx, e, func() (marathon.Deployment, error) {
		if !e.groupIDs()[id] {
			return marathon.Deployment{}, fmt.Errorf("%w: Group '%s' does not exist", marathon.ErrNotFound, id)
		}
		var changes []change
		for _, appID := range sortedKeys(e.apps) {
			a := e.apps[appID]
			if a.deleting || !app.IsUnder(appID, id) {
				continue
			}
			def := a.def.Clone()
			n := math.Ceil(float64(def.Instances) * by)
			if !(n >= 0 && n <= maxScaledInstances) { // also NaN
				return marathon.Deployment{}, &app.ValidationError{Message: app.MessageInvalid, Details: []app.Detail{{
					Path: "/scaleBy", Errors: []string{fmt.Sprintf("scaling %s (%d instances) by %g gives %g instances; at most %d are allowed", appID, def.Instances, by, n, maxScaledInstances)}}}}
			}
			def.Instances = int(n)
			changes = append(changes, change{App: def})
		}
		deps := groupDeps(slices.Collect(maps.Values(e.groups)))
		if opts.DryRun {
			return e.dryRun(changes, deps)
		}
		d, err := e.startDeploymentWith(changes, opts.Force, deps)
		if err != nil {
			return marathon.Deployment{}, err
		}
		return e.deploymentView(d), nil
	})
}

// dryRun answers ?dryRun=true: the deployment that changes would start, as
// Marathon's DeploymentSteps, without starting it or changing anything. It
// leaves out apps whose instance count is all that could change and does
// not (the deployment itself would finish those at once), and empty steps.
func (e *Engine) dryRun(changes []change, deps func(string) []string) (marathon.Deployment, error) {
	d, defs, err := e.planDeployment(changes, app.VersionAt(e.now()), deps)
	if err != nil {
		return marathon.Deployment{}, err
	}
	next := make(map[string]*app.App, len(defs))
	for _, def := range defs {
		next[def.ID] = def
	}
	var steps [][]action
	for _, step := range d.Steps {
		var kept []action
		for _, act := range step {
			if prev, def := d.Previous[act.App], next[act.App]; act.Action == actionScale && prev != nil && def != nil && prev.Instances == def.Instances {
				continue
			}
			kept = append(kept, act)
		}
		if len(kept) > 0 {
			steps = append(steps, kept)
		}
	}
	d.Steps = steps
	return e.deploymentView(d), nil
}
