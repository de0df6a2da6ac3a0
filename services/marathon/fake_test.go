package marathon

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"agora/services/app"
	"agora/services/events"
)

// fakeBackend is an in-memory Backend for the handler's unit tests: apps by id with
// their versions, tasks, deployments, locks, a queue. It records the last options and
// requests it was given so tests can check what the handler asked for.
type fakeBackend struct {
	mu          sync.Mutex
	apps        map[string]*app.App
	versions    map[string][]*app.App // oldest first
	tasks       []Task
	deployments []Deployment
	locks       map[string]string // app id → deployment id holding it
	queue       []QueueItem
	info        Info
	failure     map[string]*TaskFailure
	n           int

	lastDeploy     DeployOptions
	lastDeployApps []*app.App
	lastGroup      *app.Group
	lastKill       KillRequest
	lastForce      bool
	lastEmbed      Embed
	resetDelays    []string
	err            error // returned by every call when set
}

var _ Backend = (*fakeBackend)(nil)

func newFake() *fakeBackend {
	return &fakeBackend{
		apps: map[string]*app.App{}, versions: map[string][]*app.App{}, locks: map[string]string{},
		failure: map[string]*TaskFailure{},
		info: Info{Name: "agora", Version: "0.1.0", Elected: true, Leader: "127.0.0.1:8080", FrameworkID: "fw-1",
			MarathonConfig: map[string]any{"master": "127.0.0.1:5050"}, HTTPConfig: HTTPConfig{HTTPPort: 8080}},
	}
}

// add stores an app as if deployed earlier.
func (f *fakeBackend) add(a *app.App) *app.App {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.store(a)
	return a
}

func (f *fakeBackend) store(a *app.App) {
	f.n++
	a = a.Clone()
	a.Version = fmt.Sprintf("2026-01-01T00:00:%02d.000Z", f.n%60)
	a.VersionInfo = &app.VersionInfo{LastScalingAt: a.Version, LastConfigChangeAt: a.Version}
	f.apps[a.ID] = a
	f.versions[a.ID] = append(f.versions[a.ID], a)
}

func (f *fakeBackend) status(a *app.App, embed Embed) AppStatus {
	s := AppStatus{App: a.Clone(), LastTaskFailure: f.failure[a.ID]}
	for _, t := range f.tasks {
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

func (f *fakeBackend) Apps(ctx context.Context, embed Embed) ([]AppStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	f.lastEmbed = embed
	var out []AppStatus
	for _, id := range f.sortedIDs() {
		out = append(out, f.status(f.apps[id], embed))
	}
	return out, nil
}

func (f *fakeBackend) sortedIDs() []string {
	var ids []string
	for id := range f.apps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (f *fakeBackend) App(ctx context.Context, id string, embed Embed) (AppStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return AppStatus{}, f.err
	}
	a, ok := f.apps[id]
	if !ok {
		return AppStatus{}, fmt.Errorf("fake: app %s: %w", id, ErrNotFound)
	}
	f.lastEmbed = embed
	return f.status(a, embed), nil
}

func (f *fakeBackend) AppVersions(ctx context.Context, id string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	vs, ok := f.versions[id]
	if !ok {
		return nil, ErrNotFound
	}
	var out []string
	for i := len(vs) - 1; i >= 0; i-- {
		out = append(out, vs[i].Version)
	}
	return out, nil
}

func (f *fakeBackend) AppVersion(ctx context.Context, id, version string) (*app.App, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.versions[id] {
		if a.Version == version {
			return a.Clone(), nil
		}
	}
	return nil, ErrNotFound
}

func (f *fakeBackend) checkLocks(ids []string, force bool) error {
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
		return &LockedError{Deployments: held}
	}
	return nil
}

func (f *fakeBackend) deployment(ids []string) Deployment {
	f.n++
	d := Deployment{ID: fmt.Sprintf("dep-%d", f.n), Version: fmt.Sprintf("2026-01-01T00:00:%02d.000Z", f.n%60), AffectedApps: ids}
	return d
}

func (f *fakeBackend) Deploy(ctx context.Context, apps []*app.App, opts DeployOptions) (Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return Deployment{}, f.err
	}
	f.lastDeploy, f.lastDeployApps = opts, apps
	var ids []string
	for _, a := range apps {
		if _, ok := f.apps[a.ID]; ok && opts.Create {
			return Deployment{}, fmt.Errorf("%w: An app with id [%s] already exists.", ErrExists, a.ID)
		}
		ids = append(ids, a.ID)
	}
	if err := f.checkLocks(ids, opts.Force); err != nil {
		return Deployment{}, err
	}
	for _, a := range apps {
		f.store(a)
	}
	return f.deployment(ids), nil
}

