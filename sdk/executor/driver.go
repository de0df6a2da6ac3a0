package executor

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	executorpb "agora/api/mesos/v1/executor"
	"agora/sdk/internal/backoff"
	"agora/sdk/internal/stream"
	"agora/wire"
	"agora/wire/recordio"
)

// Errors returned by the driver, checked with errors.Is.
var (
	ErrInvalidConfig  = errors.New("executor: invalid configuration")
	ErrAlreadyRunning = errors.New("executor: driver already running")
	// ErrDisconnected: the connection to the agent broke and the framework
	// does not checkpoint, so the executor must exit (Mesos's rule).
	ErrDisconnected = errors.New("executor: disconnected from the agent")
	// ErrRecoveryTimeout: the agent did not come back within the recovery
	// timeout.
	ErrRecoveryTimeout = errors.New("executor: agent did not come back within the recovery timeout")
	// ErrSubscribeRejected: the agent refused SUBSCRIBE with a 4xx status
	// (an unknown executor or framework).
	ErrSubscribeRejected = errors.New("executor: subscription rejected by the agent")
	// ErrNotSubscribed: a call was made without a live subscription.
	ErrNotSubscribed = errors.New("executor: not subscribed")
	// ErrCallRejected: the agent answered a call with an error status.
	ErrCallRejected = errors.New("executor: call rejected by the agent")
)

// Driver connects an executor to its agent over the v1 executor API
// (POST /api/v1/executor). Create it with New, run it with Run. Its call
// methods are safe for concurrent use, from callbacks or the goroutines
// running tasks.
type Driver struct {
	cfg      Config
	exec     Executor
	client   *http.Client
	own      *http.Transport
	endpoint string
	log      *slog.Logger
	life     stream.Lifecycle

	mu         sync.Mutex
	subscribed bool
	// Tasks launched but without an acknowledged update, and updates sent
	// but not acknowledged, in the order they came: a re-subscription
	// hands them to the agent (executor API, "Disconnections").
	unackedTasks   []*mesospb.TaskInfo
	unackedUpdates []*executorpb.Call_Update
}

