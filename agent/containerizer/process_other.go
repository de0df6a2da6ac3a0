//go:build unix && !linux

package containerizer

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
)

// Supervising a container needs Linux: waitid without reaping and /proc.

var errNotLinux = fmt.Errorf("%w: processes are launched on Linux only, not %s", errors.ErrUnsupported, runtime.GOOS)

func sysProcAttr() *syscall.SysProcAttr { return nil }

func credential(string, int) (*syscall.Credential, error) {
	return nil, fmt.Errorf("%w: %w", ErrLaunch, errNotLinux)
}

func signalAndList(int, syscall.Signal) ([]int, error) { return nil, errNotLinux }

type procStat struct {
	state     byte
	startTime uint64
}

func readStat(int) (procStat, bool) { return procStat{}, false }
