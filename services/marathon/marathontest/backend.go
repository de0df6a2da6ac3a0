package marathontest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"agora/services/app"
	"agora/services/events"
	"agora/services/marathon"
)

// Backend is an in-memory marathon.Backend: apps by id with their versions, tasks,
// deployments, locks, a queue. It records what it was last asked so tests can check
// what a client sent. It models nothing of the engine (no instances are launched, a
// deployment is done the moment it is made unless Hold is set).
type Backend struct {
	mu          sync.Mutex
	apps        map[string]*app.App
	versions    map[string][]*app.App // oldest first
	tasks       []marathon.Task
	deployments []marathon.Deployment
	locks       map[string]string // app id → deployment id holding it
	queue       []marathon.QueueItem
	info        marathon.Info
	failure     map[string]*marathon.TaskFailure
	n           int

	lastDeploy     marathon.DeployOptions
	lastDeployApps []*app.App
	lastGroup      *app.Group
	lastScaleBy    float64
	lastKill       marathon.KillRequest
	lastForce      bool
	lastEmbed      marathon.Embed
	resetDelays    []string
	err            error // returned by every call when set
	hold           bool  // deployments stay in progress until Finish
}

var _ marathon.Backend = (*Backend)(nil)

// New returns an empty Backend whose Info names a leader at 127.0.0.1:8080.
func New() *Backend {
	return &Backend{
		apps: map[string]*app.App{}, versions: map[string][]*app.App{}, locks: map[string]string{},
		failure: map[string]*marathon.TaskFailure{},
		info: marathon.Info{Name: "agora", Version: "0.1.0", Elected: true, Leader: "127.0.0.1:8080", FrameworkID: "fw-1",
			MarathonConfig: map[string]any{"master": "127.0.0.1:5050"}, HTTPConfig: marathon.HTTPConfig{HTTPPort: 8080}},
	}
}

// AddApp stores an app as if deployed earlier, with a new version.
func (f *Backend) AddApp(a *app.App) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.store(a)
}

// StoredApp returns the stored definition of an app, or nil.
func (f *Backend) StoredApp(id string) *app.App {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.apps[id].Clone()
}

// StoredIDs returns the ids of the stored apps, sorted.
func (f *Backend) StoredIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sortedIDs()
}

// SetTasks replaces the tasks.
func (f *Backend) SetTasks(ts ...marathon.Task) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tasks = slices.Clone(ts)
}

// SetDeployments replaces the deployments in progress.
func (f *Backend) SetDeployments(ds ...marathon.Deployment) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deployments = slices.Clone(ds)
}

// SetQueue replaces the launch queue.
func (f *Backend) SetQueue(q ...marathon.QueueItem) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = slices.Clone(q)
}

// SetLastTaskFailure sets an app's last task failure.
func (f *Backend) SetLastTaskFailure(appID string, tf *marathon.TaskFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failure[appID] = tf
}

// UpdateInfo changes what Info returns.
func (f *Backend) UpdateInfo(fn func(*marathon.Info)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(&f.info)
}

// Lock makes a deployment hold an app: changes without force get a *LockedError.
func (f *Backend) Lock(appID, deploymentID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.locks[appID] = deploymentID
}

// Fail makes every later call that reads state fail with err (nil: succeed again).
func (f *Backend) Fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// Hold keeps new deployments in progress (listed by Deployments) until Finish.
func (f *Backend) Hold(hold bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hold = hold
}

// Finish ends a deployment in progress.
func (f *Backend) Finish(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deployments = slices.DeleteFunc(f.deployments, func(d marathon.Deployment) bool { return d.ID == id })
}

// LastDeploy returns the options and apps of the last Deploy or DeployGroup.
func (f *Backend) LastDeploy() (marathon.DeployOptions, []*app.App) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastDeploy, f.lastDeployApps
}

// LastGroup returns the group of the last DeployGroup.
func (f *Backend) LastGroup() *app.Group {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastGroup
}

// LastKill returns the last KillTasks request.
func (f *Backend) LastKill() marathon.KillRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastKill
}

// LastForce returns the force flag of the last DeleteApp, RestartApp, DeleteGroup or
// CancelDeployment.
func (f *Backend) LastForce() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastForce
}

