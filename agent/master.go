package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent/checkpoint"
	clusterpb "agora/api/agora/cluster/v1"
	"agora/wire"
	"agora/wire/recordio"
)

// The agent protocol's endpoint and stream header (docs/agent-protocol.md).
const (
	ClusterPath    = "/agora/v1/cluster"
	StreamIDHeader = "Agora-Agent-Stream-Id"
)

// callTimeout bounds one call (UPDATE, HEARTBEAT, ...) to the master.
const callTimeout = 30 * time.Second

// outboxSize bounds the calls waiting to be sent on one lane. When the
// master is too slow to take them, new calls are dropped: status updates
// are resent by the status update manager and heartbeats come again.
const outboxSize = 1024

// callSenders is how many calls to the master may be in flight at once. One
// sender posting calls one after another caps an agent at a few hundred
// status updates a second on a loaded machine; a few in parallel keep the
// launch path from queueing behind it.
const callSenders = 8

var errRegistrationRefused = errors.New("agent: master refused registration")

// masterClient talks to the master: one goroutine (run) keeps the REGISTER
// stream open, registering again whenever it breaks, and hands every event
// to the loop; callSenders goroutines (sendCalls) post the loop's other
// calls, one lane each. The calls about one executor (its framework
// messages, its tasks' status updates, its exit) always take the same
// lane, so they reach the master in the order the executor made them, as
// over Mesos's single agent-to-master link: a scheduler hears a message an
// executor sent before it finished its task before it hears TASK_FINISHED.
// Calls about different executors may overtake each other.
type masterClient struct {
	a      *Agent
	url    string
	stream *http.Client // no timeout: the event stream lives for hours
	calls  *http.Client
	lanes  [callSenders]chan outgoingCall
	next   int // the lane of the next call that is about no executor
}

type outgoingCall struct {
	streamID string
	call     *clusterpb.Call
}

func newMasterClient(a *Agent) *masterClient {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = callSenders + 1
	c := &masterClient{
		a:      a,
		url:    "http://" + a.cfg.Master + ClusterPath,
		stream: &http.Client{Transport: transport},
		calls:  &http.Client{Transport: transport, Timeout: callTimeout},
	}
	for i := range c.lanes {
		c.lanes[i] = make(chan outgoingCall, outboxSize)
	}
	return c
}

// run registers with the master and reads its event stream until ctx
// ends. A failed registration is retried after a random wait of up to the
// backoff, which doubles up to MaxRegistrationBackoff (Mesos's
// doReliableRegistration); a stream that broke after registering is
// re-opened after a random wait of up to the initial backoff.
func (c *masterClient) run(ctx context.Context) {
	log := c.a.log
	initial := c.a.cfg.RegistrationBackoff
	backoff := initial
	for {
		registered, err := c.session(ctx)
		if ctx.Err() != nil || errors.Is(err, errStopped) {
			return
		}
		if registered {
			backoff = initial
		}
		wait := rand.N(backoff + 1)
		log.Warn("connection to master lost; registering again", "master", c.a.cfg.Master, "err", err, "retry_in", wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return
		}
		if !registered {
			backoff = min(2*backoff, MaxRegistrationBackoff)
		}
	}
}

