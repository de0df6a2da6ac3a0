package statusupdate

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	mesospb "agora/api/mesos/v1"
)

// Backoff bounds of the resend timer (STATUS_UPDATE_RETRY_INTERVAL_MIN and
// _MAX in src/slave/constants.hpp).
const (
	DefaultInitialBackoff = 10 * time.Second
	DefaultMaxBackoff     = 10 * time.Minute
)

// uuidLength is the size of a Mesos UUID in its raw (bytes) form.
const uuidLength = 16

// Errors. The owner logs them; none of them changes the Manager's state.
var (
	// ErrInvalidUpdate: the update lacks a task id or a 16-byte uuid.
	ErrInvalidUpdate = errors.New("statusupdate: invalid update")
	// ErrDuplicateUpdate: an update with this uuid was already received for
	// the task (an executor retrying). It is ignored.
	ErrDuplicateUpdate = errors.New("statusupdate: duplicate update")
	// ErrUnknownStream: an acknowledgement for a task that has no stream,
	// because its terminal update was already acknowledged or it never had
	// one.
	ErrUnknownStream = errors.New("statusupdate: no status update stream for task")
	// ErrDuplicateAcknowledgement: the uuid was already acknowledged (the
	// framework acknowledged both the original and a resent update).
	ErrDuplicateAcknowledgement = errors.New("statusupdate: duplicate acknowledgement")
	// ErrUnexpectedAcknowledgement: the uuid is not the update being
	// delivered (the head of the stream).
	ErrUnexpectedAcknowledgement = errors.New("statusupdate: unexpected acknowledgement")
)

