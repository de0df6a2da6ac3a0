package cgroups

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Control files are small and read whole; writes are one write(2), as the
// kernel parses each write separately.

// writeFile writes value to an existing control file. It never creates
// one: a missing file means a controller that is not there.
func writeFile(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, werr := f.Write([]byte(value))
	cerr := f.Close()
	if werr != nil {
		return fmt.Errorf("write %q to %s: %w", value, path, werr)
	}
	return cerr
}

// readFields reads a control file of space-separated words
// (cgroup.controllers, cgroup.subtree_control).
func readFields(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(data)), nil
}

// readInt reads a control file holding one integer. "max" (cgroup v2's
// "no limit") reads as -1.
func readInt(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(data))
	if s == "max" {
		return -1, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a number", path, s)
	}
	return v, nil
}

// readKeyed reads a flat keyed file ("key value" lines: memory.stat,
// memory.events, cpu.stat, memory.oom_control, cgroup.events). Lines that
// are not "key integer" are skipped.
func readKeyed(path string) (map[string]int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseKeyed(data), nil
}

func parseKeyed(data []byte) map[string]int64 {
	out := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if !ok {
			continue
		}
		if v, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64); err == nil {
			out[key] = v
		}
	}
	return out
}

// readPids reads cgroup.procs (or tasks): one pid a line.
func readPids(path string) ([]int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pids []int
	for line := range strings.FieldsSeq(string(data)) {
		pid, err := strconv.Atoi(line)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a pid", path, line)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// exists reports whether path exists.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// formatBytes prints a size as stout's Bytes does in Mesos's messages: in
// the largest unit that loses nothing ("64MB", "1536KB", "100B").
func formatBytes(b int64) string {
	switch {
	case b == 0:
		return "0B"
	case b%(1<<10) != 0:
		return strconv.FormatInt(b, 10) + "B"
	case b%(1<<20) != 0:
		return strconv.FormatInt(b>>10, 10) + "KB"
	case b%(1<<30) != 0:
		return strconv.FormatInt(b>>20, 10) + "MB"
	case b%(1<<40) != 0:
		return strconv.FormatInt(b>>30, 10) + "GB"
	default:
		return strconv.FormatInt(b>>40, 10) + "TB"
	}
}
