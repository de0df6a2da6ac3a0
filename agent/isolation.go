package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"path"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent/cgroups"
	"agora/agent/containerizer"
	mesospb "agora/api/mesos/v1"
)

// Resource isolation (Mesos's --isolation): each container, an executor
// run with all its tasks, gets a cgroup with the CPU and memory limits of
// its resources when cgroups are usable, as Mesos's cgroups/cpu and
// cgroups/mem isolators do. With the posix isolators (Mesos's default, and
// agora's when cgroups are not usable) nothing is limited.
//
// The agent's cgroups live under <cgroups root>/<agent id> in every
// hierarchy, one cgroup per container named by its container ID, so that
// agents sharing a host never take each other's containers for orphans.
// The container's supervisor joins the cgroup before it starts the command
// (ProcessSpec.CgroupProcs), so everything the container starts is in it.
// A container that hits its memory limit is killed whole, and its tasks
// end TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY and the
// limitation's message (Mesos's MesosContainerizerProcess::limited and
// Slave::sendExecutorTerminatedStatusUpdate).

// Isolation values (Config.Isolation, --isolation).
const (
	// IsolationAuto uses the cgroups isolators when the host allows them
	// (the agent runs as root and cgroups with the memory and cpu
	// controllers are mounted and writable), else the posix ones.
	IsolationAuto = "auto"
	// IsolationPosix limits nothing: Mesos's default.
	IsolationPosix = "posix/cpu,posix/mem"
	// IsolationCgroups limits CPU and memory through cgroups; an agent
	// that cannot use them refuses to start.
	IsolationCgroups = "cgroups/cpu,cgroups/mem"
)

// Mesos's allowance for the command executor, added to a command task's
// resources for its container (DEFAULT_EXECUTOR_CPUS and
// DEFAULT_EXECUTOR_MEM in slave/constants.hpp): agora's command executor
// is the task's supervisor, which lives in the container too.
const (
	commandExecutorCPUs     = 0.1
	commandExecutorMemBytes = 32 << 20
)

// cgroupDestroyTimeout bounds how long destroying a container's cgroup
// may take (processes stuck in the kernel keep it busy).
const cgroupDestroyTimeout = 30 * time.Second

// isolation is the agent's choice of isolators, made once in New.
type isolation struct {
	// flag is the isolation in Mesos's spelling, as /flags reports it:
	// IsolationCgroups (or the part of it asked for) or IsolationPosix.
	flag string
	// cpu and mem say which of the cgroups isolators are on.
	cpu, mem bool
	// reason says why the cgroups isolators are off under auto.
	reason string
	// opts are the options of the agent's cgroups; Root is the cgroups
	// root without the agent id.
	opts cgroups.Options
	// probe is the cgroups root without the agent id, made when the host
	// was checked; removed with the agent's own when the agent stops.
	probe *cgroups.Manager
	// manager creates the containers' cgroups under <root>/<agent id>;
	// nil while the agent has no id and when no cgroups isolator is on.
	manager *cgroups.Manager
}

// newIsolation parses cfg.Isolation and, when cgroups are wanted, checks
// that the host offers them. An explicit cgroups isolation the host cannot
// honour is an error; under auto the agent falls back to posix and warns.
func newIsolation(cfg Config, log *slog.Logger) (*isolation, error) {
	iso := &isolation{opts: cgroups.Options{
		Root:      cfg.CgroupsRoot,
		Nested:    cfg.CgroupsNested,
		EnableCFS: cfg.CgroupsEnableCFS,
		LimitSwap: cfg.CgroupsLimitSwap,
		Logger:    log,
	}}
	auto := cfg.Isolation == IsolationAuto
	if !auto {
		var posix []string
		for _, name := range strings.Split(cfg.Isolation, ",") {
			switch name = strings.TrimSpace(name); name {
			case "cgroups/cpu":
				iso.cpu = true
			case "cgroups/mem":
				iso.mem = true
			case "posix/cpu", "posix/mem":
				posix = append(posix, name)
			default:
				return nil, fmt.Errorf("%w: --isolation: unknown isolator %q; agora knows %s, %s and %s",
					ErrInvalidConfig, name, IsolationAuto, IsolationPosix, IsolationCgroups)
			}
		}
		if (iso.cpu && slices.Contains(posix, "posix/cpu")) || (iso.mem && slices.Contains(posix, "posix/mem")) {
			return nil, fmt.Errorf("%w: --isolation=%s isolates a resource twice; pick posix or cgroups for each",
				ErrInvalidConfig, cfg.Isolation)
		}
	}
	if !auto && !iso.cpu && !iso.mem {
		iso.flag = IsolationPosix
		log.Warn("resource isolation is off: tasks' CPU and memory are not limited", "isolation", cfg.Isolation)
		return iso, nil
	}
	// Detect with the bare root checks the host once, before any agent id
	// is known; the agent's own root is detected again below it.
	probe := cgroups.Detect(iso.opts)
	if probe.Mode() == cgroups.ModeNone {
		if !auto {
			return nil, fmt.Errorf("%w: --isolation=%s needs cgroups, but none can be used: %s (use --isolation=%s or %s)",
				ErrInvalidConfig, cfg.Isolation, probe.Reason(), IsolationAuto, IsolationPosix)
		}
		iso.flag, iso.reason = IsolationPosix, probe.Reason()
		log.Warn("no resource isolation is possible: tasks' CPU and memory are not limited",
			"reason", probe.Reason())
		return iso, nil
	}
	iso.probe = probe
	if auto {
		iso.cpu, iso.mem = true, true
	}
	var parts []string
	if iso.cpu {
		parts = append(parts, "cgroups/cpu")
	}
	if iso.mem {
		parts = append(parts, "cgroups/mem")
	}
	iso.flag = strings.Join(parts, ",")
	log.Info("resource isolation", "isolation", iso.flag, "cgroups", probe.String(), "cfs", cfg.CgroupsEnableCFS)
	return iso, nil
}

