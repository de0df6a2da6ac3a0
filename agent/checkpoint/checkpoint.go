// Package checkpoint is the agent's durable record of what it runs, so that
// an agent that dies (kill -9, a crash, an upgrade) and starts again on the
// same work directory finds its executors and tasks and re-attaches to
// them, as a Mesos agent recovers from its meta directory.
//
// The layout follows Mesos's, under <work_dir>/meta/slaves/<agent id>:
//
//	frameworks/<fw>/framework.info                      FrameworkInfo (protobuf)
//	frameworks/<fw>/executors/<ex>/executor.info        ExecutorInfo (protobuf)
//	  .../runs/<container>/run.json                     what kind of run, its sandbox
//	  .../runs/<container>/process.json                 its supervisor: PID and start time
//	  .../runs/<container>/process.status               its exit status, left by the supervisor
//	  .../runs/<container>/tasks/<task>/task.info       TaskInfo (protobuf)
//	  .../runs/<container>/tasks/<task>/process.json    a built-in executor's task process
//	  .../runs/<container>/tasks/<task>/process.status
//	  .../runs/<container>/tasks/<task>/task.updates    status updates and acknowledgements
//
// Files are replaced atomically (write, rename) without fsync, as Mesos
// checkpoints them: they describe processes, and what survives a crash of
// the machine is not its processes but only the agent process's crash,
// which the page cache outlives. task.updates is an append-only log of
// length-prefixed records, fsynced before the agent acts on them
// (acknowledgements matter beyond the machine's life) — one record at a
// time, or many logs together with a Batch — whose torn last record (a
// crash mid-write) is ignored on reading. Load reads
// the whole tree back. The Store does no policy: the agent decides what
// to record and what a recovered record means.
package checkpoint

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
)

// ErrCorrupt reports a checkpoint file that cannot be read back.
var ErrCorrupt = errors.New("checkpoint: corrupt record")

// Store writes and reads one agent's checkpoint.
type Store struct {
	root string
}

// Open returns the Store of agent agentID under workDir. Nothing is
// created until something is written.
func Open(workDir, agentID string) *Store {
	return &Store{root: filepath.Join(workDir, "meta", "slaves", agentID)}
}

// Root is the agent's checkpoint directory.
func (s *Store) Root() string { return s.root }

// Run describes one executor run.
type Run struct {
	// Kind is the agent's name for who runs the tasks ("custom",
	// "command", "default").
	Kind    string `json:"kind"`
	Sandbox string `json:"sandbox"`
}

// Process identifies a supervised process across agent restarts.
type Process struct {
	Pid       int    `json:"pid"`
	StartTime uint64 `json:"start_time"`
}

func (s *Store) frameworkDir(fw string) string { return filepath.Join(s.root, "frameworks", fw) }
func (s *Store) executorDir(fw, ex string) string {
	return filepath.Join(s.frameworkDir(fw), "executors", ex)
}
func (s *Store) runDir(fw, ex, container string) string {
	return filepath.Join(s.executorDir(fw, ex), "runs", container)
}
func (s *Store) taskDir(fw, ex, container, task string) string {
	return filepath.Join(s.runDir(fw, ex, container), "tasks", task)
}

// processDir is where a process's records live: the run's for an
// executor's process (task ""), the task's for a task's.
func (s *Store) processDir(fw, ex, container, task string) string {
	if task == "" {
		return s.runDir(fw, ex, container)
	}
	return s.taskDir(fw, ex, container, task)
}

// WriteFramework records a framework's info.
func (s *Store) WriteFramework(info *mesospb.FrameworkInfo) error {
	return writeProto(filepath.Join(s.frameworkDir(info.GetId().GetValue()), "framework.info"), info)
}

// WriteRun records an executor and one run of it.
func (s *Store) WriteRun(fw string, info *mesospb.ExecutorInfo, container string, run Run) error {
	ex := info.GetExecutorId().GetValue()
	if err := writeProto(filepath.Join(s.executorDir(fw, ex), "executor.info"), info); err != nil {
		return err
	}
	return writeJSON(filepath.Join(s.runDir(fw, ex, container), "run.json"), run)
}

// WriteTask records a task given to an executor run.
func (s *Store) WriteTask(fw, ex, container string, info *mesospb.TaskInfo) error {
	return writeProto(filepath.Join(s.taskDir(fw, ex, container, info.GetTaskId().GetValue()), "task.info"), info)
}

// WriteProcess records the supervisor of an executor's process (task "")
// or of a task's.
func (s *Store) WriteProcess(fw, ex, container, task string, p Process) error {
	return writeJSON(filepath.Join(s.processDir(fw, ex, container, task), "process.json"), p)
}