func (f *fakeBackend) DeleteApp(ctx context.Context, id string, force bool) (Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastForce = force
	if _, ok := f.apps[id]; !ok {
		return Deployment{}, ErrNotFound
	}
	if err := f.checkLocks([]string{id}, force); err != nil {
		return Deployment{}, err
	}
	delete(f.apps, id)
	return f.deployment([]string{id}), nil
}

func (f *fakeBackend) RestartApp(ctx context.Context, id string, force bool) (Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastForce = force
	if _, ok := f.apps[id]; !ok {
		return Deployment{}, ErrNotFound
	}
	if err := f.checkLocks([]string{id}, force); err != nil {
		return Deployment{}, err
	}
	return f.deployment([]string{id}), nil
}

func (f *fakeBackend) Tasks(ctx context.Context, appID string) ([]Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if appID != "" {
		if _, ok := f.apps[appID]; !ok {
			return nil, ErrNotFound
		}
	}
	var out []Task
	for _, t := range f.tasks {
		if appID == "" || t.AppID == appID {
			out = append(out, t)
		}
	}
	return out, nil
}

func (f *fakeBackend) KillTasks(ctx context.Context, req KillRequest) ([]Task, *Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastKill = req
	if req.AppID != "" {
		if _, ok := f.apps[req.AppID]; !ok {
			return nil, nil, ErrNotFound
		}
	}
	var killed []Task
	var keep []Task
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

func (f *fakeBackend) Group(ctx context.Context, id string, embed Embed) (GroupStatus, error) {
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
		return GroupStatus{}, ErrNotFound
	}
	return f.group(id, embed), nil
}

// group builds a group from the app ids below it.
func (f *fakeBackend) group(id string, embed Embed) GroupStatus {
	g := GroupStatus{ID: id, Version: "2026-01-01T00:00:00.000Z"}
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

func (f *fakeBackend) DeployGroup(ctx context.Context, g *app.Group, opts DeployOptions) (Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastGroup, f.lastDeploy = g, opts
	if opts.Create {
		if g.ID == "/" {
			return Deployment{}, ErrExists
		}
		for aid := range f.apps {
			if aid == g.ID {
				return Deployment{}, fmt.Errorf("%w: An app with the path %s already exists.", ErrConflict, g.ID)
			}
			if app.IsUnder(aid, g.ID) {
				return Deployment{}, ErrExists
			}
		}
	}
	apps := g.Flatten()
	var ids []string
	for _, a := range apps {
		ids = append(ids, a.ID)
	}
	if err := f.checkLocks(ids, opts.Force); err != nil {
		return Deployment{}, err
	}
	for _, a := range apps {
		f.store(a)
	}
	return f.deployment(ids), nil
}

func (f *fakeBackend) DeleteGroup(ctx context.Context, id string, force bool) (Deployment, error) {
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
		return Deployment{}, ErrNotFound
	}
	if err := f.checkLocks(ids, force); err != nil {
		return Deployment{}, err
	}
	for _, aid := range ids {
		delete(f.apps, aid)
	}
	return f.deployment(ids), nil
}

func (f *fakeBackend) Deployments(ctx context.Context) ([]Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	return slices.Clone(f.deployments), nil
}

func (f *fakeBackend) CancelDeployment(ctx context.Context, id string, force bool) (*Deployment, error) {
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
	return nil, ErrNotFound
}

func (f *fakeBackend) Queue(ctx context.Context) ([]QueueItem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.queue), nil
}

func (f *fakeBackend) ResetDelay(ctx context.Context, appID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, q := range f.queue {
		if q.App.ID == appID {
			f.resetDelays = append(f.resetDelays, appID)
			return nil
		}
	}
	return ErrNotFound
}

func (f *fakeBackend) Info(ctx context.Context) (Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.info, f.err
}

// sample data used by several tests.
func sampleApp(id string) *app.App {
	a := app.Defaults()
	a.ID = id
	a.Cmd = "sleep 1000"
	return a
}

var _ = events.FormatTime
