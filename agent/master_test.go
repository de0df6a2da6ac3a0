package agent_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent"
	clusterpb "agora/api/agora/cluster/v1"
	mesospb "agora/api/mesos/v1"
	"agora/wire"
	"agora/wire/recordio"
)

// testMaster is the master side of the agent protocol, small enough to
// read at a glance: it registers the agent, streams events the test
// pushes, records the agent's calls and (unless told otherwise)
// acknowledges every status update as a framework would.
type testMaster struct {
	t   *testing.T
	srv *httptest.Server

	mu          sync.Mutex
	agentID     string
	streams     int
	streamID    string
	stream      chan *clusterpb.Event
	closeStream chan struct{}
	holdAcks    bool // when set, UPDATEs are recorded but not acknowledged
	// onUpdate, when set, sees every UPDATE as it arrives, before it is
	// acknowledged.
	onUpdate  func(*clusterpb.Call_Update)
	heartbeat float64
	// messageDelay holds each MESSAGE this long before it is recorded and
	// answered, as a busy master would.
	messageDelay time.Duration

	heartbeats atomic.Int32 // HEARTBEAT calls received

	registers chan *clusterpb.Call
	updates   chan *clusterpb.Call_Update
	// early holds updates read while waiting for another task's; only the
	// test goroutine uses it.
	early map[string][]*mesospb.TaskStatus
	// unclaimed holds messages read by waitMessages that it was not
	// waiting for: the agent forwards the calls of different executors on
	// several senders, so they may arrive out of order.
	unclaimed []string
	messages  chan *clusterpb.Call_Message
	exited    chan *clusterpb.Call_ExecutorExited
}

func newTestMaster(t *testing.T) *testMaster {
	m := &testMaster{
		t:         t,
		agentID:   "agent-1",
		heartbeat: 1,
		registers: make(chan *clusterpb.Call, 100),
		updates:   make(chan *clusterpb.Call_Update, 1000),
		early:     make(map[string][]*mesospb.TaskStatus),
		messages:  make(chan *clusterpb.Call_Message, 100),
		exited:    make(chan *clusterpb.Call_ExecutorExited, 100),
	}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(m.srv.Close)
	return m
}

// addr is the master's host:port, the agent's --master.
func (m *testMaster) addr() string { return m.srv.Listener.Addr().String() }

func (m *testMaster) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != agent.ClusterPath || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	call := &clusterpb.Call{}
	if err := wire.Protobuf.Unmarshal(body, call); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if call.GetType() == clusterpb.Call_REGISTER {
		m.register(w, r, call)
		return
	}
	m.mu.Lock()
	current := m.streamID
	hold, onUpdate, messageDelay := m.holdAcks, m.onUpdate, m.messageDelay
	m.mu.Unlock()
	if r.Header.Get(agent.StreamIDHeader) != current {
		http.Error(w, "stale stream", http.StatusForbidden)
		return
	}
	if call.GetAgentId().GetValue() != m.agentID {
		http.Error(w, "wrong agent id", http.StatusBadRequest)
		return
	}
	if call.GetType() == clusterpb.Call_MESSAGE {
		time.Sleep(messageDelay)
	}
	w.WriteHeader(http.StatusAccepted)
	switch call.GetType() {
	case clusterpb.Call_UPDATE:
		u := call.GetUpdate()
		if onUpdate != nil {
			onUpdate(u)
		}
		// The acknowledgement is queued on the stream before the test can
		// see the update: whatever the test sends the agent next comes
		// after it, so the agent has it by then.
		if !hold {
			m.acknowledge(u)
		}
		m.updates <- u
	case clusterpb.Call_HEARTBEAT:
		m.heartbeats.Add(1)
	case clusterpb.Call_MESSAGE:
		m.messages <- call.GetMessage()
	case clusterpb.Call_EXECUTOR_EXITED:
		m.exited <- call.GetExecutorExited()
	}
}

// register answers REGISTER with a stream: REGISTERED, then whatever the
// test sends, until a newer REGISTER or closeCurrentStream ends it.
func (m *testMaster) register(w http.ResponseWriter, r *http.Request, call *clusterpb.Call) {
	m.mu.Lock()
	if m.closeStream != nil {
		close(m.closeStream)
	}
	m.streams++
	m.streamID = "stream-" + strconv.Itoa(m.streams)
	stream := make(chan *clusterpb.Event, 100)
	closeStream := make(chan struct{})
	m.stream, m.closeStream = stream, closeStream
	streamID, heartbeat := m.streamID, m.heartbeat
	m.mu.Unlock()
	m.registers <- call

	w.Header().Set("Content-Type", wire.MediaTypeProtobuf)
	w.Header().Set(agent.StreamIDHeader, streamID)
	w.WriteHeader(http.StatusOK)
	out := recordio.NewWriter(w)
	write := func(e *clusterpb.Event) bool {
		b, err := wire.Protobuf.Marshal(e)
		if err != nil {
			m.t.Errorf("test master: encode %v: %v", e.GetType(), err)
			return false
		}
		return out.WriteRecord(b) == nil
	}
	if !write(&clusterpb.Event{
		Type: clusterpb.Event_REGISTERED.Enum(),
		Registered: &clusterpb.Event_Registered{
			AgentId: &mesospb.AgentID{Value: proto.String(m.agentID)},
			MasterInfo: &mesospb.MasterInfo{
				Id: proto.String("master-1"), Ip: proto.Uint32(0x7f000001), Port: proto.Uint32(5050),
				Hostname: proto.String("localhost"),
			},
			HeartbeatIntervalSeconds: proto.Float64(heartbeat),
		},
	}) {
		return
	}
	for {
		select {
		case e := <-stream:
			if !write(e) {
				return
			}
		case <-closeStream:
			return
		case <-r.Context().Done():
			return
		}
	}
}

