package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"agora/agent/containerizer"
	"agora/agent/gc"
)

// Sandbox garbage collection, after Mesos's agent (Slave::removeExecutor
// schedules an ended run's sandbox, Slave::checkDiskUsage prunes early
// when the disk fills, src/slave/gc.cpp deletes). The decisions are
// agent/gc's pure Schedule; this file is the shell around it, on the
// loop:
//
//   - when an executor run is retired (removeExecutorIfDone), its sandbox
//     is scheduled for deletion Config.GCDelay later;
//   - at start (after recovery), runs found in the work directory that no
//     live executor owns, of this agent id or an earlier one, are
//     scheduled GCDelay after their last modification, as Mesos schedules
//     what it finds on disk;
//   - every Config.DiskWatchInterval a worker measures the work
//     directory's file system, and everything scheduled at least
//     GCDelay × max(0, 1 − GCDiskHeadroom − usage) ago is deleted at once;
//   - deletions run on a worker (one at a time, like Mesos's single GC
//     executor); back on the loop, the directories they leave empty
//     (runs/ with only a dangling latest link, the executor's directory,
//     the framework's) are removed too, unless a live executor or
//     framework still uses them. Only the loop creates executors, and it
//     decides here, so a directory is never removed under a run being
//     prepared.

// sandboxGC is the loop's garbage collection state.
type sandboxGC struct {
	schedule *gc.Schedule
	// timer fires at timerAt, the earliest due time.
	timer   *time.Timer
	timerAt time.Time
}

// sandboxGCDefaults fills in and checks the garbage collection fields of
// a Config.
func (c *Config) sandboxGCDefaults() error {
	if c.GCDelay <= 0 {
		c.GCDelay = gc.DefaultDelay
	}
	if c.DiskWatchInterval <= 0 {
		c.DiskWatchInterval = gc.DefaultDiskWatchInterval
	}
	switch {
	case math.IsNaN(c.GCDiskHeadroom) || c.GCDiskHeadroom > 1:
		return fmt.Errorf("%w: --gc_disk_headroom %v must be a value between 0.0 and 1.0", ErrInvalidConfig, c.GCDiskHeadroom)
	case c.GCDiskHeadroom == 0:
		c.GCDiskHeadroom = gc.DefaultDiskHeadroom
	case c.GCDiskHeadroom < 0:
		c.GCDiskHeadroom = 0
	}
	return nil
}

// startSandboxGC starts the disk watch and schedules the runs left on
// disk by earlier agents. It runs on the loop once, before any event.
func (a *Agent) startSandboxGC() {
	g := &a.sandboxGC
	if g.schedule == nil {
		g.schedule = gc.NewSchedule()
	}
	a.watchDisk()
	live := a.liveSandboxes()
	workDir := a.cfg.WorkDir
	a.goWorker(func() {
		found := staleRuns(workDir, live)
		a.post(func() { a.scheduleStaleRuns(found) })
	})
}

// liveSandboxes is the sandbox of every executor run the agent has.
func (a *Agent) liveSandboxes() map[string]bool {
	live := map[string]bool{}
	for _, fw := range a.orderedFrameworks() {
		for _, ex := range fw.orderedExecutors() {
			if ex.sandbox != "" {
				live[ex.sandbox] = true
			}
			// A run whose sandbox is being prepared has none yet.
			if p, err := containerizer.SandboxPath(a.cfg.WorkDir, a.agentID.GetValue(), fw.id, ex.id, ex.containerID); err == nil {
				live[p] = true
			}
		}
	}
	return live
}

// staleRun is a run directory found on disk.
type staleRun struct {
	path  string
	mtime time.Time
}

// staleRuns lists the run directories under workDir that are not live.
func staleRuns(workDir string, live map[string]bool) []staleRun {
	pattern := filepath.Join(workDir, "slaves", "*", "frameworks", "*", "executors", "*", "runs", "*")
	paths, _ := filepath.Glob(pattern) // the pattern is well formed
	var out []staleRun
	for _, p := range paths {
		if live[p] || filepath.Base(p) == containerizer.LatestSymlink {
			continue
		}
		info, err := os.Lstat(p)
		if err != nil || !info.IsDir() {
			continue
		}
		out = append(out, staleRun{path: p, mtime: info.ModTime()})
	}
	return out
}

// scheduleStaleRuns schedules runs found on disk, GCDelay after their
// last modification.
func (a *Agent) scheduleStaleRuns(found []staleRun) {
	live := a.liveSandboxes()
	for _, r := range found {
		if live[r.path] {
			continue
		}
		if _, ok := a.sandboxGC.schedule.Has(r.path); !ok {
			a.sandboxGC.schedule.Add(r.path, r.mtime.Add(a.cfg.GCDelay))
		}
	}
	if len(found) > 0 {
		a.log.Info("scheduled sandboxes found on disk for garbage collection", "count", len(found), "gc_delay", a.cfg.GCDelay)
	}
	a.rearmSandboxGC()
}

