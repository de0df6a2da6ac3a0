package containerizer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// sysProcAttr puts a supervisor in a new session, and so in a new process
// group whose ID is its PID (Mesos's POSIX launcher does the same with
// setsid). The session also detaches the container from the agent's
// terminal, so a Ctrl-C meant for the agent does not reach it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

// credential returns who the process runs as: nil for the agent's own user,
// or the uid, gid and supplementary groups of name when an agent running as
// root (euid 0) switches to it.
func credential(name string, euid int) (*syscall.Credential, error) {
	if name == "" {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		var unknown user.UnknownUserError
		if errors.As(err, &unknown) {
			u, err = user.LookupId(name)
		}
		if err != nil {
			return nil, fmt.Errorf("%w %q: %w", ErrUser, name, err)
		}
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("%w %q: uid %q: %w", ErrUser, name, u.Uid, err)
	}
	if uint64(euid) == uid {
		return nil, nil // already that user: nothing to switch
	}
	if euid != 0 {
		return nil, fmt.Errorf("%w %q: the agent runs as uid %d and only root can switch users; run the agent as root or launch without a user",
			ErrUser, name, euid)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("%w %q: gid %q: %w", ErrUser, name, u.Gid, err)
	}
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	groups, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("%w %q: groups: %w", ErrUser, name, err)
	}
	for _, g := range groups {
		id, err := strconv.ParseUint(g, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%w %q: group %q: %w", ErrUser, name, g, err)
		}
		cred.Groups = append(cred.Groups, uint32(id))
	}
	// Groups is set (possibly empty), so the child never keeps root's
	// supplementary groups.
	if cred.Groups == nil {
		cred.Groups = []uint32{}
	}
	return cred, nil
}

// signalAndList signals every process of leader's container (its process
// group, then session members that moved to groups of their own) and
// returns the PIDs of those still alive, from one pass over /proc: the
// pass costs as much as there are processes on the machine, and it runs
// whenever a task ends, so it is done once rather than once to signal and
// again to look.
func signalAndList(leader int, sig syscall.Signal) ([]int, error) {
	err := syscall.Kill(-leader, sig)
	if errors.Is(err, syscall.ESRCH) {
		err = nil // the group is empty
	}
	procs, listErr := listProcesses()
	var live []int
	for _, p := range procs {
		if p.session == leader && p.pgrp != leader {
			_ = syscall.Kill(p.pid, sig)
		}
		if (p.pgrp == leader || p.session == leader) && p.state != 'Z' && p.state != 'X' {
			live = append(live, p.pid)
		}
	}
	return live, errors.Join(err, listErr)
}

type procStat struct {
	pid, pgrp, session int
	state              byte
	// startTime is when the process started, in clock ticks since boot.
	startTime uint64
}

// listProcesses reads every process's state, group and session from /proc.
// Processes that exit while it reads are skipped.
func listProcesses() ([]procStat, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var procs []procStat
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue // not a process
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		if p, ok := parseStat(pid, data); ok {
			procs = append(procs, p)
		}
	}
	return procs, nil
}

// parseStat reads /proc/<pid>/stat: "pid (comm) state ppid pgrp session ...".
// comm may hold spaces and parentheses, so the fields start after the last
// ')'.
func parseStat(pid int, data []byte) (procStat, bool) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return procStat{}, false
	}
	fields := bytes.Fields(data[i+1:])
	// Fields count from 3 (state) after the comm; starttime is field 22.
	if len(fields) < 20 || len(fields[0]) != 1 {
		return procStat{}, false
	}
	pgrp, err1 := strconv.Atoi(string(fields[2]))
	session, err2 := strconv.Atoi(string(fields[3]))
	start, err3 := strconv.ParseUint(string(fields[19]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return procStat{}, false
	}
	return procStat{pid: pid, state: fields[0][0], pgrp: pgrp, session: session, startTime: start}, true
}

// readStat reads one process's /proc/<pid>/stat.
func readStat(pid int) (procStat, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	return parseStat(pid, data)
}
