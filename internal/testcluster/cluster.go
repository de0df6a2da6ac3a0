package testcluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"agora/agent"
	"agora/master"
)

// Options shape a test cluster. Zero values give a master with fast timers
// and no agents.
type Options struct {
	// Agents is the number of agents to start.
	Agents int
	// AgentResources is each agent's --resources (default
	// "cpus:4;mem:4096;disk:10000;ports:[31000-32000]").
	AgentResources string
	// AgentResourcesFor, when set, returns agent i's --resources instead
	// (agora dev gives each agent its own share of the ports).
	AgentResourcesFor func(i int) string
	// AgentAttributes returns agent i's --attributes (default
	// "rack:r<i%3+1>;zone:<a|b|c>").
	AgentAttributes func(i int) string
	// MasterListen is the master's listen address (default 127.0.0.1:0,
	// a free port).
	MasterListen string
	// Master settings; zero values get test-friendly ones.
	Master master.Config
	// Agent settings applied to every agent (Master, Listen, WorkDir,
	// Hostname, Resources and Attributes are filled in per agent).
	Agent agent.Config
	// Logger for all components; default discards unless
	// AGORA_TEST_LOG=1 is set, then logs to stderr.
	Logger *slog.Logger
}

// Cluster is a master and agents on loopback in this process, with real HTTP
// and real processes. Start it with Start; it stops at the end of the test.
type Cluster struct {
	// MasterURL is "http://127.0.0.1:<port>".
	MasterURL  string
	MasterAddr string
	Master     *master.Master
	WorkDir    string
	Agents     []*Agent

	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	server *http.Server
	// masterConfig and stopMaster restart the master (RestartMaster).
	masterConfig master.Config
	stopMaster   context.CancelFunc
	masterDone   chan struct{}
}

// Agent is one running agent of the cluster.
type Agent struct {
	*agent.Agent
	Config agent.Config
	cancel context.CancelFunc
	done   chan error
	link   *proxy // the agent's network path to the master
}

// Start starts a cluster and registers its shutdown with t.Cleanup. It
// returns once every agent has registered with the master.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	c, err := New(opts, t.TempDir())
	if err != nil {
		t.Fatalf("testcluster: %v", err)
	}
	t.Cleanup(c.Stop)
	if err := c.WaitAgents(len(c.Agents), 20*time.Second); err != nil {
		t.Fatalf("testcluster: %v", err)
	}
	return c
}

