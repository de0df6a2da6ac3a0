package agent_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"agora/agent"
	"agora/agent/checkpoint"
	clusterpb "agora/api/agora/cluster/v1"
	mesospb "agora/api/mesos/v1"
)

// The agent's checkpoint is written off its loop (the journal), yet every
// update of a checkpointing framework's task is in the task's log before
// the master has it, and so is the acknowledgement of the update before
// it: a restarted agent never resends what the framework acknowledged, nor
// misses what the master has seen.
func TestUpdatesAreLoggedBeforeTheyAreForwarded(t *testing.T) {
	m := newTestMaster(t)
	workDir := t.TempDir()
	store := checkpoint.Open(workDir, "agent-1")

	var mu sync.Mutex
	var problems []string
	seen := map[string][][]byte{} // task → uuids of its updates, in order
	m.onUpdate = func(u *clusterpb.Call_Update) {
		status := u.GetStatus()
		taskID := status.GetTaskId().GetValue()
		logged := loggedTask(store, taskID)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case logged == nil:
			problems = append(problems, fmt.Sprintf("%s %s: the task has no record", taskID, status.GetState()))
			return
		case !containsUUID(uuidsOf(logged.Updates), status.GetUuid()):
			problems = append(problems, fmt.Sprintf("%s %s: forwarded before it was logged", taskID, status.GetState()))
		}
		// The test master acknowledges every update as it arrives.
		for _, before := range seen[taskID] {
			if !bytes.Equal(before, status.GetUuid()) && !containsUUID(logged.Acknowledged, before) {
				problems = append(problems, fmt.Sprintf("%s %s: forwarded before the previous acknowledgement was logged",
					taskID, status.GetState()))
			}
		}
		if !containsUUID(seen[taskID], status.GetUuid()) {
			seen[taskID] = append(seen[taskID], status.GetUuid())
		}
	}
	startAgent(t, m, agent.Config{WorkDir: workDir})
	m.waitRegister()

	fw := checkpointingFramework()
	const tasks = 20
	for i := range tasks {
		m.runTask(fw, commandTask(fmt.Sprintf("t%d", i), "true"))
	}
	for i := range tasks {
		wantStates(t, m.waitUpdates(fmt.Sprintf("t%d", i), mesospb.TaskState_TASK_FINISHED),
			mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_FINISHED)
	}
	// Tasks joining a running custom executor wait in its queue until
	// their records are written (tasksRecorded); they must still all get
	// there, and their updates follow the same rule.
	exInfo := testExecutorInfo(t, "ex-1")
	m.runTask(fw, executorTask("e0", exInfo, ""))
	m.waitUpdates("e0", mesospb.TaskState_TASK_FINISHED)
	for i := 1; i < 6; i++ {
		m.runTask(fw, executorTask(fmt.Sprintf("e%d", i), exInfo, ""))
	}
	for i := 1; i < 6; i++ {
		wantStates(t, m.waitUpdates(fmt.Sprintf("e%d", i), mesospb.TaskState_TASK_FINISHED),
			mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_FINISHED)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}

// loggedTask reads a task's record from the checkpoint; nil if it has none.
func loggedTask(store *checkpoint.Store, taskID string) *checkpoint.Task {
	state, _ := store.Read() // the agent is writing it
	if state == nil {
		return nil
	}
	for _, fw := range state.Frameworks {
		for _, ex := range fw.Executors {
			for _, task := range ex.Tasks {
				if task.Info.GetTaskId().GetValue() == taskID {
					return &task
				}
			}
		}
	}
	return nil
}

func uuidsOf(updates []*mesospb.TaskStatus) [][]byte {
	var out [][]byte
	for _, u := range updates {
		out = append(out, u.GetUuid())
	}
	return out
}

func containsUUID(list [][]byte, uuid []byte) bool {
	for _, u := range list {
		if bytes.Equal(u, uuid) {
			return true
		}
	}
	return false
}
