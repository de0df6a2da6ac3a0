package cgroups

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// thisHostMountinfo is the cgroup part of a hybrid host's mountinfo: v1
// hierarchies plus a cgroup2 at /sys/fs/cgroup/unified.
const thisHostMountinfo = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
`

func TestParseMountinfo(t *testing.T) {
	got, err := parseMountinfo([]byte("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n" + thisHostMountinfo +
		`50 31 0:40 /docker/abc /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct,xattr
51 31 0:41 / /mnt/with\040space rw - cgroup2 cgroup2 rw
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []mount{
		{point: "/sys/fs/cgroup/cpu", root: "/", controllers: []string{"cpu"}},
		{point: "/sys/fs/cgroup/cpuacct", root: "/", controllers: []string{"cpuacct"}},
		{point: "/sys/fs/cgroup/memory", root: "/", controllers: []string{"memory"}},
		{point: "/sys/fs/cgroup/freezer", root: "/", controllers: []string{"freezer"}},
		{point: "/sys/fs/cgroup/systemd", root: "/"},
		{point: "/sys/fs/cgroup/unified", root: "/", v2: true},
		{point: "/sys/fs/cgroup/cpu,cpuacct", root: "/docker/abc", controllers: []string{"cpu", "cpuacct"}},
		{point: "/mnt/with space", root: "/", v2: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseMountinfoRejectsMalformedLines(t *testing.T) {
	for _, line := range []string{
		"22 1 8:1 / /", // too short
		"22 1 8:1 / / rw shared:1 ext4 /dev/x rw", // no separator
		"22 1 8:1 / / rw - cgroup",                // nothing after the type
	} {
		if _, err := parseMountinfo([]byte(line)); err == nil {
			t.Errorf("%q: no error", line)
		}
	}
}

func TestParseSelfCgroup(t *testing.T) {
	got, err := parseSelfCgroup([]byte("9:name=systemd:/\n4:memory:/process_api/79\n2:cpu,cpuacct:/a b\n0::/system.slice/x.service\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := selfCgroups{
		v1: map[string]string{"memory": "/process_api/79", "cpu": "/a b", "cpuacct": "/a b"},
		v2: "/system.slice/x.service",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := parseSelfCgroup([]byte("4:memory\n")); err == nil {
		t.Error("a line without a path parsed")
	}
}

func FuzzParseMountinfo(f *testing.F) {
	f.Add([]byte(thisHostMountinfo))
	f.Add([]byte(`1 2 3:4 /a\040b /c\134 rw - cgroup2 x rw`))
	f.Fuzz(func(t *testing.T, data []byte) {
		mounts, err := parseMountinfo(data)
		if err != nil {
			return
		}
		for _, m := range mounts {
			if m.v2 && len(m.controllers) > 0 {
				t.Errorf("cgroup2 mount %+v has v1 controllers", m)
			}
		}
		_, _ = parseSelfCgroup(data)
	})
}

// fakeHost is a /sys/fs/cgroup and /proc/self in a temporary directory.
type fakeHost struct {
	t          *testing.T
	dir        string
	mountinfo  strings.Builder
	selfCgroup string
	euid       int
}

func newFakeHost(t *testing.T) *fakeHost {
	return &fakeHost{t: t, dir: t.TempDir()}
}

// v1 mounts a v1 hierarchy for controllers (comma-separated) and returns
// its mount point.
func (h *fakeHost) v1(controllers string) string {
	return h.mount("/", controllers, "cgroup", "rw,"+controllers)
}

// v2 mounts a cgroup2 whose root offers controllers and has enabled those
// in enabled; it returns the mount point.
func (h *fakeHost) v2(name, controllers, enabled string) string {
	point := h.mount("/", name, "cgroup2", "rw")
	h.write(filepath.Join(point, "cgroup.controllers"), controllers)
	h.write(filepath.Join(point, "cgroup.subtree_control"), enabled)
	return point
}

func (h *fakeHost) mount(root, name, fsType, super string) string {
	point := filepath.Join(h.dir, "sys/fs/cgroup", name)
	if err := os.MkdirAll(point, 0o755); err != nil {
		h.t.Fatal(err)
	}
	fmt.Fprintf(&h.mountinfo, "40 31 0:38 %s %s rw,relatime - %s %s %s\n", root, point, fsType, fsType, super)
	return point
}

func (h *fakeHost) write(path, content string) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

func (h *fakeHost) detect(opts Options) *Manager {
	h.t.Helper()
	mi := filepath.Join(h.dir, "mountinfo")
	h.write(mi, h.mountinfo.String())
	sc := filepath.Join(h.dir, "cgroup")
	h.write(sc, h.selfCgroup)
	opts.mountinfoPath, opts.selfCgroupPath = mi, sc
	opts.euid = func() int { return h.euid }
	opts.Logger = slog.New(slog.DiscardHandler)
	return Detect(opts)
}

func assertMode(t *testing.T, m *Manager, mode Mode, reason string) {
	t.Helper()
	if m.Mode() != mode {
		t.Fatalf("mode %s (reason %q), want %s", m.Mode(), m.Reason(), mode)
	}
	if !strings.Contains(m.Reason(), reason) || (reason == "") != (m.Reason() == "") {
		t.Fatalf("reason %q, want one that says %q", m.Reason(), reason)
	}
}

func assertDirs(t *testing.T, m *Manager, want ...string) {
	t.Helper()
	if got := m.Dirs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("dirs %q, want %q", got, want)
	}
	for _, d := range want {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			t.Errorf("root %s not created: %v", d, err)
		}
	}
}

func TestDetectNeedsRoot(t *testing.T) {
	h := newFakeHost(t)
	h.v1("memory")
	h.v1("cpu")
	h.euid = 1000
	m := h.detect(Options{})
	assertMode(t, m, ModeNone, "not running as root (euid 1000)")
	if _, err := m.Create("c1", Limits{}); err == nil {
		t.Error("Create without isolation succeeded")
	}
	if got := m.String(); !strings.HasPrefix(got, "none: the agent is not running as root") {
		t.Errorf("String() = %q", got)
	}
}

func TestDetectV1OnAHybridHost(t *testing.T) {
	h := newFakeHost(t)
	mem, cpu, acct, frz := h.v1("memory"), h.v1("cpu"), h.v1("cpuacct"), h.v1("freezer")
	h.v1("pids")
	// The unified hierarchy of a hybrid host, left with what v1 did not take.
	h.v2("unified", "hugetlb", "")
	m := h.detect(Options{})
	assertMode(t, m, ModeV1, "")
	assertDirs(t, m, mem+"/agora", cpu+"/agora", acct+"/agora", frz+"/agora")
	if got, want := m.String(), "cgroups/v1 ("+mem+"/agora, "; !strings.HasPrefix(got, want) {
		t.Errorf("String() = %q, want it to start %q", got, want)
	}
}

func TestDetectV1CoMountedCPUAndCPUAcctShareADirectory(t *testing.T) {
	h := newFakeHost(t)
	mem, cpu := h.v1("memory"), h.v1("cpu,cpuacct")
	m := h.detect(Options{Root: "agora/agent-1"})
	assertMode(t, m, ModeV1, "")
	assertDirs(t, m, mem+"/agora/agent-1", cpu+"/agora/agent-1")
}

func TestDetectV1Nested(t *testing.T) {
	h := newFakeHost(t)
	mem, cpu := h.v1("memory"), h.v1("cpu")
	h.selfCgroup = "4:memory:/process_api/79\n1:cpu:/\n0::/\n"
	m := h.detect(Options{Nested: true, Root: "t"})
	assertMode(t, m, ModeV1, "")
	assertDirs(t, m, mem+"/process_api/79/t", cpu+"/t")
}

func TestDetectV1NestedInAMountedSubtree(t *testing.T) {
	// A container runtime without cgroup namespaces bind-mounts the
	// container's own subtree: /docker/abc shows at the mount point.
	h := newFakeHost(t)
	mem := h.mount("/docker/abc", "memory", "cgroup", "rw,memory")
	cpu := h.mount("/docker/abc", "cpu", "cgroup", "rw,cpu")
	h.selfCgroup = "4:memory:/docker/abc/agent\n1:cpu:/docker/abc\n"
	m := h.detect(Options{Nested: true})
	assertMode(t, m, ModeV1, "")
	assertDirs(t, m, mem+"/agent/agora", cpu+"/agora")

	h.selfCgroup = "4:memory:/docker/abcdef\n1:cpu:/docker/abc\n"
	assertMode(t, h.detect(Options{Nested: true}), ModeNone, "is outside the subtree /docker/abc")
}

func TestDetectV1WithoutOptionalHierarchies(t *testing.T) {
	h := newFakeHost(t)
	mem, cpu := h.v1("memory"), h.v1("cpu")
	// A freezer mount point that cannot hold directories.
	frz := h.v1("freezer")
	if err := os.Remove(frz); err != nil {
		t.Fatal(err)
	}
	h.write(frz, "not a directory")
	m := h.detect(Options{})
	assertMode(t, m, ModeV1, "")
	assertDirs(t, m, mem+"/agora", cpu+"/agora")
}

func TestDetectV2(t *testing.T) {
	h := newFakeHost(t)
	point := h.v2("", "cpuset cpu io memory hugetlb pids", "cpu memory pids")
	h.write(filepath.Join(point, "agora/cgroup.subtree_control"), "")
	m := h.detect(Options{})
	assertMode(t, m, ModeV2, "")
	assertDirs(t, m, point+"/agora")
	// The root hands memory and cpu down to the containers' cgroups.
	if got, _ := os.ReadFile(point + "/agora/cgroup.subtree_control"); string(got) != "+memory +cpu" {
		t.Errorf("agora's cgroup.subtree_control = %q", got)
	}
	// The top had them already and was left alone.
	if got, _ := os.ReadFile(point + "/cgroup.subtree_control"); string(got) != "cpu memory pids" {
		t.Errorf("top cgroup.subtree_control = %q", got)
	}
}

func TestDetectV2EnablesOfferedControllersAtTheTop(t *testing.T) {
	h := newFakeHost(t)
	point := h.v2("", "cpu io memory", "io")
	h.write(filepath.Join(point, "agora/cgroup.subtree_control"), "cpu memory")
	m := h.detect(Options{})
	assertMode(t, m, ModeV2, "")
	if got, _ := os.ReadFile(point + "/cgroup.subtree_control"); string(got) != "+memory +cpu" {
		t.Errorf("top cgroup.subtree_control = %q, want the controllers enabled", got)
	}
}

func TestDetectV2WinsOverV1WhenItHasTheControllers(t *testing.T) {
	h := newFakeHost(t)
	h.v1("memory")
	h.v1("cpu")
	point := h.v2("unified", "cpu memory", "cpu memory")
	h.write(filepath.Join(point, "agora/cgroup.subtree_control"), "cpu memory")
	assertMode(t, h.detect(Options{}), ModeV2, "")
}

func TestDetectV2ControllersThatCannotBeEnabled(t *testing.T) {
	h := newFakeHost(t)
	point := h.v2("", "cpu memory", "")
	// A directory in place of the file: writes fail as the kernel's do
	// when a cgroup holds processes.
	if err := os.Remove(point + "/cgroup.subtree_control"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(point+"/cgroup.subtree_control", 0o755); err != nil {
		t.Fatal(err)
	}
	assertMode(t, h.detect(Options{}), ModeNone, "cannot read the enabled controllers")

	// A file that reads but does not take writes, as the top of a cgroup
	// namespace that holds processes refuses new controllers.
	if err := os.Remove(point + "/cgroup.subtree_control"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/proc/version", point+"/cgroup.subtree_control"); err != nil {
		t.Fatal(err)
	}
	assertMode(t, h.detect(Options{}), ModeNone, "cannot enable the memory and cpu controllers for cgroups below "+point)
}

func TestDetectV2NestedNeedsTheAgentAtTheTop(t *testing.T) {
	h := newFakeHost(t)
	point := h.v2("", "cpu memory", "cpu memory")
	h.write(filepath.Join(point, "agora/cgroup.subtree_control"), "cpu memory")
	h.selfCgroup = "0::/system.slice/agora.service\n"
	assertMode(t, h.detect(Options{Nested: true}), ModeNone, "no-internal-processes")

	// In its own cgroup namespace the agent sees its cgroup as the top.
	h.selfCgroup = "0::/\n"
	m := h.detect(Options{Nested: true})
	assertMode(t, m, ModeV2, "")
	assertDirs(t, m, point+"/agora")
}

func TestDetectNothingUsable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(h *fakeHost)
		reason string
	}{
		{"no cgroups at all", func(*fakeHost) {}, "found no cgroup file system"},
		{"v2 without memory and cpu", func(h *fakeHost) { h.v2("", "hugetlb pids", "") },
			"offering [hugetlb pids]"},
		{"v1 without cpu", func(h *fakeHost) { h.v1("memory"); h.v1("freezer") },
			"cgroup v1 hierarchies for [freezer memory]"},
		{"read-only or unusable", func(h *fakeHost) {
			h.v1("cpu")
			mem := h.v1("memory")
			_ = os.Remove(mem)
			h.write(mem, "")
		}, "cannot create the root cgroup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newFakeHost(t)
			tc.setup(h)
			assertMode(t, h.detect(Options{}), ModeNone, tc.reason)
		})
	}
}

func TestDetectRejectsRootsThatEscape(t *testing.T) {
	for _, root := range []string{"/abs", "../up", "a/../b", "a//b", "."} {
		h := newFakeHost(t)
		h.v1("memory")
		h.v1("cpu")
		assertMode(t, h.detect(Options{Root: root}), ModeNone, "must be a relative path")
	}
}

func TestDetectWithoutAMountTable(t *testing.T) {
	m := Detect(Options{mountinfoPath: filepath.Join(t.TempDir(), "missing"), euid: func() int { return 0 }})
	assertMode(t, m, ModeNone, "cannot read the mount table")
}

func TestValidateID(t *testing.T) {
	for _, id := range []string{"", ".", "..", "a/b", "a\nb", strings.Repeat("x", 256)} {
		if err := ValidateID(id); err == nil {
			t.Errorf("%q accepted", id)
		}
	}
	for _, id := range []string{"4a6f1f07-7d5e-4b6c-9e3f-2a1b0c9d8e7f", "web.1", "x"} {
		if err := ValidateID(id); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
}