// forAgent prepares the cgroups root of the agent with the given id,
// <root>/<agent id>. It runs in New for an agent that has an id and when
// the master gives the agent its (first or a new) id.
func (iso *isolation) forAgent(agentID string, log *slog.Logger) {
	if !iso.cpu && !iso.mem {
		return
	}
	if iso.manager != nil && iso.manager.Root() == path.Join(iso.opts.Root, agentID) {
		return
	}
	if err := cgroups.ValidateID(agentID); err != nil {
		log.Error("the agent id cannot name a cgroup; containers will not be isolated", "agent_id", agentID, "err", err)
		iso.manager = nil
		return
	}
	opts := iso.opts
	opts.Root = path.Join(opts.Root, agentID)
	m := cgroups.Detect(opts)
	if m.Mode() == cgroups.ModeNone {
		log.Error("cannot prepare the agent's cgroups; containers will not be isolated", "reason", m.Reason())
		iso.manager = nil
		return
	}
	iso.manager = m
}

// limits are the cgroup limits of resources, for the isolators that are
// on.
func (iso *isolation) limits(cpus float64, memBytes int64) cgroups.Limits {
	var l cgroups.Limits
	if iso.cpu {
		l.CPUs = cpus
	}
	if iso.mem {
		l.MemoryBytes = memBytes
	}
	return l
}

// isolationState is the "isolation" object of /state.
type isolationState struct {
	// Isolation is the --isolation in force (IsolationCgroups or
	// IsolationPosix).
	Isolation string `json:"isolation"`
	// Cgroups is the cgroups mode ("cgroups/v1", "cgroups/v2") or "none".
	Cgroups string `json:"cgroups"`
	// Dirs are the agent's cgroups roots, one per hierarchy.
	Dirs []string `json:"cgroups_dirs,omitempty"`
	// Reason says why there is no isolation.
	Reason string `json:"reason,omitempty"`
}

func (iso *isolation) state() isolationState {
	s := isolationState{Isolation: iso.flag, Cgroups: string(cgroups.ModeNone), Reason: iso.reason}
	if iso.manager != nil {
		s.Cgroups = string(iso.manager.Mode())
		s.Dirs = iso.manager.Dirs()
	}
	return s
}

// containerResources sums the CPUs and memory (bytes) of a container: its
// executor's resources and its tasks', plus the command executor's
// allowance for a command task, as Mesos sizes a container.
func containerResources(ex *executor) (cpus float64, memBytes int64) {
	var mem float64
	add := func(rs []*mesospb.Resource) {
		for _, r := range rs {
			if r.GetType() != mesospb.Value_SCALAR {
				continue
			}
			switch r.GetName() {
			case "cpus":
				cpus += r.GetScalar().GetValue()
			case "mem":
				mem += r.GetScalar().GetValue()
			}
		}
	}
	add(ex.info.GetResources())
	for _, t := range ex.tasks {
		add(t.info.GetResources())
	}
	memBytes = int64(math.Round(mem * (1 << 20)))
	if ex.kind == commandExecutor {
		cpus += commandExecutorCPUs
		memBytes += commandExecutorMemBytes
	}
	return cpus, memBytes
}

// containerLimits are the limits an executor run's cgroup should have now.
func (a *Agent) containerLimits(ex *executor) cgroups.Limits {
	return a.isolation.limits(containerResources(ex))
}