// send pushes an event on the current stream.
func (m *testMaster) send(e *clusterpb.Event) {
	m.mu.Lock()
	stream := m.stream
	m.mu.Unlock()
	if stream == nil {
		m.t.Fatal("test master: no agent registered")
	}
	stream <- e
}

// closeCurrentStream ends the event stream, as a restarting master would.
func (m *testMaster) closeCurrentStream() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closeStream != nil {
		close(m.closeStream)
		m.closeStream, m.stream, m.streamID = nil, nil, ""
	}
}

func (m *testMaster) setHoldAcks(hold bool) {
	m.mu.Lock()
	m.holdAcks = hold
	m.mu.Unlock()
}

func (m *testMaster) acknowledge(u *clusterpb.Call_Update) {
	m.send(&clusterpb.Event{
		Type: clusterpb.Event_ACKNOWLEDGE.Enum(),
		Acknowledge: &clusterpb.Event_Acknowledge{
			FrameworkId: u.GetFrameworkId(),
			TaskId:      u.GetStatus().GetTaskId(),
			Uuid:        u.GetStatus().GetUuid(),
		},
	})
}

func (m *testMaster) runTask(fw *mesospb.FrameworkInfo, task *mesospb.TaskInfo) {
	task.AgentId = &mesospb.AgentID{Value: proto.String(m.agentID)}
	m.send(&clusterpb.Event{
		Type:    clusterpb.Event_RUN_TASK.Enum(),
		RunTask: &clusterpb.Event_RunTask{FrameworkInfo: fw, Task: task},
	})
}

func (m *testMaster) killTask(fw *mesospb.FrameworkInfo, taskID string, grace time.Duration) {
	kill := &clusterpb.Event_KillTask{FrameworkId: fw.GetId(), TaskId: &mesospb.TaskID{Value: proto.String(taskID)}}
	if grace > 0 {
		kill.KillPolicy = &mesospb.KillPolicy{GracePeriod: &mesospb.DurationInfo{Nanoseconds: proto.Int64(int64(grace))}}
	}
	m.send(&clusterpb.Event{Type: clusterpb.Event_KILL_TASK.Enum(), KillTask: kill})
}

const waitTimeout = 20 * time.Second

// waitRegister waits for the agent's next REGISTER.
func (m *testMaster) waitRegister() *clusterpb.Call {
	m.t.Helper()
	select {
	case c := <-m.registers:
		return c
	case <-time.After(waitTimeout):
		m.t.Fatal("the agent did not register")
		return nil
	}
}

// waitUpdates collects status updates of a task until one in state until
// and returns them in order. Updates of other tasks that arrive meanwhile
// are kept for later calls.
func (m *testMaster) waitUpdates(taskID string, until mesospb.TaskState) []*mesospb.TaskStatus {
	m.t.Helper()
	var got []*mesospb.TaskStatus
	take := func(s *mesospb.TaskStatus) bool {
		got = append(got, s)
		return s.GetState() == until
	}
	for len(m.early[taskID]) > 0 {
		s := m.early[taskID][0]
		m.early[taskID] = m.early[taskID][1:]
		if take(s) {
			return got
		}
	}
	deadline := time.After(waitTimeout)
	for {
		select {
		case u := <-m.updates:
			if id := u.GetStatus().GetTaskId().GetValue(); id != taskID {
				m.early[id] = append(m.early[id], u.GetStatus())
				continue
			}
			if take(u.GetStatus()) {
				return got
			}
		case <-deadline:
			m.t.Fatalf("task %s: no %v update within %v; got %s", taskID, until, waitTimeout, states(got))
			return nil
		}
	}
}

func (m *testMaster) waitMessage() string {
	m.t.Helper()
	select {
	case msg := <-m.messages:
		return string(msg.GetData())
	case <-time.After(waitTimeout):
		m.t.Fatal("no MESSAGE from the agent")
		return ""
	}
}

func (m *testMaster) waitExecutorExited() *clusterpb.Call_ExecutorExited {
	m.t.Helper()
	select {
	case e := <-m.exited:
		return e
	case <-time.After(waitTimeout):
		m.t.Fatal("no EXECUTOR_EXITED from the agent")
		return nil
	}
}

// states renders statuses as "TASK_STARTING TASK_RUNNING ...".
func states(statuses []*mesospb.TaskStatus) string {
	var b bytes.Buffer
	for i, s := range statuses {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, s.GetState())
	}
	return b.String()
}
