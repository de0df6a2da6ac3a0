package services

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	mesospb "agora/api/mesos/v1"
	"agora/services/app"
	"agora/services/events"
	"agora/services/marathon"
	"agora/services/placement"
	"agora/services/store"
)

// The engine is the REST layer's backend.
var _ marathon.Backend = (*Engine)(nil)

// query runs fn on the loop and returns its result.
func query[T any](ctx context.Context, e *Engine, fn func() (T, error)) (T, error) {
	var out T
	var err error
	if derr := e.do(ctx, func() { out, err = fn() }); derr != nil {
		return out, derr
	}
	return out, err
}

// Apps implements marathon.Backend.
func (e *Engine) Apps(ctx context.Context, embed marathon.Embed) ([]marathon.AppStatus, error) {
	return query(ctx, e, func() ([]marathon.AppStatus, error) {
		out := []marathon.AppStatus{}
		for _, id := range sortedKeys(e.apps) {
			if a := e.apps[id]; !a.deleting {
				out = append(out, e.appStatus(a, embed))
			}
		}
		return out, nil
	})
}

// App implements marathon.Backend.
func (e *Engine) App(ctx context.Context, id string, embed marathon.Embed) (marathon.AppStatus, error) {
	return query(ctx, e, func() (marathon.AppStatus, error) {
		a := e.apps[id]
		if a == nil || a.deleting {
			return marathon.AppStatus{}, fmt.Errorf("%w: app '%s' does not exist", marathon.ErrNotFound, id)
		}
		return e.appStatus(a, embed), nil
	})
}

func (e *Engine) appStatus(a *appState, embed marathon.Embed) marathon.AppStatus {
	// Stored definitions are never changed in place (every change makes a
	// new one), so the REST layer may read a.def after the loop moves on.
	st := marathon.AppStatus{App: a.def, Deployments: []string{}}
	if a.deployment != "" {
		st.Deployments = append(st.Deployments, a.deployment)
	}
	for _, in := range a.instances {
		switch in.State {
		case mesospb.TaskState_TASK_STAGING, mesospb.TaskState_TASK_STARTING:
			st.TasksStaged++
		case mesospb.TaskState_TASK_RUNNING:
			st.TasksRunning++
			if in.Healthy != nil {
				if *in.Healthy {
					st.TasksHealthy++
				} else {
					st.TasksUnhealthy++
				}
			}
		}
	}
	if embed.Tasks {
		st.Tasks = e.tasksOf(a)
	}
	if embed.LastTaskFailure && a.lastFailure != nil {
		f := a.lastFailure
		st.LastTaskFailure = &marathon.TaskFailure{AppID: f.AppID, Host: f.Host, Message: f.Message, State: f.State,
			TaskID: f.TaskID, Timestamp: f.Timestamp, Version: f.Version, SlaveID: f.AgentID}
	}
	return st
}

func (e *Engine) tasksOf(a *appState) []marathon.Task {
	out := []marathon.Task{}
	for _, id := range sortedKeys(a.instances) {
		out = append(out, e.task(a, a.instances[id]))
	}
	return out
}

func (e *Engine) task(a *appState, in *instance) marathon.Task {
	t := marathon.Task{
		ID: in.TaskID, AppID: in.AppID, Host: in.Host, SlaveID: in.AgentID, State: in.State.String(),
		Ports: nonNil(in.Ports), ServicePorts: []int{}, IPAddresses: []events.IPAddress{},
		StagedAt: events.FormatTime(in.StagedAt), Version: in.Version, Role: e.cfg.Role,
		Region: in.Agent.Region, Zone: in.Agent.Zone,
	}
	if !in.StartedAt.IsZero() {
		t.StartedAt = events.FormatTime(in.StartedAt)
	}
	if a != nil && a.def != nil {
		for _, pd := range a.def.PortDefinitions {
			t.ServicePorts = append(t.ServicePorts, pd.Port)
		}
	}
	if in.Healthy != nil {
		t.HealthChecks = []marathon.HealthCheckResult{{Alive: *in.Healthy, InstanceID: in.TaskID}}
	}
	return t
}