// createCgroup makes a container's cgroup; it runs on a worker. It returns
// nil, nil when no cgroups isolator is on.
func createCgroup(m *cgroups.Manager, containerID string, limits cgroups.Limits) (*cgroups.Cgroup, error) {
	if m == nil {
		return nil, nil
	}
	cg, err := m.Create(containerID, limits)
	if errors.Is(err, cgroups.ErrExists) {
		// A leftover of a run with this id (a crash between create and
		// record): nothing of it can be running now.
		if old, oerr := m.Open(containerID); oerr == nil {
			ctx, cancel := context.WithTimeout(context.Background(), cgroupDestroyTimeout)
			derr := old.Destroy(ctx)
			cancel()
			if derr == nil {
				cg, err = m.Create(containerID, limits)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("Failed to isolate the container: %w", err)
	}
	return cg, nil
}

// attachCgroup gives an executor run its cgroup (on the loop) and starts
// watching it for limitations. Limits that changed while the cgroup was
// being made (tasks added meanwhile) are applied.
func (a *Agent) attachCgroup(fw *framework, ex *executor, cg *cgroups.Cgroup, applied cgroups.Limits) {
	if cg == nil {
		return
	}
	ex.cgroup = cg
	ex.limits = applied
	a.updateLimits(ex)
	a.watchLimitation(fw, ex)
}

// updateLimits brings an executor run's cgroup to the limits of its
// current resources, as Mesos updates a container's resources when its
// executor is given more tasks. The memory limit is only ever raised (see
// cgroups.Cgroup.Update).
func (a *Agent) updateLimits(ex *executor) {
	if ex.cgroup == nil {
		return
	}
	limits := a.containerLimits(ex)
	if limits == ex.limits {
		return
	}
	ex.limits = limits
	cg := ex.cgroup
	log := a.log.With("framework_id", ex.frameworkID, "executor_id", ex.id)
	a.goWorker(func() {
		if err := cg.Update(limits); err != nil {
			log.Warn("cannot update the container's limits", "err", err)
		}
	})
}

// watchLimitation waits on a worker for the container to hit its memory
// limit, and hands the limitation to the loop (limited). It stops when the
// run ends (destroyCgroup) or the loop does.
func (a *Agent) watchLimitation(fw *framework, ex *executor) {
	ctx, cancel := context.WithCancel(context.Background())
	ex.stopWatch = cancel
	cg, fwID, exID, containerID := ex.cgroup, fw.id, ex.id, ex.containerID
	a.goWorker(func() {
		defer cancel()
		go func() {
			select {
			case <-a.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		l, err := cg.WaitLimitation(ctx)
		switch {
		case l != nil:
			a.post(func() { a.limited(fwID, exID, containerID, l) })
		case err != nil && ctx.Err() == nil && !errors.Is(err, cgroups.ErrNotFound):
			a.log.Warn("cannot watch the container for memory limitations", "framework_id", fwID,
				"executor_id", exID, "err", err)
		}
	})
}

// limited handles a container that hit its memory limit: it is killed
// whole, and its tasks end TASK_FAILED with the limitation (Mesos's
// MesosContainerizerProcess::limited destroys the container).
func (a *Agent) limited(frameworkID, executorID, containerID string, l *cgroups.Limitation) {
	fw, ex := a.executorRun(frameworkID, executorID, containerID)
	if ex == nil || ex.state == executorTerminated {
		return
	}
	a.log.Warn("container hit its memory limit; killing it", "framework_id", frameworkID,
		"executor_id", executorID, "container_id", containerID, "limit", l.LimitBytes, "max_used", l.MaxUsedBytes)
	a.setLimitation(ex, l)
	if ex.builtIn() {
		for _, t := range ex.orderedTasks() {
			switch {
			case t.queued || t.ended:
			case t.cancelPrepare != nil || t.launching || t.proc != nil:
				a.stopHealthCheck(fw, ex, t) // health_checks.go
				t.killing = true
				a.killNow(fw, ex, t)
			}
		}
		if ex.kind == defaultExecutor {
			ex.state = executorTerminating
			a.endDefaultExecutorIfIdle(fw, ex)
		}
		return
	}
	ex.state = executorTerminating
	a.kill(&ex.process, 0)
}

// killNow kills a built-in executor's task without grace, whatever stage
// its launch is at.
func (a *Agent) killNow(fw *framework, ex *executor, t *task) {
	switch {
	case t.cancelPrepare != nil:
		t.killWhenLaunched(0)
		t.cancelPrepare()
	case t.launching:
		t.killWhenLaunched(0)
	default:
		a.kill(&t.process, 0)
	}
}

// setLimitation records that the container hit its memory limit, for the
// updates of its tasks (terminationStatus, taskExited).
func (a *Agent) setLimitation(ex *executor, l *cgroups.Limitation) {
	if p := ex.pendingTermination; p != nil && p.reason == mesospb.TaskStatus_REASON_CONTAINER_LIMITATION_MEMORY {
		return
	}
	usedMB := float64(l.MaxUsedBytes) / (1 << 20)
	ex.pendingTermination = &termination{
		state:   mesospb.TaskState_TASK_FAILED,
		reason:  mesospb.TaskStatus_REASON_CONTAINER_LIMITATION_MEMORY,
		message: strings.TrimSpace(l.Message),
		limited: []*mesospb.Resource{{
			Name:   proto.String("mem"),
			Type:   mesospb.Value_SCALAR.Enum(),
			Scalar: &mesospb.Value_Scalar{Value: &usedMB},
		}},
	}
}

// checkLimitation looks, when a container's process ended abnormally,
// whether the container hit its memory limit: the OOM killer's kill may
// reach the agent before the limitation watch does.
func (a *Agent) checkLimitation(ex *executor, status containerizer.ExitStatus) {
	if ex.cgroup == nil || status.Success() {
		return
	}
	if p := ex.pendingTermination; p != nil && p.reason == mesospb.TaskStatus_REASON_CONTAINER_LIMITATION_MEMORY {
		return
	}
	l, err := ex.cgroup.Limitation()
	if err != nil {
		a.log.Warn("cannot read the container's memory limitation", "executor_id", ex.id, "err", err)
		return
	}
	if l != nil {
		a.setLimitation(ex, l)
	}
}

// destroyCgroup removes an executor run's cgroup once the run has ended,
// killing anything still in it, on a worker.
func (a *Agent) destroyCgroup(ex *executor) {
	if ex.stopWatch != nil {
		ex.stopWatch()
		ex.stopWatch = nil
	}
	cg := ex.cgroup
	if cg == nil {
		return
	}
	ex.cgroup = nil
	log := a.log.With("framework_id", ex.frameworkID, "executor_id", ex.id, "container_id", ex.containerID)
	a.goWorker(func() { destroy(cg, log) })
}

func destroy(cg *cgroups.Cgroup, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), cgroupDestroyTimeout)
	defer cancel()
	if err := cg.Destroy(ctx); err != nil {
		log.Warn("cannot destroy the container's cgroup", "err", err)
	}
}

// recoverCgroup re-attaches a recovered executor run to its cgroup.
func (a *Agent) recoverCgroup(ex *executor) {
	m := a.isolation.manager
	if m == nil {
		return
	}
	cg, err := m.Open(ex.containerID)
	if err != nil {
		if !errors.Is(err, cgroups.ErrNotFound) {
			a.log.Warn("cannot re-open the container's cgroup", "container_id", ex.containerID, "err", err)
		}
		return
	}
	ex.cgroup = cg
	ex.limits = a.containerLimits(ex)
}

// destroyOrphanCgroups destroys the cgroups under the agent's root that
// no recovered container claims: containers of runs the agent no longer
// knows (Mesos's orphans), or of frameworks without checkpointing.
func (a *Agent) destroyOrphanCgroups() {
	m := a.isolation.manager
	if m == nil {
		return
	}
	ids, err := m.List()
	if err != nil {
		a.log.Warn("cannot list the containers' cgroups", "err", err)
		return
	}
	claimed := map[string]bool{}
	for _, fw := range a.frameworks {
		for _, ex := range fw.executors {
			claimed[ex.containerID] = true
		}
	}
	for _, id := range ids {
		if claimed[id] {
			continue
		}
		cg, err := m.Open(id)
		if err != nil {
			continue
		}
		log := a.log.With("container_id", id)
		log.Info("destroying the cgroup of a container the agent does not know")
		a.goWorker(func() { destroy(cg, log) })
	}
}

// removeRoot removes the agent's cgroups root when the agent stops with no
// container left, so that a stopped agent leaves nothing behind.
func (iso *isolation) removeRoot(log *slog.Logger) {
	if iso.manager != nil {
		if ids, err := iso.manager.List(); err != nil || len(ids) > 0 {
			return // containers outlive the agent: the next one recovers them
		}
		if err := iso.manager.RemoveRoot(); err != nil {
			log.Debug("cannot remove the agent's cgroups root", "err", err)
		}
	}
	if iso.probe != nil {
		// Fails harmlessly while other agents have containers below it.
		_ = iso.probe.RemoveRoot()
	}
}
