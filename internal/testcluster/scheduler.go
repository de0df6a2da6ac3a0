package testcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/wire"
	"agora/wire/recordio"
)

// Scheduler is a framework scheduler speaking the v1 scheduler API over real
// HTTP, the way any Mesos client does. Tests drive it call by call and read
// its events in order.
type Scheduler struct {
	t        testing.TB
	url      string
	codec    wire.Codec
	client   *http.Client
	cancel   context.CancelFunc
	StreamID string
	// FrameworkID is set from SUBSCRIBED.
	FrameworkID *mesospb.FrameworkID

	events chan *schedulerpb.Event
	done   chan struct{}
	// pending holds updates read while waiting for another task's, by task.
	pending map[string][]*mesospb.TaskStatus
	mu      sync.Mutex
	err     error
}

// DefaultFrameworkInfo is a FrameworkInfo for tests: user and name set.
func DefaultFrameworkInfo(name string) *mesospb.FrameworkInfo {
	return &mesospb.FrameworkInfo{User: proto.String("agora"), Name: proto.String(name)}
}

// Subscribe subscribes a framework with info over codec and waits for
// SUBSCRIBED. It fails the test on any error.
func Subscribe(t testing.TB, masterURL string, codec wire.Codec, info *mesospb.FrameworkInfo) *Scheduler {
	t.Helper()
	s, err := TrySubscribe(masterURL, codec, info)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	s.t = t
	t.Cleanup(s.Close)
	ev := s.Next(t, schedulerpb.Event_SUBSCRIBED)
	s.FrameworkID = ev.GetSubscribed().GetFrameworkId()
	return s
}

// TrySubscribe sends SUBSCRIBE and starts reading the event stream; it
// returns an error for a non-200 answer.
func TrySubscribe(masterURL string, codec wire.Codec, info *mesospb.FrameworkInfo) (*Scheduler, error) {
	call := &schedulerpb.Call{
		Type:      schedulerpb.Call_SUBSCRIBE.Enum(),
		Subscribe: &schedulerpb.Call_Subscribe{FrameworkInfo: info},
	}
	if info.GetId() != nil {
		call.FrameworkId = info.GetId()
	}
	body, err := codec.Marshal(call)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, masterURL+"/api/v1/scheduler", bytes.NewReader(body))
	req.Header.Set("Content-Type", codec.MediaType())
	req.Header.Set("Accept", codec.MediaType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("subscribe: %s: %s", resp.Status, b)
	}
	s := &Scheduler{
		url:      masterURL,
		codec:    codec,
		client:   &http.Client{Timeout: 10 * time.Second},
		cancel:   cancel,
		StreamID: resp.Header.Get("Mesos-Stream-Id"),
		events:   make(chan *schedulerpb.Event, 10000),
		done:     make(chan struct{}),
	}
	if info.GetId() != nil {
		s.FrameworkID = info.GetId()
	}
	go s.read(resp.Body)
	return s, nil
}

func (s *Scheduler) read(body io.ReadCloser) {
	defer close(s.done)
	defer body.Close()
	r := recordio.NewReader(body, 0)
	for {
		rec, err := r.ReadRecord()
		if err != nil {
			s.setErr(err)
			close(s.events)
			return
		}
		ev := &schedulerpb.Event{}
		if err := s.codec.Unmarshal(rec, ev); err != nil {
			s.setErr(fmt.Errorf("decode event: %w", err))
			close(s.events)
			return
		}
		s.events <- ev
	}
}

func (s *Scheduler) setErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

// Close ends the subscription's connection (like a scheduler crashing).
func (s *Scheduler) Close() {
	s.cancel()
	<-s.done
}

// EventTimeout bounds every wait for an event.
var EventTimeout = 20 * time.Second

// Next returns the next event of type want, skipping HEARTBEATs and events
// of other types. Skipped UPDATEs are acknowledged and kept for NextUpdate
// and WaitState, so no task update is lost to a test waiting for something
// else. It fails the test on timeout or when the stream ends.
func (s *Scheduler) Next(t testing.TB, want schedulerpb.Event_Type) *schedulerpb.Event {
	t.Helper()
	deadline := time.Now().Add(EventTimeout)
	for {
		ev, err := s.nextEvent(time.Until(deadline))
		if err != nil {
			t.Fatalf("waiting for %v: %v", want, err)
		}
		if ev.GetType() == want {
			return ev
		}
		if ev.GetType() == schedulerpb.Event_UPDATE {
			st := ev.GetUpdate().GetStatus()
			s.Acknowledge(t, st)
			s.stash(st)
		}
	}
}

func (s *Scheduler) stash(st *mesospb.TaskStatus) {
	if s.pending == nil {
		s.pending = map[string][]*mesospb.TaskStatus{}
	}
	id := st.GetTaskId().GetValue()
	s.pending[id] = append(s.pending[id], st)
}

