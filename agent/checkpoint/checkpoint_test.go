package checkpoint

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
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
	if got, want := tasks[0].StatusPath, s.StatusPath("fw", "ex", "c1", "t1"); got != want ||
		filepath.Dir(got) != filepath.Join(s.Root(), "frameworks/fw/runs") {
		t.Errorf("status path %s, want %s in the framework's runs", got, want)
	}
	// A supervisor's status file goes with its run.
	if err := os.WriteFile(tasks[0].StatusPath, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}

	must(s.RemoveRun("fw", "ex", "c1"))
	state, err = s.Load()
	must(err)
	if len(state.Frameworks[0].Executors) != 0 {
		t.Errorf("a removed run is still loaded: %+v", state.Frameworks[0].Executors)
	}
	if left, _ := os.ReadDir(filepath.Join(s.Root(), "frameworks/fw/runs")); len(left) != 0 {
		t.Errorf("files left of a removed run: %v", left)
	}
	must(s.RemoveFramework("fw"))
	if state, _ = s.Load(); len(state.Frameworks) != 0 {
		t.Errorf("a removed framework is still loaded")
	}
}

func TestTornLastRecordIsIgnoredAndCutOff(t *testing.T) {
	s := Open(t.TempDir(), "a")
	ex := &mesospb.ExecutorInfo{ExecutorId: &mesospb.ExecutorID{Value: proto.String("ex")}}
	if err := s.WriteRun("fw", ex, "c", Run{Kind: "command"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendUpdate(nil, "fw", "ex", "c", status("t", mesospb.TaskState_TASK_RUNNING, "u1")); err != nil {
		t.Fatal(err)
	}
	path := s.runLog("fw", "c")
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{'U', 50, 1, 2}) // a record cut short by a crash
	f.Close()
	records, err := readRecords(path, true)
	if err != nil || len(records) != 3 {
		t.Fatalf("readRecords = %d records, %v; want the three whole ones", len(records), err)
	}
	// What is appended after recovery follows the whole records.
	if err := s.AppendAck(nil, "fw", "ex", "c", "t", []byte("u1")); err != nil {
		t.Fatal(err)
	}
	if records, err := readRecords(path, true); err != nil || len(records) != 4 || records[3].kind != recordAck {
		t.Errorf("after an append: %d records, %v", len(records), err)
	}
}

func TestRunLogWithoutItsStartIsSkipped(t *testing.T) {
	s := Open(t.TempDir(), "a")
	fw := &mesospb.FrameworkInfo{Id: &mesospb.FrameworkID{Value: proto.String("fw")}, User: proto.String("u"),
		Name: proto.String("f")}
	if err := s.WriteFramework(fw); err != nil {
		t.Fatal(err)
	}
	// An agent killed between creating a run's log and writing it.
	if err := os.MkdirAll(s.runsDir("fw"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.runLog("fw", "c"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	state, err := s.Load()
	if !errors.Is(err, ErrCorrupt) || len(state.Frameworks) != 1 || len(state.Frameworks[0].Executors) != 0 {
		t.Errorf("Load = %+v, %v; want the framework without the run, and ErrCorrupt", state, err)
	}
}

func FuzzReadRecords(f *testing.F) {
	f.Add([]byte{'U', 0})
	f.Add([]byte{'A', 2, 'x', 'y', 'U', 3, 8, 1, 2})
	f.Add([]byte{'Z', 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "c.run")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		records, _ := readRecords(path, true) // must not panic
		if len(records) > len(data) {
			t.Errorf("%d records from %d bytes", len(records), len(data))
		}
		// Whatever the bytes, loading them as a run must not panic.
		s := &Store{root: dir}
		_, _ = s.loadRun("", "c", true)
	})
}

func TestBatchAppendsToSeveralLogsAndSyncsEachOnce(t *testing.T) {
	s := Open(t.TempDir(), "a")
	ex := &mesospb.ExecutorInfo{ExecutorId: &mesospb.ExecutorID{Value: proto.String("ex")}}
	for _, c := range []string{"c1", "c2"} {
		if err := s.WriteRun("fw", ex, c, Run{Kind: "command"}); err != nil {
			t.Fatal(err)
		}
	}
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
	if records, err := readRecords(s.runLog("fw", "c1"), false); err != nil || len(records) != 5 {
		t.Fatalf("before Sync: %d records, %v", len(records), err)
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
	if records, err := readRecords(s.runLog("fw", "c2"), false); err != nil || len(records) != 4 || records[3].kind != recordAck {
		t.Errorf("second log: %d records, %v", len(records), err)
	}
}

func TestStatusPathsAreDistinctAndShort(t *testing.T) {
	s := Open("/w", "a")
	long := strings.Repeat("x", 255)
	paths := map[string]bool{}
	for _, task := range []string{"", "t1", "t2", long} {
		p := s.StatusPath("fw", "ex", "c", task)
		if paths[p] {
			t.Errorf("status path %s given twice", p)
		}
		paths[p] = true
		if len(filepath.Base(p)) > 100 {
			t.Errorf("status file name %q is too long", filepath.Base(p))
		}
	}
}