// scheduleSandboxGC schedules the sandbox of a retired executor run.
func (a *Agent) scheduleSandboxGC(fw *framework, ex *executor) {
	if ex.sandbox == "" {
		return // never created
	}
	g := &a.sandboxGC
	if g.schedule == nil {
		g.schedule = gc.NewSchedule()
	}
	at := a.cfg.Clock.Now().Add(a.cfg.GCDelay)
	g.schedule.Add(ex.sandbox, at)
	a.log.Info("scheduled sandbox for garbage collection", "framework_id", fw.id, "executor_id", ex.id,
		"container_id", ex.containerID, "sandbox", ex.sandbox, "at", at)
	a.rearmSandboxGC()
}

// rearmSandboxGC keeps the timer set for the earliest due sandbox.
func (a *Agent) rearmSandboxGC() {
	g := &a.sandboxGC
	next, ok := g.schedule.Next()
	switch {
	case !ok:
		if g.timer != nil {
			g.timer.Stop()
			g.timer = nil
		}
		return
	case g.timer != nil && next.Equal(g.timerAt):
		return
	}
	if g.timer != nil {
		g.timer.Stop()
	}
	var timer *time.Timer
	timer = a.afterFunc(max(next.Sub(a.cfg.Clock.Now()), 0), func() {
		if g.timer != timer {
			return // rearmed meanwhile
		}
		g.timer = nil
		a.collectSandboxes(g.schedule.Due(a.cfg.Clock.Now()))
		a.rearmSandboxGC()
	})
	g.timer, g.timerAt = timer, next
}

// watchDisk checks the disk usage after DiskWatchInterval, on a worker,
// and again after each check.
func (a *Agent) watchDisk() {
	workDir := a.cfg.WorkDir
	a.afterFunc(a.cfg.DiskWatchInterval, func() {
		a.goWorker(func() {
			usage, err := gc.Usage(workDir)
			a.post(func() { a.diskChecked(usage, err) })
		})
	})
}

// diskChecked prunes what the disk usage says may not wait any longer
// (Mesos's Slave::_checkDiskUsage).
func (a *Agent) diskChecked(usage float64, err error) {
	defer a.watchDisk()
	if err != nil {
		a.log.Warn("cannot measure disk usage", "err", err)
		return
	}
	age := gc.MaxAge(a.cfg.GCDelay, a.cfg.GCDiskHeadroom, usage)
	pruned := a.sandboxGC.schedule.Prune(a.cfg.Clock.Now(), a.cfg.GCDelay-age)
	log := a.log.Debug
	if len(pruned) > 0 {
		log = a.log.Info
	}
	log("disk usage checked", "usage", fmt.Sprintf("%.2f%%", 100*usage), "max_allowed_age", age, "pruned", len(pruned))
	a.collectSandboxes(pruned)
	a.rearmSandboxGC()
}

// collectSandboxes deletes sandboxes on a worker, one after the other,
// and tidies their parents on the loop. A sandbox that a live run owns is
// never deleted, whatever was scheduled.
func (a *Agent) collectSandboxes(scheduled []string) {
	live := a.liveSandboxes()
	var paths []string
	for _, p := range scheduled {
		if live[p] {
			a.log.Warn("not deleting the sandbox of a live executor run", "sandbox", p)
			continue
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		return
	}
	log := a.log
	a.goWorker(func() {
		var removed []string
		for _, p := range paths {
			if err := os.RemoveAll(p); err != nil {
				// Mesos goes on with the others and does not retry.
				log.Warn("cannot delete sandbox", "sandbox", p, "err", err)
				continue
			}
			log.Info("deleted sandbox", "sandbox", p)
			removed = append(removed, p)
		}
		a.post(func() {
			for _, p := range removed {
				a.removeEmptyParents(p)
			}
		})
	})
}

// removeEmptyParents removes what a deleted run leaves empty:
// runs/ (with its latest link, now dangling), the executor's directory,
// executors/, the framework's directory, and for an earlier agent id its
// frameworks/ and agent directory too. A live executor or framework
// keeps its directories.
func (a *Agent) removeEmptyParents(run string) {
	runs := filepath.Dir(run)
	exDir := filepath.Dir(runs)
	executors := filepath.Dir(exDir)
	fwDir := filepath.Dir(executors)
	frameworks := filepath.Dir(fwDir)
	agentDir := filepath.Dir(frameworks)
	if filepath.Base(runs) != "runs" || filepath.Base(executors) != "executors" || filepath.Base(frameworks) != "frameworks" ||
		filepath.Dir(agentDir) != filepath.Join(a.cfg.WorkDir, "slaves") {
		return // not a run of the sandbox layout
	}
	fwID, exID := filepath.Base(fwDir), filepath.Base(exDir)
	current := filepath.Base(agentDir) == a.agentID.GetValue()
	if current && a.executor(fwID, exID) != nil {
		return
	}
	latest := filepath.Join(runs, containerizer.LatestSymlink)
	if _, err := os.Stat(latest); errors.Is(err, fs.ErrNotExist) {
		os.Remove(latest) // dangling, or absent
	}
	dirs := []string{runs, exDir, executors}
	if !current || a.frameworks[fwID] == nil {
		dirs = append(dirs, fwDir)
	}
	if !current {
		dirs = append(dirs, frameworks, agentDir)
	}
	for _, d := range dirs {
		if os.Remove(d) != nil {
			return // not empty (or gone): its parents are not either
		}
	}
}
