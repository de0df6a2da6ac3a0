//go:build unix

package cgroups

import "syscall"

// kill sends SIGKILL to one process.
func kill(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }
