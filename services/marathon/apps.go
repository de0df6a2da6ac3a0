package marathon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"agora/services/app"
	"agora/services/events"
)

// appsRoot serves /v2/apps: GET lists, POST creates, PUT and PATCH change several apps.
func (h *handler) appsRoot(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.listApps(w, r)
	case http.MethodPost:
		h.createApp(w, r)
	case http.MethodPut:
		h.updateApps(w, r, boolParam(r, "partialUpdate", true), true)
	case http.MethodPatch:
		h.updateApps(w, r, true, false)
	default:
		methodNotAllowed(w, http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch)
	}
}

// appsPath serves /v2/apps/{id}[/restart|/tasks[/{task}]|/versions[/{version}]].
func (h *handler) appsPath(w http.ResponseWriter, r *http.Request, rest string) {
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	n := len(segs)
	join := func(s []string) string { return pathID(strings.Join(s, "/")) }
	switch {
	case n >= 2 && segs[n-1] == "restart":
		id := join(segs[:n-1])
		h.allowed(w, r, func(w http.ResponseWriter, r *http.Request) { h.restartApp(w, r, id) }, http.MethodPost)
	case n >= 2 && segs[n-1] == "tasks":
		id := segs[:n-1]
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			h.appTasks(w, r, id)
		case http.MethodDelete:
			h.killAppTasks(w, r, join(id), "")
		default:
			methodNotAllowed(w, http.MethodGet, http.MethodDelete)
		}
	case n >= 3 && segs[n-2] == "tasks":
		id, task := join(segs[:n-2]), segs[n-1]
		h.allowed(w, r, func(w http.ResponseWriter, r *http.Request) { h.killAppTasks(w, r, id, task) }, http.MethodDelete)
	case n >= 2 && segs[n-1] == "versions":
		id := join(segs[:n-1])
		h.allowed(w, r, func(w http.ResponseWriter, r *http.Request) { h.appVersions(w, r, id) }, http.MethodGet)
	case n >= 3 && segs[n-2] == "versions":
		id, version := join(segs[:n-2]), segs[n-1]
		h.allowed(w, r, func(w http.ResponseWriter, r *http.Request) { h.appVersion(w, r, id, version) }, http.MethodGet)
	case segs[n-1] == "*":
		group := join(segs[:n-1])
		h.allowed(w, r, func(w http.ResponseWriter, r *http.Request) { h.groupApps(w, r, group) }, http.MethodGet)
	default:
		id := join(segs)
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			h.showApp(w, r, id)
		case http.MethodPut:
			h.updateApp(w, r, id, boolParam(r, "partialUpdate", true), true)
		case http.MethodPatch:
			h.updateApp(w, r, id, true, false)
		case http.MethodDelete:
			h.deleteApp(w, r, id)
		default:
			methodNotAllowed(w, http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete)
		}
	}
}

// appEmbed reads Marathon's embed parameters for apps. Prefixes "apps.", "app." and
// "group.apps." are all accepted, or none; unknown values are ignored, as Marathon does.
func appEmbed(values []string) Embed {
	var e Embed
	for _, v := range values {
		for _, p := range []string{"group.apps.", "apps.", "app."} {
			if strings.HasPrefix(v, p) {
				v = v[len(p):]
				break
			}
		}
		switch v {
		case "tasks":
			e.Tasks, e.Deployments = true, true
		case "failures": // deprecated
			e.Tasks, e.LastTaskFailure, e.Deployments = true, true, true
		case "deployments":
			e.Deployments = true
		case "readiness":
			e.Readiness = true
		case "lastTaskFailure":
			e.LastTaskFailure = true
		case "counts":
			e.Counts = true
		}
	}
	return e
}

// listApps serves GET /v2/apps with the id, cmd and label filters. Counts and
// deployments are always embedded, as in Marathon.
func (h *handler) listApps(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	embed := appEmbed(q["embed"])
	embed.Counts, embed.Deployments = true, true
	var sel labelSelectors
	if q.Has("label") {
		var err error
		if sel, err = parseLabelSelectors(q.Get("label")); err != nil {
			h.writeError(w, r, unprocessable("%s", err.Error()), nil)
			return
		}
	}
	apps, err := h.b.Apps(r.Context(), embed)
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	idFilter, cmdFilter := strings.ToLower(q.Get("id")), strings.ToLower(q.Get("cmd"))
	list := []appView{}
	for _, s := range apps {
		a := s.App
		if a == nil {
			continue
		}
		if q.Has("id") && !strings.Contains(strings.ToLower(a.ID), idFilter) {
			continue
		}
		if q.Has("cmd") && (a.Cmd == "" || !strings.Contains(strings.ToLower(a.Cmd), cmdFilter)) {
			continue
		}
		if sel != nil && !sel.matches(a.Labels) {
			continue
		}
		list = append(list, appView{s, embed})
	}
	writeAppList(w, "apps", list)
}

