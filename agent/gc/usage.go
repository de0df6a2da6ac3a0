package gc

import (
	"fmt"
	"syscall"
)

// Usage is the fraction (0 to 1) of the file system holding path that is
// in use, as Mesos's fs::usage computes it: (blocks − free blocks) /
// blocks.
func Usage(path string) (float64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, fmt.Errorf("gc: disk usage of %s: %w", path, err)
	}
	if st.Blocks == 0 {
		return 0, nil
	}
	return float64(st.Blocks-st.Bfree) / float64(st.Blocks), nil
}