// StatusPath is where the supervisor of an executor's process (task "")
// or of a task's leaves its exit status. The directory exists once
// WriteRun or WriteTask has run.
func (s *Store) StatusPath(fw, ex, container, task string) string {
	return filepath.Join(s.processDir(fw, ex, container, task), "process.status")
}

// Record types of task.updates.
const (
	recordUpdate byte = 'U'
	recordAck    byte = 'A'
)

// AppendUpdate logs a status update of a task. With a nil Batch the record
// is fsynced before AppendUpdate returns; with a Batch, by the Batch's Sync.
func (s *Store) AppendUpdate(b *Batch, fw, ex, container string, status *mesospb.TaskStatus) error {
	data, err := proto.Marshal(status)
	if err != nil {
		return err
	}
	return s.appendRecord(b, fw, ex, container, status.GetTaskId().GetValue(), recordUpdate, data)
}

// AppendAck logs the acknowledgement of a task's update; b as for
// AppendUpdate.
func (s *Store) AppendAck(b *Batch, fw, ex, container, task string, uuid []byte) error {
	return s.appendRecord(b, fw, ex, container, task, recordAck, uuid)
}

func (s *Store) appendRecord(b *Batch, fw, ex, container, task string, kind byte, data []byte) error {
	if b == nil {
		b = &Batch{}
		if err := s.appendRecord(b, fw, ex, container, task, kind, data); err != nil {
			b.Sync()
			return err
		}
		return b.Sync()
	}
	path := filepath.Join(s.taskDir(fw, ex, container, task), "task.updates")
	f := b.files[path]
	if f == nil {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		var err error
		if f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err != nil {
			return err
		}
		if b.files == nil {
			b.files = make(map[string]*os.File)
		}
		b.files[path] = f
		b.order = append(b.order, f)
	}
	rec := make([]byte, 0, 1+binary.MaxVarintLen64+len(data))
	rec = append(rec, kind)
	rec = binary.AppendUvarint(rec, uint64(len(data)))
	rec = append(rec, data...)
	_, err := f.Write(rec)
	return err
}

// Batch groups appends to task logs so that they become durable together:
// each log is opened once and fsynced once, by Sync, however many records
// it got (a task's TASK_STARTING and TASK_RUNNING often come together).
// Records are in their logs as soon as they are appended (a reader, or an
// agent recovering after kill -9, sees them); Sync makes them outlive the
// machine. The zero value is an empty Batch. Not safe for concurrent use.
type Batch struct {
	files map[string]*os.File
	order []*os.File
}

// Len is the number of logs the Batch has written to since its last Sync.
func (b *Batch) Len() int { return len(b.order) }

