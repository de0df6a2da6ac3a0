package containerizer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrInvalidID reports an agent, framework, executor or container ID that
// cannot name a directory in the sandbox layout.
var ErrInvalidID = errors.New("containerizer: invalid ID")

// LatestSymlink is the name of the link, beside an executor's runs, that
// points at its most recent run (Mesos's paths::LATEST_SYMLINK).
const LatestSymlink = "latest"

const (
	// maxIDLength is NAME_MAX: an ID is one path component.
	maxIDLength = 255
	// maxContainerIDLength leaves room in a NAME_MAX component for the
	// suffixes Mesos appends to container IDs (MAX_CONTAINER_ID_LENGTH).
	maxContainerIDLength = 242
)

// ValidateID checks an agent, framework or executor ID the way Mesos does
// before it uses one as a directory name (common::validation::validateID):
// not empty, at most 255 bytes, not "." or "..", and free of control
// characters and path separators. The ID then names exactly one directory
// and cannot climb out of the work directory.
func ValidateID(id string) error {
	return validateID("ID", id)
}

// validateID checks id and names it by kind ("executor ID") in errors.
func validateID(kind, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: %s must not be empty", ErrInvalidID, kind)
	case len(id) > maxIDLength:
		return fmt.Errorf("%w: %s %q is longer than %d bytes", ErrInvalidID, kind, id, maxIDLength)
	case id == "." || id == "..":
		return fmt.Errorf("%w: %s %q is not allowed", ErrInvalidID, kind, id)
	}
	for i := 0; i < len(id); i++ {
		// Bytewise, as Mesos checks with iscntrl in the C locale: the bytes
		// of multi-byte UTF-8 characters are all >= 0x80 and allowed.
		if c := id[i]; c < 0x20 || c == 0x7f || c == '/' || c == '\\' {
			return fmt.Errorf("%w: %s %q contains %q; IDs must not contain control characters, '/' or '\\'",
				ErrInvalidID, kind, id, string(c))
		}
	}
	return nil
}

// validateContainerID adds Mesos's container ID rules
// (slave::validation::container::validateContainerId): no '.' (Mesos writes
// nested container IDs as parent.child) and no spaces.
func validateContainerID(id string) error {
	if err := validateID("container ID", id); err != nil {
		return err
	}
	if len(id) > maxContainerIDLength {
		return fmt.Errorf("%w: container ID %q is longer than %d bytes", ErrInvalidID, id, maxContainerIDLength)
	}
	if strings.ContainsAny(id, ". ") {
		return fmt.Errorf("%w: container ID %q must not contain '.' or spaces", ErrInvalidID, id)
	}
	return nil
}

// executorPath is <work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>,
// the directory that holds an executor's runs (Mesos's getExecutorPath).
func executorPath(workDir, agentID, frameworkID, executorID string) (string, error) {
	if workDir == "" {
		return "", fmt.Errorf("%w: the work directory must not be empty", ErrInvalidID)
	}
	for _, id := range []struct{ kind, value string }{
		{"agent ID", agentID}, {"framework ID", frameworkID}, {"executor ID", executorID},
	} {
		if err := validateID(id.kind, id.value); err != nil {
			return "", err
		}
	}
	return filepath.Join(workDir, "slaves", agentID, "frameworks", frameworkID, "executors", executorID), nil
}

// SandboxPath returns the sandbox of one executor run, laid out as Mesos
// lays it out (src/slave/paths.hpp, docs/sandbox.md) so that tools that
// browse a Mesos work directory find it:
//
//	<work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>
//
// Every ID is validated first (see ValidateID), so the result always lies
// inside workDir.
func SandboxPath(workDir, agentID, frameworkID, executorID, containerID string) (string, error) {
	executor, err := executorPath(workDir, agentID, frameworkID, executorID)
	if err != nil {
		return "", err
	}
	if err := validateContainerID(containerID); err != nil {
		return "", err
	}
	return filepath.Join(executor, "runs", containerID), nil
}

