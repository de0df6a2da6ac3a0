package agent

import (
	"context"
	"net/http"
	"path/filepath"

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
		Table: func(context.Context) (files.Table, error) {
			var table files.Table
			if err := a.query(func() { table = a.sandboxTable() }); err != nil {
				return nil, err
			}
			return table, nil
		},
		Logger: a.log.With("component", "files"),
	}
}

// sandboxTable lists every sandbox the agent knows under its three
// paths. Runs are added oldest first, so "latest" ends up naming the
// newest run of each executor.
func (a *Agent) sandboxTable() files.Table {
	table := files.Table{}
	for _, fw := range a.allFrameworks() {
		for _, ex := range append(append([]*executor(nil), fw.completedExecutors...), fw.orderedExecutors()...) {
			if ex.sandbox == "" {
				continue // not created yet
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
	}
	return table
}
