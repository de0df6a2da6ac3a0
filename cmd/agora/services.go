package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"agora/services"
	"agora/services/marathon"
)

const servicesUsage = `usage: agora services --master=HOST:5050 --work_dir=DIR [flags]

Runs agora's services scheduler: a framework that keeps long-running apps
running, with Marathon's REST API (/v2/apps, /v2/groups, /v2/deployments,
/v2/queue, /v2/events, ...) on --http_port. Its state (apps, versions,
deployments, the framework id) lives in --work_dir and survives restarts.

Examples:
  agora services --master=127.0.0.1:5050 --work_dir=/var/lib/agora-services
  agora services --master=m1:5050 --http_port=8080 --mesos_role=services

Flags:
`

type servicesFlags struct {
	address, loggingLevel string
	port                  int
	cfg                   services.Config
}

func (f *servicesFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.cfg.Master, "master", "127.0.0.1:5050", "the Mesos master (host:port or URL)")
	fs.StringVar(&f.cfg.WorkDir, "work_dir", "", "directory for the services state (required)")
	fs.StringVar(&f.address, "http_address", "0.0.0.0", "address the REST API listens on")
	fs.IntVar(&f.port, "http_port", 8080, "port of the REST API")
	fs.StringVar(&f.cfg.FrameworkName, "framework_name", services.DefaultFrameworkName, "framework name registered with the master")
	fs.StringVar(&f.cfg.Role, "mesos_role", "*", "the role apps run as when they name none (an app may also take its top-level group's role); the framework subscribes with it and every role its apps use")
	fs.Func("new_group_enforce_role", "off or top: whether a new top-level group that does not say enforces its role on its apps (default off)", func(v string) error {
		switch v {
		case "off":
			f.cfg.NewGroupEnforceRole = false
		case "top":
			f.cfg.NewGroupEnforceRole = true
		default:
			return fmt.Errorf("got %q, want off or top", v)
		}
		return nil
	})
	fs.StringVar(&f.cfg.User, "mesos_user", "", "user tasks run as when the app names none (default: the current user)")
	durationVar(fs, &f.cfg.FailoverTimeout, "failover_timeout", services.DefaultFailoverTimeout, "how long the master keeps the framework's tasks while services is away")
	durationVar(fs, &f.cfg.DeclineRefuse, "decline_offer_duration", services.DefaultDeclineRefuse, "how long declined offers stay away when no app waits")
	millisVar(fs, &f.cfg.ReconciliationInitialDelay, "reconciliation_initial_delay", services.DefaultReconciliationInitialDelay,
		"wait after (re)registering before asking the master for every task, to kill those services does not know (a number is milliseconds, as in Marathon)")
	millisVar(fs, &f.cfg.ReconciliationInterval, "reconciliation_interval", services.DefaultReconciliationInterval,
		"how often to ask the master for every task again (a number is milliseconds)")
	fs.IntVar(&f.cfg.ServicePortMin, "local_port_min", 10000, "lowest service port given to port definitions with port 0")
	fs.IntVar(&f.cfg.ServicePortMax, "local_port_max", 20000, "highest service port")
	fs.StringVar(&f.loggingLevel, "logging_level", "info", "debug, info, warn or error")
}

func runServices(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("services", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, servicesUsage); fs.PrintDefaults() }
	var f servicesFlags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if f.cfg.WorkDir == "" {
		fmt.Fprintln(stderr, "agora services: --work_dir is required")
		return 2
	}
	log, err := newLogger(stderr, f.loggingLevel)
	if err != nil {
		fmt.Fprintln(stderr, "agora services:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", net.JoinHostPort(f.address, strconv.Itoa(f.port)))
	if err != nil {
		fmt.Fprintln(stderr, "agora services:", err)
		return 1
	}
	f.cfg.Logger = log
	f.cfg.WebUIURL = "http://" + net.JoinHostPort(defaultHostname(), strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	if err := serveServices(ctx, f.cfg, ln, log); err != nil {
		fmt.Fprintln(stderr, "agora services:", err)
		return 1
	}
	return 0
}

// serveServices runs the services engine and its REST API on ln until ctx
// ends or the engine fails.
func serveServices(ctx context.Context, cfg services.Config, ln net.Listener, log *slog.Logger) error {
	e, err := services.New(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := &http.Server{
		Handler:           marathon.NewHandler(e, marathon.Options{Events: e.Events(), Logger: log}),
		ReadHeaderTimeout: 10 * time.Second,
		// Requests end with services, so event streams do not hold up
		// the shutdown.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 2)
	go func() { errc <- e.Run(ctx) }()
	go func() { errc <- srv.Serve(ln) }()
	err = <-errc
	cancel()
	shutdownCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	_ = srv.Shutdown(shutdownCtx)
	if err2 := <-errc; err == nil || errors.Is(err, http.ErrServerClosed) {
		err = err2
	}
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}
