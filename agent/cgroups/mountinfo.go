package cgroups

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// mount is one cgroup file system from /proc/self/mountinfo.
type mount struct {
	// point is where it is mounted, e.g. /sys/fs/cgroup/memory.
	point string
	// root is the cgroup the mount point shows, relative to the
	// hierarchy's root: "/" normally, a deeper path for a bind mount of a
	// subtree (as container runtimes give containers without a cgroup
	// namespace).
	root string
	// v2 marks the unified hierarchy (file system type cgroup2).
	v2 bool
	// controllers are a v1 hierarchy's controllers, from its super options
	// ("rw,cpu,cpuacct" → cpu, cpuacct). Empty for v2, whose controllers
	// are in cgroup.controllers.
	controllers []string
}

// v1Controllers are the controller names a v1 mount's super options can
// carry; other options (rw, relatime, name=systemd, xattr, …) are not
// controllers.
var v1Controllers = map[string]bool{
	"blkio": true, "cpu": true, "cpuacct": true, "cpuset": true,
	"devices": true, "freezer": true, "hugetlb": true, "memory": true,
	"net_cls": true, "net_prio": true, "perf_event": true, "pids": true,
	"rdma": true, "misc": true,
}

// parseMountinfo returns the cgroup and cgroup2 mounts of a
// /proc/<pid>/mountinfo file (proc(5)):
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//	(1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)   (10)         (11)
//
// Lines that are not cgroup mounts are skipped; a malformed line is an
// error, since guessing could put containers in the wrong place.
func parseMountinfo(data []byte) ([]mount, error) {
	var mounts []mount
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		fields := strings.Fields(line)
		sep := -1
		for i := 6; i < len(fields); i++ {
			if fields[i] == "-" {
				sep = i
				break
			}
		}
		if len(fields) < 7 || sep < 0 || len(fields) < sep+4 {
			return nil, fmt.Errorf("mountinfo line %d: %q is not \"id parent dev root point options [tags] - type source super\"", n, line)
		}
		fsType, super := fields[sep+1], fields[sep+3]
		if fsType != "cgroup" && fsType != "cgroup2" {
			continue
		}
		m := mount{
			root:  unescapeMountPath(fields[3]),
			point: unescapeMountPath(fields[4]),
			v2:    fsType == "cgroup2",
		}
		if !m.v2 {
			for opt := range strings.SplitSeq(super, ",") {
				if v1Controllers[opt] {
					m.controllers = append(m.controllers, opt)
				}
			}
		}
		mounts = append(mounts, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mountinfo: %w", err)
	}
	return mounts, nil
}

// unescapeMountPath undoes the kernel's octal escapes in mountinfo paths
// (\040 for a space, \011 tab, \012 newline, \134 backslash).
func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// selfCgroups is a parsed /proc/<pid>/cgroup: the process's cgroup in each
// hierarchy.
type selfCgroups struct {
	// v1 maps each v1 controller to the process's cgroup in its hierarchy.
	v1 map[string]string
	// v2 is the process's cgroup in the unified hierarchy; "" when the
	// file has no "0::" line.
	v2 string
}

// parseSelfCgroup parses /proc/<pid>/cgroup (cgroups(7)):
//
//	4:memory:/process_api/79607a1a
//	2:cpu,cpuacct:/
//	0::/system.slice/agora.service
func parseSelfCgroup(data []byte) (selfCgroups, error) {
	s := selfCgroups{v1: map[string]string{}}
	for n, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		id, rest, ok1 := strings.Cut(line, ":")
		list, path, ok2 := strings.Cut(rest, ":")
		if !ok1 || !ok2 || !strings.HasPrefix(path, "/") {
			return selfCgroups{}, fmt.Errorf("cgroup file line %d: %q is not \"id:controllers:/path\"", n+1, line)
		}
		if id == "0" && list == "" {
			s.v2 = path
			continue
		}
		for c := range strings.SplitSeq(list, ",") {
			if v1Controllers[c] {
				s.v1[c] = path
			}
		}
	}
	return s, nil
}
