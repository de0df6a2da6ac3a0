package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"agora/internal/testcluster"
	"agora/master"
	"agora/services"
)

const devUsage = `usage: agora dev [flags]

Runs a whole cluster in this process: a master on --port and --agents agents
on loopback, each with its own hostname (agent1, agent2, ...) and rack/zone
attributes, state in a temporary work directory. Ctrl-C stops everything and
leaves no process behind.

Examples:
  agora dev
  agora dev --port=5050 --agents=5 --work_dir=/tmp/agora-dev

Flags:
`

func runDev(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, devUsage); fs.PrintDefaults() }
	port := fs.Int("port", 5050, "master port")
	agents := fs.Int("agents", 3, "number of agents")
	workDir := fs.String("work_dir", "", "work directory (default: a new temporary directory, removed on exit)")
	resourcesFlag := fs.String("resources", "cpus:4;mem:4096;disk:10000;ports:[31000-32000]", "each agent's --resources")
	loggingLevel := fs.String("logging_level", "info", "debug, info, warn or error")
	servicesPort := fs.Int("services_port", 8080, "port of the services scheduler's REST API (Marathon's /v2); -1 runs no services")
	var mcfg master.Config
	durationVar(fs, &mcfg.HeartbeatInterval, "heartbeat_interval", 15*time.Second, "interval between HEARTBEAT events on scheduler streams")
	durationVar(fs, &mcfg.OfferTimeout, "offer_timeout", 0, "rescind offers not answered within this time (default: never)")
	durationVar(fs, &mcfg.AllocationInterval, "allocation_interval", time.Second, "interval between allocation rounds")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log, err := newLogger(stderr, *loggingLevel)
	if err != nil {
		fmt.Fprintln(stderr, "agora dev:", err)
		return 2
	}
	dir := *workDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "agora-dev-"); err != nil {
			fmt.Fprintln(stderr, "agora dev:", err)
			return 1
		}
		defer os.RemoveAll(dir)
	}
	mcfg.WorkDir = dir // the master's registry: <dir>/master/registry.json
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	c, err := testcluster.New(testcluster.Options{
		Agents:         *agents,
		AgentResources: *resourcesFlag,
		MasterListen:   "127.0.0.1:" + strconv.Itoa(*port),
		Master:         mcfg,
		Logger:         log,
	}, dir)
	if err != nil {
		fmt.Fprintln(stderr, "agora dev:", err)
		return 1
	}
	defer c.Stop()
	if err := c.WaitAgents(*agents, 30*time.Second); err != nil {
		fmt.Fprintln(stderr, "agora dev:", err)
		return 1
	}
	var servicesDone chan struct{} // nil (never ready) without services
	var servicesErr error
	servicesURL := ""
	if *servicesPort >= 0 {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(*servicesPort))
		if err != nil && !flagSet(fs, "services_port") {
			// The default port is taken (another Marathon, another
			// agora dev): a free one keeps the cluster usable.
			log.Warn("services port taken; using a free one", "port", *servicesPort, "err", err)
			ln, err = net.Listen("tcp", "127.0.0.1:0")
		}
		if err != nil {
			fmt.Fprintln(stderr, "agora dev: services:", err)
			return 1
		}
		servicesURL = "http://" + ln.Addr().String()
		scfg := services.Config{
			Master:   c.MasterURL,
			WorkDir:  dir,
			Logger:   log,
			WebUIURL: servicesURL,
		}
		sctx, stopServices := context.WithCancel(ctx)
		servicesDone = make(chan struct{})
		defer func() { stopServices(); <-servicesDone }()
		go func() { defer close(servicesDone); servicesErr = serveServices(sctx, scfg, ln, log) }()
	}
	fmt.Fprintf(stdout, "agora dev: a master and %d agents are running (work dir %s)\n", *agents, dir)
	fmt.Fprintf(stdout, "  master     %s  (scheduler API /api/v1/scheduler, operator API /api/v1, /master/state)\n", c.MasterURL)
	for _, a := range c.Agents {
		fmt.Fprintf(stdout, "  %-10s http://%s  attributes %s\n", a.Config.Hostname, a.Config.Listen, a.Config.Attributes)
	}
	if servicesURL != "" {
		fmt.Fprintf(stdout, "  services   %s  (Marathon REST API: /v2/apps, /v2/deployments, /v2/queue, /v2/events)\n", servicesURL)
	}
	fmt.Fprintf(stdout, "Try: curl -N -H 'Content-Type: application/json' -d '{\"type\":\"SUBSCRIBE\",\"subscribe\":{\"framework_info\":{\"user\":\"me\",\"name\":\"hello\"}}}' %s/api/v1/scheduler\n", c.MasterURL)
	fmt.Fprintln(stdout, "Press Ctrl-C to stop.")
	select {
	case <-ctx.Done():
	case <-servicesDone:
		if servicesErr != nil {
			fmt.Fprintln(stderr, "agora dev: services:", servicesErr)
			return 1
		}
	}
	fmt.Fprintln(stdout, "agora dev: stopping")
	return 0
}
