package marathon

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"agora/services/app"
)

type taskList struct {
	Tasks []Task `json:"tasks"`
}

func nonNilTasks(ts []Task) []Task {
	if ts == nil {
		return []Task{}
	}
	return ts
}

// appTasks serves GET /v2/apps/{id}/tasks (and /v2/apps/{group}/*/tasks): JSON, or
// Marathon's tab-separated text when the client accepts text/plain and not JSON.
func (h *handler) appTasks(w http.ResponseWriter, r *http.Request, segs []string) {
	var tasks []Task
	var id string
	if n := len(segs); n > 0 && segs[n-1] == "*" {
		group := pathID(strings.Join(segs[:n-1], "/"))
		if _, err := h.b.Group(r.Context(), group, Embed{}); err != nil {
			h.writeError(w, r, err, groupNotFound(group))
			return
		}
		all, err := h.b.Tasks(r.Context(), "")
		if err != nil {
			h.writeError(w, r, err, nil)
			return
		}
		for _, t := range all {
			if app.IsUnder(t.AppID, group) {
				tasks = append(tasks, t)
			}
		}
		id = group
	} else {
		id = pathID(strings.Join(segs, "/"))
		var err error
		if tasks, err = h.b.Tasks(r.Context(), id); err != nil {
			h.writeError(w, r, err, appNotFound(id))
			return
		}
	}
	if wantsText(r) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(tasksText(tasks))
		return
	}
	writeJSON(w, http.StatusOK, taskList{nonNilTasks(tasks)})
}

// wantsText reports whether the client asked for text/plain and not for JSON (Marathon
// ranks its text form below JSON, so "*/*" gets JSON).
func wantsText(r *http.Request) bool {
	accept := strings.Join(r.Header.Values("Accept"), ",")
	return strings.Contains(accept, "text/plain") && !strings.Contains(accept, "application/json") && !strings.Contains(accept, "*/*")
}

// tasksText renders tasks as Marathon's text/plain task list: for each app and each of
// its service ports a line "<app id with / as _>\t<service port>\t<host:port>\t..." of its
// running tasks; an app without ports gets "<id>\t \t<host>\t...".
func tasksText(tasks []Task) []byte {
	var b bytes.Buffer
	var order []string
	byApp := map[string][]Task{}
	for _, t := range tasks {
		if _, ok := byApp[t.AppID]; !ok {
			order = append(order, t.AppID)
		}
		byApp[t.AppID] = append(byApp[t.AppID], t)
	}
	for _, appID := range order {
		ts := byApp[appID]
		clean := strings.ReplaceAll(strings.TrimPrefix(appID, "/"), "/", "_")
		var servicePorts []int
		for _, t := range ts {
			if len(t.ServicePorts) > len(servicePorts) {
				servicePorts = t.ServicePorts
			}
		}
		if len(servicePorts) == 0 {
			b.WriteString(clean + "\t \t")
			for _, t := range ts {
				if t.State == "TASK_RUNNING" {
					b.WriteString(t.Host + "\t")
				}
			}
			b.WriteByte('\n')
			continue
		}
		for i, sp := range servicePorts {
			b.WriteString(clean + "\t" + strconv.Itoa(sp) + "\t")
			for _, t := range ts {
				if t.State == "TASK_RUNNING" && i < len(t.Ports) {
					fmt.Fprintf(&b, "%s:%d\t", t.Host, t.Ports[i])
				}
			}
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// listTasks serves GET /v2/tasks with Marathon's status filter (status=running,
// status=staging, or status[]=...; several are or-ed, unknown ones ignored).
func (h *handler) listTasks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	states := map[string]bool{}
	for _, s := range append(q["status"], q["status[]"]...) {
		switch strings.ToLower(s) {
		case "running":
			states["TASK_RUNNING"] = true
		case "staging":
			states["TASK_STAGING"] = true
			states["TASK_STARTING"] = true
		}
	}
	all, err := h.b.Tasks(r.Context(), "")
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	tasks := []Task{}
	for _, t := range all {
		if len(states) == 0 || states[t.State] {
			tasks = append(tasks, t)
		}
	}
	if wantsText(r) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(tasksText(tasks))
		return
	}
	writeJSON(w, http.StatusOK, taskList{tasks})
}

// killFlags reads scale, wipe and force; scale and wipe together are a 400.
func killFlags(r *http.Request) (scale, wipe, force bool, err error) {
	scale, wipe, force = boolParam(r, "scale", false), boolParam(r, "wipe", false), boolParam(r, "force", false)
	if scale && wipe {
		err = badRequest("You cannot use scale and wipe at the same time.")
	}
	return
}

// killAppTasks serves DELETE /v2/apps/{id}/tasks[/{task}] (?host, ?scale, ?wipe,
// ?force): with scale the deployment, else the tasks killed ({"task": ...} for one).
func (h *handler) killAppTasks(w http.ResponseWriter, r *http.Request, id, task string) {
	scale, wipe, force, err := killFlags(r)
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	req := KillRequest{AppID: id, Scale: scale, Wipe: wipe, Force: force}
	if task != "" {
		req.TaskIDs = []string{task}
	} else {
		req.Host = r.URL.Query().Get("host")
	}
	killed, d, err := h.b.KillTasks(r.Context(), req)
	if err != nil {
		h.writeError(w, r, err, appNotFound(id))
		return
	}
	switch {
	case scale && d != nil:
		deploymentResult(w, http.StatusOK, *d)
	case task == "":
		writeJSON(w, http.StatusOK, taskList{nonNilTasks(killed)})
	case len(killed) == 0:
		writeMessage(w, http.StatusNotFound, fmt.Sprintf("Task '%s' does not exist", task))
	default:
		writeJSON(w, http.StatusOK, struct {
			Task Task `json:"task"`
		}{killed[0]})
	}
}

// deleteTasks serves POST /v2/tasks/delete {"ids": [...]} (?scale, ?wipe, ?force).
func (h *handler) deleteTasks(w http.ResponseWriter, r *http.Request) {
	scale, wipe, force, err := killFlags(r)
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	body, err := h.readBody(w, r)
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	var req struct {
		IDs []string `json:"ids"`
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &req) != nil || req.IDs == nil {
		h.writeError(w, r, &app.ValidationError{Message: app.MessageInvalidJSON, Details: []app.Detail{{Path: "/ids", Errors: []string{`expected {"ids": ["task id", ...]}`}}}}, nil)
		return
	}
	killed, d, err := h.b.KillTasks(r.Context(), KillRequest{TaskIDs: req.IDs, Scale: scale, Wipe: wipe, Force: force})
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	if scale && d != nil {
		deploymentResult(w, http.StatusOK, *d)
		return
	}
	writeJSON(w, http.StatusOK, taskList{nonNilTasks(killed)})
}
