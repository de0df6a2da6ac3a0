package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"

	"agora/agent/checkpoint"
	"agora/agent/containerizer"
	"agora/agent/statusupdate"
	mesospb "agora/api/mesos/v1"
	"agora/resources"
)

// errStopped is returned to HTTP handlers when the agent's loop has ended.
var errStopped = errors.New("agent: stopped")

// Agent is one agora agent: it registers with the master, runs the tasks
// the master sends and serves the executor and operator HTTP APIs.
//
// All of its mutable state is owned by one goroutine, the loop started by
// Run. HTTP handlers, the master connection, timers and process waiters
// never touch that state: they hand the loop a function (post, query)
// and the loop runs it between other events, so no state needs a lock.
type Agent struct {
	cfg      Config
	log      *slog.Logger
	listener net.Listener
	// endpoint is the host:port the master and executors reach us at.
	endpoint  string
	startTime time.Time
	resources resources.Resources
	client    *masterClient

	ops  chan func()
	done chan struct{} // closed when the loop has ended
	// workers counts goroutines the loop started (preparations, launches,
	// process waiters, kills) so Run can wait for them. Timers need no
	// waiting: one that fires after the loop ended posts nothing.
	workers sync.WaitGroup
	// launchSlots bounds the launches running at once (see launch); a
	// worker holds a slot while it launches.
	launchSlots chan struct{}
	// launchProcess starts processes: containerizer.Launch, which tests
	// replace (only through the loop) to hold a launch in flight.
	launchProcess func(containerizer.ProcessSpec) (*containerizer.Process, error)

	// Fields below are owned by the loop goroutine.

	info       *mesospb.AgentInfo // id set once registered
	agentID    *mesospb.AgentID
	frameworks map[string]*framework
	// healthChecks are the tasks' health checks (health_checks.go).
	healthChecks map[healthCheckKey]*healthCheck
	// sandboxGC deletes the sandboxes of ended runs (sandbox_gc.go).
	sandboxGC sandboxGC
	// frameworkOrder keeps frameworks in arrival order for listings.
	frameworkOrder      []string
	completedFrameworks []*framework
	updates             *statusupdate.Manager
	master              masterState
	// isolation is the agent's choice of isolators (isolation.go).
	isolation *isolation
	// checkpoint records what runs, for a restarted agent (recovery.go);
	// nil until the agent has an id. The loop writes nothing itself: the
	// journal writes its records, in order, on its own goroutine.
	checkpoint *checkpoint.Store
	journal    *journal
	// terminating is set when Run's context ends: no new tasks, every
	// executor is shut down, and the loop ends once all are gone.
	terminating bool
	// stopExecutors overrides Config.KeepExecutorsOnStop
	// (StopExecutorsOnStop); left is set when the loop ended leaving
	// executors running.
	stopExecutors atomic.Bool
	left          bool
}

// StopExecutorsOnStop makes the end of Run's context shut every executor
// down, even with Config.KeepExecutorsOnStop (the agent is being taken out
// of the cluster: Mesos's SIGUSR1). Call it before the context ends.
func (a *Agent) StopExecutorsOnStop() { a.stopExecutors.Store(true) }

// masterState is the loop's view of the connection to the master.
type masterState struct {
	// streamID is the Agora-Agent-Stream-Id of the registered stream; ""
	// while the agent is not registered.
	streamID string
	// registeredOnce is set after the first REGISTERED, for the logs.
	registeredOnce bool
	info           *mesospb.MasterInfo
	// heartbeat paces HEARTBEAT calls while registered.
	heartbeat *time.Ticker
}

