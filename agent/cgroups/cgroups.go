package cgroups

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Mode is the isolation an agent runs with, as it reports it in its flags
// and state ("isolation").
type Mode string

// The modes Detect can choose.
const (
	// ModeV2 puts containers in the unified hierarchy (cgroup2).
	ModeV2 Mode = "cgroups/v2"
	// ModeV1 puts containers in the v1 memory and cpu hierarchies (and
	// cpuacct and freezer when they are mounted).
	ModeV1 Mode = "cgroups/v1"
	// ModeNone means no isolation: Manager.Reason says why.
	ModeNone Mode = "none"
)

// DefaultRoot is the cgroup under which containers are created unless
// Options.Root says otherwise (Mesos's --cgroups_root is "mesos").
const DefaultRoot = "agora"

// Constants of Mesos's cgroups isolators (isolators/cgroups/constants.hpp,
// isolators/cgroups2/constants.hpp).
const (
	// MinMemoryBytes is the smallest memory limit a container gets; a
	// smaller limit is raised to it (Mesos's MIN_MEMORY, 32 MB).
	MinMemoryBytes = 32 << 20
	// CPUSharesPerCPU is the v1 cpu.shares of one CPU.
	CPUSharesPerCPU = 1024
	// MinCPUShares and MaxCPUShares bound the cpu.shares Linux accepts.
	MinCPUShares = 2
	MaxCPUShares = 262144
	// CPUWeightPerCPU is the v2 cpu.weight of one CPU.
	CPUWeightPerCPU = 100
	// CFSPeriodMicros is the CFS bandwidth period (Linux's default, 100 ms).
	CFSPeriodMicros = 100_000
	// MinCFSQuotaMicros is the smallest CFS quota a container gets (1 ms).
	MinCFSQuotaMicros = 1_000
)

// Errors, to be checked with errors.Is.
var (
	// ErrUnavailable reports a Manager in ModeNone asked to create or open
	// a cgroup.
	ErrUnavailable = errors.New("cgroups: no cgroup isolation on this host")
	// ErrInvalidID reports a container ID that cannot name a cgroup.
	ErrInvalidID = errors.New("cgroups: invalid container ID")
	// ErrExists reports a Create for a container whose cgroup exists.
	ErrExists = errors.New("cgroups: cgroup already exists")
	// ErrNotFound reports an Open for a container without a cgroup.
	ErrNotFound = errors.New("cgroups: no such cgroup")
	// ErrBusy reports processes that remain in a cgroup after Kill or
	// Destroy ran out of time.
	ErrBusy = errors.New("cgroups: processes remain in cgroup")
)

// Options configure Detect.
type Options struct {
	// Root is the cgroup, relative to the parent (see Nested), under which
	// each container gets a cgroup named by its container ID: Mesos's
	// --cgroups_root. Empty means DefaultRoot. It may have several
	// components ("agora/agent-1"). Agents that share a host need distinct
	// roots: List reports everything under the root as the agent's own.
	Root string
	// Nested places Root under the agent's own cgroup in each hierarchy
	// (as /proc/self/cgroup names it) instead of at the top of the
	// hierarchy. That keeps containers inside whatever accounts for the
	// agent (a test harness, a delegated subtree), but containers then die
	// with the agent's cgroup if whatever manages it kills its whole tree
	// (systemd's default KillMode=control-group). In cgroup v2 it is only
	// possible when the agent's cgroup is the root it sees (its own cgroup
	// namespace): a cgroup that holds processes cannot hand controllers
	// to children.
	Nested bool
	// EnableCFS caps each container's CPU time at its CPUs with a CFS
	// quota (Mesos's --cgroups_enable_cfs); without it CPUs only weigh
	// containers against each other (cpu.shares / cpu.weight).
	EnableCFS bool
	// LimitSwap makes the memory limit cover swap too (Mesos's
	// --cgroups_limit_swap), so a container over its limit is OOM-killed
	// rather than swapped out.
	LimitSwap bool
	// Logger receives warnings (Kill retries, optional hierarchies that
	// could not be used). Nil means slog.Default().
	Logger *slog.Logger

	// Test hooks: where /proc/self/mountinfo and /proc/self/cgroup are read
	// from, and the effective user ID. Zero values mean the real ones.
	mountinfoPath  string
	selfCgroupPath string
	euid           func() int
}

// Manager creates, finds and re-attaches to containers' cgroups under one
// root. It is immutable once Detect returns and safe for concurrent use.
type Manager struct {
	mode   Mode
	reason string
	opts   Options
	log    *slog.Logger
	// hierarchies are the root's directories, one per hierarchy used: in
	// v1 memory's first, then cpu's (possibly shared with cpuacct), then
	// the optional ones; in v2 exactly one.
	hierarchies []hierarchy
}

// hierarchy is agora's root cgroup in one mounted hierarchy.
type hierarchy struct {
	dir         string
	controllers []string
}

