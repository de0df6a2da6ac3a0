package checkpoint

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
)

func status(task string, state mesospb.TaskState, uuid string) *mesospb.TaskStatus {
	return &mesospb.TaskStatus{TaskId: &mesospb.TaskID{Value: proto.String(task)}, State: state.Enum(), Uuid: []byte(uuid)}
}

func TestRoundTrip(t *testing.T) {
	s := Open(t.TempDir(), "agent-1")
	fw := &mesospb.FrameworkInfo{Id: &mesospb.FrameworkID{Value: proto.String("fw")}, User: proto.String("u"),
		Name: proto.String("f"), Checkpoint: proto.Bool(true)}
	ex := &mesospb.ExecutorInfo{ExecutorId: &mesospb.ExecutorID{Value: proto.String("ex")}}
	task := &mesospb.TaskInfo{Name: proto.String("t"), TaskId: &mesospb.TaskID{Value: proto.String("t1")},
		AgentId: &mesospb.AgentID{Value: proto.String("agent-1")}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.WriteFramework(fw))
	must(s.WriteRun("fw", ex, "c1", Run{Kind: "command", Sandbox: "/sb"}))
	must(s.WriteTask("fw", "ex", "c1", task))
	must(s.WriteProcess("fw", "ex", "c1", "t1", Process{Pid: 42, StartTime: 7}))
	must(s.AppendUpdate(nil, "fw", "ex", "c1", status("t1", mesospb.TaskState_TASK_STARTING, "u1")))
	must(s.AppendAck(nil, "fw", "ex", "c1", "t1", []byte("u1")))
	must(s.AppendUpdate(nil, "fw", "ex", "c1", status("t1", mesospb.TaskState_TASK_RUNNING, "u2")))

	state, err := s.Load()
	must(err)
	if len(state.Frameworks) != 1 || !proto.Equal(state.Frameworks[0].Info, fw) {
		t.Fatalf("frameworks = %v", state.Frameworks)
	}
	exs := state.Frameworks[0].Executors
	if len(exs) != 1 || exs[0].ContainerID != "c1" || exs[0].Run.Kind != "command" || exs[0].Process != nil {
		t.Fatalf("executors = %+v", exs)
	}
	tasks := exs[0].Tasks
	if len(tasks) != 1 || !proto.Equal(tasks[0].Info, task) || *tasks[0].Process != (Process{Pid: 42, StartTime: 7}) {
		t.Fatalf("tasks = %+v", tasks)
	}
	if len(tasks[0].Updates) != 2 || tasks[0].Updates[1].GetState() != mesospb.TaskState_TASK_RUNNING ||
		len(tasks[0].Acknowledged) != 1 || !bytes.Equal(tasks[0].Acknowledged[0], []byte("u1")) {
		t.Fatalf("updates %v acks %q", tasks[0].Updates, tasks[0].Acknowledged)
	}
	if got := tasks[0].StatusPath; filepath.Dir(got) != filepath.Join(s.Root(), "frameworks/fw/executors/ex/runs/c1/tasks/t1") {
		t.Errorf("status path %s", got)
	}

	must(s.RemoveRun("fw", "ex", "c1"))
	state, err = s.Load()
	must(err)
	if len(state.Frameworks[0].Executors) != 0 {
		t.Errorf("a removed run is still loaded: %+v", state.Frameworks[0].Executors)
	}
	must(s.RemoveFramework("fw"))
	if state, _ = s.Load(); len(state.Frameworks) != 0 {
		t.Errorf("a removed framework is still loaded")
	}
}

func TestTornLastRecordIsIgnored(t *testing.T) {
	s := Open(t.TempDir(), "a")
	if err := s.AppendUpdate(nil, "fw", "ex", "c", status("t", mesospb.TaskState_TASK_RUNNING, "u1")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.taskDir("fw", "ex", "c", "t"), "task.updates")
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{'U', 50, 1, 2}) // a record cut short by a crash
	f.Close()
	updates, acks, err := readUpdates(path)
	if err != nil || len(updates) != 1 || len(acks) != 0 {
		t.Errorf("readUpdates = %v, %v, %v; want the one whole update", updates, acks, err)
	}
}

func FuzzReadUpdates(f *testing.F) {
	f.Add([]byte{'U', 0})
	f.Add([]byte{'A', 2, 'x', 'y', 'U', 3, 8, 1, 2})
	f.Add([]byte{'Z', 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "task.updates")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		updates, acks, _ := readUpdates(path) // must not panic
		if len(updates)+len(acks) > len(data) {
			t.Errorf("%d records from %d bytes", len(updates)+len(acks), len(data))
		}
	})
}

func TestBatchAppendsToSeveralLogsAndSyncsEachOnce(t *testing.T) {
	s := Open(t.TempDir(), "a")
	var b Batch
	for _, err := range []error{
		s.AppendUpdate(&b, "fw", "ex1", "c1", status("t1", mesospb.TaskState_TASK_STARTING, "u1")),
		s.AppendUpdate(&b, "fw", "ex2", "c2", status("t2", mesospb.TaskState_TASK_STARTING, "u3")),
		s.AppendUpdate(&b, "fw", "ex1", "c1", status("t1", mesospb.TaskState_TASK_RUNNING, "u2")),
		s.AppendAck(&b, "fw", "ex1", "c1", "t1", []byte("u1")),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if b.Len() != 2 {
		t.Errorf("Batch.Len() = %d, want 2 logs", b.Len())
	}
	// Appended records are readable before Sync: an agent killed before
	// the fsync still finds them (the page cache outlives the process).
	updates, acks, err := readUpdates(filepath.Join(s.taskDir("fw", "ex1", "c1", "t1"), "task.updates"))
	if err != nil || len(updates) != 2 || updates[1].GetState() != mesospb.TaskState_TASK_RUNNING || len(acks) != 1 {
		t.Fatalf("before Sync: %v, %q, %v", updates, acks, err)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if b.Len() != 0 {
		t.Errorf("Batch.Len() after Sync = %d", b.Len())
	}
	// The Batch is reusable after Sync.
	if err := s.AppendAck(&b, "fw", "ex2", "c2", "t2", []byte("u3")); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	updates, acks, err = readUpdates(filepath.Join(s.taskDir("fw", "ex2", "c2", "t2"), "task.updates"))
	if err != nil || len(updates) != 1 || len(acks) != 1 || string(acks[0]) != "u3" {
		t.Errorf("second log: %v, %q, %v", updates, acks, err)
	}
}