// writeAppList answers {"<key>": [apps...]}. The apps are encoded one by one and
// written as they are: going through json.Marshal of the whole list would compact every
// app's JSON a second time, which was a third of the time of a 1,000-app listing.
func writeAppList(w http.ResponseWriter, key string, list []appView) {
	var buf bytes.Buffer
	buf.WriteString(`{"` + key + `":[`)
	for i, v := range list {
		data, err := v.MarshalJSON()
		if err != nil {
			writeMessage(w, http.StatusInternalServerError, "encoding the answer: "+err.Error())
			return
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(data)
	}
	buf.WriteString("]}")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}

// groupApps serves GET /v2/apps/{group}/*: the apps of a group and its subgroups.
func (h *handler) groupApps(w http.ResponseWriter, r *http.Request, group string) {
	embed := appEmbed(r.URL.Query()["embed"])
	embed.Counts, embed.Tasks, embed.LastTaskFailure, embed.Deployments = true, true, true, true
	if _, err := h.b.Group(r.Context(), group, Embed{}); err != nil {
		h.writeError(w, r, err, groupNotFound(group))
		return
	}
	apps, err := h.b.Apps(r.Context(), embed)
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	list := []appView{}
	for _, s := range apps {
		if s.App != nil && app.IsUnder(s.App.ID, group) {
			list = append(list, appView{s, embed})
		}
	}
	writeAppList(w, "*", list)
}

// showApp serves GET /v2/apps/{id}: {"app": ...} with counts, tasks, the last task
// failure and deployments always embedded (Marathon's compatibility default).
func (h *handler) showApp(w http.ResponseWriter, r *http.Request, id string) {
	embed := appEmbed(r.URL.Query()["embed"])
	embed.Counts, embed.Tasks, embed.LastTaskFailure, embed.Deployments = true, true, true, true
	s, err := h.b.App(r.Context(), id, embed)
	if err == nil && s.App == nil {
		err = ErrNotFound
	}
	if err != nil {
		h.writeError(w, r, err, appNotFound(id))
		return
	}
	writeJSON(w, http.StatusOK, struct {
		App appView `json:"app"`
	}{appView{s, embed}})
}

// createApp serves POST /v2/apps: 201 with the app as created, its deployment in the
// body and the header, and a Location.
func (h *handler) createApp(w http.ResponseWriter, r *http.Request) {
	body, err := h.readBody(w, r)
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	a, err := decodeApp(body, "")
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	d, err := h.b.Deploy(r.Context(), []*app.App{a}, DeployOptions{Force: boolParam(r, "force", false), Create: true})
	if err != nil {
		if errors.Is(err, ErrExists) && !strings.Contains(userMessage(err), a.ID) {
			err = fmt.Errorf("%w: An app with id [%s] already exists.", ErrExists, a.ID)
		}
		h.writeError(w, r, err, appNotFound(a.ID))
		return
	}
	stampVersion(a, d.Version)
	h.publishAPIPost(r, a)
	w.Header().Set("Location", "/v2/apps"+a.ID)
	w.Header().Set(DeploymentHeader, d.ID)
	writeJSON(w, http.StatusCreated, appView{AppStatus{App: a, Deployments: []string{d.ID}}, Embed{Counts: true, Deployments: true}})
}

// stampVersion gives an app just deployed the deployment's version when the Backend
// has not set it on the app itself.
func stampVersion(a *app.App, version string) {
	if a.Version == "" {
		a.Version = version
	}
	if a.VersionInfo == nil && a.Version != "" {
		a.VersionInfo = &app.VersionInfo{LastScalingAt: a.Version, LastConfigChangeAt: a.Version}
	}
}

func (h *handler) publishAPIPost(r *http.Request, a *app.App) {
	if h.opts.Events == nil {
		return
	}
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = strings.Trim(host[:i], "[]")
	}
	if err := h.opts.Events.Publish(&events.APIPost{ClientIP: host, URI: r.URL.Path, AppDefinition: a.Clone()}); err != nil {
		h.log.Warn("marathon: publishing api_post_event", "err", err)
	}
}

