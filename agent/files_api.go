package agent

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"

	"agora/agent/containerizer"
	"agora/agent/files"
)

// The files API (/files/browse, /files/read, /files/download,
// /files/debug) over the sandboxes of the agent's executors, current and
// completed, as a Mesos agent exposes them (Framework::addExecutor
// attaches each run's sandbox): under its real path, the one /state
// reports as an executor's "directory"; under the executor's
// runs/latest path in the work directory; and under the virtual
// /frameworks/<framework>/executors/<executor>/runs/latest. A sandbox
// stays reachable until the agent forgets its executor or garbage
// collection deletes it.

// filesHandler serves the files API; the table is built on the loop for
// each request.
func (a *Agent) filesHandler() http.Handler {
	return &files.Handler{
		Table: func(_ context.Context, path string) (files.Table, error) {
			var table files.Table
			if err := a.query(func() { table = a.sandboxTable(path) }); err != nil {
				return nil, err
			}
			return table, nil
		},
		Logger: a.log.With("component", "files"),
	}
}

// sandboxTable lists the sandboxes the agent knows under their three
// paths: those of the executors path names, or all of them if path is ""
// (/files/debug). Every path of a sandbox holds
// /frameworks/<fw>/executors/<ex>/runs/, so a request needs only the runs
// of the executors it names, however many the agent keeps. Runs are added
// oldest first, so "latest" ends up naming the newest run of each
// executor.
func (a *Agent) sandboxTable(path string) files.Table {
	table := files.Table{}
	if path == "" {
		for _, fw := range a.allFrameworks() {
			for _, ex := range append(append([]*executor(nil), fw.completedExecutors...), fw.orderedExecutors()...) {
				a.addSandbox(table, fw, ex)
			}
		}
		return table
	}
	for _, named := range executorsNamedIn(path) {
		for _, fw := range a.allFrameworks() {
			if fw.id != named.frameworkID {
				continue
			}
			for _, ex := range fw.completedExecutors {
				if ex.id == named.executorID {
					a.addSandbox(table, fw, ex)
				}
			}
			if ex := fw.executors[named.executorID]; ex != nil {
				a.addSandbox(table, fw, ex)
			}
		}
	}
	return table
}

type executorName struct{ frameworkID, executorID string }

// executorsNamedIn finds every ".../frameworks/<fw>/executors/<ex>/..." in
// a path (the work directory itself might contain such a pattern).
func executorsNamedIn(path string) []executorName {
	const marker = "/frameworks/"
	var out []executorName
	for rest := path; ; {
		i := strings.Index(rest, marker)
		if i < 0 {
			return out
		}
		rest = rest[i+len(marker):]
		parts := strings.SplitN(rest, "/", 4)
		if len(parts) >= 3 && parts[1] == "executors" {
			out = append(out, executorName{parts[0], parts[2]})
		}
	}
}

// addSandbox adds one run's sandbox under its three paths.
func (a *Agent) addSandbox(table files.Table, fw *framework, ex *executor) {
	if ex.sandbox == "" {
		return // not created yet
	}
	dir := ex.sandbox
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	table.Add(ex.sandbox, dir)
	table.Add(dir, dir)
	table.Add("/frameworks/"+fw.id+"/executors/"+ex.id+"/runs/"+containerizer.LatestSymlink, dir)
	if latest, err := containerizer.LatestRunPath(a.cfg.WorkDir, a.agentID.GetValue(), fw.id, ex.id); err == nil {
		table.Add(latest, dir)
		if abs, err := filepath.Abs(latest); err == nil {
			table.Add(abs, dir)
		}
	}
}
