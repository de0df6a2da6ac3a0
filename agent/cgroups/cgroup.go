package cgroups

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Limits are what a container may use, from its resources.
type Limits struct {
	// CPUs weighs the container's CPU time against other containers'
	// (cpu.shares = 1024×CPUs in v1, cpu.weight = 100×CPUs in v2) and,
	// with Options.EnableCFS, caps it at CPUs (a CFS quota of CPUs×100 ms
	// per 100 ms). Zero leaves CPU alone.
	CPUs float64
	// MemoryBytes is the hard memory limit; a container over it is
	// OOM-killed and Limitation reports it. Limits below MinMemoryBytes
	// are raised to it, as Mesos does. Zero means no limit.
	MemoryBytes int64
}

func (l Limits) validate() error {
	if l.CPUs < 0 || math.IsNaN(l.CPUs) || math.IsInf(l.CPUs, 0) || l.MemoryBytes < 0 {
		return fmt.Errorf("cgroups: invalid limits %+v: CPUs and MemoryBytes must be finite and not negative", l)
	}
	return nil
}

// Cgroup is one container's cgroup: a directory named by the container ID
// under the Manager's root in every hierarchy in use. Its methods are safe
// for concurrent use; they read and write the kernel's files and keep no
// state of their own that a restarted agent would miss (see Manager.Open).
type Cgroup struct {
	m  *Manager
	id string
	// dirs parallels m.hierarchies; "" where the container has no cgroup
	// (an Open after a Create that a crash interrupted).
	dirs []string
	// oomNotified records an OOM notification on kernels whose
	// memory.oom_control has no oom_kill counter.
	oomNotified atomic.Bool
}

// Create makes the container's cgroup and applies limits. The cgroup is
// empty until AddProcess or Join puts the container's first process in it;
// everything that process starts afterwards is in it too. It fails with
// ErrExists if the container has a cgroup already (a leftover: Open and
// Destroy it), with ErrUnavailable in ModeNone.
func (m *Manager) Create(id string, limits Limits) (*Cgroup, error) {
	if m.mode == ModeNone {
		return nil, fmt.Errorf("%w: %s", ErrUnavailable, m.reason)
	}
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	if err := limits.validate(); err != nil {
		return nil, err
	}
	c := &Cgroup{m: m, id: id, dirs: make([]string, len(m.hierarchies))}
	for i, h := range m.hierarchies {
		dir := filepath.Join(h.dir, id)
		if err := os.Mkdir(dir, 0o755); err != nil {
			c.removeDirs()
			if errors.Is(err, os.ErrExist) {
				return nil, fmt.Errorf("%w: %s", ErrExists, dir)
			}
			return nil, fmt.Errorf("cgroups: create %s: %w", dir, err)
		}
		c.dirs[i] = dir
	}
	if err := c.update(limits, true); err != nil {
		c.removeDirs()
		return nil, err
	}
	return c, nil
}

// Open re-attaches to the cgroup of a container created earlier, by this
// agent or by the one before a restart. It fails with ErrNotFound when the
// container has no cgroup in any hierarchy.
func (m *Manager) Open(id string) (*Cgroup, error) {
	if m.mode == ModeNone {
		return nil, fmt.Errorf("%w: %s", ErrUnavailable, m.reason)
	}
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	c := &Cgroup{m: m, id: id, dirs: make([]string, len(m.hierarchies))}
	found := false
	for i, h := range m.hierarchies {
		dir := filepath.Join(h.dir, id)
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			c.dirs[i], found = dir, true
		}
	}
	if !found {
		return nil, fmt.Errorf("%w: container %q under %s", ErrNotFound, id, strings.Join(m.Dirs(), ", "))
	}
	return c, nil
}