// New starts a cluster with its state under workDir (benchmarks and the dev
// command use it directly; tests use Start). Call Stop to end it.
func New(opts Options, workDir string) (*Cluster, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
		if os.Getenv("AGORA_TEST_LOG") != "" {
			opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
	}
	if opts.AgentResources == "" {
		opts.AgentResources = "cpus:4;mem:4096;disk:10000;ports:[31000-32000]"
	}
	if opts.AgentAttributes == nil {
		opts.AgentAttributes = func(i int) string {
			return fmt.Sprintf("rack:r%d;zone:%c", i%3+1, 'a'+i%3)
		}
	}
	mc := opts.Master
	if mc.AllocationInterval == 0 {
		mc.AllocationInterval = 50 * time.Millisecond
	}
	if mc.HeartbeatInterval == 0 {
		mc.HeartbeatInterval = time.Second
	}
	mc.Hostname = "127.0.0.1"
	mc.Logger = opts.Logger

	if opts.MasterListen == "" {
		opts.MasterListen = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", opts.MasterListen)
	if err != nil {
		return nil, err
	}
	mc.Port = ln.Addr().(*net.TCPAddr).Port
	ctx, cancel := context.WithCancel(context.Background())
	c := &Cluster{
		MasterURL:    "http://" + ln.Addr().String(),
		MasterAddr:   ln.Addr().String(),
		WorkDir:      workDir,
		opts:         opts,
		ctx:          ctx,
		cancel:       cancel,
		masterConfig: mc,
	}
	if err := c.startMaster(ln); err != nil {
		cancel()
		return nil, err
	}
	for i := 0; i < opts.Agents; i++ {
		if _, err := c.StartAgent(i); err != nil {
			c.Stop()
			return nil, err
		}
	}
	return c, nil
}

// AgentConfig is the configuration agent i starts with.
func (c *Cluster) AgentConfig(i int) agent.Config {
	cfg := c.opts.Agent
	cfg.Master = c.MasterAddr
	cfg.Listen = "127.0.0.1:0"
	cfg.AdvertiseIP = "127.0.0.1"
	cfg.Hostname = fmt.Sprintf("agent%d", i+1)
	cfg.WorkDir = filepath.Join(c.WorkDir, cfg.Hostname)
	cfg.Resources = c.opts.AgentResources
	if c.opts.AgentResourcesFor != nil {
		cfg.Resources = c.opts.AgentResourcesFor(i)
	}
	cfg.Attributes = c.opts.AgentAttributes(i)
	// StopAgent chooses, per stop, whether the tasks go with the agent.
	cfg.KeepExecutorsOnStop = true
	if cfg.Logger == nil {
		cfg.Logger = c.opts.Logger.With("agent", cfg.Hostname)
	}
	return cfg
}

// StartAgent starts agent i (again, after StopAgent: same work dir, so it
// recovers and re-registers with its id) and returns it.
func (c *Cluster) StartAgent(i int) (*Agent, error) {
	cfg := c.AgentConfig(i)
	if i < len(c.Agents) && c.Agents[i] != nil {
		cfg.Listen = c.Agents[i].Config.Listen
	}
	link, err := newProxy(c.MasterAddr)
	if err != nil {
		return nil, err
	}
	cfg.Master = link.addr()
	a, err := agent.New(cfg)
	if err != nil {
		link.close()
		return nil, err
	}
	cfg.Listen = a.Addr().String()
	ctx, cancel := context.WithCancel(c.ctx)
	ta := &Agent{Agent: a, Config: cfg, cancel: cancel, done: make(chan error, 1), link: link}
	go func() { ta.done <- a.Run(ctx) }()
	for len(c.Agents) <= i {
		c.Agents = append(c.Agents, nil)
	}
	c.Agents[i] = ta
	return ta, nil
}

// StopAgent stops agent i's process-side work (its tasks are killed, as
// when an agent machine goes away) and waits for it.
func (c *Cluster) StopAgent(i int) error { return c.stopAgent(i, false) }

// RestartAgent stops agent i as SIGTERM stops `agora agent`, leaving the
// tasks of checkpointing frameworks running, and starts it again on the
// same work dir: it recovers them.
func (c *Cluster) RestartAgent(i int) error {
	if err := c.stopAgent(i, true); err != nil {
		return err
	}
	_, err := c.StartAgent(i)
	return err
}

func (c *Cluster) stopAgent(i int, keepTasks bool) error {
	a := c.Agents[i]
	if a == nil {
		return errors.New("testcluster: no such agent")
	}
	if !keepTasks {
		a.StopExecutorsOnStop()
	}
	a.cancel()
	err := <-a.done
	a.link.close()
	c.Agents[i] = nil
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// PartitionAgent cuts the network between agent i and the master: open
// connections break and new ones are refused, while the agent and its tasks
// keep running. HealAgent restores it.
func (c *Cluster) PartitionAgent(i int) { c.Agents[i].link.setPartitioned(true) }

// HealAgent ends a partition made by PartitionAgent.
func (c *Cluster) HealAgent(i int) { c.Agents[i].link.setPartitioned(false) }

// WaitAgents waits until the master reports n reachable, connected agents.
func (c *Cluster) WaitAgents(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		got, err := c.ActiveAgents()
		if err == nil && got >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d agents registered after %v (last error: %v)", got, n, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ActiveAgents asks the master's /master/state how many agents are active.
func (c *Cluster) ActiveAgents() (int, error) {
	var state struct {
		Activated int `json:"activated_slaves"`
	}
	if err := getJSON(c.MasterURL+"/master/state", &state); err != nil {
		return 0, err
	}
	return state.Activated, nil
}

// startMaster starts a master on ln with the cluster's master settings.
func (c *Cluster) startMaster(ln net.Listener) error {
	m, err := master.New(c.masterConfig)
	if err != nil {
		ln.Close()
		return err
	}
	ctx, stop := context.WithCancel(c.ctx)
	c.Master, c.stopMaster, c.masterDone = m, stop, make(chan struct{})
	c.server = &http.Server{Handler: m.Handler()}
	server, done := c.server, c.masterDone
	var run sync.WaitGroup
	run.Add(2)
	c.wg.Add(1)
	go func() { defer run.Done(); _ = m.Run(ctx) }()
	go func() { defer run.Done(); _ = server.Serve(ln) }()
	go func() { defer c.wg.Done(); run.Wait(); close(done) }()
	return nil
}

// shutdownMaster stops the master and its HTTP server and waits for them.
func (c *Cluster) shutdownMaster() {
	c.stopMaster()
	// Streams end when the master stops; what is left are idle keep-alive
	// connections, which Shutdown would wait up to 5 s for, so it gets a
	// moment and then the rest is closed.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := c.server.Shutdown(ctx); err != nil {
		_ = c.server.Close()
	}
	<-c.masterDone
}

// RestartMaster stops the master and starts a new one on the same address
// with the same settings (a master failover: with Options.Master.WorkDir
// it reads its registry back; agents re-register and frameworks subscribe
// again on their own).
func (c *Cluster) RestartMaster() error {
	c.shutdownMaster()
	ln, err := net.Listen("tcp", c.MasterAddr)
	if err != nil {
		return err
	}
	return c.startMaster(ln)
}

// Stop stops every agent and the master and waits for them.
func (c *Cluster) Stop() {
	for i := range c.Agents {
		if c.Agents[i] != nil {
			_ = c.StopAgent(i)
		}
	}
	c.shutdownMaster()
	c.cancel()
	c.wg.Wait()
}
