package agent_test

import (
	"errors"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"agora/agent"
	mesospb "agora/api/mesos/v1"
)

// waitGone waits until path no longer exists.
func waitGone(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not deleted", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSandboxOfAnEndedRunIsDeletedAfterTheDelay(t *testing.T) {
	m, a := registered(t, agent.Config{GCDelay: 300 * time.Millisecond, DiskWatchInterval: time.Hour})
	m.runTask(frameworkInfo(), shellTask("done", "echo bye"))
	m.waitUpdates("done", mesospb.TaskState_TASK_FINISHED)
	run := executorDirectory(t, a, "done")
	waitGone(t, run)
	// Its empty parents go too, up to the framework's directory; the
	// agent's frameworks/ stays.
	fwDir := filepath.Join(a.workDir, "slaves", "agent-1", "frameworks", "fw-1")
	waitGone(t, fwDir)
	if _, err := os.Stat(filepath.Dir(fwDir)); err != nil {
		t.Errorf("frameworks/ was removed: %v", err)
	}
	// And the files API no longer finds it.
	if status, body := filesGet(t, a, "read", url.Values{"path": {run + "/stdout"}, "offset": {"0"}}); status != 404 {
		t.Errorf("read of a deleted sandbox: %d %s", status, body)
	}
}

func TestSandboxOfALiveExecutorIsKept(t *testing.T) {
	m, a := registered(t, agent.Config{GCDelay: 50 * time.Millisecond, DiskWatchInterval: time.Hour})
	m.runTask(frameworkInfo(), shellTask("done", "true"))
	m.runTask(frameworkInfo(), shellTask("live", "sleep 60"))
	m.waitUpdates("done", mesospb.TaskState_TASK_FINISHED)
	m.waitUpdates("live", mesospb.TaskState_TASK_RUNNING)
	waitGone(t, executorDirectory(t, a, "done"))
	// The running task's sandbox, and so its framework's directory, stay.
	if _, err := os.Stat(filepath.Join(a.sandbox("fw-1", "live"), "stdout")); err != nil {
		t.Errorf("the live task's sandbox: %v", err)
	}
}

// With all of the disk as headroom, the sandbox age limit is zero: the
// first disk check deletes every ended run, whatever --gc_delay says.
func TestFullDiskPrunesEarly(t *testing.T) {
	m, a := registered(t, agent.Config{GCDelay: 24 * time.Hour, GCDiskHeadroom: 1, DiskWatchInterval: 50 * time.Millisecond})
	m.runTask(frameworkInfo(), shellTask("done", "echo bye"))
	m.waitUpdates("done", mesospb.TaskState_TASK_FINISHED)
	waitGone(t, executorDirectory(t, a, "done"))
}

// Runs left on disk by an earlier agent are scheduled from their last
// modification: long-finished ones go at once, with their empty parents.
func TestRunsFoundOnDiskAreCollected(t *testing.T) {
	workDir := t.TempDir()
	old := filepath.Join(workDir, "slaves", "old-agent", "frameworks", "fw-0", "executors", "ex", "runs", "c1")
	recent := filepath.Join(workDir, "slaves", "old-agent", "frameworks", "fw-0", "executors", "ex", "runs", "c2")
	for _, dir := range []string{old, recent} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "stdout"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("c1", filepath.Join(filepath.Dir(old), "latest")); err != nil {
		t.Fatal(err)
	}
	long := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	_, _ = registered(t, agent.Config{WorkDir: workDir, GCDelay: time.Hour, DiskWatchInterval: time.Hour})
	waitGone(t, old)
	waitGone(t, filepath.Join(filepath.Dir(old), "latest"))
	// The recent run waits for its hour; its directories stay.
	if _, err := os.Stat(filepath.Join(recent, "stdout")); err != nil {
		t.Errorf("a run modified just now was deleted: %v", err)
	}
}

func TestGCDiskHeadroomMustBeAFraction(t *testing.T) {
	for _, headroom := range []float64{1.5, math.NaN()} {
		_, err := agent.New(agent.Config{Master: "127.0.0.1:5050", WorkDir: t.TempDir(), Listen: "127.0.0.1:0", GCDiskHeadroom: headroom})
		if !errors.Is(err, agent.ErrInvalidConfig) {
			t.Errorf("GCDiskHeadroom %v: %v; want ErrInvalidConfig", headroom, err)
		}
	}
}
