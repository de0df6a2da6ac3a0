package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"agora/agent/containerizer"
)

// The agent keeps the id the master gave it in its work directory, so that
// an agent process that is restarted on the same work directory registers
// again as the same agent. It comes back without tasks (they ended with the
// previous process), and the master reconciles: whatever it thought ran
// there is gone. (Mesos keeps this in meta/slaves/latest with its
// checkpointed state; agora checkpoints nothing else.)

// agentIDPath is where the agent id is kept.
func agentIDPath(workDir string) string {
	return filepath.Join(workDir, "meta", "agent_id")
}

// loadAgentID returns the id kept in workDir, or "" if there is none.
func loadAgentID(workDir string) (string, error) {
	data, err := os.ReadFile(agentIDPath(workDir))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("agent: read agent id: %w", err)
	}
	id := strings.TrimSpace(string(data))
	if err := containerizer.ValidateID(id); err != nil {
		return "", fmt.Errorf("agent: agent id in %s: %w", agentIDPath(workDir), err)
	}
	return id, nil
}

// saveAgentID keeps id in workDir, replacing the file atomically.
func saveAgentID(workDir, id string) error {
	path := agentIDPath(workDir)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(id+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
