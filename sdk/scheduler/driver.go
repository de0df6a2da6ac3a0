package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/sdk/internal/backoff"
	"agora/sdk/internal/stream"
	"agora/wire"
	"agora/wire/recordio"
)

// Defaults for the zero values of Config.
const (
	// DefaultMinBackoff and DefaultMaxBackoff bound the wait between
	// subscription attempts (Mesos's scheduler driver uses a 2 s factor
	// and a 1 min cap; mesos-go similar values).
	DefaultMinBackoff = time.Second
	DefaultMaxBackoff = 30 * time.Second
	// DefaultMissedHeartbeats is how many heartbeat intervals of silence
	// make the driver drop the stream and subscribe again (Mesos's
	// documentation suggests resubscribing after about five).
	DefaultMissedHeartbeats = 5
	// DefaultHeartbeatInterval is assumed until SUBSCRIBED names one
	// (the master's --heartbeat_interval default).
	DefaultHeartbeatInterval = 15 * time.Second
	// DefaultReconcileInterval is the first wait before the driver asks
	// again about tasks whose state reconciliation has not confirmed; it
	// doubles up to DefaultMaxReconcileInterval.
	DefaultReconcileInterval    = 5 * time.Second
	DefaultMaxReconcileInterval = 2 * time.Minute
	// DefaultCallTimeout bounds each call to the master.
	DefaultCallTimeout = 10 * time.Second
	// maxRedirects bounds the masters a SUBSCRIBE follows in one attempt.
	maxRedirects = 8
)

// Config configures a Driver. Master and Framework are required.
type Config struct {
	// Master is the address of a Mesos master, "host:port" or a URL such
	// as "http://host:port" (https works too with a suitable HTTPClient).
	// Any master of a highly available set will do: the driver follows
	// its redirect to the leader.
	Master string
	// Framework describes the framework. Set Framework.Id to fail over to
	// an existing framework (a restarted scheduler); the driver keeps the
	// id the master assigns and uses it when it subscribes again.
	Framework *mesospb.FrameworkInfo
	// Codec is the encoding spoken to the master: wire.Protobuf (default)
	// or wire.JSON.
	Codec wire.Codec
	// HTTPClient sends the requests. The driver never lets it follow
	// redirects itself (it must learn the leader) and sets no overall
	// timeout on the event stream. Default: a client of its own, whose
	// idle connections Run closes when it returns.
	HTTPClient *http.Client
	// ManualAcknowledgements turns off automatic acknowledgement: the
	// scheduler must call Acknowledge for each update that has a uuid, or
	// the agent resends it.
	ManualAcknowledgements bool
	// Store keeps task states for reconciliation; default NewMemoryStore().
	Store TaskStore
	// MinBackoff and MaxBackoff bound the wait between subscription
	// attempts (defaults DefaultMinBackoff, DefaultMaxBackoff).
	MinBackoff, MaxBackoff time.Duration
	// MissedHeartbeats is how many heartbeat intervals without any event
	// count as a lost connection (default DefaultMissedHeartbeats).
	MissedHeartbeats int
	// ReconcileInterval and MaxReconcileInterval pace explicit
	// reconciliation retries (defaults above).
	ReconcileInterval, MaxReconcileInterval time.Duration
	// CallTimeout bounds each call (default DefaultCallTimeout).
	CallTimeout time.Duration
	// Logger receives the driver's logs; default slog.Default().
	Logger *slog.Logger
}

// Driver subscribes a framework to a Mesos master over the v1 scheduler
// API, delivers events to a Scheduler and sends calls. Create one with New,
// run it with Run; its call methods are safe for concurrent use.
type Driver struct {
	cfg    Config
	sched  Scheduler
	client *http.Client
	master *url.URL // the configured master's scheduler endpoint
	log    *slog.Logger
	own    *http.Transport // the default client's transport, closed by Run
	life   stream.Lifecycle

	mu          sync.Mutex
	leader      *url.URL // where to send calls and the next SUBSCRIBE
	streamID    string   // Mesos-Stream-Id of the live subscription
	subscribed  bool     // SUBSCRIBED received on the live stream
	frameworkID *mesospb.FrameworkID
	dropStream  context.CancelCauseFunc // ends the live subscription
	reconciling bool
	// suppressed holds the roles the framework asked not to be offered
	// (SUPPRESS, UPDATE_FRAMEWORK); SUBSCRIBE names them again.
	suppressed map[string]bool
}