// change computes the new definition of the app id from an update body: a rollback to
// an earlier version ({"version": ...}), a partial update of the existing app, or a full
// definition (a new app, or partial=false). With create false a missing app is
// ErrNotFound.
func (h *handler) change(r *http.Request, id string, body []byte, partial, create bool) (*app.App, bool, error) {
	current, err := h.b.App(r.Context(), id, Embed{})
	exists := err == nil && current.App != nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, false, err
	}
	if version, ok, err := app.RollbackVersion(body); err != nil {
		return nil, exists, err
	} else if ok {
		old, err := h.b.AppVersion(r.Context(), id, version)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, exists, &requestError{status: http.StatusNotFound, msg: fmt.Sprintf("App '%s' does not exist in version %s", id, version)}
			}
			return nil, exists, err
		}
		old = old.Clone()
		old.Version, old.VersionInfo = "", nil
		return old, exists, nil
	}
	switch {
	case exists && partial:
		a, err := app.Patch(current.App, body)
		if err != nil {
			return nil, exists, err
		}
		a.ID = id
		a.Version, a.VersionInfo = "", nil
		return a, exists, a.Validate()
	case !exists && !create:
		return nil, exists, ErrNotFound
	default:
		a, err := decodeApp(body, id)
		return a, exists, err
	}
}

// updateApp serves PUT and PATCH /v2/apps/{id}: 200 with the deployment when the app
// existed, 201 with a Location when PUT created it.
func (h *handler) updateApp(w http.ResponseWriter, r *http.Request, id string, partial, create bool) {
	body, err := h.readBody(w, r)
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	a, existed, err := h.change(r, id, body, partial, create)
	if err != nil {
		h.writeError(w, r, err, appNotFound(id))
		return
	}
	d, err := h.b.Deploy(r.Context(), []*app.App{a}, DeployOptions{Force: boolParam(r, "force", false)})
	if err != nil {
		h.writeError(w, r, err, appNotFound(id))
		return
	}
	stampVersion(a, d.Version)
	h.publishAPIPost(r, a)
	status := http.StatusOK
	if !existed {
		status = http.StatusCreated
		w.Header().Set("Location", "/v2/apps"+id)
	}
	deploymentResult(w, status, d)
}

// updateApps serves PUT and PATCH /v2/apps: a JSON list of app updates (each with its
// id) deployed together.
func (h *handler) updateApps(w http.ResponseWriter, r *http.Request, partial, create bool) {
	body, err := h.readBody(w, r)
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	var items []json.RawMessage
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '[' || json.Unmarshal(t, &items) != nil {
		h.writeError(w, r, &app.ValidationError{Message: app.MessageInvalidJSON, Details: []app.Detail{{Path: "/", Errors: []string{"expected a JSON array of apps"}}}}, nil)
		return
	}
	var apps []*app.App
	seen := map[string]bool{}
	for i, item := range items {
		var head struct {
			ID *string `json:"id"`
		}
		if json.Unmarshal(item, &head) != nil {
			h.writeError(w, r, &app.ValidationError{Message: app.MessageInvalidJSON, Details: []app.Detail{{Path: fmt.Sprintf("(%d)", i), Errors: []string{"expected a JSON object"}}}}, nil)
			return
		}
		if head.ID == nil || *head.ID == "" {
			h.writeError(w, r, unprocessable("App Update must have app id set"), nil)
			return
		}
		id, err := app.CanonicalID(*head.ID, "/")
		if err != nil {
			h.writeError(w, r, &app.ValidationError{Message: app.MessageInvalid, Details: []app.Detail{{Path: fmt.Sprintf("(%d)/id", i), Errors: []string{err.Error()}}}}, nil)
			return
		}
		if seen[id] {
			h.writeError(w, r, unprocessable("App %s is given more than once", id), nil)
			return
		}
		seen[id] = true
		a, _, err := h.change(r, id, item, partial, create)
		if err != nil {
			h.writeError(w, r, err, appNotFound(id))
			return
		}
		apps = append(apps, a)
	}
	if len(apps) == 0 {
		h.writeError(w, r, unprocessable("No apps given"), nil)
		return
	}
	d, err := h.b.Deploy(r.Context(), apps, DeployOptions{Force: boolParam(r, "force", false)})
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	deploymentResult(w, http.StatusOK, d)
}