// AppVersions implements marathon.Backend.
func (e *Engine) AppVersions(ctx context.Context, id string) ([]string, error) {
	return query(ctx, e, func() ([]string, error) {
		if a := e.apps[id]; a == nil || a.deleting {
			return nil, fmt.Errorf("%w: app '%s' does not exist", marathon.ErrNotFound, id)
		}
		var out []string
		err := e.store.ForEach(store.Versions, id+" ", func(k string, _ []byte) error {
			out = append(out, strings.TrimPrefix(k, id+" "))
			return nil
		})
		slices.Reverse(out)
		return out, err
	})
}

// AppVersion implements marathon.Backend.
func (e *Engine) AppVersion(ctx context.Context, id, version string) (*app.App, error) {
	return query(ctx, e, func() (*app.App, error) {
		if a := e.apps[id]; a == nil || a.deleting {
			return nil, fmt.Errorf("%w: app '%s' does not exist", marathon.ErrNotFound, id)
		}
		out := new(app.App)
		ok, err := e.store.Get(store.Versions, versionKey(id, version), out)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: app '%s' has no version %s", marathon.ErrNotFound, id, version)
		}
		return out, nil
	})
}

// Deploy implements marathon.Backend.
func (e *Engine) Deploy(ctx context.Context, apps []*app.App, opts marathon.DeployOptions) (marathon.Deployment, error) {
	return query(ctx, e, func() (marathon.Deployment, error) {
		changes := make([]change, 0, len(apps))
		for _, def := range apps {
			if a := e.apps[def.ID]; opts.Create && a != nil && !a.deleting {
				return marathon.Deployment{}, fmt.Errorf("%w: An app with id [%s] already exists.", marathon.ErrExists, def.ID)
			}
			if e.groups[def.ID] != nil {
				return marathon.Deployment{}, fmt.Errorf("%w: a group with id %s exists", marathon.ErrConflict, def.ID)
			}
			changes = append(changes, change{App: def.Clone()})
		}
		d, err := e.startDeployment(changes, opts.Force)
		if err != nil {
			return marathon.Deployment{}, err
		}
		for i, def := range apps { // hand back what was stored
			*def = *e.apps[changes[i].App.ID].def.Clone()
		}
		return e.deploymentView(d), nil
	})
}

// DeleteApp implements marathon.Backend.
func (e *Engine) DeleteApp(ctx context.Context, id string, force bool) (marathon.Deployment, error) {
	return query(ctx, e, func() (marathon.Deployment, error) {
		if a := e.apps[id]; a == nil || a.deleting {
			return marathon.Deployment{}, fmt.Errorf("%w: App '%s' does not exist", marathon.ErrNotFound, id)
		}
		d, err := e.startDeployment([]change{{Delete: id}}, force)
		if err != nil {
			return marathon.Deployment{}, err
		}
		return e.deploymentView(d), nil
	})
}

// RestartApp implements marathon.Backend.
func (e *Engine) RestartApp(ctx context.Context, id string, force bool) (marathon.Deployment, error) {
	return query(ctx, e, func() (marathon.Deployment, error) {
		a := e.apps[id]
		if a == nil || a.deleting {
			return marathon.Deployment{}, fmt.Errorf("%w: App '%s' does not exist", marathon.ErrNotFound, id)
		}
		d, err := e.startDeployment([]change{{App: a.def.Clone(), Restart: true}}, force)
		if err != nil {
			return marathon.Deployment{}, err
		}
		return e.deploymentView(d), nil
	})
}

// Tasks implements marathon.Backend.
func (e *Engine) Tasks(ctx context.Context, appID string) ([]marathon.Task, error) {
	return query(ctx, e, func() ([]marathon.Task, error) {
		if appID != "" {
			a := e.apps[appID]
			if a == nil || a.deleting {
				return nil, fmt.Errorf("%w: App '%s' does not exist", marathon.ErrNotFound, appID)
			}
			return e.tasksOf(a), nil
		}
		out := []marathon.Task{}
		for _, id := range sortedKeys(e.apps) {
			out = append(out, e.tasksOf(e.apps[id])...)
		}
		return out, nil
	})
}