// New checks cfg and returns a driver for e.
func New(cfg Config, e Executor) (*Driver, error) {
	if e == nil {
		return nil, fmt.Errorf("%w: nil Executor", ErrInvalidConfig)
	}
	if cfg.AgentEndpoint == "" || cfg.FrameworkID == "" || cfg.ExecutorID == "" {
		return nil, fmt.Errorf("%w: AgentEndpoint, FrameworkID and ExecutorID are required (ConfigFromEnv reads them)", ErrInvalidConfig)
	}
	if cfg.Codec == 0 {
		cfg.Codec = wire.Protobuf
	}
	if cfg.Codec.MediaType() == "" {
		return nil, fmt.Errorf("%w: codec %v", ErrInvalidConfig, cfg.Codec)
	}
	if cfg.RecoveryTimeout <= 0 {
		cfg.RecoveryTimeout = DefaultRecoveryTimeout
	}
	if cfg.SubscriptionBackoffMax <= 0 {
		cfg.SubscriptionBackoffMax = DefaultSubscriptionBackoffMax
	}
	if cfg.ShutdownGracePeriod <= 0 {
		cfg.ShutdownGracePeriod = DefaultShutdownGracePeriod
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	endpoint := cfg.AgentEndpoint
	if !strings.Contains(endpoint, "://") {
		endpoint = "http://" + endpoint
	}
	d := &Driver{cfg: cfg, exec: e, endpoint: strings.TrimSuffix(endpoint, "/") + "/api/v1/executor",
		log: cfg.Logger.With("component", "executor-driver", "executor_id", cfg.ExecutorID)}
	d.client, d.own = stream.Client(cfg.HTTPClient)
	return d, nil
}

// Config returns the driver's configuration, defaults filled in.
func (d *Driver) Config() Config { return d.cfg }

// Stop makes Run return nil. Safe from callbacks and more than once.
func (d *Driver) Stop() { d.life.Stop() }

// Run subscribes to the agent and delivers events until SHUTDOWN (after
// the Shutdown callback), Stop or the end of ctx, and then returns nil.
//
// A broken connection to the agent (the stream ends or fails, as when the
// agent process dies or restarts) is handled as Mesos's executor library
// does (src/executor/executor.cpp): Run calls Disconnected and, if the
// framework checkpoints, subscribes again with backoff (bounded by
// SubscriptionBackoffMax), handing the agent the tasks and updates it has
// not acknowledged, for up to RecoveryTimeout from the disconnection, an
// agent that accepts connections but never answers included. When it gives
// up (no checkpointing: at once, with ErrDisconnected; otherwise after the
// recovery timeout, with ErrRecoveryTimeout) it first calls Shutdown, with
// a context that ends after ShutdownGracePeriod, so the executor kills its
// tasks, as a Mesos executor does before it exits.
//
// When Run returns, every goroutine it started has ended.
func (d *Driver) Run(ctx context.Context) error {
	ctx, end, ok := d.life.Start(ctx, d.own)
	if !ok {
		return ErrAlreadyRunning
	}
	defer end()

	bo := backoff.Backoff{Min: min(100*time.Millisecond, d.cfg.SubscriptionBackoffMax), Max: d.cfg.SubscriptionBackoffMax}
	sessions := 0
	giveUpAfter := initialSubscribeTimeout
	if d.cfg.Checkpoint {
		giveUpAfter = d.cfg.RecoveryTimeout
	}
	since := time.Now() // start of the current disconnection
	for {
		got, shutdown, err := d.session(ctx, sessions, since.Add(giveUpAfter))
		if ctx.Err() != nil || shutdown {
			return nil
		}
		if errors.Is(err, ErrSubscribeRejected) {
			return d.giveUp(ctx, sessions, err)
		}
		if got {
			sessions++
			bo.Reset()
			since = time.Now()
			d.log.Warn("disconnected from the agent", "err", err)
			d.exec.Disconnected(ctx, d)
			if !d.cfg.Checkpoint {
				return d.giveUp(ctx, sessions, fmt.Errorf("%w: %v", ErrDisconnected, err))
			}
			giveUpAfter = d.cfg.RecoveryTimeout
		}
		if time.Since(since) >= giveUpAfter {
			return d.giveUp(ctx, sessions, fmt.Errorf("%w (%v): %v", ErrRecoveryTimeout, giveUpAfter, err))
		}
		d.log.Info("subscribing again", "err", err)
		if !bo.Sleep(ctx.Done()) {
			return nil
		}
	}
}

// giveUp ends Run with err. An executor that was subscribed is told to
// shut down first (Mesos injects a SHUTDOWN event when it stops trying),
// within the shutdown grace period the agent would give it.
func (d *Driver) giveUp(ctx context.Context, sessions int, err error) error {
	d.log.Error("giving up on the agent; shutting down", "err", err)
	if sessions > 0 {
		sctx, cancel := context.WithTimeout(ctx, d.cfg.ShutdownGracePeriod)
		d.exec.Shutdown(sctx, d)
		cancel()
	}
	return err
}

// session is one subscription. It reports whether SUBSCRIBED arrived and
// whether the agent asked the executor to shut down. A SUBSCRIBE still
// unanswered at giveUpAt is abandoned.
func (d *Driver) session(ctx context.Context, sessions int, giveUpAt time.Time) (subscribed, shutdown bool, err error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Not a context deadline: that would end the stream too.
	abandon := time.AfterFunc(time.Until(giveUpAt), cancel)
	resp, err := d.subscribe(sctx)
	if !abandon.Stop() && err != nil {
		err = fmt.Errorf("executor: no answer to SUBSCRIBE: %w", err)
	}
	if err != nil {
		return false, false, err
	}
	defer resp.Body.Close()
	defer func() {
		d.mu.Lock()
		d.subscribed = false
		d.mu.Unlock()
	}()
	// The executor stream carries few events and the agent's heartbeats
	// are rare (every 30 min in Mesos), so events are read and handled on
	// this goroutine; cancelling sctx closes the body and ends the read.
	r := recordio.NewReader(resp.Body, 0)
	for {
		rec, err := r.ReadRecord()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("executor: the agent closed the event stream")
			}
			return subscribed, false, err
		}
		ev := &executorpb.Event{}
		if err := d.cfg.Codec.Unmarshal(rec, ev); err != nil {
			return subscribed, false, fmt.Errorf("executor: bad event from the agent: %w", err)
		}
		switch ev.GetType() {
		case executorpb.Event_SUBSCRIBED:
			subscribed = true
			d.mu.Lock()
			d.subscribed = true
			d.mu.Unlock()
			s := ev.GetSubscribed()
			d.log.Info("subscribed", "agent", s.GetAgentInfo().GetHostname())
			if sessions == 0 {
				d.exec.Registered(sctx, d, s.GetExecutorInfo(), s.GetFrameworkInfo(), s.GetAgentInfo())
			} else {
				d.exec.Reregistered(sctx, d, s.GetAgentInfo())
			}
		case executorpb.Event_LAUNCH:
			t := ev.GetLaunch().GetTask()
			d.rememberTasks(t)
			d.exec.LaunchTask(sctx, d, t)
		case executorpb.Event_LAUNCH_GROUP:
			g := ev.GetLaunchGroup().GetTaskGroup()
			d.rememberTasks(g.GetTasks()...)
			d.exec.LaunchTaskGroup(sctx, d, g)
		case executorpb.Event_KILL:
			k := ev.GetKill()
			d.exec.KillTask(sctx, d, k.GetTaskId(), k.GetKillPolicy())
		case executorpb.Event_ACKNOWLEDGED:
			a := ev.GetAcknowledged()
			d.acknowledged(a.GetTaskId().GetValue(), a.GetUuid())
		case executorpb.Event_MESSAGE:
			d.exec.FrameworkMessage(sctx, d, ev.GetMessage().GetData())
		case executorpb.Event_SHUTDOWN:
			d.log.Info("shutdown requested by the agent")
			d.exec.Shutdown(sctx, d)
			return subscribed, true, nil
		case executorpb.Event_ERROR:
			msg := ev.GetError().GetMessage()
			d.exec.Error(sctx, d, msg)
			return subscribed, false, fmt.Errorf("executor: agent reported an error: %s", msg)
		case executorpb.Event_HEARTBEAT:
		default:
			d.log.Debug("event ignored", "type", ev.GetType().String())
		}
	}
}

