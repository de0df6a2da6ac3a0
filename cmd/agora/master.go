package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"agora/master"
)

const masterUsage = `usage: agora master [flags]

Runs an agora master: the Mesos v1 scheduler API (/api/v1/scheduler), the
operator API (/api/v1), /master/state, /health and the agent protocol.

Examples:
  agora master
  agora master --port=5050 --offer_timeout=30secs --weights=prod=2,dev=1

Flags:
`

// masterFlags are the master's flags, with Mesos's names and defaults.
type masterFlags struct {
	ip, hostname, loggingLevel string
	port                       int
	cfg                        master.Config
}

func (f *masterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.ip, "ip", "0.0.0.0", "IP address to listen on")
	fs.IntVar(&f.port, "port", 5050, "port to listen on")
	fs.StringVar(&f.hostname, "hostname", defaultHostname(), "hostname the master advertises")
	fs.StringVar(&f.loggingLevel, "logging_level", "info", "debug, info, warn or error")
	durationVar(fs, &f.cfg.HeartbeatInterval, "heartbeat_interval", 15*time.Second, "interval between HEARTBEAT events on scheduler streams")
	durationVar(fs, &f.cfg.OfferTimeout, "offer_timeout", 0, "rescind offers not answered within this time (default: never)")
	durationVar(fs, &f.cfg.AllocationInterval, "allocation_interval", time.Second, "interval between allocation rounds")
	durationVar(fs, &f.cfg.AgentPingTimeout, "agent_ping_timeout", 15*time.Second, "expected interval between agent heartbeats")
	fs.IntVar(&f.cfg.MaxAgentPingTimeouts, "max_agent_ping_timeouts", 5, "missed heartbeats before an agent is unreachable")
	fs.StringVar(&f.cfg.WorkDir, "work_dir", "", "directory for the registry (weights, quota, reservations survive restarts); default: memory only")
	f.cfg.Weights = map[string]float64{}
	fs.Var(weightsFlag(f.cfg.Weights), "weights", "role weights for DRF, e.g. prod=2,dev=1 (default 1)")
}

func runMaster(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("master", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, masterUsage); fs.PrintDefaults() }
	var f masterFlags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log, err := newLogger(stderr, f.loggingLevel)
	if err != nil {
		fmt.Fprintln(stderr, "agora master:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", net.JoinHostPort(f.ip, strconv.Itoa(f.port)))
	if err != nil {
		fmt.Fprintln(stderr, "agora master:", err)
		return 1
	}
	f.cfg.Hostname, f.cfg.Port, f.cfg.Logger = f.hostname, ln.Addr().(*net.TCPAddr).Port, log
	m, err := master.New(f.cfg)
	if err != nil {
		fmt.Fprintln(stderr, "agora master:", err)
		return 2
	}
	if err := serveMaster(ctx, m, ln); err != nil {
		fmt.Fprintln(stderr, "agora master:", err)
		return 1
	}
	return 0
}

// serveMaster runs m and its HTTP server on ln until ctx ends.
func serveMaster(ctx context.Context, m *master.Master, ln net.Listener) error {
	srv := &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- m.Run(ctx) }()
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	return nil
}
