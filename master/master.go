package master

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	mesospb "agora/api/mesos/v1"
	"agora/master/allocator"
	"agora/master/registry"
)

// Version is the Mesos release whose APIs agora speaks; it is what the master
// reports as its version, because clients compare it (mesos-go, the web UIs).
const Version = "1.11.0"

// Config holds the master's settings. Zero values take Mesos's defaults
// (see withDefaults).
type Config struct {
	// Hostname and Port advertised in MasterInfo; the listener itself is
	// whatever the caller serves Handler on.
	Hostname string
	Port     int
	// HeartbeatInterval between HEARTBEAT events on scheduler streams
	// (Mesos: 15 s).
	HeartbeatInterval time.Duration
	// OfferTimeout rescinds offers not answered in time; 0 means never, as
	// Mesos's --offer_timeout default.
	OfferTimeout time.Duration
	// AllocationInterval between allocation rounds (Mesos: 1 s). Rounds also
	// run soon after anything frees resources.
	AllocationInterval time.Duration
	// AgentPingTimeout × MaxAgentPingTimeouts without a call from an agent
	// makes it unreachable (Mesos: 15 s × 5).
	AgentPingTimeout     time.Duration
	MaxAgentPingTimeouts int
	// Weights of roles for DRF; missing roles weigh 1. Weights set by
	// operators (UPDATE_WEIGHTS, /weights) and kept in the registry win.
	Weights map[string]float64
	// WorkDir is Mesos's --work_dir: the registry (weights, quota,
	// reservations) lives in <WorkDir>/master/registry.json. Empty keeps
	// it in memory only, lost when the master stops.
	WorkDir string
	// Registry overrides the store WorkDir implies (tests).
	Registry registry.Store
	// Logger; nil logs nowhere.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Hostname == "" {
		c.Hostname, _ = os.Hostname()
	}
	if c.Port == 0 {
		c.Port = 5050
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = 15 * time.Second
	}
	if c.AllocationInterval <= 0 {
		c.AllocationInterval = time.Second
	}
	if c.AgentPingTimeout <= 0 {
		c.AgentPingTimeout = 15 * time.Second
	}
	if c.MaxAgentPingTimeouts <= 0 {
		c.MaxAgentPingTimeouts = 5
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Master is the kernel's brain: framework and agent registries, offers,
// task state and status update routing.
//
// All mutable state is owned by the goroutine running Run. HTTP handlers
// never touch it directly: they pass closures to do, which runs them on that
// goroutine, one at a time, and waits for them. Long-lived responses (event
// streams) are written by their handler goroutines from eventStream buffers.
type Master struct {
	cfg   Config
	log   *slog.Logger
	info  *mesospb.MasterInfo
	start time.Time

	actions chan func()
	stopped chan struct{}

	// State below is owned by the Run goroutine.
	alloc           *allocator.Allocator
	frameworks      map[string]*framework
	removedFws      map[string]*framework // completed frameworks, newest kept
	agents          map[string]*agent
	goneAgents      map[string]bool // agents removed for good (MARK_AGENT_GONE)
	offers          map[string]*offer
	nextOfferID     uint64
	nextFrameworkID uint64
	nextAgentID     uint64
	allocPending    bool // an allocation round is due soon

	// registry keeps what operators set; state is its current content.
	registry registry.Store
	state    registry.State

	// metrics are the counters and timers of /metrics/snapshot.
	metrics metrics
}

// ErrStopped is returned by calls made after the master stopped.
var ErrStopped = errors.New("master: stopped")

// New returns a master; serve its Handler and call Run.
func New(cfg Config) (*Master, error) {
	cfg = cfg.withDefaults()
	id := newUUID()
	ip := localIPv4()
	if parsed := net.ParseIP(cfg.Hostname).To4(); parsed != nil {
		ip = uint32(parsed[0]) | uint32(parsed[1])<<8 | uint32(parsed[2])<<16 | uint32(parsed[3])<<24
	}
	m := &Master{
		cfg:   cfg,
		log:   cfg.Logger.With("component", "master"),
		start: time.Now(),
		info: &mesospb.MasterInfo{
			Id:       &id,
			Ip:       proto32(ip),
			Port:     proto32(uint32(cfg.Port)),
			Pid:      ptr("master@" + cfg.Hostname + ":" + strconv.Itoa(cfg.Port)),
			Hostname: ptr(cfg.Hostname),
			Version:  ptr(Version),
			Address: &mesospb.Address{
				Hostname: ptr(cfg.Hostname),
				Ip:       ptr(ipString(ip)),
				Port:     ptr(int32(cfg.Port)),
			},
		},
		actions:    make(chan func()),
		stopped:    make(chan struct{}),
		frameworks: map[string]*framework{},
		removedFws: map[string]*framework{},
		agents:     map[string]*agent{},
		goneAgents: map[string]bool{},
		offers:     map[string]*offer{},
		metrics:    newMetrics(),
	}
	alloc, err := allocator.New(allocator.Options{Weights: cfg.Weights})
	if err != nil {
		return nil, fmt.Errorf("master: %w", err)
	}
	m.alloc = alloc
	if m.registry, err = openRegistry(cfg); err != nil {
		return nil, fmt.Errorf("master: %w", err)
	}
	if err := m.recoverRegistry(); err != nil {
		return nil, fmt.Errorf("master: %w", err)
	}
	return m, nil
}

// logAllocErr logs an error from the allocator. The master only makes calls
// that are valid for the allocator's state, so an error here is a bug in
// the master's bookkeeping; it is logged loudly rather than crashing.
func (m *Master) logAllocErr(err error) {
	if err != nil {
		m.log.Error("allocator rejected a call (master bookkeeping bug)", "error", err)
	}
}

// Info returns the MasterInfo the master advertises.
func (m *Master) Info() *mesospb.MasterInfo { return m.info }

// Run drives the master until ctx is done. It is the only goroutine that
// changes the master's state.
func (m *Master) Run(ctx context.Context) error {
	defer close(m.stopped)
	allocTick := time.NewTicker(m.cfg.AllocationInterval)
	defer allocTick.Stop()
	// Timeouts (offers, failover, agent health) are checked at a fine grain
	// relative to the shortest of them so that tests with short timeouts
	// behave, without a timer per object.
	sweep := time.NewTicker(m.sweepInterval())
	defer sweep.Stop()
	// soon runs an allocation shortly after resources were freed, batching
	// bursts of frees (a framework declining 100 offers) into one round.
	soon := time.NewTimer(time.Hour)
	soon.Stop()
	m.log.Info("master started", "id", m.info.GetId(), "hostname", m.cfg.Hostname, "port", m.cfg.Port)
	for {
		if m.allocPending {
			m.allocPending = false
			if m.metrics.allocationDue.IsZero() {
				m.metrics.allocationDue = time.Now()
			}
			soon.Reset(10 * time.Millisecond)
		}
		select {
		case <-ctx.Done():
			m.shutdown()
			return nil
		case f := <-m.actions:
			f()
		case due := <-allocTick.C:
			m.runAllocation(due)
		case <-soon.C:
			m.runAllocation(m.metrics.allocationDue)
		case now := <-sweep.C:
			m.expireOffers(now)
			m.expireFrameworks(now)
			m.checkAgentHealth(now)
		}
	}
}

// runAllocation runs an allocation round that was due at due, timing it
// for allocator/mesos/allocation_run_ms and allocation_run_latency_ms.
func (m *Master) runAllocation(due time.Time) {
	start := time.Now()
	if due.IsZero() || due.After(start) {
		due = start
	}
	m.metrics.allocationDue = time.Time{}
	m.allocate(start)
	end := time.Now()
	m.count("allocator/mesos/allocation_runs")
	m.metrics.allocationRun.record(end, end.Sub(start))
	m.metrics.allocationLag.record(end, start.Sub(due))
}

func (m *Master) sweepInterval() time.Duration {
	d := m.cfg.AgentPingTimeout / 4
	if m.cfg.OfferTimeout > 0 && m.cfg.OfferTimeout/4 < d {
		d = m.cfg.OfferTimeout / 4
	}
	if d > time.Second {
		d = time.Second
	}
	if d < 10*time.Millisecond {
		d = 10 * time.Millisecond
	}
	return d
}

// do runs f on the master's goroutine and waits for it.
func (m *Master) do(ctx context.Context, f func()) error {
	done := make(chan struct{})
	select {
	case m.actions <- func() { f(); close(done) }:
	case <-m.stopped:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-m.stopped:
		return ErrStopped
	}
}

// shutdown closes every stream so that handlers return.
func (m *Master) shutdown() {
	for _, fw := range m.frameworks {
		if fw.stream != nil {
			fw.stream.Close()
		}
	}
	for _, a := range m.agents {
		if a.stream != nil {
			a.stream.Close()
		}
	}
	m.log.Info("master stopped")
}

// Handler returns the master's HTTP API.
func (m *Master) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/scheduler", m.serveScheduler)
	mux.HandleFunc("/agora/v1/cluster", m.serveCluster)
	mux.HandleFunc("/api/v1", m.serveOperator)
	mux.HandleFunc("/master/state", m.serveState)
	mux.HandleFunc("/state", m.serveState)
	mux.HandleFunc("/master/state.json", m.serveState)
	mux.HandleFunc("/health", serveHealth)
	mux.HandleFunc("/master/health", serveHealth)
	mux.HandleFunc("/version", m.serveVersion)
	mux.HandleFunc("/weights", m.serveWeights)
	mux.HandleFunc("/master/weights", m.serveWeights)
	mux.HandleFunc("/roles", m.serveRoles)
	mux.HandleFunc("/master/roles", m.serveRoles)
	mux.HandleFunc("/allocator/explain", m.serveExplain)
	mux.HandleFunc("/metrics/snapshot", m.serveMetrics)
	return mux
}

func ptr[T any](v T) *T { return &v }

func proto32(v uint32) *uint32 { return &v }

// localIPv4 returns the address MasterInfo.ip carries: the first non-loopback
// IPv4 address, or 127.0.0.1. Mesos packs it little-endian in a uint32.
func localIPv4() uint32 {
	ip := net.IPv4(127, 0, 0, 1).To4()
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
				ip = n.IP.To4()
				break
			}
		}
	}
	return uint32(ip[0]) | uint32(ip[1])<<8 | uint32(ip[2])<<16 | uint32(ip[3])<<24
}

func ipString(ip uint32) string {
	return fmt.Sprintf("%d.%d.%d.%d", byte(ip), byte(ip>>8), byte(ip>>16), byte(ip>>24))
}
