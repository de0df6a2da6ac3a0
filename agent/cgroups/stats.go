package cgroups

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Limitation says that a container went over a limit, for the task's
// final status: TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY and
// Message, as Mesos's memory isolators report it.
type Limitation struct {
	// Resource is the Mesos name of the resource over its limit: "mem".
	Resource string
	// LimitBytes is the memory limit in force.
	LimitBytes int64
	// MaxUsedBytes is the peak memory usage when the kernel keeps it (v1
	// memory.max_usage_in_bytes, v2 memory.peak), else 0.
	MaxUsedBytes int64
	// OOMKills counts the processes the kernel's OOM killer killed.
	OOMKills int64
	// Message reads as Mesos's: "Memory limit exceeded: Requested: 64MB
	// Maximum Used: 64MB" followed by the cgroup's memory statistics.
	Message string
}

// Limitation reports whether the container hit its memory limit: the
// kernel OOM-killed one of its processes because the container was over
// its limit. Nil means no limit was hit. Call it when the container's
// process ended and before Destroy, to tell a task that ran out of memory
// (TASK_FAILED, REASON_CONTAINER_LIMITATION_MEMORY) from one that was
// simply killed by a signal.
func (c *Cgroup) Limitation() (*Limitation, error) {
	dir := c.dir("memory")
	if dir == "" {
		return nil, nil
	}
	if c.m.mode == ModeV2 {
		return c.limitationV2(dir)
	}
	return c.limitationV1(dir)
}

func (c *Cgroup) limitationV1(dir string) (*Limitation, error) {
	oom, err := readKeyed(filepath.Join(dir, "memory.oom_control"))
	if err != nil {
		return nil, fmt.Errorf("cgroups: %w", err)
	}
	// An OOM kill counts towards the victim's cgroup whatever caused it
	// (this limit, an ancestor's, the whole host running out); the limit
	// was this container's only if its usage reached it. failcnt says so
	// on most kernels, but Linux 6.x leaves it at 0 when a memory+swap
	// limit is set, so the peak usage is compared with the limit too.
	// Kernels before 4.13 have no oom_kill counter: then the OOM
	// notification (WaitLimitation) or a disabled OOM killer's under_oom
	// says so.
	kills, counted := oom["oom_kill"]
	if counted && kills == 0 {
		return nil, nil // no OOM kill: whatever the usage, no limitation (and six reads spared at every start)
	}
	reached := false
	for _, prefix := range []string{"memory.", "memory.memsw."} {
		failcnt, ferr := readInt(filepath.Join(dir, prefix+"failcnt"))
		limit, lerr := readInt(filepath.Join(dir, prefix+"limit_in_bytes"))
		peak, perr := readInt(filepath.Join(dir, prefix+"max_usage_in_bytes"))
		if (ferr == nil && failcnt > 0) || (lerr == nil && perr == nil && limit < unlimitedV1 && peak >= limit) {
			reached = true
		}
	}
	hit := reached && (kills > 0 || (!counted && (c.oomNotified.Load() || oom["under_oom"] == 1)))
	if !hit {
		return nil, nil
	}
	l := &Limitation{Resource: "mem", OOMKills: kills}
	l.LimitBytes, _ = readInt(filepath.Join(dir, "memory.limit_in_bytes"))
	l.MaxUsedBytes, _ = readInt(filepath.Join(dir, "memory.max_usage_in_bytes"))
	stats, _ := os.ReadFile(filepath.Join(dir, "memory.stat"))
	l.Message = fmt.Sprintf("Memory limit exceeded: Requested: %s Maximum Used: %s\n\nMEMORY STATISTICS: \n%s",
		formatBytes(l.LimitBytes), formatBytes(l.MaxUsedBytes), stats)
	return l, nil
}

