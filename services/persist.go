package services

import (
	"fmt"

	mesospb "agora/api/mesos/v1"
	"agora/sdk/scheduler"
	"agora/services/app"
	"agora/services/store"
)

// appRecord is what the store keeps of an app.
type appRecord struct {
	App      *app.App `json:"app"`
	Deleting bool     `json:"deleting,omitempty"`
}

const keyFrameworkID = "frameworkId"

func versionKey(id, version string) string { return id + " " + version }

// load rebuilds the engine's state from the store. Instances come back with
// an unknown state; the driver reconciles them with the master once
// subscribed.
func (e *Engine) load() error {
	var fid string
	if _, err := e.store.Get(store.Meta, keyFrameworkID, &fid); err != nil {
		return err
	}
	e.frameworkID = fid
	apps, err := store.Load[appRecord](e.store, store.Apps)
	if err != nil {
		return err
	}
	for id, rec := range apps {
		if rec.App == nil || rec.App.ID != id {
			return fmt.Errorf("%w: app record %q", store.ErrCorrupt, id)
		}
		if rec.App.Role == "" { // stored before apps had roles
			rec.App.Role = e.cfg.Role
		}
		a := e.newAppState(rec.App)
		a.deleting = rec.Deleting
		if a.deleting {
			a.active = nil
		}
		if rec.App.Version > e.lastVersion {
			e.lastVersion = rec.App.Version
		}
	}
	deps, err := store.Load[deployment](e.store, store.Deployments)
	if err != nil {
		return err
	}
	for id, d := range deps {
		for _, prev := range d.Previous {
			if prev != nil && prev.Role == "" {
				prev.Role = e.cfg.Role
			}
		}
		e.deployments[id] = d
		for i, step := range d.Steps {
			for _, act := range step {
				a := e.apps[act.App]
				if a == nil {
					continue
				}
				a.deployment = d.ID
				if i > d.Current {
					a.active = d.Previous[act.App]
				}
			}
		}
	}
	groups, err := store.Load[app.Group](e.store, store.Groups)
	if err != nil {
		return err
	}
	e.groups = groups
	insts, err := store.Load[instance](e.store, store.Instances)
	if err != nil {
		return err
	}
	for id, in := range insts {
		in.State = mesospb.TaskState_TASK_STAGING
		e.instances[id] = in
		if a := e.apps[in.AppID]; a != nil {
			a.instances[id] = in
		}
		e.tasks.Put(scheduler.Task{ID: id, AgentID: in.AgentID, State: mesospb.TaskState_TASK_STAGING})
	}
	e.log.Info("services state loaded", "apps", len(e.apps), "instances", len(e.instances),
		"deployments", len(e.deployments), "framework_id", e.frameworkID)
	return nil
}

func (e *Engine) newAppState(def *app.App) *appState {
	a := &appState{def: def, active: def, instances: make(map[string]*instance)}
	e.apps[def.ID] = a
	return a
}
