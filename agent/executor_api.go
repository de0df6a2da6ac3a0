package agent

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	executorpb "agora/api/mesos/v1/executor"
	"agora/wire"
	"agora/wire/recordio"
)

// The v1 executor API, POST /api/v1/executor (docs/executor-http-api.md in
// Mesos; Http::executor in src/slave/http.cpp). The handler decodes and
// validates a call, then hands it to the loop, which owns the executors.
// SUBSCRIBE keeps the request open as the executor's event stream: the
// loop queues events on an executorConn and the handler goroutine writes
// them out as RecordIO records.

// ExecutorAPIPath is the executor API's endpoint.
const ExecutorAPIPath = "/api/v1/executor"

// maxCallSize bounds a call's body.
const maxCallSize = recordio.DefaultMaxRecordSize

// ErrInvalidExecutorCall reports an executor call that breaks the executor
// API's rules (Mesos's validateExecutorCall); the executor gets a 400.
var ErrInvalidExecutorCall = errors.New("agent: invalid executor call")

// uuidLength is the size of a Mesos UUID in bytes.
const uuidLength = 16

// ValidateExecutorCall checks a decoded executor call the way Mesos does
// before looking at any state (common::validation::validateExecutorCall):
// the ids and the type are present, each call carries its body, and an
// UPDATE carries a 16-byte uuid, comes from SOURCE_EXECUTOR, is not
// TASK_STAGING and names the calling executor, if any.
func ValidateExecutorCall(call *executorpb.Call) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidExecutorCall, fmt.Sprintf(format, args...))
	}
	switch {
	case call.Type == nil:
		return fail("expecting 'type' to be present")
	case call.GetExecutorId().GetValue() == "":
		return fail("expecting 'executor_id' to be present")
	case call.GetFrameworkId().GetValue() == "":
		return fail("expecting 'framework_id' to be present")
	}
	switch call.GetType() {
	case executorpb.Call_SUBSCRIBE:
		if call.Subscribe == nil {
			return fail("expecting 'subscribe' to be present")
		}
	case executorpb.Call_UPDATE:
		if call.Update == nil {
			return fail("expecting 'update' to be present")
		}
		status := call.GetUpdate().GetStatus()
		executorID := call.GetExecutorId().GetValue()
		switch {
		case status.Uuid == nil:
			return fail("expecting 'uuid' to be present")
		case len(status.GetUuid()) != uuidLength:
			return fail("'uuid' must be %d bytes, not %d", uuidLength, len(status.GetUuid()))
		case status.ExecutorId != nil && status.GetExecutorId().GetValue() != executorID:
			return fail("ExecutorID in Call: %s does not match ExecutorID in TaskStatus: %s",
				executorID, status.GetExecutorId().GetValue())
		case status.GetSource() != mesospb.TaskStatus_SOURCE_EXECUTOR:
			return fail("received Call from executor %s of framework %s with invalid source, expecting 'SOURCE_EXECUTOR'",
				executorID, call.GetFrameworkId().GetValue())
		case status.GetState() == mesospb.TaskState_TASK_STAGING:
			return fail("received TASK_STAGING from executor %s of framework %s which is not allowed",
				executorID, call.GetFrameworkId().GetValue())
		}
	case executorpb.Call_MESSAGE:
		if call.Message == nil {
			return fail("expecting 'message' to be present")
		}
	}
	return nil
}

// apiError is an answer other than success, with its HTTP status code.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return e.msg }

func writeError(w http.ResponseWriter, code int, msg string) {
	if code == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	io.WriteString(w, msg)
}

// decodeCall is the v1 endpoints' first step (wire.DecodeRequest); on error
// it answers the request and returns false.
func decodeCall(w http.ResponseWriter, r *http.Request, call proto.Message) bool {
	if _, err := wire.DecodeRequest(w, r, call, maxCallSize); err != nil {
		msg := err.Error()
		if wire.StatusCode(err) == http.StatusBadRequest && !errors.Is(err, wire.ErrMissingContentType) {
			msg = "Failed to parse body into Call: " + msg
		}
		writeError(w, wire.StatusCode(err), msg)
		return false
	}
	return true
}

