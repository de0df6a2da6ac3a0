package agent

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"agora/resources"
)

// DetectMachine finds what the host has, for the resources that --resources
// does not name: logical CPUs, physical memory (/proc/meminfo) and the size
// of the file system holding workDir (statfs). What cannot be detected is
// left zero and resources.WithDefaults falls back to Mesos's figures.
func DetectMachine(workDir string) resources.Machine {
	m := resources.Machine{CPUs: runtime.NumCPU()}
	if total, err := memTotal("/proc/meminfo"); err == nil {
		m.MemoryBytes = total
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(workDir, &fs); err == nil {
		m.DiskBytes = fs.Blocks * uint64(fs.Bsize)
	}
	return m
}

// memTotal reads MemTotal (in kB) from a meminfo file.
func memTotal(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseUint(fields[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: MemTotal %q: %w", path, fields[1], err)
			}
			return kb * 1024, nil
		}
	}
	if err := s.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no MemTotal line", path)
}

// agentResources works out what the agent offers: the --resources flag,
// completed with the machine's detected cpus, mem, disk and ports.
func agentResources(flag, defaultRole string, m resources.Machine) (resources.Resources, error) {
	configured, err := resources.Parse(flag, defaultRole)
	if err != nil {
		return resources.Resources{}, fmt.Errorf("%w: --resources: %w", ErrInvalidConfig, err)
	}
	total, err := resources.WithDefaults(configured, m, defaultRole)
	if err != nil {
		return resources.Resources{}, fmt.Errorf("%w: --default_role: %w", ErrInvalidConfig, err)
	}
	return total, nil
}