// subscribe sends SUBSCRIBE with what the agent has not acknowledged.
func (d *Driver) subscribe(ctx context.Context) (*http.Response, error) {
	d.mu.Lock()
	call := d.newCall(executorpb.Call_SUBSCRIBE)
	call.Subscribe = &executorpb.Call_Subscribe{
		UnacknowledgedTasks:   append([]*mesospb.TaskInfo(nil), d.unackedTasks...),
		UnacknowledgedUpdates: append([]*executorpb.Call_Update(nil), d.unackedUpdates...),
	}
	d.mu.Unlock()
	resp, err := stream.Post(ctx, d.client, d.endpoint, d.cfg.Codec, call, nil)
	if err != nil {
		return nil, fmt.Errorf("executor: subscribe: %w", err)
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	if stream.Permanent(resp.StatusCode) {
		return nil, stream.Rejected(ErrSubscribeRejected, call.GetType(), resp)
	}
	return nil, fmt.Errorf("executor: subscribe: %s: %s", resp.Status, stream.Message(resp))
}

// newCall starts a call with the executor's ids. Callers hold d.mu or
// need no state.
func (d *Driver) newCall(t executorpb.Call_Type) *executorpb.Call {
	return &executorpb.Call{
		Type:        t.Enum(),
		ExecutorId:  &mesospb.ExecutorID{Value: proto.String(d.cfg.ExecutorID)},
		FrameworkId: &mesospb.FrameworkID{Value: proto.String(d.cfg.FrameworkID)},
	}
}

func (d *Driver) rememberTasks(tasks ...*mesospb.TaskInfo) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.unackedTasks = append(d.unackedTasks, tasks...)
}

