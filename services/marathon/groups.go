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

func groupNotFound(id string) notFound {
	return func() string { return fmt.Sprintf("Group '%s' does not exist", id) }
}

// groups serves /v2/groups and /v2/groups/{id}.
func (h *handler) groups(w http.ResponseWriter, r *http.Request, raw string) {
	id := pathID(raw)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.showGroup(w, r, id)
	case http.MethodPost:
		h.putGroup(w, r, id, true)
	case http.MethodPut:
		h.putGroup(w, r, id, false)
	case http.MethodDelete:
		d, err := h.b.DeleteGroup(r.Context(), id, boolParam(r, "force", false))
		if err != nil {
			h.writeError(w, r, err, groupNotFound(id))
			return
		}
		deploymentResult(w, http.StatusOK, d)
	default:
		methodNotAllowed(w, http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete)
	}
}

// groupEmbed reads the embed parameters of /v2/groups: group.groups, group.apps,
// group.pods (all three when none is given) and group.apps.<app embed>.
func groupEmbed(values []string) (groups, apps, pods bool, appParts Embed) {
	if len(values) == 0 {
		return true, true, true, Embed{}
	}
	var appValues []string
	for _, v := range values {
		switch {
		case strings.HasPrefix(v, "group.apps."):
			appValues = append(appValues, v)
		case v == "group.groups":
			groups = true
		case v == "group.apps":
			apps = true
		case v == "group.pods":
			pods = true
		}
	}
	return groups, apps, pods, appEmbed(appValues)
}

// showGroup serves GET /v2/groups[/{id}]. The root group always exists.
func (h *handler) showGroup(w http.ResponseWriter, r *http.Request, id string) {
	groups, apps, pods, appParts := groupEmbed(r.URL.Query()["embed"])
	g, err := h.b.Group(r.Context(), id, appParts)
	if errors.Is(err, ErrNotFound) && id == "/" {
		g, err = GroupStatus{ID: "/"}, nil
	}
	if err != nil {
		h.writeError(w, r, err, groupNotFound(id))
		return
	}
	writeJSON(w, http.StatusOK, groupView{g: g, groups: groups, apps: apps, pods: pods, appParts: appParts})
}

// groupView prints a group as Marathon's GroupInfo, with only the embedded parts.
type groupView struct {
	g                  GroupStatus
	groups, apps, pods bool
	appParts           Embed
}

func (v groupView) MarshalJSON() ([]byte, error) {
	out := struct {
		ID           string      `json:"id"`
		Apps         []appView   `json:"apps,omitzero"`
		Groups       []groupView `json:"groups,omitzero"`
		Pods         []struct{}  `json:"pods,omitzero"`
		Dependencies []string    `json:"dependencies"`
		Version      string      `json:"version,omitempty"`
		EnforceRole  bool        `json:"enforceRole"`
	}{ID: v.g.ID, Dependencies: v.g.Dependencies, Version: v.g.Version, EnforceRole: v.g.EnforceRole}
	if out.Dependencies == nil {
		out.Dependencies = []string{}
	}
	// omitzero leaves out nil slices only: an embedded but empty list prints [].
	if v.apps {
		out.Apps = make([]appView, 0, len(v.g.Apps))
		for _, a := range v.g.Apps {
			if a.App != nil {
				out.Apps = append(out.Apps, appView{a, v.appParts})
			}
		}
	}
	if v.groups {
		out.Groups = make([]groupView, 0, len(v.g.Groups))
		for _, sub := range v.g.Groups {
			sv := v
			sv.g = sub
			out.Groups = append(out.Groups, sv)
		}
	}
	if v.pods {
		out.Pods = []struct{}{}
	}
	return json.Marshal(out)
}