// LastEmbed returns the embed flags of the last Apps, App or Group.
func (f *Backend) LastEmbed() marathon.Embed {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastEmbed
}

// ResetDelays returns the apps whose delay was reset, in order.
func (f *Backend) ResetDelays() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.resetDelays)
}

func (f *Backend) store(a *app.App) {
	f.n++
	a = a.Clone()
	a.Version = fmt.Sprintf("2026-01-01T00:00:%02d.000Z", f.n%60)
	a.VersionInfo = &app.VersionInfo{LastScalingAt: a.Version, LastConfigChangeAt: a.Version}
	f.apps[a.ID] = a
	f.versions[a.ID] = append(f.versions[a.ID], a)
}

func (f *Backend) status(a *app.App, embed marathon.Embed) marathon.AppStatus {
	return f.statusOf(a, embed, f.tasks)
}

// statusOf builds an app's status from tasks (all tasks, or the app's own).
func (f *Backend) statusOf(a *app.App, embed marathon.Embed, tasks []marathon.Task) marathon.AppStatus {
	s := marathon.AppStatus{App: a.Clone(), LastTaskFailure: f.failure[a.ID]}
	for _, t := range tasks {
		if t.AppID != a.ID {
			continue
		}
		switch t.State {
		case "TASK_RUNNING":
			s.TasksRunning++
		case "TASK_STAGING", "TASK_STARTING":
			s.TasksStaged++
		}
		if embed.Tasks {
			s.Tasks = append(s.Tasks, t)
		}
	}
	for _, d := range f.deployments {
		if slices.Contains(d.AffectedApps, a.ID) {
			s.Deployments = append(s.Deployments, d.ID)
		}
	}
	return s
}

func (f *Backend) Apps(ctx context.Context, embed marathon.Embed) ([]marathon.AppStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	f.lastEmbed = embed
	byApp := map[string][]marathon.Task{}
	for _, t := range f.tasks {
		byApp[t.AppID] = append(byApp[t.AppID], t)
	}
	var out []marathon.AppStatus
	for _, id := range f.sortedIDs() {
		out = append(out, f.statusOf(f.apps[id], embed, byApp[id]))
	}
	return out, nil
}

func (f *Backend) sortedIDs() []string {
	var ids []string
	for id := range f.apps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (f *Backend) App(ctx context.Context, id string, embed marathon.Embed) (marathon.AppStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return marathon.AppStatus{}, f.err
	}
	a, ok := f.apps[id]
	if !ok {
		return marathon.AppStatus{}, fmt.Errorf("fake: app %s: %w", id, marathon.ErrNotFound)
	}
	f.lastEmbed = embed
	return f.status(a, embed), nil
}

func (f *Backend) AppVersions(ctx context.Context, id string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	vs, ok := f.versions[id]
	if !ok {
		return nil, marathon.ErrNotFound
	}
	var out []string
	for i := len(vs) - 1; i >= 0; i-- {
		out = append(out, vs[i].Version)
	}
	return out, nil
}

func (f *Backend) AppVersion(ctx context.Context, id, version string) (*app.App, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.versions[id] {
		if a.Version == version {
			return a.Clone(), nil
		}
	}
	return nil, marathon.ErrNotFound
}

func (f *Backend) checkLocks(ids []string, force bool) error {
	if force {
		return nil
	}
	var held []string
	for _, id := range ids {
		if d, ok := f.locks[id]; ok {
			held = append(held, d)
		}
	}
	if held != nil {
		return &marathon.LockedError{Deployments: held}
	}
	return nil
}

func (f *Backend) deployment(ids []string) marathon.Deployment {
	f.n++
	d := marathon.Deployment{ID: fmt.Sprintf("dep-%d", f.n), Version: fmt.Sprintf("2026-01-01T00:00:%02d.000Z", f.n%60), AffectedApps: ids, TotalSteps: 1}
	if f.hold {
		f.deployments = append(f.deployments, d)
	}
	return d
}

