package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"agora/services/client"
)

const appUsage = `usage: agora app <command> [flags] [arguments]

Manages services apps through the Marathon REST API of agora's services scheduler
(any Marathon-compatible server works).

Commands:
  deploy FILE    create or replace what FILE defines (an app, a list of apps or a
                 group; JSON or YAML) and wait for the deployment
  list           list the apps with their instance counts
  show ID        show an app, its tasks and its last task failure
  scale ID N     run N instances of an app
  restart ID     replace every instance of an app (rolling, by its upgrade strategy)
  remove ID      remove an app and stop its instances
  tasks ID       list an app's tasks
  why ID         say why an app's instances are not starting: how many recent offers
                 each check (constraints, cpus, mem, disk, ports, role) turned down

Examples:
  agora app deploy web.yaml
  agora app list
  agora app scale /web 5
  agora app why /web --services=http://10.0.0.5:8080

Flags:
`

type appFlags struct {
	services string
	force    bool
	wait     bool
	timeout  time.Duration
	json     bool
}

// runApp runs `agora app ...`; the exit status is 0 on success, 1 when the
// server refuses or fails, 2 on a usage error.
func runApp(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("agora app", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f appFlags
	fs.StringVar(&f.services, "services", "http://127.0.0.1:8080", "URL of the services REST API")
	fs.BoolVar(&f.force, "force", false, "override deployments in progress that hold the app")
	fs.BoolVar(&f.wait, "wait", true, "deploy, scale, restart, remove: wait until the deployment is done")
	durationVar(fs, &f.timeout, "timeout", 10*time.Minute, "how long to wait for a deployment")
	fs.BoolVar(&f.json, "json", false, "list, show, tasks, why: print the server's JSON")
	fs.Usage = func() {
		fmt.Fprint(stderr, appUsage)
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if len(pos) == 0 {
		fs.Usage()
		return 2
	}
	cmd, rest := pos[0], pos[1:]
	want := map[string]int{"deploy": 1, "list": 0, "show": 1, "scale": 2, "restart": 1, "remove": 1, "tasks": 1, "why": 1}
	n, ok := want[cmd]
	if !ok {
		fmt.Fprintf(stderr, "agora app: unknown command %q\n\n", cmd)
		fs.Usage()
		return 2
	}
	if len(rest) != n {
		fmt.Fprintf(stderr, "agora app %s: want %d argument(s), got %d\n\n", cmd, n, len(rest))
		fs.Usage()
		return 2
	}
	a := &appCLI{c: client.New(f.services, nil), f: f, out: stdout}
	ctx := context.Background()
	switch cmd {
	case "deploy":
		err = a.deploy(ctx, rest[0])
	case "list":
		err = a.list(ctx)
	case "show":
		err = a.show(ctx, rest[0])
	case "scale":
		var count int
		if count, err = strconv.Atoi(rest[1]); err != nil || count < 0 {
			fmt.Fprintf(stderr, "agora app scale: %q is not an instance count (0 or more)\n", rest[1])
			return 2
		}
		err = a.change(ctx, func() (client.Result, error) { return a.c.Scale(ctx, rest[0], count, f.force) }, "scaled "+rest[0]+" to "+rest[1])
	case "restart":
		err = a.change(ctx, func() (client.Result, error) { return a.c.Restart(ctx, rest[0], f.force) }, "restarted "+rest[0])
	case "remove":
		err = a.change(ctx, func() (client.Result, error) { return a.c.Delete(ctx, rest[0]) }, "removed "+rest[0])
	case "tasks":
		err = a.tasks(ctx, rest[0])
	case "why":
		err = a.why(ctx, rest[0])
	}
	if err != nil {
		fmt.Fprintf(stderr, "agora app %s: %v\n", cmd, err)
		if errors.Is(err, client.ErrLocked) {
			fmt.Fprintln(stderr, "(add --force to override the deployment in progress)")
		}
		return 1
	}
	return 0
}

// parseInterspersed parses flags given before, between or after the positional
// arguments ("agora app scale /web 3 --force").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

type appCLI struct {
	c   *client.Client
	f   appFlags
	out io.Writer
}

func (a *appCLI) printJSON(v any) error {
	enc := json.NewEncoder(a.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (a *appCLI) deploy(ctx context.Context, file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	res, err := a.c.Deploy(ctx, file, data, a.f.force)
	if err != nil {
		return err
	}
	return a.waitFor(ctx, res, "deployed "+file)
}

// change runs a change and waits for its deployment.
func (a *appCLI) change(ctx context.Context, do func() (client.Result, error), done string) error {
	res, err := do()
	if err != nil {
		return err
	}
	return a.waitFor(ctx, res, done)
}

func (a *appCLI) waitFor(ctx context.Context, res client.Result, done string) error {
	fmt.Fprintf(a.out, "deployment %s (version %s)\n", res.DeploymentID, res.Version)
	if !a.f.wait || res.DeploymentID == "" {
		return nil
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, a.f.timeout)
	defer cancel()
	waited := make(chan error, 1)
	go func() { waited <- a.c.WaitForDeployment(ctx, res.DeploymentID, 500*time.Millisecond) }()
	// A deployment that takes a while says what it waits for, instead of
	// leaving the user with a silent prompt (Marathon's stuck deployments);
	// the same words again only once a minute.
	explain := time.NewTicker(explainEvery)
	defer explain.Stop()
	said := map[string]time.Time{}
	for {
		select {
		case err := <-waited:
			if err != nil && parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("deployment %s did not finish within %s; it goes on without this command "+
					"(to stop it: curl -X DELETE '%s/v2/deployments/%s?force=true')",
					res.DeploymentID, a.f.timeout, a.f.services, res.DeploymentID)
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, done)
			return nil
		case now := <-explain.C:
			for _, line := range a.explainWait(ctx, res.DeploymentID) {
				if last, ok := said[line]; !ok || now.Sub(last) >= time.Minute {
					fmt.Fprintln(a.out, line)
					said[line] = now
				}
			}
		}
	}
}

// explainEvery is how often a wait for a deployment says what it waits for.
var explainEvery = 5 * time.Second

// explainWait returns one line per app of the deployment's running step:
// for an app waiting for instances, how many, the reason most offers were
// turned down for and, when the deployment cannot go on, why.
func (a *appCLI) explainWait(ctx context.Context, id string) []string {
	deps, err := a.c.Deployments(ctx)
	if err != nil {
		return nil
	}
	i := slices.IndexFunc(deps, func(d client.Deployment) bool { return d.ID == id })
	if i < 0 {
		return nil
	}
	queue, err := a.c.Queue(ctx)
	if err != nil {
		return nil
	}
	var lines []string
	acts := deps[i].CurrentActions
	if len(acts) == 0 {
		for _, id := range deps[i].AffectedApps {
			acts = append(acts, client.Action{App: id})
		}
	}
	for _, act := range acts {
		j := slices.IndexFunc(queue, func(q client.QueueItem) bool { return q.App.ID == act.App })
		if j < 0 {
			lines = append(lines, fmt.Sprintf("waiting: %s %s (step %d of %d)", act.Action, act.App, deps[i].CurrentStep, deps[i].TotalSteps))
			continue
		}
		q := queue[j]
		msg := fmt.Sprintf("waiting: %s needs %d more instance(s)", act.App, q.Count)
		if !q.Delay.Overdue && q.Delay.TimeLeftSeconds > 0 {
			msg += fmt.Sprintf("; backing off after failures, next launch in %d s", q.Delay.TimeLeftSeconds)
		}
		var top client.RejectReason
		for _, r := range q.ProcessedOffersSummary.RejectSummaryLastOffers {
			// Prefer the most specific reason ("UnfulfilledConstraint
			// hostname:UNIQUE") among those that declined the most.
			if r.Declined > top.Declined || r.Declined == top.Declined && r.Declined > 0 && len(r.Reason) > len(top.Reason) {
				top = r
			}
		}
		if top.Declined > 0 {
			msg += fmt.Sprintf("; offers turned down: %s (%d of %d)", top.Reason, top.Declined, top.Processed)
		}
		if q.Blocked != "" {
			msg += "; " + q.Blocked
		}
		lines = append(lines, msg+"; see: agora app why "+act.App)
	}
	return lines
}

func (a *appCLI) list(ctx context.Context) error {
	apps, err := a.c.Apps(ctx)
	if err != nil {
		return err
	}
	if a.f.json {
		return a.printJSON(apps)
	}
	tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tINSTANCES\tRUNNING\tSTAGED\tHEALTHY\tCPUS\tMEM\tDEPLOYING")
	for _, ap := range apps {
		deploying := "-"
		if len(ap.Deployments) > 0 {
			deploying = ap.Deployments[0].ID
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%g\t%g\t%s\n", ap.ID, ap.Instances, ap.TasksRunning, ap.TasksStaged, ap.TasksHealthy, ap.CPUs, ap.Mem, deploying)
	}
	return tw.Flush()
}

func (a *appCLI) show(ctx context.Context, id string) error {
	ap, err := a.c.App(ctx, id)
	if err != nil {
		return err
	}
	if a.f.json {
		return a.printJSON(ap)
	}
	w := a.out
	fmt.Fprintf(w, "id:          %s\n", ap.ID)
	if ap.Cmd != "" {
		fmt.Fprintf(w, "cmd:         %s\n", ap.Cmd)
	} else {
		fmt.Fprintf(w, "args:        %q\n", ap.Args)
	}
	fmt.Fprintf(w, "instances:   %d (running %d, staged %d, healthy %d, unhealthy %d)\n", ap.Instances, ap.TasksRunning, ap.TasksStaged, ap.TasksHealthy, ap.TasksUnhealthy)
	fmt.Fprintf(w, "resources:   cpus %g, mem %g MB, disk %g MB\n", ap.CPUs, ap.Mem, ap.Disk)
	if ap.Role != "" {
		fmt.Fprintf(w, "role:        %s\n", ap.Role)
	}
	if len(ap.Constraints) > 0 {
		var cs []string
		for _, c := range ap.Constraints {
			cs = append(cs, strings.Join(c, ":"))
		}
		fmt.Fprintf(w, "constraints: %s\n", strings.Join(cs, ", "))
	}
	fmt.Fprintf(w, "version:     %s\n", ap.Version)
	for _, d := range ap.Deployments {
		fmt.Fprintf(w, "deploying:   %s\n", d.ID)
	}
	if f := ap.LastTaskFailure; f != nil {
		fmt.Fprintf(w, "last failure: %s %s on %s at %s: %s\n", f.TaskID, f.State, f.Host, f.Timestamp, f.Message)
	}
	if len(ap.Tasks) > 0 {
		fmt.Fprintln(w)
		return a.taskTable(ap.Tasks)
	}
	return nil
}

func (a *appCLI) tasks(ctx context.Context, id string) error {
	tasks, err := a.c.Tasks(ctx, id)
	if err != nil {
		return err
	}
	if a.f.json {
		return a.printJSON(tasks)
	}
	return a.taskTable(tasks)
}

func (a *appCLI) taskTable(tasks []client.Task) error {
	tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tSTATE\tHOST\tPORTS\tHEALTH\tSTARTED")
	for _, t := range tasks {
		var ports []string
		for _, p := range t.Ports {
			ports = append(ports, strconv.Itoa(p))
		}
		health := "-"
		for _, h := range t.HealthCheckResults {
			if health == "-" || health == "healthy" {
				health = "healthy"
				if !h.Alive {
					health = "unhealthy"
				}
			}
		}
		started := t.StartedAt
		if started == "" {
			started = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.State, t.Host, strings.Join(ports, ","), health, started)
	}
	return tw.Flush()
}

// why explains, from /v2/queue, why an app's instances are not starting.
func (a *appCLI) why(ctx context.Context, id string) error {
	queue, err := a.c.Queue(ctx)
	if err != nil {
		return err
	}
	ap, err := a.c.App(ctx, id)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(queue, func(q client.QueueItem) bool { return q.App.ID == ap.ID })
	if a.f.json {
		if i < 0 {
			return a.printJSON(nil)
		}
		return a.printJSON(queue[i])
	}
	w := a.out
	if i < 0 {
		fmt.Fprintf(w, "%s is not waiting for offers: %d of %d instances running, %d staged.\n", ap.ID, ap.TasksRunning, ap.Instances, ap.TasksStaged)
		if f := ap.LastTaskFailure; f != nil {
			fmt.Fprintf(w, "Last task failure: %s %s on %s: %s\n", f.TaskID, f.State, f.Host, f.Message)
		}
		return nil
	}
	q := queue[i]
	fmt.Fprintf(w, "%s is waiting to launch %d instance(s) (role %s) since %s.\n", ap.ID, q.Count, q.Role, q.Since)
	if !q.Delay.Overdue && q.Delay.TimeLeftSeconds > 0 {
		fmt.Fprintf(w, "It is backing off after failures: next launch attempt in %d s.\n", q.Delay.TimeLeftSeconds)
	}
	s := q.ProcessedOffersSummary
	fmt.Fprintf(w, "Offers considered: %d, unused: %d.\n", s.ProcessedOffersCount, s.UnusedOffersCount)
	reasons := slices.Clone(s.RejectSummaryLastOffers)
	if len(reasons) == 0 {
		reasons = slices.Clone(s.RejectSummaryLaunchAttempt)
	}
	reasons = slices.DeleteFunc(reasons, func(r client.RejectReason) bool { return r.Declined == 0 })
	slices.SortStableFunc(reasons, func(x, y client.RejectReason) int { return y.Declined - x.Declined })
	if len(reasons) > 0 {
		fmt.Fprintln(w, "\nOffers turned down, by reason (last offer of each agent):")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "REASON\tDECLINED\tOF")
		for _, r := range reasons {
			fmt.Fprintf(tw, "%s\t%d\t%d\n", r.Reason, r.Declined, r.Processed)
		}
		tw.Flush()
	}
	if len(q.LastUnusedOffers) > 0 {
		fmt.Fprintln(w, "\nRecent unused offers:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "HOST\tOFFER\tREASONS")
		for _, o := range q.LastUnusedOffers {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", o.Offer.Hostname, o.Offer.ID, strings.Join(o.Reason, ", "))
		}
		tw.Flush()
	}
	if len(reasons) == 0 && len(q.LastUnusedOffers) == 0 {
		fmt.Fprintln(w, "No offer has been turned down yet: the cluster may have sent none (no free resources, or none for its role).")
	}
	if q.Blocked != "" {
		fmt.Fprintf(w, "\nBlocked: %s.\n", q.Blocked)
	}
	return nil
}