func (c *Cgroup) limitationV2(dir string) (*Limitation, error) {
	events, err := readKeyed(filepath.Join(dir, "memory.events"))
	if err != nil {
		return nil, fmt.Errorf("cgroups: %w", err)
	}
	// "oom" counts the times usage reached memory.max and the OOM killer
	// ran for it; "oom_kill" the processes it killed, whatever the cause.
	if events["oom_kill"] == 0 || events["oom"] == 0 {
		return nil, nil
	}
	l := &Limitation{Resource: "mem", OOMKills: events["oom_kill"]}
	l.LimitBytes, _ = readInt(filepath.Join(dir, "memory.max"))
	l.MaxUsedBytes, _ = readInt(filepath.Join(dir, "memory.peak"))
	var b strings.Builder
	fmt.Fprintf(&b, "Memory limit exceeded: Requested: %s", formatBytes(l.LimitBytes))
	if l.MaxUsedBytes > 0 {
		fmt.Fprintf(&b, " Maximum Used: %s", formatBytes(l.MaxUsedBytes))
	}
	if stats, err := readKeyed(filepath.Join(dir, "memory.stat")); err == nil {
		fmt.Fprintf(&b, "\n\nMEMORY STATISTICS post-OOM: \nanon: %s\nfile: %s\nkernel: %s\n",
			formatBytes(stats["anon"]), formatBytes(stats["file"]), formatBytes(stats["kernel"]))
	}
	l.Message = b.String()
	return l, nil
}