// deleteApp serves DELETE /v2/apps/{id}. Marathon's force defaults to true here.
func (h *handler) deleteApp(w http.ResponseWriter, r *http.Request, id string) {
	d, err := h.b.DeleteApp(r.Context(), id, boolParam(r, "force", true))
	if err != nil {
		h.writeError(w, r, err, appNotFound(id))
		return
	}
	deploymentResult(w, http.StatusOK, d)
}

// restartApp serves POST /v2/apps/{id}/restart.
func (h *handler) restartApp(w http.ResponseWriter, r *http.Request, id string) {
	d, err := h.b.RestartApp(r.Context(), id, boolParam(r, "force", false))
	if err != nil {
		h.writeError(w, r, err, appNotFound(id))
		return
	}
	deploymentResult(w, http.StatusOK, d)
}

// appVersions serves GET /v2/apps/{id}/versions.
func (h *handler) appVersions(w http.ResponseWriter, r *http.Request, id string) {
	vs, err := h.b.AppVersions(r.Context(), id)
	if err != nil {
		h.writeError(w, r, err, appNotFound(id))
		return
	}
	if vs == nil {
		vs = []string{}
	}
	writeJSON(w, http.StatusOK, struct {
		Versions []string `json:"versions"`
	}{vs})
}

// appVersion serves GET /v2/apps/{id}/versions/{version}: the bare app definition.
func (h *handler) appVersion(w http.ResponseWriter, r *http.Request, id, version string) {
	if _, err := app.ParseVersion(version); err != nil {
		h.writeError(w, r, unprocessable("Invalid version %q: want an ISO-8601 time such as 2026-11-24T23:37:44.123Z", version), nil)
		return
	}
	a, err := h.b.AppVersion(r.Context(), id, version)
	if err == nil && a == nil {
		err = ErrNotFound
	}
	if err != nil {
		h.writeError(w, r, err, func() string { return fmt.Sprintf("App '%s' does not exist in version %s", id, version) })
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// appView prints an app with the embedded parts of its status, as Marathon's AppInfo:
// the app's own members, then tasksStaged..tasksUnhealthy, deployments, tasks,
// lastTaskFailure, readinessCheckResults.
type appView struct {
	s     AppStatus
	embed Embed
}

func (v appView) MarshalJSON() ([]byte, error) {
	data, err := marshal(v.s.App)
	if err != nil {
		return nil, err
	}
	var extra []byte
	add := func(key string, val any) error {
		b, err := marshal(val)
		if err != nil {
			return err
		}
		extra = append(extra, ',')
		extra = append(extra, '"')
		extra = append(extra, key...)
		extra = append(extra, '"', ':')
		extra = append(extra, b...)
		return nil
	}
	s := v.s
	if v.embed.Counts {
		for _, kv := range []struct {
			k string
			n int
		}{{"tasksStaged", s.TasksStaged}, {"tasksRunning", s.TasksRunning}, {"tasksHealthy", s.TasksHealthy}, {"tasksUnhealthy", s.TasksUnhealthy}} {
			add(kv.k, kv.n)
		}
	}
	if v.embed.Deployments {
		ds := make([]idObject, 0, len(s.Deployments))
		for _, id := range s.Deployments {
			ds = append(ds, idObject{id})
		}
		add("deployments", ds)
	}
	if v.embed.Tasks {
		tasks := s.Tasks
		if tasks == nil {
			tasks = []Task{}
		}
		if err := add("tasks", tasks); err != nil {
			return nil, err
		}
	}
	if v.embed.LastTaskFailure && s.LastTaskFailure != nil {
		add("lastTaskFailure", s.LastTaskFailure)
	}
	if v.embed.Readiness {
		rs := s.ReadinessCheckResults
		if rs == nil {
			rs = []events.ReadinessCheckResult{}
		}
		add("readinessCheckResults", rs)
	}
	if len(extra) == 0 {
		return data, nil
	}
	// data is an object: insert the extra members before its closing brace.
	data = bytes.TrimRight(data, " \n")
	if len(data) < 2 || data[len(data)-1] != '}' {
		return nil, fmt.Errorf("marathon: app did not encode as an object")
	}
	out := append([]byte{}, data[:len(data)-1]...)
	if len(data) == 2 { // "{}"
		extra = extra[1:]
	}
	out = append(out, extra...)
	return append(out, '}'), nil
}