// New checks cfg, works out the agent's resources and attributes and binds
// its HTTP listener (so Addr is known before Run). Run must be called to
// serve and, in the end, release the listener.
func New(cfg Config) (*Agent, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.WorkDir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: work directory: %w", ErrInvalidConfig, err)
	}
	if err := clearFetchCache(fetchCacheDir(cfg.WorkDir)); err != nil {
		return nil, fmt.Errorf("%w: fetcher cache: %w", ErrInvalidConfig, err)
	}
	total, err := agentResources(cfg.Resources, cfg.DefaultRole, DetectMachine(cfg.WorkDir))
	if err != nil {
		return nil, err
	}
	attributes, err := resources.ParseAttributes(cfg.Attributes)
	if err != nil {
		return nil, fmt.Errorf("%w: --attributes: %w", ErrInvalidConfig, err)
	}
	wireResources, err := total.ToProto(resources.Format{Reservations: resources.Endpoint})
	if err != nil {
		return nil, fmt.Errorf("%w: --resources: %w", ErrInvalidConfig, err)
	}

	log := cfg.Logger.With("component", "agent")
	iso, err := newIsolation(cfg, log)
	if err != nil {
		return nil, err
	}

	listener, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("agent: listen on %s: %w", cfg.Listen, err)
	}
	endpoint, port, err := advertisedEndpoint(listener.Addr().(*net.TCPAddr), cfg.AdvertiseIP, cfg.Hostname)
	if err != nil {
		listener.Close()
		return nil, err
	}

	a := &Agent{
		cfg:           cfg,
		log:           log,
		listener:      listener,
		endpoint:      endpoint,
		startTime:     cfg.Clock.Now(),
		resources:     total,
		ops:           make(chan func()),
		launchSlots:   make(chan struct{}, max(runtime.GOMAXPROCS(0), 2)),
		launchProcess: containerizer.Launch,
		done:          make(chan struct{}),
		info: &mesospb.AgentInfo{
			Hostname:   proto.String(cfg.Hostname),
			Port:       proto.Int32(int32(port)),
			Resources:  wireResources,
			Attributes: resources.AttributesToProto(attributes),
		},
		frameworks: make(map[string]*framework),
		isolation:  iso,
		updates: statusupdate.New(statusupdate.Config{
			Clock:          cfg.Clock,
			InitialBackoff: cfg.StatusUpdateBackoff,
			MaxBackoff:     cfg.StatusUpdateBackoffMax,
		}),
	}
	id, err := loadAgentID(cfg.WorkDir)
	if err != nil {
		listener.Close()
		return nil, err
	}
	if id != "" {
		a.agentID = &mesospb.AgentID{Value: proto.String(id)}
		a.info.Id = proto.CloneOf(a.agentID)
		a.checkpoint = checkpoint.Open(cfg.WorkDir, id)
		iso.forAgent(id, log)
	}
	a.client = newMasterClient(a)
	a.journal = newJournal(a.post, log)
	return a, nil
}

// Addr is the address the agent's HTTP server listens on.
func (a *Agent) Addr() net.Addr { return a.listener.Addr() }

// Endpoint is the host:port the agent advertises to its master and
// executors (MESOS_AGENT_ENDPOINT).
func (a *Agent) Endpoint() string { return a.endpoint }

// Run serves the agent until ctx ends (call it once): it registers with the master (and
// registers again whenever the connection breaks), runs what the master
// sends and serves HTTP. When ctx ends it shuts every executor down, kills
// what is left after the grace periods, and returns once no process it
// started is running. It returns nil after a clean stop.
func (a *Agent) Run(ctx context.Context) error {
	server := &http.Server{
		Handler:           a.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelDebug),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- server.Serve(a.listener) }()

	linkCtx, stopLink := context.WithCancel(context.Background())
	var link sync.WaitGroup
	link.Add(1 + callSenders)
	go func() { defer link.Done(); a.client.run(linkCtx) }()
	for _, lane := range a.client.lanes {
		go func() { defer link.Done(); a.client.sendCalls(linkCtx, lane) }()
	}

	a.log.Info("agent started", "endpoint", a.endpoint, "master", a.cfg.Master,
		"work_dir", a.cfg.WorkDir, "resources", a.resources.String())

	go a.journal.run()
	a.loop(ctx)

	// The loop has ended: every executor has terminated, or was left
	// running for the next agent. Stop talking to the master, then stop
	// serving. Executor streams end as their connections are closed by the
	// loop's shutdown.
	stopLink()
	link.Wait()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := server.Shutdown(shutdownCtx)
	if err != nil {
		server.Close()
	}
	a.workers.Wait()
	// Workers may have waited for the journal; it ends once it has
	// written everything queued.
	a.journal.close()
	if !a.left {
		a.isolation.removeRoot(a.log)
	}
	if serr := <-serveErr; !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("agent: http server: %w", serr)
	}
	a.log.Info("agent stopped")
	return nil
}

