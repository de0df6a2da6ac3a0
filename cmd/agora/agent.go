package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"agora/agent"
	"agora/agent/cgroups"
	"agora/agent/gc"
)

const agentUsage = `usage: agora agent --master=HOST:PORT --work_dir=DIR [flags]

Runs an agora agent: registers with the master, offers this machine's
resources and runs tasks in sandboxes under --work_dir. Resources not named in
--resources (cpus, mem, disk, ports) are detected from the machine.

SIGTERM or SIGINT stops the agent alone, as Mesos's agent: the tasks of
frameworks that checkpoint run on, and the next agent started on the same
--work_dir recovers them (restart or upgrade the agent without losing tasks).
SIGUSR1 stops every executor first, then the agent (taking the machine out).

Examples:
  agora agent --master=127.0.0.1:5050 --work_dir=/var/lib/agora
  agora agent --master=m1:5050 --work_dir=/tmp/agora \
      --resources='cpus:4;mem:8192;ports:[31000-32000]' --attributes='rack:r1;zone:a'

Flags:
`

func runAgent(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, agentUsage); fs.PrintDefaults() }
	var cfg agent.Config
	var ip, loggingLevel string
	var port int
	fs.StringVar(&cfg.Master, "master", "", "the master, host:port (required)")
	fs.StringVar(&cfg.WorkDir, "work_dir", "", "directory for sandboxes and agent state (required)")
	fs.StringVar(&ip, "ip", "0.0.0.0", "IP address to listen on")
	fs.IntVar(&port, "port", agent.DefaultPort, "port to listen on")
	fs.StringVar(&cfg.AdvertiseIP, "advertise_ip", "", "IP address advertised to the master and executors")
	fs.StringVar(&cfg.Hostname, "hostname", defaultHostname(), "hostname the agent reports")
	fs.StringVar(&cfg.Resources, "resources", "", "resources, e.g. 'cpus:4;mem:8192;ports:[31000-32000]' or a JSON array")
	fs.StringVar(&cfg.Attributes, "attributes", "", "attributes, e.g. 'rack:r1;zone:a'")
	fs.StringVar(&cfg.DefaultRole, "default_role", "*", "role of resources given without one")
	fs.StringVar(&cfg.FrameworksHome, "frameworks_home", "", "directory relative URIs are resolved against")
	fs.BoolVar(&cfg.SwitchUser, "switch_user", false, "run tasks as their user (needs root)")
	durationVar(fs, &cfg.ExecutorRegistrationTimeout, "executor_registration_timeout", agent.DefaultExecutorRegistrationTimeout, "time an executor has to subscribe")
	durationVar(fs, &cfg.ExecutorShutdownGracePeriod, "executor_shutdown_grace_period", agent.DefaultExecutorShutdownGracePeriod, "time an executor has to shut down")
	durationVar(fs, &cfg.ExecutorReregistrationTimeout, "executor_reregistration_timeout", agent.DefaultExecutorReregistrationTimeout, "time a recovered executor has to subscribe again after an agent restart")
	durationVar(fs, &cfg.GCDelay, "gc_delay", gc.DefaultDelay, "how long the sandboxes of ended executors are kept at most")
	fs.Float64Var(&cfg.GCDiskHeadroom, "gc_disk_headroom", gc.DefaultDiskHeadroom,
		"disk headroom (0.0 to 1.0) in the sandbox age limit gc_delay * max(0, 1 - gc_disk_headroom - disk usage)")
	durationVar(fs, &cfg.DiskWatchInterval, "disk_watch_interval", gc.DefaultDiskWatchInterval, "how often disk usage is checked")
	fs.StringVar(&cfg.Isolation, "isolation", agent.IsolationAuto,
		"resource isolation: auto (cgroups when the host allows, else none), "+agent.IsolationCgroups+" (required) or "+agent.IsolationPosix+" (none)")
	fs.StringVar(&cfg.CgroupsRoot, "cgroups_root", cgroups.DefaultRoot, "root cgroup of the agent's containers (<root>/<agent id>/<container id>)")
	fs.BoolVar(&cfg.CgroupsEnableCFS, "cgroups_enable_cfs", false, "cap containers' CPU time at their cpus with a CFS quota")
	fs.BoolVar(&cfg.CgroupsLimitSwap, "cgroups_limit_swap", false, "make the memory limit cover swap too")
	fs.StringVar(&loggingLevel, "logging_level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log, err := newLogger(stderr, loggingLevel)
	if err != nil {
		fmt.Fprintln(stderr, "agora agent:", err)
		return 2
	}
	if cfg.GCDiskHeadroom < 0 || cfg.GCDiskHeadroom > 1 {
		fmt.Fprintln(stderr, "agora agent: --gc_disk_headroom must be a value between 0.0 and 1.0")
		return 2
	}
	if cfg.GCDiskHeadroom == 0 {
		cfg.GCDiskHeadroom = -1 // Config reads zero as "the default"; the flag's 0 means none
	}
	cfg.Listen = ip + ":" + strconv.Itoa(port)
	cfg.Logger = log
	cfg.KeepExecutorsOnStop = true
	a, err := agent.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "agora agent:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	decommission := make(chan os.Signal, 1)
	signal.Notify(decommission, syscall.SIGUSR1)
	defer signal.Stop(decommission)
	ctx, stopAll := context.WithCancel(ctx)
	defer stopAll()
	go func() {
		select {
		case <-decommission:
			a.StopExecutorsOnStop()
			stopAll()
		case <-ctx.Done():
		}
	}()
	if err := a.Run(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintln(stderr, "agora agent:", err)
		return 1
	}
	return 0
}