// acknowledged drops the acknowledged update, and its task from the
// unacknowledged tasks: a task counts as acknowledged once one of its
// updates is.
func (d *Driver) acknowledged(taskID string, uuid []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, u := range d.unackedUpdates {
		if bytes.Equal(u.GetStatus().GetUuid(), uuid) {
			d.unackedUpdates = append(d.unackedUpdates[:i:i], d.unackedUpdates[i+1:]...)
			break
		}
	}
	for i, t := range d.unackedTasks {
		if t.GetTaskId().GetValue() == taskID {
			d.unackedTasks = append(d.unackedTasks[:i:i], d.unackedTasks[i+1:]...)
			break
		}
	}
}

// Unacknowledged returns the tasks and updates the agent has not
// acknowledged yet (what a re-subscription would hand it).
func (d *Driver) Unacknowledged() (tasks []*mesospb.TaskInfo, updates []*mesospb.TaskStatus) {
	d.mu.Lock()
	defer d.mu.Unlock()
	tasks = append(tasks, d.unackedTasks...)
	for _, u := range d.unackedUpdates {
		updates = append(updates, u.GetStatus())
	}
	return tasks, updates
}

// Update sends a status update for a task; message may be empty.
func (d *Driver) Update(ctx context.Context, taskID *mesospb.TaskID, state mesospb.TaskState, message string) error {
	st := &mesospb.TaskStatus{TaskId: taskID, State: state.Enum()}
	if message != "" {
		st.Message = proto.String(message)
	}
	return d.SendStatusUpdate(ctx, st)
}

// SendStatusUpdate sends status reliably: it fills in what the executor
// API requires (a fresh uuid unless one is set, source SOURCE_EXECUTOR,
// the executor id, a timestamp) and keeps the update until the agent
// acknowledges it. If the agent cannot be reached now, the update is
// still kept and goes with the next SUBSCRIBE; the error says so.
func (d *Driver) SendStatusUpdate(ctx context.Context, status *mesospb.TaskStatus) error {
	st := proto.Clone(status).(*mesospb.TaskStatus)
	if len(st.Uuid) == 0 {
		st.Uuid = newUUID()
	}
	st.Source = mesospb.TaskStatus_SOURCE_EXECUTOR.Enum()
	st.ExecutorId = &mesospb.ExecutorID{Value: proto.String(d.cfg.ExecutorID)}
	if st.Timestamp == nil {
		st.Timestamp = proto.Float64(float64(time.Now().UnixNano()) / 1e9)
	}
	update := &executorpb.Call_Update{Status: st}
	d.mu.Lock()
	d.unackedUpdates = append(d.unackedUpdates, update)
	d.mu.Unlock()
	call := d.newCall(executorpb.Call_UPDATE)
	call.Update = update
	return d.send(ctx, call)
}

// Message sends data to the scheduler. Delivery is not guaranteed (a
// message is not resent), but on agora a message that arrives does so
// before any status update this executor sends after it, as over Mesos's
// agent-to-master connection.
func (d *Driver) Message(ctx context.Context, data []byte) error {
	if data == nil {
		data = []byte{}
	}
	call := d.newCall(executorpb.Call_MESSAGE)
	call.Message = &executorpb.Call_Message{Data: data}
	return d.send(ctx, call)
}

func (d *Driver) send(ctx context.Context, call *executorpb.Call) error {
	d.mu.Lock()
	subscribed := d.subscribed
	d.mu.Unlock()
	if !subscribed {
		return fmt.Errorf("%w: %v call", ErrNotSubscribed, call.GetType())
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := stream.Post(ctx, d.client, d.endpoint, d.cfg.Codec, call, nil)
	if err != nil {
		return fmt.Errorf("executor: %v call: %w", call.GetType(), err)
	}
	if resp.StatusCode != http.StatusAccepted {
		return stream.Rejected(ErrCallRejected, call.GetType(), resp)
	}
	stream.Drain(resp)
	return nil
}

// newUUID returns 16 random bytes shaped as a version 4 UUID, the form of
// Mesos's status update uuids.
func newUUID() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}
