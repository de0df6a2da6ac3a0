package scheduler

import (
	"sort"
	"sync"

	mesospb "agora/api/mesos/v1"
)

// Task is what the driver remembers of one task: enough to reconcile it.
type Task struct {
	ID      string
	AgentID string // empty when unknown
	State   mesospb.TaskState
}

// TaskStore keeps the latest known state of the framework's tasks so that
// the driver can reconcile them after a re-subscription. The driver records
// every task it launches (as TASK_STAGING) and every status update it
// receives. Implementations must be safe for concurrent use; a framework
// that must survive its own restarts backs the store with durable storage
// and passes it to a new driver along with its framework id.
type TaskStore interface {
	// Put records t as the latest state of task t.ID. A store may forget
	// a task once its state is terminal.
	Put(t Task) error
	// Get returns the task's latest recorded state.
	Get(id string) (Task, bool, error)
	// NonTerminal returns every task whose latest state is not terminal.
	NonTerminal() ([]Task, error)
}

// MemoryStore is the default TaskStore: a map in memory, forgetting tasks
// when they reach a terminal state or TASK_UNKNOWN (the master knows
// nothing of the task, so asking it again would only repeat the answer).
type MemoryStore struct {
	mu    sync.Mutex
	tasks map[string]Task
}

var _ TaskStore = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{tasks: map[string]Task{}} }

// Put records t, or forgets the task when t.State is terminal or
// TASK_UNKNOWN.
func (s *MemoryStore) Put(t Task) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if IsTerminal(t.State) || t.State == mesospb.TaskState_TASK_UNKNOWN {
		delete(s.tasks, t.ID)
		return nil
	}
	if t.AgentID == "" {
		t.AgentID = s.tasks[t.ID].AgentID
	}
	s.tasks[t.ID] = t
	return nil
}

// Get returns the task's latest non-terminal state.
func (s *MemoryStore) Get(id string) (Task, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	return t, ok, nil
}

// NonTerminal returns the tasks not known to be terminal, by id.
func (s *MemoryStore) NonTerminal() ([]Task, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Task, 0, len(s.tasks))
	for _, t := range s.tasks {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// IsTerminal reports whether a task in state s will never change again
// (Mesos's protobuf::isTerminalState, plus the partition-aware states that
// are final: TASK_DROPPED, TASK_GONE, TASK_GONE_BY_OPERATOR). TASK_LOST is
// terminal for Mesos even though a lost task may come back as RUNNING when
// its agent returns; TASK_UNREACHABLE and TASK_UNKNOWN are not terminal.
func IsTerminal(s mesospb.TaskState) bool {
	switch s {
	case mesospb.TaskState_TASK_FINISHED, mesospb.TaskState_TASK_FAILED, mesospb.TaskState_TASK_KILLED,
		mesospb.TaskState_TASK_ERROR, mesospb.TaskState_TASK_LOST, mesospb.TaskState_TASK_DROPPED,
		mesospb.TaskState_TASK_GONE, mesospb.TaskState_TASK_GONE_BY_OPERATOR:
		return true
	}
	return false
}