func (f *Backend) Deploy(ctx context.Context, apps []*app.App, opts marathon.DeployOptions) (marathon.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return marathon.Deployment{}, f.err
	}
	f.lastDeploy, f.lastDeployApps = opts, apps
	var ids []string
	for _, a := range apps {
		if _, ok := f.apps[a.ID]; ok && opts.Create {
			return marathon.Deployment{}, fmt.Errorf("%w: An app with id [%s] already exists.", marathon.ErrExists, a.ID)
		}
		ids = append(ids, a.ID)
	}
	if err := f.checkLocks(ids, opts.Force); err != nil {
		return marathon.Deployment{}, err
	}
	for _, a := range apps {
		f.store(a)
	}
	return f.deployment(ids), nil
}

func (f *Backend) DeleteApp(ctx context.Context, id string, force bool) (marathon.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastForce = force
	if _, ok := f.apps[id]; !ok {
		return marathon.Deployment{}, marathon.ErrNotFound
	}
	if err := f.checkLocks([]string{id}, force); err != nil {
		return marathon.Deployment{}, err
	}
	delete(f.apps, id)
	return f.deployment([]string{id}), nil
}

func (f *Backend) RestartApp(ctx context.Context, id string, force bool) (marathon.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastForce = force
	if _, ok := f.apps[id]; !ok {
		return marathon.Deployment{}, marathon.ErrNotFound
	}
	if err := f.checkLocks([]string{id}, force); err != nil {
		return marathon.Deployment{}, err
	}
	return f.deployment([]string{id}), nil
}

func (f *Backend) Tasks(ctx context.Context, appID string) ([]marathon.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if appID != "" {
		if _, ok := f.apps[appID]; !ok {
			return nil, marathon.ErrNotFound
		}
	}
	var out []marathon.Task
	for _, t := range f.tasks {
		if appID == "" || t.AppID == appID {
			out = append(out, t)
		}
	}
	return out, nil
}

func (f *Backend) KillTasks(ctx context.Context, req marathon.KillRequest) ([]marathon.Task, *marathon.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastKill = req
	if req.AppID != "" {
		if _, ok := f.apps[req.AppID]; !ok {
			return nil, nil, marathon.ErrNotFound
		}
	}
	var killed []marathon.Task
	var keep []marathon.Task
	for _, t := range f.tasks {
		match := (req.AppID == "" || t.AppID == req.AppID) &&
			(len(req.TaskIDs) == 0 && req.AppID != "" && (req.Host == "" || req.Host == "*" || req.Host == t.Host) ||
				slices.Contains(req.TaskIDs, t.ID))
		if match {
			killed = append(killed, t)
		} else {
			keep = append(keep, t)
		}
	}
	if req.Scale {
		if len(killed) == 0 {
			return nil, nil, nil
		}
		var ids []string
		for _, t := range killed {
			if !slices.Contains(ids, t.AppID) {
				ids = append(ids, t.AppID)
			}
		}
		if err := f.checkLocks(ids, req.Force); err != nil {
			return nil, nil, err
		}
		d := f.deployment(ids)
		f.tasks = keep
		return nil, &d, nil
	}
	f.tasks = keep
	return killed, nil, nil
}

func (f *Backend) Group(ctx context.Context, id string, embed marathon.Embed) (marathon.GroupStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastEmbed = embed
	exists := id == "/"
	for aid := range f.apps {
		if aid != id && app.IsUnder(aid, id) {
			exists = true
		}
	}
	if !exists {
		return marathon.GroupStatus{}, marathon.ErrNotFound
	}
	return f.group(id, embed), nil
}

// group builds a group from the app ids below it.
func (f *Backend) group(id string, embed marathon.Embed) marathon.GroupStatus {
	g := marathon.GroupStatus{ID: id, Version: "2026-01-01T00:00:00.000Z"}
	subs := map[string]bool{}
	for _, aid := range f.sortedIDs() {
		if !app.IsUnder(aid, id) || aid == id {
			continue
		}
		if app.Parent(aid) == id {
			g.Apps = append(g.Apps, f.status(f.apps[aid], embed))
			continue
		}
		rest := strings.TrimPrefix(aid, strings.TrimSuffix(id, "/")+"/")
		first, _, _ := strings.Cut(rest, "/")
		sub := strings.TrimSuffix(id, "/") + "/" + first
		if !subs[sub] {
			subs[sub] = true
			g.Groups = append(g.Groups, f.group(sub, embed))
		}
	}
	return g
}

