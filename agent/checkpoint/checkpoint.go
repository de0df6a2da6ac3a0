// Package checkpoint is the agent's durable record of what it runs, so that
// an agent that dies (kill -9, a crash, an upgrade) and starts again on the
// same work directory finds its executors and tasks and re-attaches to
// them, as a Mesos agent recovers from its meta directory.
//
// It keeps what Mesos's meta directory keeps, under
// <work_dir>/meta/slaves/<agent id>, but in one file per executor run
// rather than a directory tree per run and task:
//
//	frameworks/<fw>/framework.info               FrameworkInfo (protobuf)
//	frameworks/<fw>/runs/<container>.run         the run's log (below)
//	frameworks/<fw>/runs/<container>.status      its executor process's exit status, left by the supervisor
//	frameworks/<fw>/runs/<container>.<h>.status  a built-in executor's task's (h names the task)
//
// A run's log is an append-only sequence of length-prefixed records: the
// ExecutorInfo and the run (what kind, its sandbox) first, then, as they
// come, each TaskInfo, each supervisor's PID and start time, and the
// tasks' status updates and acknowledgements. Mesos's tree costs a dozen
// new directories and files per command task; on a file system where
// creating an inode is what costs (ext4 looks through recently deleted
// inodes for each new one), one file per run makes the record of a task
// several times cheaper. framework.info is replaced atomically (write,
// rename).
//
// Nothing is fsynced except before the agent acts on a status update or an
// acknowledgement: those records are synced one at a time, or many logs
// together with a Batch. The other records describe processes, and what
// they must survive is a crash of the agent, which the page cache outlives,
// not of the machine, which takes the processes too (Mesos does not fsync
// them either). A record torn by a crash mid-write is dropped on reading,
// and Load cuts it off so that later appends follow whole records. Load
// reads everything back. The Store does no policy: the agent decides what
// to record and what a recovered record means.
package checkpoint

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

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

// processRecord is a Process in a run's log: the executor's (Task "") or a
// task's.
type processRecord struct {
	Task string `json:"task,omitempty"`
	Process
}

// Record types of a run's log.
const (
	recordExecutor byte = 'X' // ExecutorInfo (protobuf); the first record
	recordRun      byte = 'R' // Run (JSON); the second
	recordTask     byte = 'T' // TaskInfo (protobuf)
	recordProcess  byte = 'P' // processRecord (JSON)
	recordUpdate   byte = 'U' // TaskStatus (protobuf)
	recordAck      byte = 'A' // uvarint length, task id, uuid
)

// maxRecord bounds a record's length when reading: anything longer is a
// torn or corrupt length prefix.
const maxRecord = 1 << 24

func (s *Store) frameworkDir(fw string) string { return filepath.Join(s.root, "frameworks", fw) }
func (s *Store) runsDir(fw string) string      { return filepath.Join(s.frameworkDir(fw), "runs") }
func (s *Store) runLog(fw, container string) string {
	return filepath.Join(s.runsDir(fw), container+".run")
}

// WriteFramework records a framework's info.
func (s *Store) WriteFramework(info *mesospb.FrameworkInfo) error {
	b, err := proto.Marshal(info)
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(s.frameworkDir(info.GetId().GetValue()), "framework.info"), b)
}

// WriteRun starts the log of an executor run with the executor and the
// run.
func (s *Store) WriteRun(fw string, info *mesospb.ExecutorInfo, container string, run Run) error {
	exInfo, err := proto.Marshal(info)
	if err != nil {
		return err
	}
	runJSON, err := json.Marshal(run)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.runsDir(fw), 0o755); err != nil {
		return err
	}
	// One write: an agent killed in the middle leaves an empty log at
	// worst, which Load skips (the run's process was not started yet).
	f, err := os.OpenFile(s.runLog(fw, container), os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(appendRecord(appendRecord(nil, recordExecutor, exInfo), recordRun, runJSON))
	return errors.Join(err, f.Close())
}

// WriteTask records a task given to an executor run.
func (s *Store) WriteTask(fw, ex, container string, info *mesospb.TaskInfo) error {
	b, err := proto.Marshal(info)
	if err != nil {
		return err
	}
	return s.append(nil, fw, container, recordTask, b)
}

// WriteProcess records the supervisor of an executor's process (task "")
// or of a task's.
func (s *Store) WriteProcess(fw, ex, container, task string, p Process) error {
	b, err := json.Marshal(processRecord{Task: task, Process: p})
	if err != nil {
		return err
	}
	return s.append(nil, fw, container, recordProcess, b)
}

// StatusPath is where the supervisor of an executor's process (task "")
// or of a task's leaves its exit status. Its directory exists once
// WriteRun has run.
func (s *Store) StatusPath(fw, ex, container, task string) string {
	if task == "" {
		return filepath.Join(s.runsDir(fw), container+".status")
	}
	// Task ids may be long and hold any byte but '/': a digest names
	// them within the length of a file name.
	sum := sha256.Sum256([]byte(task))
	return filepath.Join(s.runsDir(fw), container+"."+hex.EncodeToString(sum[:12])+".status")
}