// KillTasks implements marathon.Backend.
func (e *Engine) KillTasks(ctx context.Context, req marathon.KillRequest) ([]marathon.Task, *marathon.Deployment, error) {
	type result struct {
		tasks []marathon.Task
		d     *marathon.Deployment
	}
	r, err := query(ctx, e, func() (result, error) {
		var victims []*instance
		if req.AppID != "" {
			a := e.apps[req.AppID]
			if a == nil || a.deleting {
				return result{}, fmt.Errorf("%w: App '%s' does not exist", marathon.ErrNotFound, req.AppID)
			}
			for _, id := range sortedKeys(a.instances) {
				in := a.instances[id]
				if len(req.TaskIDs) > 0 && !slices.Contains(req.TaskIDs, id) {
					continue
				}
				if len(req.TaskIDs) == 0 && req.Host != "" && req.Host != "*" && in.Host != req.Host {
					continue
				}
				victims = append(victims, in)
			}
		} else {
			for _, id := range req.TaskIDs {
				if in := e.instances[id]; in != nil {
					victims = append(victims, in)
				}
			}
		}
		var res result
		res.tasks = []marathon.Task{}
		for _, in := range victims {
			res.tasks = append(res.tasks, e.task(e.apps[in.AppID], in))
		}
		if req.Scale && len(victims) > 0 {
			perApp := make(map[string]int)
			for _, in := range victims {
				perApp[in.AppID]++
			}
			var changes []change
			for _, id := range sortedKeys(perApp) {
				def := e.apps[id].def.Clone()
				def.Instances = max(0, def.Instances-perApp[id])
				changes = append(changes, change{App: def})
			}
			d, err := e.startDeployment(changes, req.Force)
			if err != nil {
				return result{}, err
			}
			view := e.deploymentView(d)
			res.d = &view
		}
		now := e.now()
		for _, in := range victims {
			e.kill(in, now, "")
			if req.Wipe {
				// Forget it now: it is not waited for, and its end
				// will not be counted as a failure.
				e.forget(in)
			}
		}
		for id := range e.apps {
			e.converge(e.apps[id])
		}
		return res, nil
	})
	return r.tasks, r.d, err
}

// Deployments implements marathon.Backend.
func (e *Engine) Deployments(ctx context.Context) ([]marathon.Deployment, error) {
	return query(ctx, e, func() ([]marathon.Deployment, error) {
		ds := make([]*deployment, 0, len(e.deployments))
		for _, d := range e.deployments {
			ds = append(ds, d)
		}
		slices.SortFunc(ds, func(x, y *deployment) int {
			if c := x.Started.Compare(y.Started); c != 0 {
				return c
			}
			return strings.Compare(x.ID, y.ID)
		})
		out := []marathon.Deployment{}
		for _, d := range ds {
			out = append(out, e.deploymentView(d))
		}
		return out, nil
	})
}

// CancelDeployment implements marathon.Backend.
func (e *Engine) CancelDeployment(ctx context.Context, id string, force bool) (*marathon.Deployment, error) {
	return query(ctx, e, func() (*marathon.Deployment, error) {
		d := e.deployments[id]
		if d == nil {
			return nil, fmt.Errorf("%w: DeploymentPlan %s does not exist", marathon.ErrNotFound, id)
		}
		if force {
			e.dropDeployment(d, "cancelled")
			return nil, nil
		}
		rb, err := e.rollback(d, "rolled back")
		if err != nil || rb == nil {
			return nil, err
		}
		view := e.deploymentView(rb)
		return &view, nil
	})
}

func (e *Engine) deploymentView(d *deployment) marathon.Deployment {
	v := marathon.Deployment{
		ID: d.ID, Version: d.Version, AffectedApps: d.apps(), AffectedPods: []string{},
		Steps: d.plan().Steps, CurrentStep: min(d.Current+1, len(d.Steps)), TotalSteps: len(d.Steps),
		CurrentActions: []events.DeploymentAction{},
	}
	if v.AffectedApps == nil {
		v.AffectedApps = []string{}
	}
	if d.Current < len(d.Steps) {
		for _, a := range d.Steps[d.Current] {
			v.CurrentActions = append(v.CurrentActions, events.DeploymentAction{
				Action: a.Action, App: a.App, ReadinessCheckResults: []events.ReadinessCheckResult{}})
		}
	}
	return v
}