// Detect finds the cgroup isolation this host offers and prepares the root
// cgroup for containers: cgroup v2 when the unified hierarchy offers the
// memory and cpu controllers, else the v1 memory and cpu hierarchies, else
// none. It never fails: when no isolation is possible the Manager's Mode is
// ModeNone and Reason says why (not root, nothing usable mounted, a
// read-only cgroup file system, …), for the agent to log at start-up or
// to refuse to start if isolation was required.
func Detect(opts Options) *Manager {
	if opts.Root == "" {
		opts.Root = DefaultRoot
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.mountinfoPath == "" {
		opts.mountinfoPath = "/proc/self/mountinfo"
	}
	if opts.selfCgroupPath == "" {
		opts.selfCgroupPath = "/proc/self/cgroup"
	}
	if opts.euid == nil {
		opts.euid = os.Geteuid
	}
	m := &Manager{opts: opts, log: opts.Logger}
	if err := m.detect(); err != nil {
		m.mode, m.reason, m.hierarchies = ModeNone, err.Error(), nil
	}
	return m
}

// Mode is the isolation in use.
func (m *Manager) Mode() Mode { return m.mode }

// Reason says why Mode is ModeNone; it is empty otherwise.
func (m *Manager) Reason() string { return m.reason }

// Root is the root cgroup name from the options (Mesos's --cgroups_root).
func (m *Manager) Root() string { return m.opts.Root }

// Dirs are the root's directories, one per hierarchy in use (empty in
// ModeNone): what an operator looks at to find the containers.
func (m *Manager) Dirs() []string {
	dirs := make([]string, len(m.hierarchies))
	for i, h := range m.hierarchies {
		dirs[i] = h.dir
	}
	return dirs
}

// String describes the isolation for a start-up log line:
// "cgroups/v1 (/sys/fs/cgroup/memory/agora, /sys/fs/cgroup/cpu/agora)" or
// "none: the agent is not running as root (euid 1000)".
func (m *Manager) String() string {
	if m.mode == ModeNone {
		return "none: " + m.reason
	}
	return string(m.mode) + " (" + strings.Join(m.Dirs(), ", ") + ")"
}

func (m *Manager) detect() error {
	if euid := m.opts.euid(); euid != 0 {
		return fmt.Errorf("the agent is not running as root (euid %d); cgroup isolation needs root", euid)
	}
	if err := validateRoot(m.opts.Root); err != nil {
		return err
	}
	data, err := os.ReadFile(m.opts.mountinfoPath)
	if err != nil {
		return fmt.Errorf("cannot read the mount table: %w", err)
	}
	mounts, err := parseMountinfo(data)
	if err != nil {
		return err
	}
	var self selfCgroups
	if m.opts.Nested {
		data, err := os.ReadFile(m.opts.selfCgroupPath)
		if err != nil {
			return fmt.Errorf("cannot read the agent's own cgroups: %w", err)
		}
		if self, err = parseSelfCgroup(data); err != nil {
			return err
		}
	}

	// The unified hierarchy wins when it has the controllers: on a hybrid
	// host (v1 hierarchies plus a cgroup2 at /sys/fs/cgroup/unified) the
	// cgroup2 usually has none, since a controller lives in one hierarchy
	// at a time.
	var v2 *mount
	var v2Controllers []string
	v1 := map[string]*mount{}
	for i := range mounts {
		mt := &mounts[i]
		if mt.v2 {
			if v2 != nil {
				continue
			}
			ctrls, err := readFields(filepath.Join(mt.point, "cgroup.controllers"))
			if err != nil {
				continue
			}
			v2, v2Controllers = mt, ctrls
			continue
		}
		for _, c := range mt.controllers {
			if v1[c] == nil {
				v1[c] = mt
			}
		}
	}
	if v2 != nil && slices.Contains(v2Controllers, "memory") && slices.Contains(v2Controllers, "cpu") {
		return m.setupV2(v2, self)
	}
	if v1["memory"] != nil && v1["cpu"] != nil {
		return m.setupV1(v1, self)
	}

	var found []string
	if v2 != nil {
		found = append(found, fmt.Sprintf("a cgroup2 file system at %s offering [%s]", v2.point, strings.Join(v2Controllers, " ")))
	}
	if len(v1) > 0 {
		names := make([]string, 0, len(v1))
		for c := range v1 {
			names = append(names, c)
		}
		slices.Sort(names)
		found = append(found, "cgroup v1 hierarchies for ["+strings.Join(names, " ")+"]")
	}
	if len(found) == 0 {
		found = append(found, "no cgroup file system")
	}
	return fmt.Errorf("neither cgroup v2 with the memory and cpu controllers nor cgroup v1 memory and cpu hierarchies are mounted (found %s)",
		strings.Join(found, " and "))
}

// parentDir is where the root goes in the hierarchy mounted by mt: its
// mount point, or with Nested the agent's own cgroup in it.
func (m *Manager) parentDir(mt *mount, own string) (string, error) {
	if !m.opts.Nested {
		return mt.point, nil
	}
	if own == "" {
		return "", fmt.Errorf("the agent's own cgroup in the hierarchy at %s is unknown (%s has no line for it)", mt.point, m.opts.selfCgroupPath)
	}
	// A mount of a subtree shows the hierarchy from mt.root down.
	rel := own
	if mt.root != "/" {
		if own != mt.root && !strings.HasPrefix(own, mt.root+"/") {
			return "", fmt.Errorf("the agent's own cgroup %s is outside the subtree %s mounted at %s", own, mt.root, mt.point)
		}
		rel = strings.TrimPrefix(own, mt.root)
	}
	return filepath.Join(mt.point, rel), nil
}

// setupV1 creates the root in the memory and cpu hierarchies, and in the
// cpuacct and freezer ones when they are mounted (usage and reliable kills
// need them; a host without them still gets limits).
func (m *Manager) setupV1(v1 map[string]*mount, self selfCgroups) error {
	m.mode = ModeV1
	seen := map[string]bool{}
	for _, c := range []string{"memory", "cpu", "cpuacct", "freezer"} {
		mt := v1[c]
		if mt == nil || seen[mt.point] {
			continue
		}
		seen[mt.point] = true
		required := c == "memory" || c == "cpu"
		parent, err := m.parentDir(mt, self.v1[c])
		if err == nil {
			err = mkdirAll(parent, m.opts.Root)
		}
		if err != nil {
			if required {
				return err
			}
			m.log.Warn("cgroups: optional hierarchy unusable", "controller", c, "err", err)
			continue
		}
		m.hierarchies = append(m.hierarchies, hierarchy{dir: filepath.Join(parent, m.opts.Root), controllers: mt.controllers})
	}
	return nil
}

// setupV2 creates the root in the unified hierarchy and hands the memory
// and cpu controllers down to it, so that every container cgroup created
// in it has them.
func (m *Manager) setupV2(mt *mount, self selfCgroups) error {
	m.mode = ModeV2
	parent, err := m.parentDir(mt, self.v2)
	if err != nil {
		return err
	}
	if parent != filepath.Clean(mt.point) {
		return fmt.Errorf("the agent's cgroup %s holds processes, so cgroup v2 cannot give controllers to cgroups below it (the no-internal-processes rule); run without nesting, or start the agent in a cgroup namespace or a leaf of a delegated subtree", parent)
	}
	want := []string{"memory", "cpu"}
	if err := enableControllers(parent, want); err != nil {
		return err
	}
	dir := parent
	for _, part := range strings.Split(m.opts.Root, "/") {
		dir = filepath.Join(dir, part)
		if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("cannot create the root cgroup: %w", err)
		}
		if err := enableControllers(dir, want); err != nil {
			return err
		}
	}
	m.hierarchies = []hierarchy{{dir: dir, controllers: []string{"memory", "cpu"}}}
	return nil
}

