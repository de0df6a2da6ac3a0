package scheduler

import (
	"testing"

	mesospb "agora/api/mesos/v1"
)

// The in-memory store keeps what reconciliation must confirm: tasks not
// yet in a terminal state. A terminal state or TASK_UNKNOWN (the master
// knows nothing of the task) ends its record; TASK_UNREACHABLE does not,
// since the task may come back with its agent.
func TestMemoryStore(t *testing.T) {
	s := NewMemoryStore()
	var _ TaskStore = s
	put := func(id string, state mesospb.TaskState) {
		t.Helper()
		if err := s.Put(Task{ID: id, AgentID: "a1", State: state}); err != nil {
			t.Fatal(err)
		}
	}
	put("c", mesospb.TaskState_TASK_STAGING)
	put("a", mesospb.TaskState_TASK_RUNNING)
	put("b", mesospb.TaskState_TASK_UNREACHABLE)
	put("d", mesospb.TaskState_TASK_RUNNING)
	put("d", mesospb.TaskState_TASK_FINISHED)
	put("e", mesospb.TaskState_TASK_UNKNOWN)
	put("c", mesospb.TaskState_TASK_RUNNING)
	left, err := s.NonTerminal()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, task := range left {
		got = append(got, task.ID+":"+task.State.String())
	}
	want := []string{"a:TASK_RUNNING", "b:TASK_UNREACHABLE", "c:TASK_RUNNING"}
	if len(got) != len(want) {
		t.Fatalf("NonTerminal %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("NonTerminal %v, want %v (sorted by id)", got, want)
		}
	}
	if task, ok, _ := s.Get("c"); !ok || task.AgentID != "a1" || task.State != mesospb.TaskState_TASK_RUNNING {
		t.Fatalf("Get(c) = %v, %v", task, ok)
	}
	if _, ok, _ := s.Get("d"); ok {
		t.Fatal("Get(d) found a finished task")
	}
	for state, terminal := range map[mesospb.TaskState]bool{
		mesospb.TaskState_TASK_FINISHED: true, mesospb.TaskState_TASK_FAILED: true, mesospb.TaskState_TASK_KILLED: true,
		mesospb.TaskState_TASK_ERROR: true, mesospb.TaskState_TASK_LOST: true, mesospb.TaskState_TASK_DROPPED: true,
		mesospb.TaskState_TASK_GONE: true, mesospb.TaskState_TASK_GONE_BY_OPERATOR: true,
		mesospb.TaskState_TASK_STAGING: false, mesospb.TaskState_TASK_STARTING: false, mesospb.TaskState_TASK_RUNNING: false,
		mesospb.TaskState_TASK_KILLING: false, mesospb.TaskState_TASK_UNREACHABLE: false, mesospb.TaskState_TASK_UNKNOWN: false,
	} {
		if IsTerminal(state) != terminal {
			t.Errorf("IsTerminal(%v) = %v", state, !terminal)
		}
	}
}