// Clock tells the Manager the time. Tests pass a fake one.
type Clock interface {
	Now() time.Time
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// Config configures a Manager. The zero value is Mesos's behaviour on the
// real clock.
type Config struct {
	Clock          Clock
	InitialBackoff time.Duration // first resend after this long; default 10 s
	MaxBackoff     time.Duration // the doubling stops here; default 10 min
}

// Update is one status update of a task: what the agent forwards to the
// master in an UPDATE call.
type Update struct {
	FrameworkID *mesospb.FrameworkID
	Status      *mesospb.TaskStatus
}

// Acknowledged is the outcome of a successful Acknowledge.
type Acknowledged struct {
	// Update is the update the acknowledgement was for.
	Update Update
	// Terminal is set when that update was terminal: the stream is closed
	// and the task will get no more updates.
	Terminal bool
	// Forward holds the next update of the stream, to send now (empty when
	// the queue is empty or the Manager is paused).
	Forward []Update
}

// Manager keeps the status update streams of all tasks on an agent.
type Manager struct {
	clock          Clock
	initialBackoff time.Duration
	maxBackoff     time.Duration
	paused         bool
	streams        map[streamKey]*stream
	// next caches NextResend, which its owner asks after every event:
	// valid until a stream's head is forwarded, acknowledged or dropped.
	next struct {
		at        time.Time
		ok, valid bool
	}
}

type streamKey struct{ frameworkID, taskID string }

// stream is the queue of one task's updates.
type stream struct {
	frameworkID *mesospb.FrameworkID
	pending     []*mesospb.TaskStatus
	// received and acknowledged hold uuids (as strings) seen on this stream,
	// to recognise executors and frameworks repeating themselves.
	received     map[string]bool
	acknowledged map[string]bool
	// unpersisted holds the uuids of pending updates whose records the
	// owner is still writing (UpdatePersisting), and ackPersisting the uuid
	// of the acknowledgement being written (AcknowledgePersisting): the head
	// is not forwarded while either concerns it.
	unpersisted   map[string]bool
	ackPersisting string
	// inFlight is set while the head has been forwarded and awaits its
	// acknowledgement; resendAt and backoff drive the retries.
	inFlight bool
	resendAt time.Time
	backoff  time.Duration
}

// New returns a paused Manager with no streams.
func New(cfg Config) *Manager {
	m := &Manager{
		clock:          cfg.Clock,
		initialBackoff: cfg.InitialBackoff,
		maxBackoff:     cfg.MaxBackoff,
		paused:         true,
		streams:        make(map[streamKey]*stream),
	}
	if m.clock == nil {
		m.clock = realClock{}
	}
	if m.initialBackoff <= 0 {
		m.initialBackoff = DefaultInitialBackoff
	}
	if m.maxBackoff <= 0 {
		m.maxBackoff = DefaultMaxBackoff
	}
	if m.maxBackoff < m.initialBackoff {
		m.maxBackoff = m.initialBackoff
	}
	return m
}

// Update appends an update to its task's stream, creating the stream on the
// first update. When the update becomes the head of the stream and the
// Manager is not paused it is returned, to be forwarded now; later updates
// wait for the acknowledgement of the ones before them.
func (m *Manager) Update(u Update) ([]Update, error) {
	s, err := m.add(u, false)
	if err != nil || !m.forwardable(s) {
		return nil, err
	}
	return []Update{m.forward(s, m.initialBackoff)}, nil
}

// UpdatePersisting is Update for an update whose record the owner is still
// writing to its checkpoint: it takes its place in its stream, but it is
// not forwarded, even at the head, until Persisted says the record is
// durable. Mesos's status update manager checkpoints an update before it
// forwards it in the same way, so no update reaches the master that a
// restarted agent would not know of.
func (m *Manager) UpdatePersisting(u Update) error {
	_, err := m.add(u, true)
	return err
}

// add appends u to its stream.
func (m *Manager) add(u Update, persisting bool) (*stream, error) {
	status := u.Status
	taskID := status.GetTaskId().GetValue()
	switch {
	case taskID == "":
		return nil, fmt.Errorf("%w: no task id", ErrInvalidUpdate)
	case len(status.GetUuid()) != uuidLength:
		return nil, fmt.Errorf("%w: task %q: uuid must be %d bytes, got %d",
			ErrInvalidUpdate, taskID, uuidLength, len(status.GetUuid()))
	}
	key := streamKey{u.FrameworkID.GetValue(), taskID}
	s := m.streams[key]
	if s == nil {
		s = &stream{
			frameworkID:  u.FrameworkID,
			received:     make(map[string]bool),
			acknowledged: make(map[string]bool),
			unpersisted:  make(map[string]bool),
		}
		m.streams[key] = s
	}
	uuid := string(status.GetUuid())
	if s.received[uuid] || s.acknowledged[uuid] {
		return nil, fmt.Errorf("%w: task %q, %s", ErrDuplicateUpdate, taskID, status.GetState())
	}
	s.received[uuid] = true
	s.pending = append(s.pending, status)
	if persisting {
		s.unpersisted[uuid] = true
	}
	return s, nil
}

// forwardable reports whether the head of s may be forwarded now: there is
// one, it is not in flight already, its record and the record of the
// acknowledgement before it are durable, and the Manager is not paused.
func (m *Manager) forwardable(s *stream) bool {
	return len(s.pending) > 0 && !s.inFlight && !m.paused && s.ackPersisting == "" &&
		!s.unpersisted[string(s.pending[0].GetUuid())]
}

// Acknowledge records the framework's acknowledgement of the update with
// uuid for a task. Only the head of the stream can be acknowledged; the
// next update, if any, is returned to be forwarded.
func (m *Manager) Acknowledge(frameworkID, taskID string, uuid []byte) (Acknowledged, error) {
	return m.acknowledge(frameworkID, taskID, uuid, false)
}

// AcknowledgePersisting is Acknowledge for an acknowledgement whose record
// the owner is still writing: the next update of the stream is held back
// (Acknowledged.Forward is empty) until Persisted(frameworkID, taskID,
// uuid). Forwarded earlier, a restarted agent that lost the record would
// send the acknowledged update again after the one that follows it.
func (m *Manager) AcknowledgePersisting(frameworkID, taskID string, uuid []byte) (Acknowledged, error) {
	return m.acknowledge(frameworkID, taskID, uuid, true)
}

func (m *Manager) acknowledge(frameworkID, taskID string, uuid []byte, persisting bool) (Acknowledged, error) {
	key := streamKey{frameworkID, taskID}
	s := m.streams[key]
	if s == nil {
		return Acknowledged{}, fmt.Errorf("%w %q of framework %q", ErrUnknownStream, taskID, frameworkID)
	}
	if s.acknowledged[string(uuid)] {
		return Acknowledged{}, fmt.Errorf("%w for task %q", ErrDuplicateAcknowledgement, taskID)
	}
	if len(s.pending) == 0 || !bytes.Equal(s.pending[0].GetUuid(), uuid) {
		return Acknowledged{}, fmt.Errorf("%w for task %q: it is not for the update being delivered",
			ErrUnexpectedAcknowledgement, taskID)
	}
	head := s.pending[0]
	s.pending = s.pending[1:]
	s.acknowledged[string(uuid)] = true
	s.inFlight = false
	m.next.valid = false
	ack := Acknowledged{
		Update:   Update{FrameworkID: s.frameworkID, Status: head},
		Terminal: IsTerminal(head.GetState()),
	}
	if ack.Terminal {
		// Mesos closes the stream here even if updates are still queued:
		// nothing may follow a terminal state.
		delete(m.streams, key)
		return ack, nil
	}
	if persisting {
		s.ackPersisting = string(uuid)
	}
	if m.forwardable(s) {
		ack.Forward = []Update{m.forward(s, m.initialBackoff)}
	}
	return ack, nil
}

// Persisted tells the Manager that the record of the update with uuid of
// a task, or of its acknowledgement, is durable. It returns the head of the
// task's stream if that may be forwarded now. Records of a stream that is
// gone (its terminal update was acknowledged, its framework removed) are
// ignored.
func (m *Manager) Persisted(frameworkID, taskID string, uuid []byte) []Update {
	s := m.streams[streamKey{frameworkID, taskID}]
	if s == nil {
		return nil
	}
	delete(s.unpersisted, string(uuid))
	if s.ackPersisting == string(uuid) {
		s.ackPersisting = ""
	}
	if !m.forwardable(s) {
		return nil
	}
	return []Update{m.forward(s, m.initialBackoff)}
}

// Tick returns the updates whose acknowledgement is overdue, to be forwarded
// again, and doubles their backoff (up to the maximum). It returns nothing
// while paused.
func (m *Manager) Tick() []Update {
	if m.paused {
		return nil
	}
	now := m.clock.Now()
	var out []Update
	for _, key := range m.sortedKeys() {
		s := m.streams[key]
		if !s.inFlight || now.Before(s.resendAt) {
			continue
		}
		out = append(out, m.forward(s, min(2*s.backoff, m.maxBackoff)))
	}
	return out
}

// NextResend returns when Tick next has something to return; ok is false
// when nothing awaits an acknowledgement (or the Manager is paused).
func (m *Manager) NextResend() (at time.Time, ok bool) {
	if m.paused {
		return time.Time{}, false
	}
	if m.next.valid {
		return m.next.at, m.next.ok
	}
	for _, s := range m.streams {
		if s.inFlight && (!ok || s.resendAt.Before(at)) {
			at, ok = s.resendAt, true
		}
	}
	m.next.at, m.next.ok, m.next.valid = at, ok, true
	return at, ok
}

// Pause stops forwarding, for when the agent loses its master. Queued
// updates are kept.
func (m *Manager) Pause() {
	m.paused = true
	for _, s := range m.streams {
		s.inFlight = false
	}
	m.next.valid = false
}

// Resume starts forwarding again, for when the agent has (re-)registered:
// it returns the head of every stream, to be forwarded now, and restarts
// their backoff.
func (m *Manager) Resume() []Update {
	m.paused = false
	var out []Update
	for _, key := range m.sortedKeys() {
		if s := m.streams[key]; m.forwardable(s) {
			out = append(out, m.forward(s, m.initialBackoff))
		}
	}
	return out
}

// Paused reports whether the Manager is paused.
func (m *Manager) Paused() bool { return m.paused }

// Unacknowledged returns every update not yet acknowledged whose record is
// durable, stream by stream and in order within a stream: what a
// re-registering agent reports to the master.
func (m *Manager) Unacknowledged() []Update {
	var out []Update
	for _, key := range m.sortedKeys() {
		s := m.streams[key]
		for _, status := range s.pending {
			if !s.unpersisted[string(status.GetUuid())] {
				out = append(out, Update{FrameworkID: s.frameworkID, Status: status})
			}
		}
	}
	return out
}

// Pending returns the unacknowledged updates of one task, oldest first.
func (m *Manager) Pending(frameworkID, taskID string) []*mesospb.TaskStatus {
	if s := m.streams[streamKey{frameworkID, taskID}]; s != nil {
		return slices.Clone(s.pending)
	}
	return nil
}

// RemoveFramework drops the streams of a framework's tasks, for a framework
// that was shut down: nobody is left to acknowledge them.
func (m *Manager) RemoveFramework(frameworkID string) {
	for key := range m.streams {
		if key.frameworkID == frameworkID {
			delete(m.streams, key)
		}
	}
	m.next.valid = false
}

// forward marks the head of s as sent now, to be resent after backoff.
func (m *Manager) forward(s *stream, backoff time.Duration) Update {
	s.inFlight = true
	m.next.valid = false
	s.backoff = backoff
	s.resendAt = m.clock.Now().Add(backoff)
	return Update{FrameworkID: s.frameworkID, Status: s.pending[0]}
}

// sortedKeys orders the streams so that results do not depend on map order.
func (m *Manager) sortedKeys() []streamKey {
	keys := make([]streamKey, 0, len(m.streams))
	for key := range m.streams {
		keys = append(keys, key)
	}
	slices.SortFunc(keys, func(a, b streamKey) int {
		return cmp.Or(cmp.Compare(a.frameworkID, b.frameworkID), cmp.Compare(a.taskID, b.taskID))
	})
	return keys
}

// IsTerminal reports whether a task in state can never change state again
// (Mesos's protobuf::isTerminalState). TASK_UNREACHABLE and TASK_UNKNOWN
// are not terminal: the task may come back.
func IsTerminal(state mesospb.TaskState) bool {
	switch state {
	case mesospb.TaskState_TASK_FINISHED,
		mesospb.TaskState_TASK_FAILED,
		mesospb.TaskState_TASK_KILLED,
		mesospb.TaskState_TASK_LOST,
		mesospb.TaskState_TASK_ERROR,
		mesospb.TaskState_TASK_DROPPED,
		mesospb.TaskState_TASK_GONE,
		mesospb.TaskState_TASK_GONE_BY_OPERATOR:
		return true
	}
	return false
}