// putGroup serves POST (create) and PUT (create or update) of /v2/groups[/{id}]. The
// body's id, when given, is resolved against the URL's group.
func (h *handler) putGroup(w http.ResponseWriter, r *http.Request, base string, create bool) {
	body, err := h.readBody(w, r)
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	var obj map[string]json.RawMessage
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &obj) != nil {
		h.writeError(w, r, &app.ValidationError{Message: app.MessageInvalidJSON, Details: []app.Detail{{Path: "/", Errors: []string{"expected a JSON object"}}}}, nil)
		return
	}
	if v, ok := obj["version"]; ok && string(bytes.TrimSpace(v)) != "null" {
		h.writeError(w, r, unprocessable("Group updates with %q (a rollback to an earlier group version) are not supported; deploy the group's apps at the versions you want instead", "version"), nil)
		return
	}
	id := base
	if raw, ok := obj["id"]; ok && string(bytes.TrimSpace(raw)) != "null" {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			h.writeError(w, r, &app.ValidationError{Message: app.MessageInvalidJSON, Details: []app.Detail{{Path: "/id", Errors: []string{"expected a string"}}}}, nil)
			return
		}
		if id, err = app.CanonicalID(s, base); err != nil {
			h.writeError(w, r, &app.ValidationError{Message: app.MessageInvalid, Details: []app.Detail{{Path: "/id", Errors: []string{err.Error()}}}}, nil)
			return
		}
	}
	opts := DeployOptions{Force: boolParam(r, "force", false), Create: create, DryRun: boolParam(r, "dryRun", false)}
	if raw, ok := obj["scaleBy"]; ok && string(bytes.TrimSpace(raw)) != "null" {
		h.scaleGroup(w, r, id, obj, raw, opts)
		return
	}
	g, err := decodeGroup(obj, id)
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	d, err := h.b.DeployGroup(r.Context(), g, opts)
	if opts.DryRun && err == nil {
		writeDryRun(w, d)
		return
	}
	if err != nil {
		if create && errors.Is(err, ErrExists) && !strings.Contains(userMessage(err), id) {
			err = fmt.Errorf("%w: Group %s is already created. Use PUT to change this group.", ErrExists, id)
		}
		h.writeError(w, r, err, groupNotFound(id))
		return
	}
	if create {
		w.Header().Set("Location", "/v2/groups"+strings.TrimSuffix(id, "/"))
		deploymentResult(w, http.StatusCreated, d)
		return
	}
	deploymentResult(w, http.StatusOK, d)
}

// scaleGroup serves a group update with scaleBy: every app in the group gets
// ceil(instances × scaleBy) instances. As in Marathon, scaleBy comes alone (an
// "id" naming the group is allowed too).
func (h *handler) scaleGroup(w http.ResponseWriter, r *http.Request, id string, obj map[string]json.RawMessage, raw json.RawMessage, opts DeployOptions) {
	for k, v := range obj {
		if k != "scaleBy" && k != "id" && string(bytes.TrimSpace(v)) != "null" {
			h.writeError(w, r, &app.ValidationError{Message: app.MessageInvalid, Details: []app.Detail{{Path: "/scaleBy", Errors: []string{"not allowed in conjunction with other properties."}}}}, nil)
			return
		}
	}
	var by float64
	if err := json.Unmarshal(raw, &by); err != nil || by < 0 {
		h.writeError(w, r, &app.ValidationError{Message: app.MessageInvalid, Details: []app.Detail{{Path: "/scaleBy", Errors: []string{"must be a number, zero or more"}}}}, nil)
		return
	}
	d, err := h.b.ScaleGroup(r.Context(), id, by, opts)
	switch {
	case err != nil:
		h.writeError(w, r, err, groupNotFound(id))
	case opts.DryRun:
		writeDryRun(w, d)
	default:
		deploymentResult(w, http.StatusOK, d)
	}
}

// writeDryRun answers ?dryRun=true with the steps the deployment would take
// (Marathon's DeploymentSteps), nothing having changed.
func writeDryRun(w http.ResponseWriter, d Deployment) {
	steps := make([]events.DeploymentStep, len(d.Steps))
	for i, st := range d.Steps {
		steps[i].Actions = st.Actions
		if st.Actions == nil {
			steps[i].Actions = []events.DeploymentAction{}
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Steps []events.DeploymentStep `json:"steps"`
	}{steps})
}
