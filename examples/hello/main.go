// Command hello is the smallest useful framework: it launches N command
// tasks on a Mesos or agora cluster, waits for all of them to end, tears
// its framework down and exits 0 if every task finished, 1 if any did not.
//
//	go run ./examples/hello --master=127.0.0.1:5050 --tasks=5 --cmd='echo hello'
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	"agora/resources"
	"agora/sdk/offer"
	"agora/sdk/scheduler"
	"agora/sdk/task"
	"agora/wire"
)

func main() {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	cancel()
	os.Exit(code)
}

// run is the whole program; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hello", flag.ContinueOnError)
	fs.SetOutput(stderr)
	master := fs.String("master", "127.0.0.1:5050", "Mesos or agora master, host:port")
	tasks := fs.Int("tasks", 3, "number of tasks to launch")
	cmd := fs.String("cmd", "echo hello from $MESOS_TASK_ID", "shell command each task runs")
	cpus := fs.Float64("cpus", 0.1, "CPUs per task")
	mem := fs.Float64("mem", 32, "memory per task, MB")
	codec := fs.String("codec", "protobuf", "encoding to speak to the master: protobuf or json")
	verbose := fs.Bool("v", false, "log the driver's activity to stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *tasks < 1 {
		fmt.Fprintln(stderr, "hello: --tasks must be at least 1")
		return 2
	}
	c := wire.Protobuf
	switch *codec {
	case "protobuf":
	case "json":
		c = wire.JSON
	default:
		fmt.Fprintf(stderr, "hello: --codec must be protobuf or json, not %q\n", *codec)
		return 2
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	h := &hello{
		out:   stdout,
		total: *tasks,
		spec:  task.Command("", *cmd).Need(resources.NewScalar("cpus", *cpus), resources.NewScalar("mem", *mem)),
		state: map[string]mesospb.TaskState{},
	}
	d, err := scheduler.New(scheduler.Config{
		Master: *master,
		Framework: &mesospb.FrameworkInfo{
			User: proto.String(currentUser()), Name: proto.String("hello"),
			// Keep the framework through a short disconnection.
			FailoverTimeout: proto.Float64(60),
		},
		Codec:  c,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	}, h)
	if err != nil {
		fmt.Fprintln(stderr, "hello:", err)
		return 2
	}
	// On Ctrl-C, tear the framework down so that its tasks do not outlive
	// this program; Teardown also ends Run.
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
		case <-stopped:
			return
		}
		tctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := d.Teardown(tctx); err != nil {
			d.Stop()
		}
	}()
	if err := d.Run(context.Background()); err != nil {
		fmt.Fprintln(stderr, "hello:", err)
		return 2
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.done {
		fmt.Fprintln(stderr, "hello: interrupted")
		return 130
	}
	if h.failed > 0 {
		fmt.Fprintf(stdout, "%d of %d tasks did not finish\n", h.failed, h.total)
		return 1
	}
	fmt.Fprintf(stdout, "all %d tasks finished\n", h.total)
	return 0
}

// hello launches total copies of spec and counts how they end.
type hello struct {
	scheduler.Base
	out      io.Writer
	total    int
	spec     task.Spec
	launched int

	mu     sync.Mutex
	state  map[string]mesospb.TaskState
	ended  int
	failed int
	done   bool
}

func (h *hello) Registered(_ context.Context, _ *scheduler.Driver, id *mesospb.FrameworkID, _ *mesospb.MasterInfo) {
	fmt.Fprintf(h.out, "registered as framework %s\n", id.GetValue())
}

func (h *hello) ResourceOffers(ctx context.Context, d *scheduler.Driver, offers []*mesospb.Offer) {
	for _, mo := range offers {
		o, err := offer.New(mo)
		if err != nil {
			_ = d.Decline(ctx, 0, mo.GetId())
			continue
		}
		var infos []*mesospb.TaskInfo
		for h.launched < h.total {
			info, ok := h.spec.WithID(fmt.Sprintf("hello-%d", h.launched)).Build(o)
			if !ok {
				break
			}
			infos = append(infos, info)
			h.launched++
		}
		if len(infos) == 0 {
			// Nothing (more) to launch here: do not offer it again soon.
			_ = d.Decline(ctx, time.Minute, mo.GetId())
			continue
		}
		if err := d.Launch(ctx, mo.GetId(), infos...); err != nil {
			fmt.Fprintf(h.out, "launch on %s failed: %v\n", mo.GetHostname(), err)
			h.launched -= len(infos)
			continue
		}
		for _, t := range infos {
			fmt.Fprintf(h.out, "launching %s on %s\n", t.GetTaskId().GetValue(), mo.GetHostname())
		}
	}
	if h.launched == h.total {
		_ = d.Suppress(ctx) // everything is launched: no more offers please
	}
}

func (h *hello) StatusUpdate(ctx context.Context, d *scheduler.Driver, st *mesospb.TaskStatus) {
	id := st.GetTaskId().GetValue()
	fmt.Fprintf(h.out, "%s is %s", id, st.GetState())
	if msg := st.GetMessage(); msg != "" && st.GetState() != mesospb.TaskState_TASK_RUNNING {
		fmt.Fprintf(h.out, " (%s)", msg)
	}
	fmt.Fprintln(h.out)
	h.mu.Lock()
	defer h.mu.Unlock()
	prev, seen := h.state[id]
	h.state[id] = st.GetState()
	if !scheduler.IsTerminal(st.GetState()) || (seen && scheduler.IsTerminal(prev)) {
		return
	}
	h.ended++
	if st.GetState() != mesospb.TaskState_TASK_FINISHED {
		h.failed++
	}
	if h.ended == h.total {
		h.done = true
		// Every task ended: remove the framework, which also ends Run.
		if err := d.Teardown(ctx); err != nil {
			fmt.Fprintln(h.out, "teardown:", err)
			d.Stop()
		}
	}
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "root"
}
