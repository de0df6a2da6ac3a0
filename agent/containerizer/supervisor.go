//go:build unix

package containerizer

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"agora/agent/containerizer/internal/supervisor"
)

// The agent's side of the agent-supervisor protocol: reading the
// supervisor's reports and the status files it leaves. The supervisor
// itself, and the formats, are in internal/supervisor, a package that
// imports nothing above os so that a supervisor starts without running
// the initialisers of the rest of the agent's binary.

// sigKillTree asks a supervisor to SIGKILL the whole container.
const sigKillTree = supervisor.SigKillTree

// supervisorReport is one line on the report pipe.
type supervisorReport struct {
	Started int
	Error   string
	Exited  *ExitStatus
}

// statusRecord is an ExitStatus in status files.
type statusRecord struct {
	Code       int  `json:"code"`
	Signal     int  `json:"signal,omitempty"`
	CoreDumped bool `json:"core_dumped,omitempty"`
}

func (r *statusRecord) status() ExitStatus {
	return ExitStatus{Code: r.Code, Signal: syscall.Signal(r.Signal), CoreDumped: r.CoreDumped}
}

// readStatusFile reads a status file left by a supervisor.
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
	line, err := r.ReadString('\n')
	if err != nil {
		return supervisorReport{}, err
	}
	line = strings.TrimSuffix(line, "\n")
	bad := fmt.Errorf("supervisor report %q", line)
	kind, rest, _ := strings.Cut(line, " ")
	switch kind {
	case "started":
		pid, err := strconv.Atoi(rest)
		if err != nil || pid <= 0 {
			return supervisorReport{}, bad
		}
		return supervisorReport{Started: pid}, nil
	case "error":
		return supervisorReport{Error: rest}, nil
	case "exited":
		f := strings.Fields(rest)
		if len(f) != 3 {
			return supervisorReport{}, bad
		}
		code, err1 := strconv.Atoi(f[0])
		sig, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil || (f[2] != "0" && f[2] != "1") {
			return supervisorReport{}, bad
		}
		return supervisorReport{Exited: &ExitStatus{Code: code, Signal: syscall.Signal(sig), CoreDumped: f[2] == "1"}}, nil
	}
	return supervisorReport{}, bad
}