func (f *Backend) DeployGroup(ctx context.Context, g *app.Group, opts marathon.DeployOptions) (marathon.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastGroup, f.lastDeploy = g, opts
	if opts.Create {
		if g.ID == "/" {
			return marathon.Deployment{}, marathon.ErrExists
		}
		for aid := range f.apps {
			if aid == g.ID {
				return marathon.Deployment{}, fmt.Errorf("%w: An app with the path %s already exists.", marathon.ErrConflict, g.ID)
			}
			if app.IsUnder(aid, g.ID) {
				return marathon.Deployment{}, marathon.ErrExists
			}
		}
	}
	apps := g.Flatten()
	var ids []string
	for _, a := range apps {
		ids = append(ids, a.ID)
	}
	if err := f.checkLocks(ids, opts.Force); err != nil {
		return marathon.Deployment{}, err
	}
	if opts.DryRun {
		return f.plan(ids), nil
	}
	for _, a := range apps {
		f.store(a)
	}
	return f.deployment(ids), nil
}

// plan is a dry run's answer: one step, starting the apps that do not exist
// and restarting the others.
func (f *Backend) plan(ids []string) marathon.Deployment {
	var step events.DeploymentStep
	for _, id := range ids {
		action := "RestartApplication"
		if _, ok := f.apps[id]; !ok {
			action = "StartApplication"
		}
		step.Actions = append(step.Actions, events.DeploymentAction{Action: action, App: id})
	}
	return marathon.Deployment{AffectedApps: ids, Steps: []events.DeploymentStep{step}, TotalSteps: 1}
}

func (f *Backend) ScaleGroup(ctx context.Context, id string, by float64, opts marathon.DeployOptions) (marathon.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastDeploy, f.lastScaleBy = opts, by
	var ids []string
	for _, aid := range f.sortedIDs() {
		if app.IsUnder(aid, id) && aid != id {
			ids = append(ids, aid)
		}
	}
	if len(ids) == 0 && id != "/" {
		return marathon.Deployment{}, marathon.ErrNotFound
	}
	if err := f.checkLocks(ids, opts.Force); err != nil {
		return marathon.Deployment{}, err
	}
	if opts.DryRun {
		return f.plan(ids), nil
	}
	for _, aid := range ids {
		a := f.apps[aid].Clone()
		a.Instances = int(math.Ceil(float64(a.Instances) * by))
		f.store(a)
	}
	return f.deployment(ids), nil
}

// LastScaleBy returns the factor of the last ScaleGroup call.
func (f *Backend) LastScaleBy() float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastScaleBy
}

func (f *Backend) DeleteGroup(ctx context.Context, id string, force bool) (marathon.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastForce = force
	var ids []string
	for aid := range f.apps {
		if app.IsUnder(aid, id) && aid != id {
			ids = append(ids, aid)
		}
	}
	if len(ids) == 0 && id != "/" {
		return marathon.Deployment{}, marathon.ErrNotFound
	}
	if err := f.checkLocks(ids, force); err != nil {
		return marathon.Deployment{}, err
	}
	for _, aid := range ids {
		delete(f.apps, aid)
	}
	return f.deployment(ids), nil
}

func (f *Backend) Deployments(ctx context.Context) ([]marathon.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	return slices.Clone(f.deployments), nil
}

func (f *Backend) CancelDeployment(ctx context.Context, id string, force bool) (*marathon.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastForce = force
	for i, d := range f.deployments {
		if d.ID == id {
			f.deployments = slices.Delete(f.deployments, i, i+1)
			if force {
				return nil, nil
			}
			r := f.deployment(d.AffectedApps)
			return &r, nil
		}
	}
	return nil, marathon.ErrNotFound
}

func (f *Backend) Queue(ctx context.Context) ([]marathon.QueueItem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.queue), nil
}

func (f *Backend) ResetDelay(ctx context.Context, appID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, q := range f.queue {
		if q.App.ID == appID {
			f.resetDelays = append(f.resetDelays, appID)
			return nil
		}
	}
	return marathon.ErrNotFound
}

func (f *Backend) Info(ctx context.Context) (marathon.Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.info, f.err
}

// App returns a valid app with Marathon's defaults, the given id and a command.
func App(id string) *app.App {
	a := app.Defaults()
	a.ID = id
	a.Cmd = "sleep 1000"
	return a
}