// loop is the one goroutine that owns the agent's state. Everything that
// changes it arrives here: functions posted by other goroutines, the status
// update resend timer, the heartbeat ticker and the end of ctx.
func (a *Agent) loop(ctx context.Context) {
	defer close(a.done)
	a.recover()
	a.destroyOrphanCgroups() // isolation.go; after recovery, which claims the live containers
	a.startSandboxGC()       // sandbox_gc.go; after recovery, which says which runs live
	resend := time.NewTimer(time.Hour)
	resend.Stop()
	var resendAt time.Time
	var hardStop <-chan time.Time
	stop := ctx.Done()

	for {
		var heartbeat <-chan time.Time
		if a.master.heartbeat != nil {
			heartbeat = a.master.heartbeat.C
		}
		select {
		case f := <-a.ops:
			f()
		case <-resend.C:
			resendAt = time.Time{}
			a.forward(a.updates.Tick())
		case <-heartbeat:
			a.sendHeartbeat()
		case <-stop:
			stop = nil
			if a.cfg.KeepExecutorsOnStop && !a.stopExecutors.Load() {
				a.leaveExecutors()
				return
			}
			hardStop = a.beginShutdown()
		case <-hardStop:
			a.log.Warn("executors outlived the shutdown grace period; killing them")
			a.killEverything()
		}

		if a.terminating && a.allExecutorsTerminated() {
			a.closeExecutorStreams()
			return
		}
		// Keep one timer armed for the earliest resend the status update
		// manager wants.
		if at, ok := a.updates.NextResend(); ok && !at.Equal(resendAt) {
			resendAt = at
			resend.Reset(max(at.Sub(a.cfg.Clock.Now()), 0))
		} else if !ok && !resendAt.IsZero() {
			resendAt = time.Time{}
			resend.Stop()
		}
	}
}

// post hands f to the loop. It returns false if the loop has ended, in
// which case f never runs.
func (a *Agent) post(f func()) bool {
	select {
	case a.ops <- f:
		return true
	case <-a.done:
		return false
	}
}

// query runs f on the loop and waits for it to finish.
func (a *Agent) query(f func()) error {
	finished := make(chan struct{})
	if !a.post(func() { f(); close(finished) }) {
		return errStopped
	}
	select {
	case <-finished:
		return nil
	case <-a.done:
		// The loop may have run f just before ending.
		select {
		case <-finished:
			return nil
		default:
			return errStopped
		}
	}
}

// goWorker runs f on a new goroutine that Run waits for before returning.
func (a *Agent) goWorker(f func()) {
	a.workers.Add(1)
	go func() {
		defer a.workers.Done()
		f()
	}()
}

// afterFunc runs f on the loop after d, unless the returned timer is
// stopped first. Callers check in f that what the timer was for still
// holds, as a stopped timer may already have posted f.
func (a *Agent) afterFunc(d time.Duration, f func()) *time.Timer {
	return time.AfterFunc(d, func() { a.post(f) })
}

// advertisedEndpoint picks the host:port executors and the master use to
// reach the agent: the listener's IP unless it listens on every interface,
// then advertiseIP, then the first IPv4 address of hostname, then loopback.
func advertisedEndpoint(addr *net.TCPAddr, advertiseIP, hostname string) (string, int, error) {
	ip := addr.IP
	switch {
	case advertiseIP != "":
		ip = net.ParseIP(advertiseIP)
	case ip == nil || ip.IsUnspecified():
		ip = net.IPv4(127, 0, 0, 1)
		if ips, err := net.LookupIP(hostname); err == nil {
			for _, candidate := range ips {
				if v4 := candidate.To4(); v4 != nil {
					ip = v4
					break
				}
			}
		}
	}
	if addr.Port == 0 {
		return "", 0, fmt.Errorf("agent: listener has no port")
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(addr.Port)), addr.Port, nil
}