// session is one REGISTER stream: it returns when the stream ends, saying
// whether the master registered the agent on it.
func (c *masterClient) session(ctx context.Context) (registered bool, err error) {
	var call *clusterpb.Call
	if err := c.a.query(func() { call = c.a.registerCall() }); err != nil {
		return false, err
	}
	body, err := wire.Protobuf.Marshal(call)
	if err != nil {
		return false, fmt.Errorf("agent: encode REGISTER: %w", err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("agent: REGISTER request: %w", err)
	}
	req.Header.Set("Content-Type", wire.MediaTypeProtobuf)
	req.Header.Set("Accept", wire.MediaTypeProtobuf)
	resp, err := c.stream.Do(req)
	if err != nil {
		return false, fmt.Errorf("agent: REGISTER: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("%w: %s: %s", errRegistrationRefused, resp.Status, readMessage(resp.Body))
	}
	streamID := resp.Header.Get(StreamIDHeader)
	if streamID == "" {
		return false, fmt.Errorf("%w: no %s header in the answer", errRegistrationRefused, StreamIDHeader)
	}
	codec, err := wire.RequestCodec(resp.Header.Get("Content-Type"))
	if err != nil {
		return false, fmt.Errorf("%w: event stream: %w", errRegistrationRefused, err)
	}

	// The master sends HEARTBEAT events; a stream silent for longer than
	// the ping timeout is a dead master (or network), so give up on it.
	silence := c.a.cfg.AgentPingTimeout * time.Duration(c.a.cfg.MaxAgentPingTimeouts)
	errSilent := fmt.Errorf("agent: no event from the master for %s", silence)
	watchdog := time.AfterFunc(silence, func() { cancel(errSilent) })
	defer watchdog.Stop()

	reader := recordio.NewReader(resp.Body, recordio.DefaultMaxRecordSize)
	events := make(chan *clusterpb.Event, maxEventBatch)
	loopGone := make(chan struct{})
	posted := make(chan struct{})
	go func() {
		defer close(posted)
		c.postEvents(streamID, events, loopGone)
	}()
	defer func() {
		// The stream's events reach the loop before its end does.
		close(events)
		<-posted
		if cause := context.Cause(ctx); errors.Is(cause, errSilent) {
			err = cause
		}
		c.a.post(func() { c.a.masterDisconnected(streamID, err) })
	}()
	for {
		record, err := reader.ReadRecord()
		if err != nil {
			if err == io.EOF {
				err = errors.New("agent: the master closed the event stream")
			}
			return registered, err
		}
		event := &clusterpb.Event{}
		if err := codec.Unmarshal(record, event); err != nil {
			return registered, fmt.Errorf("agent: malformed event from master: %w", err)
		}
		if r := event.GetRegistered(); event.GetType() == clusterpb.Event_REGISTERED && r != nil {
			registered = true
			if interval := seconds(r.GetHeartbeatIntervalSeconds()); 3*interval > silence {
				silence = 3 * interval
			}
		}
		watchdog.Reset(silence)
		select {
		case <-loopGone:
			return registered, errStopped
		default:
		}
		select {
		case events <- event:
		case <-loopGone:
			return registered, errStopped
		}
	}
}

// maxEventBatch bounds the events of the master's stream waiting for the
// loop, and how many it takes in one go.
const maxEventBatch = 256

// postEvents hands the stream's events to the loop in order, as many at a
// time as have arrived meanwhile. Handing them over one by one would make
// the stream wait for the loop once per event, behind every worker's
// post: while hundreds of tasks launch, the stream would be read a few
// hundred events a second, and the acknowledgements the status update
// manager waits for would queue in it behind RUN_TASKs. It closes loopGone
// (and drops the rest) if the loop has ended.
func (c *masterClient) postEvents(streamID string, events <-chan *clusterpb.Event, loopGone chan<- struct{}) {
	for event := range events {
		batch := []*clusterpb.Event{event}
	more:
		for len(batch) < maxEventBatch {
			select {
			case event, ok := <-events:
				if !ok {
					break more
				}
				batch = append(batch, event)
			default:
				break more
			}
		}
		if !c.a.post(func() {
			for _, event := range batch {
				c.a.handleMasterEvent(streamID, event)
			}
		}) {
			close(loopGone)
			for range events {
			}
			return
		}
	}
}

// sendCalls posts the calls queued on one lane to the master, one after
// another, until ctx ends.
func (c *masterClient) sendCalls(ctx context.Context, lane <-chan outgoingCall) {
	for {
		select {
		case out := <-lane:
			if err := c.send(ctx, out); err != nil {
				c.a.log.Warn("call to master failed", "call", out.call.GetType().String(), "err", err)
			}
		case <-ctx.Done():
			return
		}
	}
}

func (c *masterClient) send(ctx context.Context, out outgoingCall) error {
	body, err := wire.Protobuf.Marshal(out.call)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", wire.MediaTypeProtobuf)
	req.Header.Set(StreamIDHeader, out.streamID)
	resp, err := c.calls.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("master answered %s: %s", resp.Status, readMessage(resp.Body))
	}
	_, _ = io.Copy(io.Discard, resp.Body) // reuse the connection
	return nil
}

// readMessage reads the start of an error body for a log line.
func readMessage(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 1024))
	return strings.TrimSpace(string(b))
}

func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}

// The functions below run on the loop.

// sendCall queues a call for the master. Calls are dropped while the agent
// is not registered: status updates wait in the status update manager and
// are sent again on registration; the rest is not worth keeping.
func (a *Agent) sendCall(call *clusterpb.Call) {
	if a.master.streamID == "" {
		a.log.Debug("not registered; dropping call to master", "call", call.GetType().String())
		return
	}
	call.AgentId = proto.CloneOf(a.agentID)
	select {
	case a.client.lane(call) <- outgoingCall{streamID: a.master.streamID, call: call}:
	default:
		a.log.Warn("too many calls waiting for the master; dropping one", "call", call.GetType().String())
	}
}

