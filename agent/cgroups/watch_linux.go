package cgroups

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// watchOOM arms the kernel's notification for the container's memory
// cgroup dir: in v1 an eventfd registered for memory.oom_control through
// cgroup.event_control (signalled on OOM and when the cgroup is removed),
// in v2 an inotify watch on memory.events (modified whenever a counter
// changes; IN_IGNORED when the cgroup is removed).
func (c *Cgroup) watchOOM(dir string) (oomWatch, error) {
	var w *fdWatch
	var err error
	if c.m.mode == ModeV2 {
		w, err = watchFile(filepath.Join(dir, "memory.events"))
	} else {
		w, err = watchV1OOM(dir)
	}
	if err != nil {
		return nil, err
	}
	return w, nil
}

// fdWatch waits for a non-blocking notification descriptor to become
// readable, through the runtime's poller.
type fdWatch struct {
	f     *os.File
	extra *os.File // kept open as long as the registration lives
}

func (w *fdWatch) wait(ctx context.Context) (bool, error) {
	stop := context.AfterFunc(ctx, func() { _ = w.f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, 4096)
	if _, err := w.f.Read(buf); err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return false, err
	}
	return true, nil
}

func (w *fdWatch) close() {
	_ = w.f.Close()
	if w.extra != nil {
		_ = w.extra.Close()
	}
}

// watchFile watches a cgroup v2 file for modifications.
func watchFile(path string) (*fdWatch, error) {
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC | syscall.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	if _, err := syscall.InotifyAddWatch(fd, path, syscall.IN_MODIFY); err != nil {
		_ = syscall.Close(fd)
		return nil, fmt.Errorf("inotify %s: %w", path, err)
	}
	return &fdWatch{f: os.NewFile(uintptr(fd), "inotify")}, nil
}

// eventfd flags (EFD_CLOEXEC, EFD_NONBLOCK are O_CLOEXEC, O_NONBLOCK).
const efdFlags = syscall.O_CLOEXEC | syscall.O_NONBLOCK

// watchV1OOM registers an eventfd for OOM notifications of a v1 memory
// cgroup (Documentation/admin-guide/cgroup-v1/memory.rst, "OOM Control").
func watchV1OOM(dir string) (*fdWatch, error) {
	efd, _, errno := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, efdFlags, 0)
	if errno != 0 {
		return nil, fmt.Errorf("eventfd: %w", errno)
	}
	w := &fdWatch{f: os.NewFile(efd, "eventfd")}
	ctl, err := os.Open(filepath.Join(dir, "memory.oom_control"))
	if err != nil {
		w.close()
		return nil, err
	}
	w.extra = ctl
	registration := strconv.Itoa(int(efd)) + " " + strconv.Itoa(int(ctl.Fd()))
	if err := writeFile(filepath.Join(dir, "cgroup.event_control"), registration); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}