// enableControllers makes sure dir's cgroup.subtree_control has want.
func enableControllers(dir string, want []string) error {
	file := filepath.Join(dir, "cgroup.subtree_control")
	have, err := readFields(file)
	if err != nil {
		return fmt.Errorf("cannot read the enabled controllers: %w", err)
	}
	var add []string
	for _, c := range want {
		if !slices.Contains(have, c) && !slices.Contains(have, "+"+c) {
			add = append(add, "+"+c)
		}
	}
	if len(add) == 0 {
		return nil
	}
	if err := writeFile(file, strings.Join(add, " ")); err != nil {
		return fmt.Errorf("cannot enable the %s controllers for cgroups below %s: %w", strings.Join(want, " and "), dir, err)
	}
	return nil
}

// mkdirAll creates parent/root, and fails with an error that says what
// could not be created.
func mkdirAll(parent, root string) error {
	dir := filepath.Join(parent, root)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create the root cgroup: %w", err)
	}
	return nil
}

// validateRoot accepts a relative slash-separated cgroup path that stays
// below its parent.
func validateRoot(root string) error {
	if strings.HasPrefix(root, "/") || path.Clean(root) != root || root == "." ||
		slices.Contains(strings.Split(root, "/"), "..") || strings.ContainsAny(root, "\x00\n") {
		return fmt.Errorf("cgroups root %q must be a relative path without '.' or '..' components (like %q)", root, DefaultRoot)
	}
	return nil
}

// ValidateID checks that a container ID can name a cgroup directory: not
// empty, at most 255 bytes, not "." or "..", no '/' or control
// characters. Mesos's container IDs (UUIDs) always can.
func ValidateID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: empty", ErrInvalidID)
	case len(id) > 255:
		return fmt.Errorf("%w: %q is longer than 255 bytes", ErrInvalidID, id)
	case id == "." || id == "..":
		return fmt.Errorf("%w: %q", ErrInvalidID, id)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x20 || c == 0x7f || c == '/' {
			return fmt.Errorf("%w: %q contains %q", ErrInvalidID, id, string(c))
		}
	}
	return nil
}
