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

func sysProcAttr(*syscall.Credential) *syscall.SysProcAttr { return nil }

func credential(string, int) (*syscall.Credential, error) {
	return nil, fmt.Errorf("%w: %w", ErrLaunch, errNotLinux)
}

func waitExited(int) error                             { return errNotLinux }
func signalContainer(int, syscall.Signal) error        { return errNotLinux }
func containerProcesses(int) ([]int, error)            { return nil, errNotLinux }
func signalAndList(int, syscall.Signal) ([]int, error) { return nil, errNotLinux }