// List returns the IDs of the containers that have a cgroup under the
// root, in any hierarchy, sorted. After a restart the agent compares them
// with the containers it recovered and destroys the others (Mesos's
// orphans).
func (m *Manager) List() ([]string, error) {
	if m.mode == ModeNone {
		return nil, nil
	}
	var ids []string
	for _, h := range m.hierarchies {
		entries, err := os.ReadDir(h.dir)
		if err != nil {
			return nil, fmt.Errorf("cgroups: list %s: %w", h.dir, err)
		}
		for _, e := range entries {
			if e.IsDir() && !slices.Contains(ids, e.Name()) {
				ids = append(ids, e.Name())
			}
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// RemoveRoot removes the root cgroup in every hierarchy, for an agent that
// leaves nothing behind when it stops (agora dev, tests). It fails while
// any container cgroup remains.
func (m *Manager) RemoveRoot() error {
	var errs []error
	for _, h := range m.hierarchies {
		// Root may have several components; remove each one that is empty.
		for dir, rel := h.dir, m.opts.Root; rel != "."; dir, rel = filepath.Dir(dir), filepath.Dir(rel) {
			if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
				if dir == h.dir {
					errs = append(errs, fmt.Errorf("cgroups: remove %s: %w", dir, err))
				}
				break
			}
		}
	}
	return errors.Join(errs...)
}

// ID is the container ID that names the cgroup.
func (c *Cgroup) ID() string { return c.id }

// Dirs are the container's directories, one per hierarchy.
func (c *Cgroup) Dirs() []string {
	var dirs []string
	for _, d := range c.dirs {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// ProcsFiles are the cgroup.procs files a process writes its pid to in
// order to enter the container: what the container's supervisor, started
// from the agent's binary, passes to Join before it starts the task.
func (c *Cgroup) ProcsFiles() []string {
	dirs := c.Dirs()
	for i, d := range dirs {
		dirs[i] = filepath.Join(d, "cgroup.procs")
	}
	return dirs
}

// Join moves process pid (0: the caller) into a container's cgroup, given
// its cgroup.procs files (Cgroup.ProcsFiles). A process calls it on itself
// before it starts anything, so that nothing it starts is ever outside.
// It needs no Manager, for a process that is not the agent.
func Join(pid int, procsFiles []string) error {
	if pid == 0 {
		pid = os.Getpid()
	}
	for _, f := range procsFiles {
		if filepath.Base(f) != "cgroup.procs" {
			return fmt.Errorf("cgroups: join: %s is not a cgroup.procs file", f)
		}
		if err := writeFile(f, strconv.Itoa(pid)); err != nil {
			return fmt.Errorf("cgroups: move process %d into %s: %w", pid, filepath.Dir(f), err)
		}
	}
	return nil
}

// AddProcess moves process pid, and so everything it starts from then on,
// into the cgroup in every hierarchy.
func (c *Cgroup) AddProcess(pid int) error {
	if pid <= 0 {
		return fmt.Errorf("cgroups: add process: invalid pid %d", pid)
	}
	return Join(pid, c.ProcsFiles())
}

// Procs returns the processes in the cgroup, in any hierarchy, sorted. A
// process that has exited is not listed even before its parent reaps it.
func (c *Cgroup) Procs() ([]int, error) {
	var all []int
	for _, dir := range c.Dirs() {
		pids, err := readPids(filepath.Join(dir, "cgroup.procs"))
		if errors.Is(err, os.ErrNotExist) {
			continue // destroyed meanwhile: nothing left there
		}
		if err != nil {
			return nil, fmt.Errorf("cgroups: %w", err)
		}
		all = append(all, pids...)
	}
	slices.Sort(all)
	return slices.Compact(all), nil
}

// Update applies new limits, for a container whose resources changed. As
// in Mesos, the hard memory limit is only ever raised by an update:
// lowering it under a running container's usage would OOM-kill it.
func (c *Cgroup) Update(limits Limits) error {
	if err := limits.validate(); err != nil {
		return err
	}
	return c.update(limits, false)
}

func (c *Cgroup) update(l Limits, initial bool) error {
	if c.m.mode == ModeV2 {
		return c.updateV2(l, initial)
	}
	return c.updateV1(l, initial)
}

func (c *Cgroup) updateV1(l Limits, initial bool) error {
	if dir := c.dir("cpu"); dir != "" && l.CPUs > 0 {
		shares := min(max(int64(CPUSharesPerCPU*l.CPUs), MinCPUShares), MaxCPUShares)
		if err := c.write(dir, "cpu.shares", strconv.FormatInt(shares, 10)); err != nil {
			return err
		}
		quota := int64(-1)
		if c.m.opts.EnableCFS {
			quota = max(int64(l.CPUs*CFSPeriodMicros), MinCFSQuotaMicros)
			if err := c.write(dir, "cpu.cfs_period_us", strconv.Itoa(CFSPeriodMicros)); err != nil {
				return err
			}
		}
		if err := c.write(dir, "cpu.cfs_quota_us", strconv.FormatInt(quota, 10)); err != nil {
			return err
		}
	}
	if dir := c.dir("memory"); dir != "" && l.MemoryBytes > 0 {
		limit := max(l.MemoryBytes, MinMemoryBytes)
		current, err := readInt(filepath.Join(dir, "memory.limit_in_bytes"))
		if err != nil {
			return fmt.Errorf("cgroups: %w", err)
		}
		if err := c.write(dir, "memory.soft_limit_in_bytes", strconv.FormatInt(limit, 10)); err != nil {
			return err
		}
		if !initial && limit <= current {
			return nil
		}
		// memory.memsw.limit_in_bytes (memory+swap) may never be below
		// memory.limit_in_bytes: raise it first, lower it last.
		value := strconv.FormatInt(limit, 10)
		swap := c.m.opts.LimitSwap && exists(filepath.Join(dir, "memory.memsw.limit_in_bytes"))
		if swap && limit > current {
			if err := c.write(dir, "memory.memsw.limit_in_bytes", value); err != nil {
				return err
			}
		}
		if err := c.write(dir, "memory.limit_in_bytes", value); err != nil {
			return err
		}
		if swap && limit <= current {
			if err := c.write(dir, "memory.memsw.limit_in_bytes", value); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Cgroup) updateV2(l Limits, initial bool) error {
	dir := c.dirs[0]
	if l.CPUs > 0 {
		weight := min(max(int64(CPUWeightPerCPU*l.CPUs), 1), 10000)
		if err := c.write(dir, "cpu.weight", strconv.FormatInt(weight, 10)); err != nil {
			return err
		}
		quota := "max"
		if c.m.opts.EnableCFS {
			quota = strconv.FormatInt(max(int64(l.CPUs*CFSPeriodMicros), MinCFSQuotaMicros), 10)
		}
		if err := c.write(dir, "cpu.max", quota+" "+strconv.Itoa(CFSPeriodMicros)); err != nil {
			return err
		}
	}
	if l.MemoryBytes > 0 {
		limit := max(l.MemoryBytes, MinMemoryBytes)
		current, err := readInt(filepath.Join(dir, "memory.max"))
		if err != nil {
			return fmt.Errorf("cgroups: %w", err)
		}
		if initial || (current >= 0 && limit > current) {
			if err := c.write(dir, "memory.max", strconv.FormatInt(limit, 10)); err != nil {
				return err
			}
		}
	}
	if initial {
		if c.m.opts.LimitSwap && exists(filepath.Join(dir, "memory.swap.max")) {
			if err := c.write(dir, "memory.swap.max", "0"); err != nil {
				return err
			}
		}
		// The OOM killer takes the whole container at once, as Mesos
		// destroys a container that hit its limit (Linux 4.19+).
		if exists(filepath.Join(dir, "memory.oom.group")) {
			if err := c.write(dir, "memory.oom.group", "1"); err != nil {
				return err
			}
		}
	}
	return nil
}

// Kill kills every process in the cgroup, including those that left the
// container's session or process group (setsid, double forks): cgroup
// membership is inherited and cannot be escaped without root. It uses
// cgroup.kill where the kernel has it (v2, Linux 5.14+); otherwise it
// freezes the cgroup (so nothing forks meanwhile), SIGKILLs every process,
// thaws, and repeats until the cgroup is empty. Without a freezer (a v1
// host without the freezer hierarchy) it repeats SIGKILL rounds. It
// returns when no process is left, or with ErrBusy when ctx ends first
// (a process stuck in the kernel, in uninterruptible sleep).
func (c *Cgroup) Kill(ctx context.Context) error {
	if c.m.mode == ModeV2 {
		err := writeFile(filepath.Join(c.dirs[0], "cgroup.kill"), "1")
		if err == nil {
			return c.waitEmpty(ctx)
		}
		if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cgroups: kill: %w", err)
		}
	}
	delay := 10 * time.Millisecond
	for {
		pids, err := c.Procs()
		if err != nil || len(pids) == 0 {
			return err
		}
		thaw, err := c.freeze(ctx)
		if err != nil {
			c.m.log.Warn("cgroups: killing without freezing", "container", c.id, "err", err)
			thaw = func() {}
		} else if pids, err = c.Procs(); err != nil {
			thaw()
			return err
		}
		for _, pid := range pids {
			_ = kill(pid) // ESRCH: gone already
		}
		thaw()
		if err := c.waitEmptyFor(ctx, delay); err == nil || ctx.Err() != nil {
			return err
		}
		delay = min(2*delay, time.Second)
	}
}

// Destroy kills every process in the cgroup (Kill) and removes the cgroup
// in every hierarchy. Read Limitation and Usage before: they read the
// cgroup's files.
func (c *Cgroup) Destroy(ctx context.Context) error {
	if err := c.Kill(ctx); err != nil {
		return err
	}
	backoff := time.Millisecond
	for {
		err := c.removeDirs()
		if err == nil || !errors.Is(err, syscall.EBUSY) {
			return err
		}
		// The last processes' exit is still being accounted for, or a
		// process joined after Kill found the cgroup empty: kill again.
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %v", ErrBusy, err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 50*time.Millisecond)
		if err := c.Kill(ctx); err != nil {
			return err
		}
	}
}

// removeDirs removes the container's directories that still exist.
func (c *Cgroup) removeDirs() error {
	var errs []error
	for _, dir := range c.dirs {
		if dir == "" {
			continue
		}
		if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("cgroups: remove %s: %w", dir, err))
		}
	}
	return errors.Join(errs...)
}

// freeze stops every process in the cgroup and returns the function that
// lets them run again. A freeze that does not complete in time (a process
// in uninterruptible sleep) is undone and reported.
func (c *Cgroup) freeze(ctx context.Context) (thaw func(), err error) {
	var file, frozen, thawed string
	var isFrozen func() (bool, error)
	switch dir := c.dir("freezer"); {
	case c.m.mode == ModeV2:
		file, frozen, thawed = filepath.Join(c.dirs[0], "cgroup.freeze"), "1", "0"
		events := filepath.Join(c.dirs[0], "cgroup.events")
		isFrozen = func() (bool, error) {
			ev, err := readKeyed(events)
			return ev["frozen"] == 1, err
		}
	case dir != "":
		file, frozen, thawed = filepath.Join(dir, "freezer.state"), "FROZEN", "THAWED"
		isFrozen = func() (bool, error) {
			data, err := os.ReadFile(file)
			return strings.TrimSpace(string(data)) == "FROZEN", err
		}
	default:
		return nil, errors.New("no freezer")
	}
	thaw = func() {
		if err := writeFile(file, thawed); err != nil && !errors.Is(err, os.ErrNotExist) {
			c.m.log.Warn("cgroups: thaw failed", "container", c.id, "err", err)
		}
	}
	if err := writeFile(file, frozen); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(time.Second)
	for wait := 100 * time.Microsecond; ; wait = min(2*wait, 20*time.Millisecond) {
		ok, err := isFrozen()
		if err == nil && ok {
			return thaw, nil
		}
		if err != nil || ctx.Err() != nil || time.Now().After(deadline) {
			thaw()
			if err == nil {
				err = errors.New("the freeze did not complete")
			}
			return nil, err
		}
		time.Sleep(wait)
	}
}

// waitEmpty waits until no process is left in the cgroup, or ctx ends.
func (c *Cgroup) waitEmpty(ctx context.Context) error {
	return c.waitEmptyFor(ctx, -1)
}

// waitEmptyFor waits until no process is left in the cgroup, for at most
// d (d < 0: until ctx ends). It returns nil when the cgroup is empty and
// ErrBusy otherwise.
func (c *Cgroup) waitEmptyFor(ctx context.Context, d time.Duration) error {
	start := time.Now()
	for wait := 100 * time.Microsecond; ; wait = min(2*wait, 10*time.Millisecond) {
		pids, err := c.Procs()
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		if ctx.Err() != nil || (d >= 0 && time.Since(start) >= d) {
			return fmt.Errorf("%w: container %s: %v", ErrBusy, c.id, pids)
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// dir is the container's directory in the hierarchy of controller, "" if
// it has none there.
func (c *Cgroup) dir(controller string) string {
	for i, h := range c.m.hierarchies {
		if slices.Contains(h.controllers, controller) {
			return c.dirs[i]
		}
	}
	return ""
}

// write writes a control file of the container and names it in errors.
func (c *Cgroup) write(dir, file, value string) error {
	if err := writeFile(filepath.Join(dir, file), value); err != nil {
		return fmt.Errorf("cgroups: container %s: %w", c.id, err)
	}
	return nil
}