// WaitLimitation blocks until the container hits its memory limit and
// returns the Limitation, as Mesos's isolators watch for OOM events: the
// OOM killer may take a child and leave the task's own process running, and
// the agent should then fail the whole container. It returns ErrNotFound
// once the cgroup is destroyed, and ctx's error when ctx ends. It waits on
// the kernel's notifications (v1 memory.oom_control through
// cgroup.event_control, v2 changes of memory.events), or polls every
// second where it cannot.
func (c *Cgroup) WaitLimitation(ctx context.Context) (*Limitation, error) {
	dir := c.dir("memory")
	if dir == "" {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	w, err := c.watchOOM(dir)
	if err != nil {
		c.m.log.Debug("cgroups: polling for OOM", "container", c.id, "err", err)
		w = pollEvery(time.Second)
	}
	defer w.close()
	settle := time.Time{}
	for {
		// Checked after the watch is armed, so no OOM falls in between.
		l, err := c.Limitation()
		if l != nil || (err != nil && !errors.Is(err, os.ErrNotExist)) {
			return l, err
		}
		if !exists(dir) {
			return nil, fmt.Errorf("%w: container %q was destroyed", ErrNotFound, c.id)
		}
		// The kernel notifies when the OOM killer starts, before it
		// counts its kill: look again for a while before waiting on.
		if time.Now().Before(settle) {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		notified, err := w.wait(ctx)
		if err != nil {
			return nil, err
		}
		if notified {
			settle = time.Now().Add(2 * time.Second)
			if c.m.mode == ModeV1 && exists(dir) {
				c.oomNotified.Store(true)
			}
		}
	}
}

// oomWatch is a source of "something may have changed" notifications.
type oomWatch interface {
	// wait blocks until a notification (true), the next poll (false), or
	// the end of ctx (its error).
	wait(ctx context.Context) (notified bool, err error)
	close()
}

// poller is the oomWatch of last resort.
type poller time.Duration

func pollEvery(d time.Duration) oomWatch { return poller(d) }

func (p poller) wait(ctx context.Context) (bool, error) {
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-time.After(time.Duration(p)):
		return false, nil
	}
}

func (poller) close() {}

// Usage is what a container has used, for /monitor/statistics
// (ResourceStatistics). Fields a host's kernel does not report are zero.
type Usage struct {
	// MemoryTotalBytes is all memory charged to the container, page cache
	// included (mem_total_bytes).
	MemoryTotalBytes int64
	// MemoryRSSBytes is anonymous memory (mem_rss_bytes, mem_anon_bytes).
	MemoryRSSBytes int64
	// MemoryCacheBytes is page cache (mem_cache_bytes, mem_file_bytes).
	MemoryCacheBytes int64
	// MemoryMappedFileBytes is mapped files (mem_mapped_file_bytes).
	MemoryMappedFileBytes int64
	// MemoryLimitBytes is the hard limit, 0 if none (mem_limit_bytes).
	MemoryLimitBytes int64
	// CPUUser and CPUSystem are CPU time in user and kernel mode
	// (cpus_user_time_secs, cpus_system_time_secs).
	CPUUser, CPUSystem time.Duration
	// CPUPeriods, CPUThrottledPeriods and CPUThrottled describe CFS
	// bandwidth control (cpus_nr_periods, cpus_nr_throttled,
	// cpus_throttled_time_secs).
	CPUPeriods, CPUThrottledPeriods int64
	CPUThrottled                    time.Duration
	// Processes and Threads count what runs in the container (processes,
	// threads).
	Processes, Threads int
}

// Usage reads the container's resource usage.
func (c *Cgroup) Usage() (Usage, error) {
	var u Usage
	procs, err := c.Procs()
	if err != nil {
		return u, err
	}
	u.Processes = len(procs)
	if c.m.mode == ModeV2 {
		return u, c.usageV2(&u)
	}
	return u, c.usageV1(&u)
}

// unlimitedV1 is where v1's "no limit" starts (the kernel prints
// PAGE_COUNTER_MAX pages in bytes, 9223372036854771712 on 4 KiB pages).
const unlimitedV1 = 1 << 62

func (c *Cgroup) usageV1(u *Usage) error {
	if dir := c.dir("memory"); dir != "" {
		var err error
		if u.MemoryTotalBytes, err = readInt(filepath.Join(dir, "memory.usage_in_bytes")); err != nil {
			return fmt.Errorf("cgroups: %w", err)
		}
		if limit, err := readInt(filepath.Join(dir, "memory.limit_in_bytes")); err == nil && limit < unlimitedV1 {
			u.MemoryLimitBytes = limit
		}
		if stat, err := readKeyed(filepath.Join(dir, "memory.stat")); err == nil {
			u.MemoryRSSBytes = stat["total_rss"]
			u.MemoryCacheBytes = stat["total_cache"]
			u.MemoryMappedFileBytes = stat["total_mapped_file"]
		}
		if threads, err := readPids(filepath.Join(dir, "tasks")); err == nil {
			u.Threads = len(threads)
		}
	}
	if dir := c.dir("cpuacct"); dir != "" {
		user, uerr := readInt(filepath.Join(dir, "cpuacct.usage_user"))
		sys, serr := readInt(filepath.Join(dir, "cpuacct.usage_sys"))
		if uerr == nil && serr == nil {
			u.CPUUser, u.CPUSystem = time.Duration(user), time.Duration(sys)
		} else if stat, err := readKeyed(filepath.Join(dir, "cpuacct.stat")); err == nil {
			// USER_HZ, which Linux fixes at 100 on every architecture.
			u.CPUUser = time.Duration(stat["user"]) * 10 * time.Millisecond
			u.CPUSystem = time.Duration(stat["system"]) * 10 * time.Millisecond
		}
	}
	if dir := c.dir("cpu"); dir != "" {
		if stat, err := readKeyed(filepath.Join(dir, "cpu.stat")); err == nil {
			u.CPUPeriods = stat["nr_periods"]
			u.CPUThrottledPeriods = stat["nr_throttled"]
			u.CPUThrottled = time.Duration(stat["throttled_time"])
		}
	}
	return nil
}

func (c *Cgroup) usageV2(u *Usage) error {
	dir := c.dirs[0]
	var err error
	if u.MemoryTotalBytes, err = readInt(filepath.Join(dir, "memory.current")); err != nil {
		return fmt.Errorf("cgroups: %w", err)
	}
	if limit, err := readInt(filepath.Join(dir, "memory.max")); err == nil && limit >= 0 {
		u.MemoryLimitBytes = limit
	}
	if stat, err := readKeyed(filepath.Join(dir, "memory.stat")); err == nil {
		u.MemoryRSSBytes = stat["anon"]
		u.MemoryCacheBytes = stat["file"]
		u.MemoryMappedFileBytes = stat["file_mapped"]
	}
	if stat, err := readKeyed(filepath.Join(dir, "cpu.stat")); err == nil {
		u.CPUUser = time.Duration(stat["user_usec"]) * time.Microsecond
		u.CPUSystem = time.Duration(stat["system_usec"]) * time.Microsecond
		u.CPUPeriods = stat["nr_periods"]
		u.CPUThrottledPeriods = stat["nr_throttled"]
		u.CPUThrottled = time.Duration(stat["throttled_usec"]) * time.Microsecond
	}
	if threads, err := readPids(filepath.Join(dir, "cgroup.threads")); err == nil {
		u.Threads = len(threads)
	}
	return nil
}