// New checks cfg and returns a driver for sched.
func New(cfg Config, sched Scheduler) (*Driver, error) {
	if sched == nil {
		return nil, fmt.Errorf("%w: nil Scheduler", ErrInvalidConfig)
	}
	if cfg.Framework == nil {
		return nil, fmt.Errorf("%w: Framework is required", ErrInvalidConfig)
	}
	if cfg.Framework.GetUser() == "" || cfg.Framework.GetName() == "" {
		return nil, fmt.Errorf("%w: Framework needs user and name (Mesos requires both)", ErrInvalidConfig)
	}
	endpoint, err := schedulerEndpoint(cfg.Master)
	if err != nil {
		return nil, err
	}
	if cfg.Codec == 0 {
		cfg.Codec = wire.Protobuf
	}
	if cfg.Codec.MediaType() == "" {
		return nil, fmt.Errorf("%w: codec %v", ErrInvalidConfig, cfg.Codec)
	}
	if cfg.Store == nil {
		cfg.Store = NewMemoryStore()
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(DefaultMaxBackoff, cfg.MinBackoff)
	}
	if cfg.MissedHeartbeats <= 0 {
		cfg.MissedHeartbeats = DefaultMissedHeartbeats
	}
	if cfg.ReconcileInterval <= 0 {
		cfg.ReconcileInterval = DefaultReconcileInterval
	}
	if cfg.MaxReconcileInterval < cfg.ReconcileInterval {
		cfg.MaxReconcileInterval = max(DefaultMaxReconcileInterval, cfg.ReconcileInterval)
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	d := &Driver{cfg: cfg, sched: sched, master: endpoint, leader: endpoint, log: cfg.Logger.With("component", "scheduler-driver"), suppressed: map[string]bool{}}
	d.cfg.Framework = proto.Clone(cfg.Framework).(*mesospb.FrameworkInfo)
	d.frameworkID = d.cfg.Framework.GetId()

	// The driver reads redirects itself, so a copy of the user's client
	// with redirects turned off.
	base, own := stream.Client(cfg.HTTPClient)
	client := *base
	d.own = own
	client.Timeout = 0 // the event stream lives as long as it lives
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	d.client = &client
	return d, nil
}

// schedulerEndpoint turns "host:port" or a URL into the scheduler API's URL.
func schedulerEndpoint(master string) (*url.URL, error) {
	if master == "" {
		return nil, fmt.Errorf("%w: Master is required", ErrInvalidConfig)
	}
	if !strings.Contains(master, "://") {
		master = "http://" + master
	}
	u, err := url.Parse(master)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("%w: Master %q is not host:port or an http(s) URL", ErrInvalidConfig, master)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(u.Path, "/api/v1/scheduler") {
		u.Path += "/api/v1/scheduler"
	}
	return u, nil
}

// FrameworkID returns the framework's id: the one the master assigned, or
// Config.Framework.Id before the first SUBSCRIBED; nil if neither.
func (d *Driver) FrameworkID() *mesospb.FrameworkID {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.frameworkID
}

// Leader returns the URL the driver currently sends calls to.
func (d *Driver) Leader() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.leader.String()
}

// Subscribed reports whether the driver has a live subscription.
func (d *Driver) Subscribed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.subscribed
}

// Reconciling reports whether the driver is still confirming task states
// after its latest subscription.
func (d *Driver) Reconciling() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reconciling
}

// Store returns the driver's task store.
func (d *Driver) Store() TaskStore { return d.cfg.Store }

// Stop makes Run return (without tearing the framework down: the master
// keeps its tasks for its failover_timeout). It is safe to call from a
// callback and more than once.
func (d *Driver) Stop() { d.life.Stop() }

// Run subscribes and delivers events until ctx is done, Stop or Teardown
// is called (it then returns nil), or a fatal error: the master refused
// the subscription (ErrSubscribeRejected) or sent an ERROR
// (ErrFrameworkError). Lost connections and missed heartbeats are not
// fatal: Run subscribes again with backoff, keeping the framework id. When
// Run returns, every goroutine it started has ended.
func (d *Driver) Run(ctx context.Context) error {
	ctx, end, ok := d.life.Start(ctx, d.own)
	if !ok {
		return ErrAlreadyRunning
	}
	defer end()

	bo := backoff.Backoff{Min: d.cfg.MinBackoff, Max: d.cfg.MaxBackoff}
	sessions := 0
	for {
		got, err := d.session(ctx, sessions)
		if got {
			sessions++
			bo.Reset()
		}
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrSubscribeRejected) || errors.Is(err, ErrFrameworkError) {
			return err
		}
		d.log.Warn("subscription ended; subscribing again", "err", err, "master", d.Leader())
		if got {
			d.sched.Disconnected(ctx, d)
		}
		if !bo.Sleep(ctx.Done()) {
			return nil
		}
	}
}