// AppendUpdate logs a status update of a task. With a nil Batch the record
// is fsynced before AppendUpdate returns; with a Batch, by the Batch's Sync.
func (s *Store) AppendUpdate(b *Batch, fw, ex, container string, status *mesospb.TaskStatus) error {
	data, err := proto.Marshal(status)
	if err != nil {
		return err
	}
	return s.appendSynced(b, fw, container, recordUpdate, data)
}

// AppendAck logs the acknowledgement of a task's update; b as for
// AppendUpdate.
func (s *Store) AppendAck(b *Batch, fw, ex, container, task string, uuid []byte) error {
	data := binary.AppendUvarint(nil, uint64(len(task)))
	data = append(append(data, task...), uuid...)
	return s.appendSynced(b, fw, container, recordAck, data)
}

func (s *Store) appendSynced(b *Batch, fw, container string, kind byte, data []byte) error {
	if b != nil {
		return s.append(b, fw, container, kind, data)
	}
	b = &Batch{}
	return errors.Join(s.append(b, fw, container, kind, data), b.Sync())
}

// append adds a record to a run's log, through b (which keeps the log open
// until its Sync) or, with a nil b, opening and closing it.
func (s *Store) append(b *Batch, fw, container string, kind byte, data []byte) error {
	path := s.runLog(fw, container)
	f := b.file(path)
	if f == nil {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		var err error
		if f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err != nil {
			return err
		}
		if b == nil {
			defer f.Close()
		} else {
			b.add(path, f)
		}
	}
	_, err := f.Write(appendRecord(nil, kind, data))
	return err
}

func appendRecord(buf []byte, kind byte, data []byte) []byte {
	buf = append(buf, kind)
	buf = binary.AppendUvarint(buf, uint64(len(data)))
	return append(buf, data...)
}

// Batch groups appends to run logs so that they become durable together:
// each log is opened once and fsynced once, by Sync, however many records
// it got (a task's TASK_STARTING and TASK_RUNNING often come together).
// Records are in their logs as soon as they are appended (a reader, or an
// agent recovering after kill -9, sees them); Sync makes them outlive the
// machine. The zero value is an empty Batch. Not safe for concurrent use.
type Batch struct {
	files map[string]*os.File
	order []*os.File
}

func (b *Batch) file(path string) *os.File {
	if b == nil {
		return nil
	}
	return b.files[path]
}

func (b *Batch) add(path string, f *os.File) {
	if b.files == nil {
		b.files = make(map[string]*os.File)
	}
	b.files[path] = f
	b.order = append(b.order, f)
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

// RemoveRun forgets an executor run: its log and its exit status files,
// which its process records name (a glob would read the whole directory
// of runs for every run removed).
func (s *Store) RemoveRun(fw, ex, container string) error {
	path := s.runLog(fw, container)
	records, _ := readRecords(path, false)
	files := []string{s.StatusPath(fw, ex, container, "")}
	for _, r := range records {
		var p processRecord
		if r.kind == recordProcess && json.Unmarshal(r.data, &p) == nil && p.Task != "" {
			files = append(files, s.StatusPath(fw, ex, container, p.Task))
		}
	}
	var problems []error
	for _, f := range append(files, path) {
		for _, name := range []string{f, f + ".tmp"} {
			if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
				problems = append(problems, err)
			}
		}
	}
	return errors.Join(problems...)
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

// Load reads the whole checkpoint, for an agent that is starting, and cuts
// torn records off the logs so that what the agent appends follows whole
// records: nothing may write the checkpoint meanwhile. A framework whose
// info file is missing or corrupt, a run whose log does not start with its
// executor and run (a crash before its first write finished) and a task of
// which only updates were recorded are skipped; their problems are
// returned joined, with what could be read.
func (s *Store) Load() (*State, error) { return s.load(true) }

// Read is Load without the repair, for a reader that watches a checkpoint
// an agent is writing: a record being written may look torn.
func (s *Store) Read() (*State, error) { return s.load(false) }

func (s *Store) load(repair bool) (*State, error) {
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
		runs, _ := os.ReadDir(s.runsDir(fwID))
		for _, runEntry := range runs {
			container, ok := strings.CutSuffix(runEntry.Name(), ".run")
			if !ok {
				continue
			}
			ex, err := s.loadRun(fwID, container, repair)
			if err != nil {
				problems = append(problems, err)
			}
			if ex != nil {
				fw.Executors = append(fw.Executors, *ex)
			}
		}
		state.Frameworks = append(state.Frameworks, fw)
	}
	return state, errors.Join(problems...)
}