// NextWithin is Next with an explicit timeout, returning an error instead
// of failing the test; events of other types are dropped.
func (s *Scheduler) NextWithin(want schedulerpb.Event_Type, timeout time.Duration) (*schedulerpb.Event, error) {
	deadline := time.Now().Add(timeout)
	for {
		ev, err := s.nextEvent(time.Until(deadline))
		if err != nil || ev.GetType() == want {
			return ev, err
		}
	}
}

// NextAny returns the next event that is not a HEARTBEAT.
func (s *Scheduler) NextAny(timeout time.Duration) (*schedulerpb.Event, error) {
	deadline := time.Now().Add(timeout)
	for {
		ev, err := s.nextEvent(time.Until(deadline))
		if err != nil || ev.GetType() != schedulerpb.Event_HEARTBEAT {
			return ev, err
		}
	}
}

// nextEvent returns the next event of any type.
func (s *Scheduler) nextEvent(timeout time.Duration) (*schedulerpb.Event, error) {
	select {
	case ev, ok := <-s.events:
		if !ok {
			s.mu.Lock()
			defer s.mu.Unlock()
			return nil, fmt.Errorf("stream ended: %v", s.err)
		}
		return ev, nil
	case <-time.After(timeout):
		return nil, errors.New("timed out")
	}
}

// Call sends a call with this subscription's framework id and stream id and
// returns the status code and body.
func (s *Scheduler) Call(call *schedulerpb.Call) (int, []byte, error) {
	if call.FrameworkId == nil {
		call.FrameworkId = s.FrameworkID
	}
	body, err := s.codec.Marshal(call)
	if err != nil {
		return 0, nil, err
	}
	return s.Post(body, map[string]string{
		"Content-Type":    s.codec.MediaType(),
		"Accept":          s.codec.MediaType(),
		"Mesos-Stream-Id": s.StreamID,
	})
}

// Post sends raw bytes to the scheduler endpoint with the given headers.
func (s *Scheduler) Post(body []byte, headers map[string]string) (int, []byte, error) {
	req, _ := http.NewRequest(http.MethodPost, s.url+"/api/v1/scheduler", bytes.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, nil
}

// MustCall sends call and fails the test unless the answer is 202 Accepted
// (or 200 for the calls that answer with a body).
func (s *Scheduler) MustCall(t testing.TB, call *schedulerpb.Call) []byte {
	t.Helper()
	code, body, err := s.Call(call)
	if err != nil {
		t.Fatalf("%v call: %v", call.GetType(), err)
	}
	if code != http.StatusAccepted && code != http.StatusOK {
		t.Fatalf("%v call: status %d: %s", call.GetType(), code, body)
	}
	return body
}

// Acknowledge acknowledges an update that carries a uuid.
func (s *Scheduler) Acknowledge(t testing.TB, st *mesospb.TaskStatus) {
	t.Helper()
	if len(st.GetUuid()) == 0 {
		return
	}
	s.MustCall(t, &schedulerpb.Call{
		Type: schedulerpb.Call_ACKNOWLEDGE.Enum(),
		Acknowledge: &schedulerpb.Call_Acknowledge{
			AgentId: st.GetAgentId(), TaskId: st.GetTaskId(), Uuid: st.GetUuid(),
		},
	})
}

// NextUpdate returns the next UPDATE for task id and acknowledges it.
// Updates for other tasks read meanwhile are acknowledged and kept, in
// order, for later NextUpdate and WaitState calls on those tasks.
func (s *Scheduler) NextUpdate(t testing.TB, taskID string) *mesospb.TaskStatus {
	t.Helper()
	if q := s.pending[taskID]; len(q) > 0 {
		s.pending[taskID] = q[1:]
		return q[0]
	}
	for {
		ev := s.Next(t, schedulerpb.Event_UPDATE)
		st := ev.GetUpdate().GetStatus()
		s.Acknowledge(t, st)
		if st.GetTaskId().GetValue() != taskID {
			s.stash(st)
			continue
		}
		return st
	}
}

// WaitState waits, acknowledging updates, until task id reaches state; it
// fails on a different terminal state.
func (s *Scheduler) WaitState(t testing.TB, taskID string, want mesospb.TaskState) *mesospb.TaskStatus {
	t.Helper()
	for {
		st := s.NextUpdate(t, taskID)
		if st.GetState() == want {
			return st
		}
		switch st.GetState() {
		case mesospb.TaskState_TASK_FINISHED, mesospb.TaskState_TASK_FAILED, mesospb.TaskState_TASK_KILLED,
			mesospb.TaskState_TASK_ERROR, mesospb.TaskState_TASK_LOST, mesospb.TaskState_TASK_DROPPED:
			t.Fatalf("task %s: want %v, got %v (%s)", taskID, want, st.GetState(), st.GetMessage())
		}
	}
}
