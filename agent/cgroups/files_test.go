package cgroups

import (
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeCgroup is a container cgroup made of plain files, for the parts of
// the package that only read and write control files. Real cgroups are
// exercised in cgroup_test.go; this covers what this host's kernel cannot
// show (cgroup v2 controllers, old kernels' files).
func fakeCgroup(t *testing.T, mode Mode, opts Options, files map[string]string) *Cgroup {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "c1")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts.Logger = slog.New(slog.DiscardHandler)
	m := &Manager{mode: mode, opts: opts, log: opts.Logger,
		hierarchies: []hierarchy{{dir: root, controllers: []string{"memory", "cpu", "cpuacct", "freezer"}}}}
	return &Cgroup{m: m, id: "c1", dirs: []string{dir}}
}

func assertFiles(t *testing.T, c *Cgroup, want map[string]string) {
	t.Helper()
	for name, w := range want {
		got, err := os.ReadFile(filepath.Join(c.dirs[0], name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != w {
			t.Errorf("%s = %q, want %q", name, got, w)
		}
	}
}

func v2Files() map[string]string {
	return map[string]string{
		"cpu.weight": "100\n", "cpu.max": "max 100000\n", "memory.max": "max\n",
		"memory.swap.max": "max\n", "memory.oom.group": "0\n",
	}
}

func TestV2LimitsInCgroupV2Units(t *testing.T) {
	c := fakeCgroup(t, ModeV2, Options{EnableCFS: true, LimitSwap: true}, v2Files())
	if err := c.update(Limits{CPUs: 0.5, MemoryBytes: 100 << 20}, true); err != nil {
		t.Fatal(err)
	}
	assertFiles(t, c, map[string]string{
		"cpu.weight": "50", "cpu.max": "50000 100000", "memory.max": "104857600",
		"memory.swap.max": "0", "memory.oom.group": "1",
	})

	// Weights stay within Linux's [1, 10000]; quotas above 1 ms; the hard
	// memory limit only grows.
	if err := c.Update(Limits{CPUs: 200, MemoryBytes: 50 << 20}); err != nil {
		t.Fatal(err)
	}
	assertFiles(t, c, map[string]string{"cpu.weight": "10000", "cpu.max": "20000000 100000", "memory.max": "104857600"})
	if err := c.Update(Limits{CPUs: 0.001, MemoryBytes: 200 << 20}); err != nil {
		t.Fatal(err)
	}
	assertFiles(t, c, map[string]string{"cpu.weight": "1", "cpu.max": "1000 100000", "memory.max": "209715200"})
}

func TestV2WithoutCFSOrSwapLimit(t *testing.T) {
	c := fakeCgroup(t, ModeV2, Options{}, v2Files())
	if err := c.update(Limits{CPUs: 2, MemoryBytes: 1 << 20}, true); err != nil {
		t.Fatal(err)
	}
	assertFiles(t, c, map[string]string{
		"cpu.weight": "200", "cpu.max": "max 100000",
		"memory.max":      "33554432", // raised to MinMemoryBytes
		"memory.swap.max": "max\n",
	})
}

func TestInvalidLimits(t *testing.T) {
	c := fakeCgroup(t, ModeV2, Options{}, v2Files())
	for _, l := range []Limits{{CPUs: -1}, {MemoryBytes: -1}, {CPUs: math.Inf(1)}, {CPUs: math.NaN()}} {
		if err := c.Update(l); err == nil {
			t.Errorf("%+v accepted", l)
		}
	}
}

func TestLimitation(t *testing.T) {
	v1 := func(oomControl, failcnt string) map[string]string {
		return map[string]string{
			"memory.oom_control": oomControl, "memory.failcnt": failcnt,
			"memory.limit_in_bytes": "67108864\n", "memory.max_usage_in_bytes": "67100000\n",
			"memory.stat": "cache 0\nrss 66060288\n",
		}
	}
	// A memory+swap limit: Linux 6.x counts no failures, the peak shows
	// the limit was reached.
	v1Swap := func() map[string]string {
		f := v1("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n", "0\n")
		f["memory.max_usage_in_bytes"] = "67108864\n"
		f["memory.memsw.failcnt"] = "0\n"
		f["memory.memsw.limit_in_bytes"] = "67108864\n"
		f["memory.memsw.max_usage_in_bytes"] = "67108864\n"
		return f
	}
	v2 := func(events string) map[string]string {
		return map[string]string{
			"memory.events": events, "memory.max": "67108864\n",
			"memory.stat": "anon 66060288\nfile 4096\nkernel 1048576\n",
		}
	}
	for _, tc := range []struct {
		name    string
		mode    Mode
		files   map[string]string
		message string // "" when there is no limitation
	}{
		{"v1 killed at its limit", ModeV1, v1("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n", "12\n"),
			"Memory limit exceeded: Requested: 64MB Maximum Used: 67100000B\n\nMEMORY STATISTICS: \ncache 0\nrss 66060288\n"},
		{"v1 killed at its memory+swap limit", ModeV1, v1Swap(), "Memory limit exceeded: Requested: 64MB Maximum Used: 64MB\n"},
		{"v1 reclaimed at its limit", ModeV1, v1("oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", "12\n"), ""},
		{"v1 killed by a host-wide OOM", ModeV1, v1("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n", "0\n"), ""},
		{"v1 old kernel, OOM killer disabled", ModeV1, v1("oom_kill_disable 1\nunder_oom 1\n", "3\n"),
			"Memory limit exceeded: Requested: 64MB"},
		{"v2 killed at its limit", ModeV2, v2("low 0\nhigh 0\nmax 40\noom 1\noom_kill 1\n"),
			"Memory limit exceeded: Requested: 64MB\n\nMEMORY STATISTICS post-OOM: \nanon: 63MB\nfile: 4KB\nkernel: 1MB\n"},
		{"v2 throttled at its limit", ModeV2, v2("low 0\nhigh 0\nmax 40\noom 0\noom_kill 0\n"), ""},
		{"v2 killed by a host-wide OOM", ModeV2, v2("low 0\nhigh 0\nmax 0\noom 0\noom_kill 1\n"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := fakeCgroup(t, tc.mode, Options{}, tc.files).Limitation()
			if err != nil {
				t.Fatal(err)
			}
			if tc.message == "" {
				if l != nil {
					t.Fatalf("limitation %+v, want none", l)
				}
				return
			}
			if l == nil {
				t.Fatal("no limitation")
			}
			if l.Resource != "mem" || l.LimitBytes != 64<<20 || !strings.HasPrefix(l.Message, tc.message) {
				t.Errorf("limitation %+v, want mem, 64MB and a message starting %q", l, tc.message)
			}
		})
	}
}

func TestFormatBytesAsMesos(t *testing.T) {
	for b, want := range map[int64]string{
		0: "0B", 100: "100B", 1536: "1536B", 2048: "2KB", 1536 << 10: "1536KB",
		64 << 20: "64MB", 1 << 30: "1GB", 3 << 40: "3TB",
	} {
		if got := formatBytes(b); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", b, got, want)
		}
	}
}

func TestParseKeyed(t *testing.T) {
	got := parseKeyed([]byte("oom_kill_disable 0\nunder_oom 1\nbogus\nname value\n oom_kill 7 \n"))
	if len(got) != 3 || got["under_oom"] != 1 || got["oom_kill"] != 7 {
		t.Errorf("parseKeyed = %v", got)
	}
}
