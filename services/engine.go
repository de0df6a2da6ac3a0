package services

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	mesospb "agora/api/mesos/v1"
	"agora/sdk/scheduler"
	"agora/services/app"
	"agora/services/events"
	"agora/services/store"
	"agora/wire"

	"google.golang.org/protobuf/proto"
)

// Defaults of Config, Marathon's where Marathon has the setting.
const (
	DefaultFrameworkName              = "marathon"
	DefaultFailoverTimeout            = 7 * 24 * time.Hour // Marathon's --failover_timeout 604800 s
	DefaultDeclineRefuse              = 120 * time.Second  // Marathon's --decline_offer_duration
	DefaultTick                       = time.Second
	DefaultKillRetry                  = 10 * time.Second // Marathon's --kill_retry_timeout
	DefaultReconciliationInitialDelay = 15 * time.Second
	DefaultReconciliationInterval     = 10 * time.Minute
	// DefaultBlockedAfter is how long a deployment finds no way on before
	// it is reported blocked: longer than an agent takes to be offered
	// again once an old instance on it has stopped.
	DefaultBlockedAfter = 15 * time.Second
)

// ErrConfig reports an unusable Config.
var ErrConfig = errors.New("services: invalid configuration")

// Config configures an Engine. Master and WorkDir are required.
type Config struct {
	// Master is the Mesos master's address (host:port or URL).
	Master string
	// WorkDir holds the store (services.db).
	WorkDir string
	// FrameworkName is the name the framework registers with (default
	// "marathon", so tools that look for Marathon's framework find it).
	FrameworkName string
	// Role is the role apps run as when they name none, and the
	// framework's (default "*"); the framework also takes every role its
	// apps use (roles.go).
	Role string
	// NewGroupEnforceRole is whether a top-level group whose definition does
	// not say enforces its role (Marathon's --new_group_enforce_role=top;
	// default off).
	NewGroupEnforceRole bool
	// User runs the tasks of apps that name no user (default: the user
	// running services, as Marathon's --mesos_user).
	User string
	// WebUIURL is advertised to the master (the REST API's address).
	WebUIURL string
	// FailoverTimeout is how long the master keeps the framework's tasks
	// while services is away (default one week, Marathon's).
	FailoverTimeout time.Duration
	// DeclineRefuse is how long declined offers stay away when no app wants
	// anything (default 120 s).
	DeclineRefuse time.Duration
	// Tick paces time-driven work: backoff expiry, deployment timeouts,
	// unreachable instances, kill retries (default 1 s).
	Tick time.Duration
	// ReconciliationInitialDelay and ReconciliationInterval pace implicit
	// reconciliation: the master is asked for every task it has of the
	// framework that long after each (re)registration, then at every
	// interval, and services kills the tasks it does not know (defaults
	// Marathon's --reconciliation_initial_delay 15 s and
	// --reconciliation_interval 10 min). Explicit reconciliation of the
	// tasks it knows is the driver's, at once.
	ReconciliationInitialDelay, ReconciliationInterval time.Duration
	// BlockedAfter is how long every round of offers must show a
	// deployment that cannot go on before it is reported blocked (default
	// DefaultBlockedAfter).
	BlockedAfter time.Duration
	// ServicePortMin and ServicePortMax bound the service ports given to
	// port definitions with port 0 (default Marathon's 10000–20000).
	ServicePortMin, ServicePortMax int
	// Codec is the scheduler API encoding (default protobuf).
	Codec wire.Codec
	// Events receives Marathon's events (default: a bus of its own).
	Events *events.Bus
	// Logger (default slog.Default()).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Engine is the services scheduler: a Mesos framework that keeps every app's
// instances running as its definition says, runs deployments, and answers the
// REST API. Its state is owned by one loop goroutine; everything else hands
// it closures (do).
type Engine struct {
	cfg    Config
	log    *slog.Logger
	store  *store.Store
	events *events.Bus
	tasks  *scheduler.MemoryStore // owned by the loop; handed to each driver
	driver atomic.Pointer[scheduler.Driver]
	// removed is set by the Error callback when the master says the
	// framework has been removed.
	removed atomic.Bool

	ops     chan func()
	stopped chan struct{}

	outbox *workQueue // driver calls decided on the loop, sent in order
	acks   *workQueue // acknowledgements, sent by a few goroutines at once

	// Owned by the loop.
	apps        map[string]*appState
	instances   map[string]*instance
	deployments map[string]*deployment
	groups      map[string]*app.Group // explicitly deployed groups (dependencies)
	frameworkID string
	suppressed  bool
	needRevive  bool // new demand appeared: revive even when not suppressed
	subscribed  bool
	lastVersion string
	// roles are the framework's roles as the master has them (the last
	// subscription's or UPDATE_FRAMEWORK's); rolesUpdating is set while an
	// update is on its way (roles.go).
	roles         []string
	rolesUpdating bool
	// nextReconciliation is when to ask the master for every task of the
	// framework (implicit reconciliation); zero while not subscribed.
	nextReconciliation time.Time
}

// New opens the store in cfg.WorkDir and loads what it holds; Run starts
// the framework.
func New(cfg Config) (*Engine, error) {
	if cfg.Master == "" || cfg.WorkDir == "" {
		return nil, fmt.Errorf("%w: Master and WorkDir are required", ErrConfig)
	}
	if cfg.FrameworkName == "" {
		cfg.FrameworkName = DefaultFrameworkName
	}
	if cfg.Role == "" {
		cfg.Role = "*"
	}
	if cfg.User == "" {
		if u, err := user.Current(); err == nil {
			cfg.User = u.Username
		} else {
			cfg.User = "root"
		}
	}
	if cfg.FailoverTimeout == 0 {
		cfg.FailoverTimeout = DefaultFailoverTimeout
	}
	if cfg.DeclineRefuse == 0 {
		cfg.DeclineRefuse = DefaultDeclineRefuse
	}
	if cfg.Tick == 0 {
		cfg.Tick = DefaultTick
	}
	if cfg.ReconciliationInitialDelay == 0 {
		cfg.ReconciliationInitialDelay = DefaultReconciliationInitialDelay
	}
	if cfg.ReconciliationInterval == 0 {
		cfg.ReconciliationInterval = DefaultReconciliationInterval
	}
	if cfg.BlockedAfter == 0 {
		cfg.BlockedAfter = DefaultBlockedAfter
	}
	if cfg.ServicePortMin == 0 && cfg.ServicePortMax == 0 {
		cfg.ServicePortMin, cfg.ServicePortMax = app.ServicePortMin, app.ServicePortMax
	}
	if cfg.ServicePortMin > cfg.ServicePortMax || cfg.ServicePortMin < 0 {
		return nil, fmt.Errorf("%w: service port range %d-%d", ErrConfig, cfg.ServicePortMin, cfg.ServicePortMax)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Events == nil {
		cfg.Events = events.NewBus(events.Options{Now: cfg.Now, Logger: cfg.Logger})
	}
	st, err := store.Open(filepath.Join(cfg.WorkDir, "services"))
	if err != nil {
		return nil, err
	}
	e := &Engine{
		cfg:         cfg,
		log:         cfg.Logger.With("component", "services"),
		store:       st,
		events:      cfg.Events,
		tasks:       scheduler.NewMemoryStore(),
		ops:         make(chan func(), 64),
		stopped:     make(chan struct{}),
		outbox:      newWorkQueue(),
		acks:        newWorkQueue(),
		apps:        make(map[string]*appState),
		instances:   make(map[string]*instance),
		deployments: make(map[string]*deployment),
		groups:      make(map[string]*app.Group),
	}
	if err := e.load(); err != nil {
		st.Close()
		return nil, err
	}
	return e, nil
}

// Events is the bus the engine publishes Marathon's events to.
func (e *Engine) Events() *events.Bus { return e.events }

// Run subscribes to the master and runs the engine until ctx ends. It
// closes the store when it returns.
func (e *Engine) Run(ctx context.Context) error {
	defer e.store.Close()
	defer e.events.Close() // ends every /v2/events stream
	// The first driver exists before anything can queue a call to it;
	// nothing else reads the engine's state until the loop starts.
	d, err := e.newDriver(e.frameworkID, e.tasks)
	if err != nil {
		return err
	}
	e.driver.Store(d)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2 + ackWorkers)
	go func() { defer wg.Done(); e.loop(ctx) }()
	go func() { defer wg.Done(); e.outbox.run(ctx) }()
	for range ackWorkers {
		go func() { defer wg.Done(); e.acks.run(ctx) }()
	}
	defer wg.Wait()
	defer cancel()

	for {
		err := d.Run(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if !errors.Is(err, scheduler.ErrFrameworkError) || !e.removed.Swap(false) {
			return err
		}
		// The master removed the framework (its failover timeout passed
		// while services was away) and killed its tasks. Marathon stops
		// here and needs an operator; services registers anew and
		// launches every app again.
		var tasks scheduler.TaskStore
		if e.do(ctx, func() { e.frameworkRemoved(); tasks = e.tasks }) != nil {
			return nil
		}
		if d, err = e.newDriver("", tasks); err != nil {
			return err
		}
		e.driver.Store(d)
	}
}

// newDriver makes a scheduler driver subscribing with framework id id
// ("" for a new framework).
func (e *Engine) newDriver(id string, tasks scheduler.TaskStore) (*scheduler.Driver, error) {
	info := e.frameworkInfo(id)
	e.roles = info.Roles
	return scheduler.New(scheduler.Config{
		Master:    e.cfg.Master,
		Framework: info,
		Codec:     e.cfg.Codec,
		Store:     tasks,
		Logger:    e.log,
		// The engine acknowledges an update once it has recorded it,
		// from its own workers (see statusUpdate).
		ManualAcknowledgements: true,
	}, &callbacks{e: e})
}

// frameworkInfo is the FrameworkInfo services subscribes with.
func (e *Engine) frameworkInfo(id string) *mesospb.FrameworkInfo {
	info := &mesospb.FrameworkInfo{
		User:            proto.String(e.cfg.User),
		Name:            proto.String(e.cfg.FrameworkName),
		FailoverTimeout: proto.Float64(e.cfg.FailoverTimeout.Seconds()),
		Checkpoint:      proto.Bool(true),
		Roles:           e.wantedRoles(),
		Capabilities: []*mesospb.FrameworkInfo_Capability{
			{Type: mesospb.FrameworkInfo_Capability_MULTI_ROLE.Enum()},
			{Type: mesospb.FrameworkInfo_Capability_PARTITION_AWARE.Enum()},
			{Type: mesospb.FrameworkInfo_Capability_TASK_KILLING_STATE.Enum()},
		},
	}
	if host, err := os.Hostname(); err == nil {
		info.Hostname = proto.String(host)
	}
	if e.cfg.WebUIURL != "" {
		info.WebuiUrl = proto.String(e.cfg.WebUIURL)
	}
	if id != "" {
		info.Id = &mesospb.FrameworkID{Value: proto.String(id)}
	}
	return info
}

// frameworkRemoved forgets the removed framework's id and its instances
// (the master killed their tasks), so that the next subscription registers
// a new framework and every app is launched again.
func (e *Engine) frameworkRemoved() {
	e.log.Warn("the master removed the framework; registering a new one and relaunching every app",
		"framework_id", e.frameworkID, "instances", len(e.instances))
	err := e.store.Update(func(tx *store.Tx) error {
		if err := tx.Delete(store.Meta, keyFrameworkID); err != nil {
			return err
		}
		return tx.DeletePrefix(store.Instances, "")
	})
	if err != nil {
		e.log.Error("cannot record the framework's removal", "err", err)
	}
	for _, in := range e.instances {
		delete(e.instances, in.TaskID)
		if a := e.apps[in.AppID]; a != nil {
			delete(a.instances, in.TaskID)
		}
	}
	e.frameworkID = ""
	e.tasks = scheduler.NewMemoryStore()
	e.subscribed = false
}

// loop runs the engine's operations one at a time, and its timers.
func (e *Engine) loop(ctx context.Context) {
	defer close(e.stopped)
	tick := time.NewTicker(e.cfg.Tick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case op := <-e.ops:
			op()
		case <-tick.C:
			e.tick()
		}
		e.reviveOrSuppress()
	}
}

// do runs fn on the loop and waits for it; it gives up when the engine has
// stopped or ctx ends.
func (e *Engine) do(ctx context.Context, fn func()) error {
	done := make(chan struct{})
	select {
	case e.ops <- func() { defer close(done); fn() }:
	case <-e.stopped:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-e.stopped:
		return ErrStopped
	}
}

// ErrStopped is returned by calls made after the engine stopped.
var ErrStopped = errors.New("services: stopped")

// call queues a driver call decided on the loop. One sender goroutine makes
// the calls in the order they were queued, so a slow master never holds up
// the loop and a kill never overtakes the launch it follows.
func (e *Engine) call(fn func(context.Context)) { e.outbox.push(fn) }

// ackWorkers send acknowledgements in parallel: each is one round trip to
// the master, and updates of different tasks do not depend on each other.
const ackWorkers = 4

func (e *Engine) now() time.Time { return e.cfg.Now() }

// drv is the current driver (a new one after the framework was removed).
func (e *Engine) drv() *scheduler.Driver { return e.driver.Load() }