// serveExecutorAPI is the handler of POST /api/v1/executor.
func (a *Agent) serveExecutorAPI(w http.ResponseWriter, r *http.Request) {
	call := &executorpb.Call{}
	if !decodeCall(w, r, call) {
		return
	}
	if err := ValidateExecutorCall(call); err != nil {
		writeError(w, http.StatusBadRequest, "Failed to validate Executor::Call: "+err.Error())
		return
	}
	switch call.GetType() {
	case executorpb.Call_SUBSCRIBE:
		accept, err := wire.ResponseCodec(r.Header.Get("Accept"))
		if err != nil {
			writeError(w, http.StatusNotAcceptable, err.Error())
			return
		}
		a.serveExecutorStream(w, r, call, accept)
		return
	case executorpb.Call_HEARTBEAT:
		// Mesos answers at once: executors may send placeholder ids.
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if a.callOnLoop(w, func() error { return a.executorCall(call) }) {
		w.WriteHeader(http.StatusAccepted)
	}
}

// callOnLoop runs f on the loop. When f fails (or the agent is stopping) it
// answers the request with the error's status and returns false.
func (a *Agent) callOnLoop(w http.ResponseWriter, f func() error) bool {
	var result error
	if err := a.query(func() { result = f() }); err != nil {
		writeError(w, http.StatusServiceUnavailable, "Agent is shutting down")
		return false
	}
	var apiErr *apiError
	if errors.As(result, &apiErr) {
		writeError(w, apiErr.code, apiErr.msg)
		return false
	}
	return true
}

// serveExecutorStream answers SUBSCRIBE with the executor's event stream
// and writes its events until the loop or the executor ends it.
func (a *Agent) serveExecutorStream(w http.ResponseWriter, r *http.Request, call *executorpb.Call, codec wire.Codec) {
	conn := &executorConn{
		frameworkID: call.GetFrameworkId().GetValue(),
		executorID:  call.GetExecutorId().GetValue(),
		EventStream: wire.NewEventStream("", codec, executorHeartbeat, a.cfg.ExecutorHeartbeatInterval),
	}
	if !a.callOnLoop(w, func() error { return a.subscribe(call, conn) }) {
		return
	}
	err := conn.Serve(w, r, nil)
	a.log.Info("executor disconnected", "framework_id", conn.frameworkID, "executor_id", conn.executorID, "err", err)
	a.post(func() { a.executorDisconnected(conn) })
}

func executorHeartbeat() proto.Message {
	return &executorpb.Event{Type: executorpb.Event_HEARTBEAT.Enum()}
}

// executorConn is the event stream of one SUBSCRIBE: the loop queues
// events (Send) and ends it (Close); the handler goroutine writes them out.
type executorConn struct {
	frameworkID, executorID string
	*wire.EventStream
}

// The functions below run on the loop.

// executorOf finds the framework and executor a call is from, with the
// answers Mesos gives when they are unknown.
func (a *Agent) executorOf(call *executorpb.Call) (*framework, *executor, error) {
	fw := a.frameworks[call.GetFrameworkId().GetValue()]
	if fw == nil {
		return nil, nil, &apiError{http.StatusBadRequest, "Framework cannot be found"}
	}
	ex := fw.executors[call.GetExecutorId().GetValue()]
	if ex == nil || ex.builtIn() {
		return nil, nil, &apiError{http.StatusBadRequest, "Executor cannot be found"}
	}
	return fw, ex, nil
}

// subscribe handles SUBSCRIBE: the executor gets SUBSCRIBED and then every
// task queued for it (Mesos's Slave::subscribe).
func (a *Agent) subscribe(call *executorpb.Call, conn *executorConn) error {
	fw, ex, err := a.executorOf(call)
	if err != nil {
		return err
	}
	log := a.log.With("framework_id", fw.id, "executor_id", ex.id)
	if a.terminating || fw.terminating || ex.state == executorTerminating || ex.state == executorTerminated {
		log.Warn("executor subscribed while shutting down; telling it to shut down")
		conn.Send(&executorpb.Event{Type: executorpb.Event_SHUTDOWN.Enum()})
		conn.Close()
		return nil
	}
	if ex.proc == nil && !ex.launching {
		// Its process is not even being started: whoever this is, it is
		// not the executor. (A process being launched may subscribe before
		// its launch's outcome reaches the loop.)
		return &apiError{http.StatusBadRequest, "Executor is not launched yet"}
	}
	if ex.conn != nil {
		log.Warn("executor subscribed again; closing its previous stream")
		ex.conn.Close()
	}
	if ex.registrationTimer != nil {
		ex.registrationTimer.Stop()
	}
	ex.state = executorRunning
	ex.conn = conn
	log.Info("executor subscribed")

	// Updates the executor sent that may not have reached us: the status
	// update manager ignores the ones it already has.
	for _, u := range call.GetSubscribe().GetUnacknowledgedUpdates() {
		if err := a.executorUpdate(fw, ex, u.GetStatus()); err != nil {
			log.Warn("ignoring unacknowledged update", "err", err)
		}
	}
	// A task we handed over that is still STAGING and that the executor
	// does not know never reached it: drop it, as Mesos does.
	known := make(map[string]bool)
	for _, t := range call.GetSubscribe().GetUnacknowledgedTasks() {
		known[t.GetTaskId().GetValue()] = true
	}
	for _, t := range ex.orderedTasks() {
		if !t.queued && t.state() == mesospb.TaskState_TASK_STAGING && !known[t.info.GetTaskId().GetValue()] {
			state := mesospb.TaskState_TASK_LOST
			if fw.capability(mesospb.FrameworkInfo_Capability_PARTITION_AWARE) {
				state = mesospb.TaskState_TASK_DROPPED
			}
			a.statusUpdate(fw.id, ex, t, a.newStatus(t.info.GetTaskId(), ex.id, statusSpec{
				state:   state,
				source:  mesospb.TaskStatus_SOURCE_AGENT,
				reason:  mesospb.TaskStatus_REASON_EXECUTOR_UNREGISTERED.Enum(),
				message: "Task was not delivered to the executor before it disconnected",
			}))
		}
	}
	// An executor all of whose tasks were killed before delivery has
	// nothing to do (MESOS-8411).
	if !ex.everSentTask && len(ex.queue) == 0 {
		log.Warn("shutting down executor: it never got a task and its queued tasks were killed")
		a.shutdownExecutor(fw, ex)
		return nil
	}

	a.sendToExecutor(ex, &executorpb.Event{
		Type: executorpb.Event_SUBSCRIBED.Enum(),
		Subscribed: &executorpb.Event_Subscribed{
			ExecutorInfo:  ex.info,
			FrameworkInfo: fw.info,
			AgentInfo:     proto.CloneOf(a.info),
			ContainerId:   &mesospb.ContainerID{Value: proto.String(ex.containerID)},
		},
	})
	// Tasks whose records are still being written follow once they are
	// (tasksRecorded).
	if ex.recording == 0 {
		a.deliverQueued(ex)
	}
	return nil
}

// executorCall handles UPDATE and MESSAGE.
func (a *Agent) executorCall(call *executorpb.Call) error {
	fw, ex, err := a.executorOf(call)
	if err != nil {
		return err
	}
	if ex.state == executorRegistering {
		return &apiError{http.StatusForbidden, "Executor is not subscribed"}
	}
	switch call.GetType() {
	case executorpb.Call_UPDATE:
		return a.executorUpdate(fw, ex, call.GetUpdate().GetStatus())
	case executorpb.Call_MESSAGE:
		a.sendCall(newMessageCall(fw, ex, call.GetMessage().GetData()))
		return nil
	default:
		return &apiError{http.StatusNotImplemented, "Received '" + call.GetType().String() + "' call"}
	}
}

// executorUpdate takes a status update from an executor. The agent stamps
// it with its own id and the executor's, whatever the executor wrote.
func (a *Agent) executorUpdate(fw *framework, ex *executor, status *mesospb.TaskStatus) error {
	taskID := status.GetTaskId().GetValue()
	t := ex.tasks[taskID]
	if t == nil {
		for _, done := range ex.completedTasks {
			if done.GetTaskId().GetValue() == taskID {
				return nil // a late copy of an update already acknowledged
			}
		}
		return &apiError{http.StatusBadRequest, fmt.Sprintf("Task '%s' is unknown to executor '%s'", taskID, ex.id)}
	}
	status = proto.CloneOf(status)
	status.AgentId = proto.CloneOf(a.agentID)
	status.ExecutorId = proto.CloneOf(ex.info.GetExecutorId())
	status.Source = mesospb.TaskStatus_SOURCE_EXECUTOR.Enum()
	if status.Timestamp == nil {
		status.Timestamp = proto.Float64(a.timestamp())
	}
	a.statusUpdate(fw.id, ex, t, status)
	return nil
}

// executorDisconnected forgets a stream the executor closed. The executor
// stays: it may subscribe again, and tasks for it queue up meanwhile.
func (a *Agent) executorDisconnected(conn *executorConn) {
	conn.Close()
	if ex := a.executor(conn.frameworkID, conn.executorID); ex != nil && ex.conn == conn {
		ex.conn = nil
	}
}
