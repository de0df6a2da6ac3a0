// Command custom-executor is a framework with its own executor: the
// scheduler (this program) launches tasks on the executor binary in
// ./executor, which agents fetch from --executor. Each task counts the
// primes up to a number in the executor's process; the scheduler and the
// executors exchange framework messages, and the scheduler prints each
// result, tears its framework down and exits 0 when every task finished.
//
//	go build -o /tmp/primes-executor ./examples/custom-executor/executor
//	go run ./examples/custom-executor --executor=/tmp/primes-executor --n=1000,100000
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
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

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("custom-executor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	master := fs.String("master", "127.0.0.1:5050", "Mesos or agora master, host:port")
	uri := fs.String("executor", "", "URI of the executor binary the agents fetch: an absolute path, file:// or http(s):// (required)")
	ns := fs.String("n", "1000,10000,100000", "comma-separated numbers: one task per number counts the primes up to it")
	codec := fs.String("codec", "json", "encoding to speak to the master: json or protobuf")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *uri == "" {
		fmt.Fprintln(stderr, "custom-executor: --executor is required (go build ./examples/custom-executor/executor)")
		return 2
	}
	if filepath.IsAbs(*uri) {
		*uri = "file://" + *uri
	}
	var work []string
	for _, s := range strings.Split(*ns, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err != nil || n < 0 {
			fmt.Fprintf(stderr, "custom-executor: --n: %q is not a non-negative number\n", s)
			return 2
		}
		work = append(work, strings.TrimSpace(s))
	}
	c := wire.JSON
	if *codec == "protobuf" {
		c = wire.Protobuf
	}
	s := &primesScheduler{out: stdout, uri: *uri, work: work, results: map[string]string{}}
	d, err := scheduler.New(scheduler.Config{
		Master: *master,
		Framework: &mesospb.FrameworkInfo{
			User: proto.String("nobody"), Name: proto.String("custom-executor"),
			FailoverTimeout: proto.Float64(60),
			// Checkpointing lets the executors outlive an agent restart.
			Checkpoint: proto.Bool(true),
		},
		Codec:  c,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}, s)
	if err != nil {
		fmt.Fprintln(stderr, "custom-executor:", err)
		return 2
	}
	if err := d.Run(ctx); err != nil {
		fmt.Fprintln(stderr, "custom-executor:", err)
		return 2
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case !s.done:
		fmt.Fprintln(stderr, "custom-executor: interrupted")
		return 130
	case s.failed > 0:
		fmt.Fprintf(stdout, "%d of %d tasks did not finish\n", s.failed, len(s.work))
		return 1
	}
	fmt.Fprintf(stdout, "all %d tasks finished\n", len(s.work))
	return 0
}

// primesScheduler launches one task per number on the custom executor, one
// executor per agent.
type primesScheduler struct {
	scheduler.Base
	out      io.Writer
	uri      string
	work     []string
	launched int
	greeted  map[string]bool // executors said hello to

	mu      sync.Mutex
	results map[string]string
	failed  int
	done    bool
}

func (s *primesScheduler) ResourceOffers(ctx context.Context, d *scheduler.Driver, offers []*mesospb.Offer) {
	for _, mo := range offers {
		o, err := offer.New(mo)
		if err != nil || s.launched == len(s.work) {
			_ = d.Decline(ctx, time.Minute, mo.GetId())
			continue
		}
		// One executor per agent: tasks with the same ExecutorInfo on an
		// agent share its process.
		ex := task.Executor("primes-"+mo.GetAgentId().GetValue(), "primes-executor", s.uri)
		var infos []*mesospb.TaskInfo
		for s.launched < len(s.work) {
			n := s.work[s.launched]
			spec := task.ForExecutor(fmt.Sprintf("primes-%d", s.launched), ex).
				Data([]byte(n)).
				Need(resources.NewScalar("cpus", 0.1), resources.NewScalar("mem", 32))
			info, ok := spec.Build(o)
			if !ok {
				break
			}
			infos = append(infos, info)
			s.launched++
		}
		if len(infos) == 0 {
			_ = d.Decline(ctx, 0, mo.GetId())
			continue
		}
		if err := d.Launch(ctx, mo.GetId(), infos...); err != nil {
			s.launched -= len(infos)
			continue
		}
		fmt.Fprintf(s.out, "launched %d task(s) on %s\n", len(infos), mo.GetHostname())
	}
}

func (s *primesScheduler) StatusUpdate(ctx context.Context, d *scheduler.Driver, st *mesospb.TaskStatus) {
	id := st.GetTaskId().GetValue()
	switch st.GetState() {
	case mesospb.TaskState_TASK_RUNNING:
		// Say hello to each executor once, over framework messages.
		if s.greeted == nil {
			s.greeted = map[string]bool{}
		}
		if ex := st.GetExecutorId(); ex != nil && !s.greeted[ex.GetValue()] {
			s.greeted[ex.GetValue()] = true
			_ = d.Message(ctx, st.GetAgentId(), ex, []byte("hello"))
		}
		return
	case mesospb.TaskState_TASK_FINISHED:
		fmt.Fprintf(s.out, "%s finished: %s primes\n", id, st.GetData())
	default:
		if !scheduler.IsTerminal(st.GetState()) {
			return
		}
		fmt.Fprintf(s.out, "%s ended %s: %s\n", id, st.GetState(), st.GetMessage())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.results[id]; seen {
		return
	}
	s.results[id] = string(st.GetData())
	if st.GetState() != mesospb.TaskState_TASK_FINISHED {
		s.failed++
	}
	if len(s.results) == len(s.work) {
		s.done = true
		if err := d.Teardown(ctx); err != nil {
			d.Stop()
		}
	}
}

func (s *primesScheduler) FrameworkMessage(_ context.Context, _ *scheduler.Driver, ex *mesospb.ExecutorID, _ *mesospb.AgentID, data []byte) {
	fmt.Fprintf(s.out, "message from %s: %s\n", ex.GetValue(), data)
}
