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
	"agora/resources"
	"agora/services"
)

const devUsage = `usage: agora dev [flags]

Runs a whole cluster in this process: a master on --port and --agents agents
on loopback, each with its own hostname (agent1, agent2, ...) and rack/zone
attributes, state in a temporary work directory. Ctrl-C stops everything and
leaves no process behind. The agents share this host's network, so the ports
of --resources are split among them: with the default [31000-32000] and three
agents, agent1 offers [31000-31333], agent2 [31334-31667], agent3
[31668-32000], and tasks on different agents never get the same port.

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
	resourcesFlag := fs.String("resources", "cpus:4;mem:4096;disk:10000;ports:[31000-32000]", "each agent's --resources (the ports are split among the agents)")
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

	agentResources, err := sharePorts(*resourcesFlag, *agents)
	if err != nil {
		fmt.Fprintln(stderr, "agora dev: --resources:", err)
		return 2
	}
	c, err := testcluster.New(testcluster.Options{
		Agents:            *agents,
		AgentResourcesFor: func(i int) string { return agentResources[i] },
		MasterListen:      "127.0.0.1:" + strconv.Itoa(*port),
		Master:            mcfg,
		Logger:            log,
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

// sharePorts turns the agents' --resources into one per agent with the
// ports split among them: the agents of agora dev share this host's network,
// so a port two of them offered could be bound by one task only (three
// instances of a web server, one per agent, would all be given 31000).
// Agent i gets the i-th of n contiguous, nearly equal shares of each ports
// resource (each role's ports are split on their own); the rest is the same
// for all.
func sharePorts(text string, n int) ([]string, error) {
	if n < 1 {
		n = 1
	}
	rs, err := resources.Parse(text, "*")
	if err != nil {
		return nil, err
	}
	shares := make([][]resources.Resource, n)
	for r := range rs.All() {
		if r.Name != "ports" || r.Kind != resources.KindRanges {
			for i := range shares {
				shares[i] = append(shares[i], r)
			}
			continue
		}
		for i, ranges := range splitRanges(r.Ranges, n) {
			if len(ranges) > 0 {
				part := r
				part.Ranges = ranges
				shares[i] = append(shares[i], part)
			}
		}
	}
	out := make([]string, n)
	for i, share := range shares {
		agent, err := resources.New(share...)
		if err != nil {
			return nil, err
		}
		out[i] = agent.String()
	}
	return out, nil
}

// splitRanges cuts sorted, disjoint ranges into n consecutive parts whose
// sizes differ by one at most (the first parts are the larger).
func splitRanges(ranges []resources.Range, n int) [][]resources.Range {
	var total uint64
	for _, r := range ranges {
		total += r.Len()
	}
	out := make([][]resources.Range, n)
	next := 0 // index in ranges
	var at uint64
	if len(ranges) > 0 {
		at = ranges[0].Begin
	}
	for i := range out {
		want := total / uint64(n)
		if uint64(i) < total%uint64(n) {
			want++
		}
		for want > 0 && next < len(ranges) {
			r := ranges[next]
			take := min(want, r.End-at+1)
			out[i] = append(out[i], resources.Range{Begin: at, End: at + take - 1})
			want -= take
			at += take
			if at > r.End {
				next++
				if next < len(ranges) {
					at = ranges[next].Begin
				}
			}
		}
	}
	return out
}
