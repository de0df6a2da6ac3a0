package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"sync"
)

// Sentinel errors.
var (
	ErrCorrupt = errors.New("registry: corrupt state")
	ErrIO      = errors.New("registry: storage failed")
)

// Version is the format of the stored document.
const Version = 1

// State is everything the registry keeps.
type State struct {
	Version int `json:"version"`
	// Weights by role (UPDATE_WEIGHTS, /weights).
	Weights map[string]float64 `json:"weights,omitempty"`
	// Quota by role (UPDATE_QUOTA).
	Quota map[string]Quota `json:"quota,omitempty"`
	// Agents holds what the master changed on each agent's resources by
	// agent id: its dynamic reservations and persistent volumes.
	Agents map[string]AgentResources `json:"agents,omitempty"`
}

// Quota is one role's quota: amounts by resource name.
type Quota struct {
	Guarantees map[string]float64 `json:"guarantees,omitempty"`
	Limits     map[string]float64 `json:"limits,omitempty"`
}

// AgentResources is an agent's checkpointed resources: the dynamically
// reserved resources and persistent volumes the master applied on top of
// what the agent reports, as Mesos JSON Resource objects (the wire
// package's encoding), so that the document stays readable and independent
// of agora's internal types.
type AgentResources struct {
	Resources []json.RawMessage `json:"resources"`
}

// Clone returns a deep copy, so that a caller can change it without
// touching a State another goroutine holds.
func (s State) Clone() State {
	out := State{Version: s.Version, Weights: maps.Clone(s.Weights)}
	if s.Quota != nil {
		out.Quota = make(map[string]Quota, len(s.Quota))
		for role, q := range s.Quota {
			out.Quota[role] = Quota{Guarantees: maps.Clone(q.Guarantees), Limits: maps.Clone(q.Limits)}
		}
	}
	if s.Agents != nil {
		out.Agents = make(map[string]AgentResources, len(s.Agents))
		for id, a := range s.Agents {
			out.Agents[id] = AgentResources{Resources: append([]json.RawMessage(nil), a.Resources...)}
		}
	}
	return out
}

// Store keeps the State durably. Save returns only once the state is on
// stable storage.
type Store interface {
	Load() (State, error)
	Save(State) error
}

// Memory is a Store that keeps the state in memory only: for a master
// without a work directory, and for tests.
type Memory struct {
	mu    sync.Mutex
	state State
}

var _ Store = (*Memory)(nil)

// Load returns the last saved state.
func (m *Memory) Load() (State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state.Clone(), nil
}

// Save keeps a copy of s.
func (m *Memory) Save(s State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.state = s.Clone()
	return nil
}

// FileStore keeps the state in one JSON file.
type FileStore struct {
	path string
}

var _ Store = (*FileStore)(nil)

// OpenFile returns a store at path, creating its directory. The file itself
// is created by the first Save; a missing file loads as an empty State.
func OpenFile(path string) (*FileStore, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIO, err)
	}
	return &FileStore{path: path}, nil
}

// Path is the file the store writes.
func (f *FileStore) Path() string { return f.path }

// Load reads the state. A missing file is an empty state; a file that does
// not parse, or of a newer version, is ErrCorrupt: the master refuses to
// start rather than forget what operators set.
func (f *FileStore) Load() (State, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return State{Version: Version}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("%w: %v", ErrIO, err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return State{}, fmt.Errorf("%w: %s: %v", ErrCorrupt, f.path, err)
	}
	if s.Version > Version {
		return State{}, fmt.Errorf("%w: %s has version %d; this agora reads up to %d", ErrCorrupt, f.path, s.Version, Version)
	}
	s.Version = Version
	return s, nil
}

// Save replaces the file atomically and durably.
func (f *FileStore) Save(s State) error {
	s.Version = Version
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("%w: encode: %v", ErrIO, err)
	}
	dir := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(dir, filepath.Base(f.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("%w: %v", ErrIO, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %v", ErrIO, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %v", ErrIO, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%w: %v", ErrIO, err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("%w: %v", ErrIO, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrIO, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("%w: %v", ErrIO, err)
	}
	return nil
}