// loadRun reads one run's log; nil if it holds no run.
func (s *Store) loadRun(fw, container string, repair bool) (*Executor, error) {
	path := s.runLog(fw, container)
	records, err := readRecords(path, repair)
	if err != nil && len(records) == 0 {
		return nil, err
	}
	var problems []error
	if err != nil {
		problems = append(problems, err)
	}
	if len(records) < 2 || records[0].kind != recordExecutor || records[1].kind != recordRun {
		return nil, errors.Join(append(problems, fmt.Errorf("%w: %s: no executor and run at its start", ErrCorrupt, path))...)
	}
	ex := &Executor{Info: &mesospb.ExecutorInfo{}, ContainerID: container, StatusPath: s.StatusPath(fw, "", container, "")}
	if err := proto.Unmarshal(records[0].data, ex.Info); err != nil {
		return nil, fmt.Errorf("%w: %s: executor: %w", ErrCorrupt, path, err)
	}
	if err := json.Unmarshal(records[1].data, &ex.Run); err != nil {
		return nil, fmt.Errorf("%w: %s: run: %w", ErrCorrupt, path, err)
	}
	byID := map[string]int{} // task id → index in ex.Tasks
	taskOf := func(id string) *Task {
		i, ok := byID[id]
		if !ok {
			i = len(ex.Tasks)
			byID[id] = i
			ex.Tasks = append(ex.Tasks, Task{StatusPath: s.StatusPath(fw, "", container, id)})
		}
		return &ex.Tasks[i]
	}
	for _, r := range records[2:] {
		switch r.kind {
		case recordTask:
			info := &mesospb.TaskInfo{}
			if err := proto.Unmarshal(r.data, info); err != nil {
				problems = append(problems, fmt.Errorf("%w: %s: task: %w", ErrCorrupt, path, err))
				continue
			}
			taskOf(info.GetTaskId().GetValue()).Info = info
		case recordProcess:
			var p processRecord
			if err := json.Unmarshal(r.data, &p); err != nil || p.Pid <= 0 {
				problems = append(problems, fmt.Errorf("%w: %s: process %q", ErrCorrupt, path, r.data))
				continue
			}
			if p.Task == "" {
				ex.Process = &p.Process
			} else {
				taskOf(p.Task).Process = &p.Process
			}
		case recordUpdate:
			status := &mesospb.TaskStatus{}
			if err := proto.Unmarshal(r.data, status); err != nil {
				problems = append(problems, fmt.Errorf("%w: %s: update: %w", ErrCorrupt, path, err))
				continue
			}
			t := taskOf(status.GetTaskId().GetValue())
			t.Updates = append(t.Updates, status)
		case recordAck:
			n, size := binary.Uvarint(r.data)
			if size <= 0 || uint64(len(r.data)-size) < n {
				problems = append(problems, fmt.Errorf("%w: %s: acknowledgement", ErrCorrupt, path))
				continue
			}
			task := string(r.data[size : size+int(n)])
			t := taskOf(task)
			t.Acknowledged = append(t.Acknowledged, r.data[size+int(n):])
		default:
			problems = append(problems, fmt.Errorf("%w: %s: record type %q", ErrCorrupt, path, r.kind))
		}
	}
	// Tasks of frameworks that do not checkpoint have only their process
	// recorded, so that it can be found and killed; a task with neither
	// info nor process is a record of nothing.
	tasks := ex.Tasks[:0]
	for _, t := range ex.Tasks {
		if t.Info == nil && t.Process == nil {
			problems = append(problems, fmt.Errorf("%w: %s: updates of a task that was never recorded", ErrCorrupt, path))
			continue
		}
		tasks = append(tasks, t)
	}
	ex.Tasks = tasks
	return ex, errors.Join(problems...)
}

type record struct {
	kind byte
	data []byte
}

// readRecords reads a log. A torn last record (a crash mid-write) is
// dropped and, with repair, cut off the file, so that records appended
// later follow whole ones.
func readRecords(path string, repair bool) ([]record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var records []record
	var whole int64 // bytes of whole records
	for {
		kind, err := r.ReadByte()
		if err == io.EOF {
			return records, nil
		}
		if err != nil {
			return records, err
		}
		n, err := binary.ReadUvarint(r)
		if err != nil || n > maxRecord {
			break // torn tail
		}
		data := make([]byte, n)
		if _, err := io.ReadFull(r, data); err != nil {
			break // torn tail
		}
		records = append(records, record{kind: kind, data: data})
		whole += 1 + int64(uvarintLen(n)) + int64(n)
	}
	if !repair {
		return records, nil
	}
	if err := os.Truncate(path, whole); err != nil {
		return records, fmt.Errorf("checkpoint: cut the torn end of %s: %w", path, err)
	}
	return records, nil
}

func uvarintLen(n uint64) int { return len(binary.AppendUvarint(nil, n)) }

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

// writeFile replaces path atomically: a reader, or a recovering agent,
// sees the old content or the new, never part of one. It does not fsync
// (see the package documentation).
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