// LatestRunPath returns the "latest" symlink of an executor:
// <work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/latest.
func LatestRunPath(workDir, agentID, frameworkID, executorID string) (string, error) {
	executor, err := executorPath(workDir, agentID, frameworkID, executorID)
	if err != nil {
		return "", err
	}
	return filepath.Join(executor, "runs", LatestSymlink), nil
}

// CreateSandbox creates the sandbox of an executor run (and its parents) and
// points the executor's "latest" symlink at it, like Mesos's
// createExecutorDirectory. The sandbox is mode 0750 because it holds the
// task's private data. It returns the sandbox path.
//
// The symlink's target is the container ID, relative to the runs directory,
// so it stays valid if the work directory is moved or mounted elsewhere; it
// is replaced atomically, so readers never see the link missing. Giving the
// sandbox to the task's user (chown) is the caller's job.
func CreateSandbox(workDir, agentID, frameworkID, executorID, containerID string) (string, error) {
	sandbox, err := SandboxPath(workDir, agentID, frameworkID, executorID, containerID)
	if err != nil {
		return "", err
	}
	// A framework's executors directory holds one tree per executor (per
	// task, for command tasks): ask the file system to spread them.
	executors := filepath.Dir(filepath.Dir(filepath.Dir(sandbox)))
	if _, err := os.Lstat(executors); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(executors, 0o755); err != nil {
			return "", fmt.Errorf("containerizer: create sandbox: %w", err)
		}
		spreadSubdirectories(executors)
	}
	if err := os.MkdirAll(sandbox, 0o750); err != nil {
		return "", fmt.Errorf("containerizer: create sandbox: %w", err)
	}
	// MkdirAll leaves an existing directory's mode alone and applies the umask.
	if err := os.Chmod(sandbox, 0o750); err != nil {
		return "", fmt.Errorf("containerizer: create sandbox: %w", err)
	}
	runs := filepath.Dir(sandbox)
	latest := filepath.Join(runs, LatestSymlink)
	tmp := filepath.Join(runs, "."+LatestSymlink+"."+containerID)
	_ = os.Remove(tmp) // left behind by a crash between Symlink and Rename
	if err := os.Symlink(containerID, tmp); err != nil {
		return "", fmt.Errorf("containerizer: link %s: %w", latest, err)
	}
	if err := os.Rename(tmp, latest); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("containerizer: link %s: %w", latest, err)
	}
	return sandbox, nil
}

// TasksDirectory is the directory of an executor's sandbox that holds the
// sandboxes of the tasks a default executor runs, one per task:
// <sandbox>/tasks/<task id>. Mesos's default executor makes the same
// path (a link to the task's nested container sandbox) for the web UI.
const TasksDirectory = "tasks"

// TaskSandboxPath returns the sandbox of a task that runs nested in an
// executor's sandbox: <executorSandbox>/tasks/<taskID>. The task ID is
// validated like an executor ID, so the result stays inside the executor's
// sandbox.
func TaskSandboxPath(executorSandbox, taskID string) (string, error) {
	if executorSandbox == "" {
		return "", fmt.Errorf("%w: the executor sandbox must not be empty", ErrInvalidID)
	}
	if err := validateID("task ID", taskID); err != nil {
		return "", err
	}
	return filepath.Join(executorSandbox, TasksDirectory, taskID), nil
}

// CreateTaskSandbox creates a task's sandbox inside its executor's (see
// TaskSandboxPath), mode 0750 like the executor's, and returns its path.
func CreateTaskSandbox(executorSandbox, taskID string) (string, error) {
	sandbox, err := TaskSandboxPath(executorSandbox, taskID)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(sandbox, 0o750); err != nil {
		return "", fmt.Errorf("containerizer: create task sandbox: %w", err)
	}
	if err := os.Chmod(sandbox, 0o750); err != nil {
		return "", fmt.Errorf("containerizer: create task sandbox: %w", err)
	}
	return sandbox, nil
}