// lane is the lane a call takes: that of its executor, if it is about
// one, else the next in turn. It runs on the loop.
func (c *masterClient) lane(call *clusterpb.Call) chan<- outgoingCall {
	framework, executor, ok := executorOf(call)
	if !ok {
		c.next = (c.next + 1) % len(c.lanes)
		return c.lanes[c.next]
	}
	return c.lanes[fnv32a(framework, executor)%uint32(len(c.lanes))]
}

// executorOf names the executor a call is about (framework id and executor
// id), if any. A status update the agent made for a task of no executor
// names its task instead.
func executorOf(call *clusterpb.Call) (framework, executor string, ok bool) {
	switch call.GetType() {
	case clusterpb.Call_MESSAGE:
		return call.GetMessage().GetFrameworkId().GetValue(), call.GetMessage().GetExecutorId().GetValue(), true
	case clusterpb.Call_UPDATE:
		status := call.GetUpdate().GetStatus()
		if status.ExecutorId == nil {
			return call.GetUpdate().GetFrameworkId().GetValue(), status.GetTaskId().GetValue(), true
		}
		return call.GetUpdate().GetFrameworkId().GetValue(), status.GetExecutorId().GetValue(), true
	case clusterpb.Call_EXECUTOR_EXITED:
		return call.GetExecutorExited().GetFrameworkId().GetValue(), call.GetExecutorExited().GetExecutorId().GetValue(), true
	}
	return "", "", false
}

// fnv32a is FNV-1a over a, a zero byte and b, without allocating: lane
// picks a lane for every status update.
func fnv32a(a, b string) uint32 {
	const prime = 16777619
	h := uint32(2166136261)
	for i := 0; i < len(a); i++ {
		h = (h ^ uint32(a[i])) * prime
	}
	h *= prime // the zero byte between them
	for i := 0; i < len(b); i++ {
		h = (h ^ uint32(b[i])) * prime
	}
	return h
}

func (a *Agent) sendHeartbeat() {
	a.sendCall(&clusterpb.Call{Type: clusterpb.Call_HEARTBEAT.Enum()})
}

// registerCall builds REGISTER. With an agent id it is a re-registration
// and lists everything the agent still has, so that the master reconciles
// instead of duplicating: frameworks, custom and default executors (the
// master never knows command executors), tasks not yet completed, and the
// status updates not yet acknowledged.
func (a *Agent) registerCall() *clusterpb.Call {
	reg := &clusterpb.Call_Register{
		AgentInfo: proto.CloneOf(a.info),
		Endpoint:  proto.String(a.endpoint),
		Version:   proto.String(Version),
	}
	// Copies: the call is encoded on the client's goroutine while the loop
	// goes on changing its records.
	for _, fw := range a.orderedFrameworks() {
		reg.Frameworks = append(reg.Frameworks, proto.CloneOf(fw.info))
		for _, ex := range fw.orderedExecutors() {
			if ex.kind != commandExecutor && ex.state != executorTerminated {
				reg.Executors = append(reg.Executors, proto.CloneOf(ex.info))
			}
			for _, t := range ex.orderedTasks() {
				reg.Tasks = append(reg.Tasks, proto.CloneOf(t.record))
			}
		}
	}
	for _, u := range a.updates.Unacknowledged() {
		reg.PendingUpdates = append(reg.PendingUpdates, u.Status)
	}
	call := &clusterpb.Call{Type: clusterpb.Call_REGISTER.Enum(), Register: reg}
	if a.agentID != nil {
		call.AgentId = proto.CloneOf(a.agentID)
	}
	return call
}