// session is one subscription: SUBSCRIBE (following redirects), then the
// event stream until it ends. It reports whether SUBSCRIBED arrived.
func (d *Driver) session(ctx context.Context, sessions int) (subscribed bool, err error) {
	sctx, drop := context.WithCancelCause(ctx)
	defer drop(context.Canceled)

	resp, err := d.subscribe(sctx)
	if err != nil {
		return false, err
	}
	d.mu.Lock()
	d.streamID = resp.Header.Get("Mesos-Stream-Id")
	d.dropStream = drop
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.streamID, d.subscribed, d.dropStream, d.reconciling = "", false, nil, false
		d.mu.Unlock()
	}()

	q := newEventQueue()
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		d.read(sctx, drop, resp.Body, q)
	}()
	defer func() { drop(context.Canceled); <-readerDone }()

	rec := reconciliation{interval: d.cfg.ReconcileInterval}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-sctx.Done():
			return subscribed, context.Cause(sctx)
		case <-timer.C:
			d.reconcileAgain(sctx, &rec, timer)
		case <-q.ready:
			for {
				ev, end := q.pop()
				if ev == nil {
					if end != nil {
						return subscribed, end
					}
					break
				}
				if ev.GetType() == schedulerpb.Event_SUBSCRIBED {
					subscribed = true
				}
				if err := d.handle(sctx, ev, sessions, &rec, timer); err != nil {
					return subscribed, err
				}
			}
		}
	}
}

// subscribe sends SUBSCRIBE to the leader, following 307 redirects, and
// returns the 200 response whose body is the event stream.
func (d *Driver) subscribe(ctx context.Context) (*http.Response, error) {
	d.mu.Lock()
	info := proto.Clone(d.cfg.Framework).(*mesospb.FrameworkInfo)
	if d.frameworkID != nil {
		info.Id = d.frameworkID
	}
	target := d.leader
	var suppressed []string
	for _, r := range frameworkRoles(info) {
		if d.suppressed[r] {
			suppressed = append(suppressed, r)
		}
	}
	d.mu.Unlock()

	call := &schedulerpb.Call{
		Type:      schedulerpb.Call_SUBSCRIBE.Enum(),
		Subscribe: &schedulerpb.Call_Subscribe{FrameworkInfo: info, SuppressedRoles: suppressed},
	}
	call.FrameworkId = info.GetId()
	for range maxRedirects {
		resp, err := stream.Post(ctx, d.client, target.String(), d.cfg.Codec, call, nil)
		if err != nil {
			// The leader we knew may be gone: next time start over at
			// the configured master, which knows the new one.
			d.setLeader(d.master)
			return nil, fmt.Errorf("subscribe to %s: %w", target.Redacted(), err)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			d.setLeader(target)
			return resp, nil
		case isRedirect(resp.StatusCode):
			next, err := redirectTarget(target, resp)
			stream.Drain(resp)
			if err != nil {
				return nil, err
			}
			d.log.Info("following the master's redirect to the leader", "from", target.Host, "to", next.Host)
			target = next
			continue
		default:
			msg := stream.Message(resp)
			if stream.Permanent(resp.StatusCode) {
				return nil, fmt.Errorf("%w: %s: %s", ErrSubscribeRejected, resp.Status, msg)
			}
			// 503 (no leader elected yet) and other server errors pass.
			d.setLeader(d.master)
			return nil, fmt.Errorf("subscribe to %s: %s: %s", target.Redacted(), resp.Status, msg)
		}
	}
	return nil, ErrTooManyRedirects
}

func isRedirect(code int) bool {
	return code == http.StatusTemporaryRedirect || code == http.StatusPermanentRedirect
}

// redirectTarget resolves a redirect's Location against the request URL.
// Mesos masters answer "//host:port/api/v1/scheduler", without a scheme,
// which resolves to the scheme already in use.
func redirectTarget(from *url.URL, resp *http.Response) (*url.URL, error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, fmt.Errorf("scheduler: %s redirect without a Location", resp.Status)
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("scheduler: bad redirect Location %q: %v", loc, err)
	}
	next := from.ResolveReference(ref)
	if next.Host == "" {
		return nil, fmt.Errorf("scheduler: bad redirect Location %q", loc)
	}
	return next, nil
}

func (d *Driver) setLeader(u *url.URL) {
	d.mu.Lock()
	d.leader = u
	d.mu.Unlock()
}

// read decodes the event stream into q. Every record, heartbeats included,
// pushes back the watchdog that drops the stream after MissedHeartbeats
// intervals of silence. It never blocks on the dispatcher, so a slow
// callback cannot make heartbeats look missed.
func (d *Driver) read(ctx context.Context, drop context.CancelCauseFunc, body io.ReadCloser, q *eventQueue) {
	defer body.Close()
	silence := time.Duration(d.cfg.MissedHeartbeats) * DefaultHeartbeatInterval
	watchdog := time.AfterFunc(silence, func() { drop(fmt.Errorf("%w: no event for %v", ErrHeartbeatsMissed, silence)) })
	defer watchdog.Stop()
	r := recordio.NewReader(body, 0)
	for {
		rec, err := r.ReadRecord()
		if err != nil {
			if cause := context.Cause(ctx); cause != nil {
				err = cause
			} else if errors.Is(err, io.EOF) {
				err = errors.New("scheduler: the master closed the event stream")
			}
			q.close(err)
			return
		}
		ev := &schedulerpb.Event{}
		if err := d.cfg.Codec.Unmarshal(rec, ev); err != nil {
			q.close(fmt.Errorf("scheduler: bad event from the master: %w", err))
			return
		}
		if s := ev.GetSubscribed(); s != nil && s.GetHeartbeatIntervalSeconds() > 0 {
			silence = time.Duration(float64(d.cfg.MissedHeartbeats) * s.GetHeartbeatIntervalSeconds() * float64(time.Second))
		}
		watchdog.Reset(silence)
		q.push(ev)
	}
}

