//go:build unix

package containerizer

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// The supervisor's spec, its reports and its status files: the parts of
// the agent-supervisor protocol that are plain data (supervisor_linux.go
// has the supervisor itself).

// supervisorEnv carries the supervisor's spec, JSON-encoded. A process
// started with it set runs as a supervisor (see init) instead of as
// whatever the binary is.
const supervisorEnv = "AGORA_CONTAINER_SUPERVISOR"

// supervisorArg0 names supervisors in ps.
const supervisorArg0 = "agora-container-supervisor"

// reportFD is the supervisor's end of the pipe to the agent.
const reportFD = 3

// sigKillTree asks a supervisor to SIGKILL the whole container.
const sigKillTree = syscall.SIGUSR1

// supervisorSpec is what a supervisor runs: a resolved command.
type supervisorSpec struct {
	Path string   `json:"path"`
	Argv []string `json:"argv"`
	Env  []string `json:"env"`
	Dir  string   `json:"dir"`
	// Credential, when set, is who the command runs as.
	UID    *uint32  `json:"uid,omitempty"`
	GID    uint32   `json:"gid,omitempty"`
	Groups []uint32 `json:"groups,omitempty"`
	// StatusPath receives the command's exit status when it ends.
	StatusPath string `json:"status_path,omitempty"`
	// CgroupProcs are cgroup.procs files the supervisor joins before it
	// starts the command, so that the command and all it starts are in
	// the container's cgroups.
	CgroupProcs []string `json:"cgroup_procs,omitempty"`
}

// supervisorReport is one line on the report pipe.
type supervisorReport struct {
	Started int           `json:"started,omitempty"`
	Error   string        `json:"error,omitempty"`
	Exited  *statusRecord `json:"exited,omitempty"`
}

// statusRecord is an ExitStatus on the pipe and in status files.
type statusRecord struct {
	Code       int  `json:"code"`
	Signal     int  `json:"signal,omitempty"`
	CoreDumped bool `json:"core_dumped,omitempty"`
}

func recordOf(s ExitStatus) *statusRecord {
	return &statusRecord{Code: s.Code, Signal: int(s.Signal), CoreDumped: s.CoreDumped}
}

func (r *statusRecord) status() ExitStatus {
	return ExitStatus{Code: r.Code, Signal: syscall.Signal(r.Signal), CoreDumped: r.CoreDumped}
}

// writeStatusFile records status at path, atomically: a reader sees the
// whole record or none.
func writeStatusFile(path string, status ExitStatus) error {
	b, err := json.Marshal(recordOf(status))
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// readStatusFile reads a status written by writeStatusFile.
func readStatusFile(path string) (ExitStatus, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ExitStatus{}, err
	}
	var r statusRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return ExitStatus{}, fmt.Errorf("status file %s: %w", filepath.Base(path), err)
	}
	return r.status(), nil
}

// readReport reads the supervisor's next report line.
func readReport(r *bufio.Reader) (supervisorReport, error) {
	line, err := r.ReadBytes('\n')
	if err != nil {
		return supervisorReport{}, err
	}
	var rep supervisorReport
	if err := json.Unmarshal(line, &rep); err != nil {
		return supervisorReport{}, fmt.Errorf("supervisor report %q: %w", line, err)
	}
	return rep, nil
}