// Sync fsyncs and closes every log written to since the last Sync and
// empties the Batch; it returns the first error.
func (b *Batch) Sync() error {
	var first error
	for _, f := range b.order {
		if err := f.Sync(); err != nil && first == nil {
			first = err
		}
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	b.files, b.order = nil, nil
	return first
}

// RemoveRun forgets an executor run, and the executor once it has no run.
func (s *Store) RemoveRun(fw, ex, container string) error {
	if err := os.RemoveAll(s.runDir(fw, ex, container)); err != nil {
		return err
	}
	runs, _ := os.ReadDir(filepath.Join(s.executorDir(fw, ex), "runs"))
	if len(runs) == 0 {
		return os.RemoveAll(s.executorDir(fw, ex))
	}
	return nil
}

// RemoveFramework forgets a framework and everything under it.
func (s *Store) RemoveFramework(fw string) error {
	return os.RemoveAll(s.frameworkDir(fw))
}

// State is everything Load found.
type State struct {
	Frameworks []Framework
}

// Framework is a recovered framework.
type Framework struct {
	Info      *mesospb.FrameworkInfo
	Executors []Executor
}

// Executor is a recovered executor run.
type Executor struct {
	Info        *mesospb.ExecutorInfo
	ContainerID string
	Run         Run
	// Process is the executor's supervisor, nil if none was recorded.
	Process    *Process
	StatusPath string
	Tasks      []Task
}

// Task is a recovered task.
type Task struct {
	// Info is nil for a task whose process alone was recorded.
	Info *mesospb.TaskInfo
	// Process is the task's supervisor (built-in executors), nil if none
	// was recorded.
	Process    *Process
	StatusPath string
	// Updates are the task's status updates in the order they came, and
	// Acknowledged the uuids of those acknowledged.
	Updates      []*mesospb.TaskStatus
	Acknowledged [][]byte
}

// Load reads the whole checkpoint. A framework, executor or task whose
// info file is missing or corrupt (a crash before its first write
// finished) is skipped; its problems are returned joined, with what could
// be read.
func (s *Store) Load() (*State, error) {
	state := &State{}
	var problems []error
	fws, err := os.ReadDir(filepath.Join(s.root, "frameworks"))
	if errors.Is(err, os.ErrNotExist) {
		return state, nil
	}
	if err != nil {
		return nil, err
	}
	for _, fwEntry := range fws {
		fwID := fwEntry.Name()
		info := &mesospb.FrameworkInfo{}
		if err := readProto(filepath.Join(s.frameworkDir(fwID), "framework.info"), info); err != nil {
			problems = append(problems, err)
			continue
		}
		fw := Framework{Info: info}
		exs, _ := os.ReadDir(filepath.Join(s.frameworkDir(fwID), "executors"))
		for _, exEntry := range exs {
			exID := exEntry.Name()
			exInfo := &mesospb.ExecutorInfo{}
			if err := readProto(filepath.Join(s.executorDir(fwID, exID), "executor.info"), exInfo); err != nil {
				problems = append(problems, err)
				continue
			}
			runs, _ := os.ReadDir(filepath.Join(s.executorDir(fwID, exID), "runs"))
			for _, runEntry := range runs {
				ex, err := s.loadRun(fwID, exID, runEntry.Name(), exInfo)
				if err != nil {
					problems = append(problems, err)
					continue
				}
				fw.Executors = append(fw.Executors, ex)
			}
		}
		state.Frameworks = append(state.Frameworks, fw)
	}
	return state, errors.Join(problems...)
}

func (s *Store) loadRun(fw, ex, container string, info *mesospb.ExecutorInfo) (Executor, error) {
	dir := s.runDir(fw, ex, container)
	out := Executor{Info: info, ContainerID: container, StatusPath: s.StatusPath(fw, ex, container, "")}
	if err := readJSON(filepath.Join(dir, "run.json"), &out.Run); err != nil {
		return Executor{}, err
	}
	out.Process = readProcess(filepath.Join(dir, "process.json"))
	var problems []error
	tasks, _ := os.ReadDir(filepath.Join(dir, "tasks"))
	for _, taskEntry := range tasks {
		taskDir := filepath.Join(dir, "tasks", taskEntry.Name())
		t := Task{Info: &mesospb.TaskInfo{}, StatusPath: s.StatusPath(fw, ex, container, taskEntry.Name())}
		t.Process = readProcess(filepath.Join(taskDir, "process.json"))
		if err := readProto(filepath.Join(taskDir, "task.info"), t.Info); err != nil {
			// Tasks of frameworks that do not checkpoint have only their
			// process recorded, so that it can be found and killed.
			t.Info = nil
			if !errors.Is(err, os.ErrNotExist) || t.Process == nil {
				problems = append(problems, err)
				continue
			}
		}
		var err error
		t.Updates, t.Acknowledged, err = readUpdates(filepath.Join(taskDir, "task.updates"))
		if err != nil {
			problems = append(problems, err)
		}
		out.Tasks = append(out.Tasks, t)
	}
	return out, errors.Join(problems...)
}

func readProcess(path string) *Process {
	var p Process
	if readJSON(path, &p) != nil || p.Pid <= 0 {
		return nil
	}
	return &p
}

// readUpdates reads a task.updates log. A torn last record is dropped.
func readUpdates(path string) ([]*mesospb.TaskStatus, [][]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var updates []*mesospb.TaskStatus
	var acks [][]byte
	for {
		kind, err := r.ReadByte()
		if err == io.EOF {
			return updates, acks, nil
		}
		if err != nil {
			return updates, acks, err
		}
		n, err := binary.ReadUvarint(r)
		if err != nil || n > 1<<24 {
			return updates, acks, nil // torn tail
		}
		data := make([]byte, n)
		if _, err := io.ReadFull(r, data); err != nil {
			return updates, acks, nil // torn tail
		}
		switch kind {
		case recordUpdate:
			status := &mesospb.TaskStatus{}
			if err := proto.Unmarshal(data, status); err != nil {
				return updates, acks, fmt.Errorf("%w: %s: %w", ErrCorrupt, path, err)
			}
			updates = append(updates, status)
		case recordAck:
			acks = append(acks, data)
		default:
			return updates, acks, fmt.Errorf("%w: %s: record type %q", ErrCorrupt, path, kind)
		}
	}
}

func writeProto(path string, m proto.Message) error {
	b, err := proto.Marshal(m)
	if err != nil {
		return err
	}
	return writeFile(path, b)
}

func readProto(path string, m proto.Message) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(b, m); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCorrupt, path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeFile(path, b)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCorrupt, path, err)
	}
	return nil
}

// writeFile replaces path atomically: a reader, or a recovering agent,
// sees the old content or the new, never part of one. It does not fsync
// (see the package documentation): on the launch path, three fsyncs per
// task cost more than everything else the agent does for it.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