// handleMasterEvent applies one event of the stream streamID.
func (a *Agent) handleMasterEvent(streamID string, event *clusterpb.Event) {
	if event.GetType() == clusterpb.Event_REGISTERED {
		a.registered(streamID, event.GetRegistered())
		return
	}
	if streamID != a.master.streamID {
		a.log.Debug("ignoring event from a stream that is not registered", "event", event.GetType().String())
		return
	}
	switch event.GetType() {
	case clusterpb.Event_RUN_TASK:
		run := event.GetRunTask()
		a.runTask(run.GetFrameworkInfo(), run.GetTask())
	case clusterpb.Event_RUN_TASK_GROUP:
		run := event.GetRunTaskGroup()
		a.runTaskGroup(run.GetFrameworkInfo(), run.GetExecutor(), run.GetTaskGroup())
	case clusterpb.Event_KILL_TASK:
		kill := event.GetKillTask()
		a.killTask(kill.GetFrameworkId().GetValue(), kill.GetTaskId(), kill.GetKillPolicy())
	case clusterpb.Event_ACKNOWLEDGE:
		ack := event.GetAcknowledge()
		a.acknowledge(ack.GetFrameworkId().GetValue(), ack.GetTaskId().GetValue(), ack.GetUuid())
	case clusterpb.Event_SHUTDOWN_FRAMEWORK:
		a.shutdownFramework(event.GetShutdownFramework().GetFrameworkId().GetValue())
	case clusterpb.Event_SHUTDOWN_EXECUTOR:
		shutdown := event.GetShutdownExecutor()
		a.shutdownExecutorByID(shutdown.GetFrameworkId().GetValue(), shutdown.GetExecutorId().GetValue())
	case clusterpb.Event_MESSAGE:
		msg := event.GetMessage()
		a.frameworkMessage(msg.GetFrameworkId().GetValue(), msg.GetExecutorId().GetValue(), msg.GetData())
	case clusterpb.Event_UPDATE_FRAMEWORK:
		a.updateFramework(event.GetUpdateFramework().GetFrameworkInfo())
	case clusterpb.Event_CHECKPOINT_RESOURCES:
		a.checkpointResources(event.GetCheckpointResources().GetResources())
	case clusterpb.Event_HEARTBEAT:
		// The stream is alive; the master client already noted it.
	case clusterpb.Event_ERROR:
		a.log.Error("error from master", "message", event.GetError().GetMessage())
	default:
		a.log.Warn("ignoring unknown event from master", "type", event.GetType().String())
	}
}

// registered handles REGISTERED: the agent keeps its id, starts heart
// beating and sends every unacknowledged status update again.
func (a *Agent) registered(streamID string, r *clusterpb.Event_Registered) {
	id := r.GetAgentId()
	if id.GetValue() == "" {
		a.log.Error("master sent REGISTERED without an agent id; ignoring it")
		return
	}
	reregistered := a.master.registeredOnce
	if a.agentID != nil && a.agentID.GetValue() != id.GetValue() {
		a.log.Warn("master gave the agent a new id", "old", a.agentID.GetValue(), "new", id.GetValue())
	}
	if a.agentID.GetValue() != id.GetValue() {
		if err := saveAgentID(a.cfg.WorkDir, id.GetValue()); err != nil {
			a.log.Error("cannot keep the agent id; a restarted agent will register as a new one", "err", err)
		}
	}
	if a.agentID.GetValue() != id.GetValue() {
		a.checkpoint = checkpoint.Open(a.cfg.WorkDir, id.GetValue())
		a.isolation.forAgent(id.GetValue(), a.log)
	}
	a.agentID = proto.CloneOf(id)
	a.info.Id = proto.CloneOf(id)
	a.master.streamID = streamID
	a.master.registeredOnce = true
	a.master.info = r.GetMasterInfo()

	interval := seconds(r.GetHeartbeatIntervalSeconds())
	if interval <= 0 {
		interval = DefaultHeartbeatInterval
	}
	if a.master.heartbeat != nil {
		a.master.heartbeat.Stop()
	}
	a.master.heartbeat = time.NewTicker(interval)
	if reregistered {
		a.log.Info("re-registered with master", "agent_id", id.GetValue(), "heartbeat_interval", interval)
	} else {
		a.log.Info("registered with master", "agent_id", id.GetValue(), "heartbeat_interval", interval)
	}

	// Tasks of frameworks the master removed while we were away.
	for _, taskID := range r.GetKillTasks() {
		if fw, _, _ := a.findTask(taskID.GetValue()); fw != nil {
			a.killTask(fw.id, taskID, nil)
		}
	}
	a.forward(a.updates.Resume())
}

// masterDisconnected handles the end of the stream streamID.
func (a *Agent) masterDisconnected(streamID string, err error) {
	if streamID != a.master.streamID {
		return // never registered on that stream
	}
	a.log.Warn("disconnected from master", "err", err)
	a.master.streamID = ""
	if a.master.heartbeat != nil {
		a.master.heartbeat.Stop()
		a.master.heartbeat = nil
	}
	a.updates.Pause()
}