// Queue implements marathon.Backend.
func (e *Engine) Queue(ctx context.Context) ([]marathon.QueueItem, error) {
	return query(ctx, e, func() ([]marathon.QueueItem, error) {
		now := e.now()
		out := []marathon.QueueItem{}
		for _, id := range sortedKeys(e.apps) {
			a := e.apps[id]
			if a.wanted == 0 || a.active == nil {
				continue
			}
			item := marathon.QueueItem{
				App: a.def, Count: a.wanted, Role: e.roleOf(a.active),
				Since:   events.FormatTime(a.waitingSince),
				Delay:   marathon.Delay{Overdue: !now.Before(a.backoff.until)},
				Blocked: a.blocked,
			}
			if left := a.backoff.until.Sub(now); left > 0 {
				item.Delay.TimeLeftSeconds = int((left + time.Second - 1) / time.Second)
			}
			s := a.offers
			item.ProcessedOffersSummary = marathon.OffersSummary{
				ProcessedOffersCount:    s.Total.Processed,
				UnusedOffersCount:       s.Total.Declined(),
				RejectSummaryLastOffers: funnel(s.Last),
			}
			if !s.LastAt.IsZero() && s.Last.Declined() > 0 {
				item.ProcessedOffersSummary.LastUnusedOfferAt = events.FormatTime(s.LastAt)
			}
			out = append(out, item)
		}
		return out, nil
	})
}

// funnel is Marathon's rejectSummaryLastOffers — each check of the offer
// matching with how many offers reached it and how many it declined — where
// UnfulfilledConstraint is followed by one entry per constraint
// ("UnfulfilledConstraint hostname:UNIQUE"), so that "why is my app not
// starting?" names the constraint.
func funnel(r placement.Rejections) []marathon.DeclinedOfferStep {
	out := []marathon.DeclinedOfferStep{}
	for _, step := range r.Funnel() {
		out = append(out, marathon.DeclinedOfferStep{Reason: step.Reason, Declined: step.Declined, Processed: step.Processed})
		if step.Reason != "UnfulfilledConstraint" || step.Declined == 0 {
			continue
		}
		for _, c := range r.Counts {
			if c.Kind == placement.KindConstraint {
				out = append(out, marathon.DeclinedOfferStep{
					Reason: "UnfulfilledConstraint " + c.Constraint, Declined: c.Offers, Processed: step.Processed,
				})
			}
		}
	}
	return out
}

// ResetDelay implements marathon.Backend.
func (e *Engine) ResetDelay(ctx context.Context, appID string) error {
	_, err := query(ctx, e, func() (struct{}, error) {
		a := e.apps[appID]
		if a == nil || a.wanted == 0 {
			return struct{}{}, fmt.Errorf("%w: application %s not found in tasks queue", marathon.ErrNotFound, appID)
		}
		a.backoff.failures, a.backoff.until = 0, time.Time{}
		return struct{}{}, nil
	})
	return err
}

// Info implements marathon.Backend.
func (e *Engine) Info(ctx context.Context) (marathon.Info, error) {
	return query(ctx, e, func() (marathon.Info, error) {
		leader, httpPort := e.leader()
		return marathon.Info{
			Name: "agora-services", Version: "1.11.0", Elected: true, FrameworkID: e.frameworkID,
			Leader: leader, HTTPConfig: marathon.HTTPConfig{HTTPPort: httpPort},
			MarathonConfig: map[string]any{
				"master":                       e.cfg.Master,
				"framework_name":               e.cfg.FrameworkName,
				"failover_timeout":             int64(e.cfg.FailoverTimeout.Seconds()),
				"mesos_role":                   e.cfg.Role,
				"mesos_user":                   e.cfg.User,
				"decline_offer_duration":       e.cfg.DeclineRefuse.Milliseconds(),
				"local_port_min":               e.cfg.ServicePortMin,
				"local_port_max":               e.cfg.ServicePortMax,
				"new_group_enforce_role":       map[bool]string{false: "off", true: "top"}[e.cfg.NewGroupEnforceRole],
				"reconciliation_initial_delay": e.cfg.ReconciliationInitialDelay.Milliseconds(),
				"reconciliation_interval":      e.cfg.ReconciliationInterval.Milliseconds(),
				"kill_retry_timeout":           DefaultKillRetry.Milliseconds(),
			},
			ZookeeperConfig: map[string]any{},
		}, nil
	})
}

// leader is this services scheduler's "host:port" as /v2/leader prints it:
// the advertised REST address (Config.WebUIURL), else the hostname.
func (e *Engine) leader() (string, int) {
	if u, err := url.Parse(e.cfg.WebUIURL); err == nil && u.Host != "" {
		port, _ := strconv.Atoi(u.Port())
		return u.Host, port
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return host, 0
}