// handle delivers one event. A returned error ends the subscription.
func (d *Driver) handle(ctx context.Context, ev *schedulerpb.Event, sessions int, rec *reconciliation, timer *time.Timer) error {
	switch ev.GetType() {
	case schedulerpb.Event_SUBSCRIBED:
		s := ev.GetSubscribed()
		d.mu.Lock()
		d.frameworkID = s.GetFrameworkId()
		d.subscribed = true
		d.mu.Unlock()
		d.log.Info("subscribed", "framework_id", s.GetFrameworkId().GetValue(), "master", d.Leader())
		if sessions == 0 {
			d.sched.Registered(ctx, d, s.GetFrameworkId(), s.GetMasterInfo())
		} else {
			d.sched.Reregistered(ctx, d, s.GetMasterInfo())
		}
		d.startReconciliation(ctx, rec, timer)
	case schedulerpb.Event_OFFERS:
		d.sched.ResourceOffers(ctx, d, ev.GetOffers().GetOffers())
	case schedulerpb.Event_RESCIND:
		d.sched.OfferRescinded(ctx, d, ev.GetRescind().GetOfferId())
	case schedulerpb.Event_UPDATE:
		st := ev.GetUpdate().GetStatus()
		if err := d.cfg.Store.Put(Task{ID: st.GetTaskId().GetValue(), AgentID: st.GetAgentId().GetValue(), State: st.GetState()}); err != nil {
			d.log.Error("task store", "err", err)
		}
		d.sched.StatusUpdate(ctx, d, st)
		if len(st.GetUuid()) > 0 && !d.cfg.ManualAcknowledgements {
			if err := d.Acknowledge(ctx, st); err != nil && ctx.Err() == nil {
				d.log.Warn("acknowledging an update", "task_id", st.GetTaskId().GetValue(), "err", err)
			}
		}
		d.confirm(ctx, rec, timer, st.GetTaskId().GetValue())
	case schedulerpb.Event_MESSAGE:
		m := ev.GetMessage()
		d.sched.FrameworkMessage(ctx, d, m.GetExecutorId(), m.GetAgentId(), m.GetData())
	case schedulerpb.Event_FAILURE:
		f := ev.GetFailure()
		if f.GetExecutorId() != nil {
			d.sched.ExecutorLost(ctx, d, f.GetExecutorId(), f.GetAgentId(), int(f.GetStatus()))
		} else {
			d.sched.AgentLost(ctx, d, f.GetAgentId())
		}
	case schedulerpb.Event_ERROR:
		msg := ev.GetError().GetMessage()
		d.sched.Error(ctx, d, msg)
		return fmt.Errorf("%w: %s", ErrFrameworkError, msg)
	case schedulerpb.Event_HEARTBEAT:
	default:
		// INVERSE_OFFERS, RESCIND_INVERSE_OFFER, UPDATE_OPERATION_STATUS
		// and types newer than this driver: nothing to deliver.
		d.log.Debug("event ignored", "type", ev.GetType().String())
	}
	return nil
}

// eventQueue hands events from the reader to the dispatcher without ever
// blocking the reader.
type eventQueue struct {
	mu     sync.Mutex
	events []*schedulerpb.Event
	end    error
	ready  chan struct{} // has a token when there is something to pop
}

func newEventQueue() *eventQueue { return &eventQueue{ready: make(chan struct{}, 1)} }

func (q *eventQueue) push(ev *schedulerpb.Event) {
	q.mu.Lock()
	q.events = append(q.events, ev)
	q.mu.Unlock()
	q.signal()
}

func (q *eventQueue) close(err error) {
	q.mu.Lock()
	q.end = err
	q.mu.Unlock()
	q.signal()
}

func (q *eventQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// pop returns the next event, or nil and the stream's end error (nil when
// the stream is still open and simply empty).
func (q *eventQueue) pop() (*schedulerpb.Event, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.events) == 0 {
		return nil, q.end
	}
	ev := q.events[0]
	q.events[0] = nil
	q.events = q.events[1:]
	return ev, nil
}
