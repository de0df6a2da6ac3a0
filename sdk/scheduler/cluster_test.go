package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	"agora/internal/testcluster"
	"agora/resources"
	"agora/sdk/internal/leakcheck"
	"agora/sdk/internal/tcplink"
	"agora/sdk/offer"
	"agora/sdk/scheduler"
	"agora/sdk/task"
	"agora/wire"
)

// launcher launches commands, one task per offer, and reports updates.
type launcher struct {
	scheduler.Base
	commands   []string
	next       int
	updates    chan *mesospb.TaskStatus
	events     chan string
	registered chan *mesospb.FrameworkID
	seen       []*mesospb.TaskStatus // read but not yet waited for
}

func newLauncher(commands ...string) *launcher {
	return &launcher{commands: commands, updates: make(chan *mesospb.TaskStatus, 100), events: make(chan string, 100), registered: make(chan *mesospb.FrameworkID, 1)}
}

func (l *launcher) Registered(_ context.Context, _ *scheduler.Driver, id *mesospb.FrameworkID, _ *mesospb.MasterInfo) {
	l.registered <- id
}
func (l *launcher) Reregistered(context.Context, *scheduler.Driver, *mesospb.MasterInfo) {
	l.events <- "reregistered"
}
func (l *launcher) Disconnected(context.Context, *scheduler.Driver) { l.events <- "disconnected" }
func (l *launcher) Reconciled(context.Context, *scheduler.Driver)   { l.events <- "reconciled" }

func (l *launcher) ResourceOffers(ctx context.Context, d *scheduler.Driver, offers []*mesospb.Offer) {
	for _, o := range offers {
		if l.next >= len(l.commands) {
			_ = d.Decline(ctx, time.Minute, o.GetId())
			continue
		}
		want := resources.Must(resources.NewScalar("cpus", 0.1), resources.NewScalar("mem", 32))
		have, err := resources.FromProto(o.GetResources())
		if err != nil {
			panic(err)
		}
		found, ok := have.Find(want)
		if !ok {
			_ = d.Decline(ctx, 0, o.GetId())
			continue
		}
		list, _ := found.ToProto(resources.FormatFor(false, false))
		id := fmt.Sprintf("task-%d", l.next)
		task := &mesospb.TaskInfo{
			Name: proto.String(id), TaskId: &mesospb.TaskID{Value: proto.String(id)}, AgentId: o.GetAgentId(),
			Command: &mesospb.CommandInfo{Value: proto.String(l.commands[l.next])}, Resources: list,
		}
		if err := d.Launch(ctx, o.GetId(), task); err == nil {
			l.next++
		}
	}
}

func (l *launcher) StatusUpdate(_ context.Context, _ *scheduler.Driver, st *mesospb.TaskStatus) {
	l.updates <- st
}

// waitState waits for task to reach want and returns that update; updates
// of other tasks read meanwhile are kept for later waits.
func (l *launcher) waitState(t *testing.T, task string, want mesospb.TaskState) *mesospb.TaskStatus {
	t.Helper()
	return l.waitUpdate(t, task, func(st *mesospb.TaskStatus) bool { return st.GetState() == want })
}

func (l *launcher) waitUpdate(t *testing.T, task string, match func(*mesospb.TaskStatus) bool) *mesospb.TaskStatus {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		var rest []*mesospb.TaskStatus
		for i, st := range l.seen {
			if st.GetTaskId().GetValue() != task {
				rest = append(rest, st)
				continue
			}
			if match(st) {
				l.seen = append(rest, l.seen[i+1:]...)
				return st
			}
			if scheduler.IsTerminal(st.GetState()) {
				t.Fatalf("task %s: unexpected %v (%s)", task, st.GetState(), st.GetMessage())
			}
		}
		l.seen = rest
		select {
		case st := <-l.updates:
			l.seen = append(l.seen, st)
		case <-deadline:
			t.Fatalf("task %s: no expected update", task)
		}
	}
}

func (l *launcher) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-l.events:
		if got != want {
			t.Fatalf("event %q, want %q", got, want)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no %q", want)
	}
}

func framework(name string) *mesospb.FrameworkInfo {
	return &mesospb.FrameworkInfo{User: proto.String("agora"), Name: proto.String(name), FailoverTimeout: proto.Float64(60)}
}

// The driver launches command tasks on a real cluster, in both codecs,
// acknowledges their updates (the agent stops resending them), and leaves
// no goroutine behind.
func TestLaunchOnCluster(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 2})
	for _, codec := range []wire.Codec{wire.Protobuf, wire.JSON} {
		t.Run(codec.String(), func(t *testing.T) {
			snap := leakcheck.Take()
			l := newLauncher("true", "echo hello", "exit 3")
			d, err := scheduler.New(scheduler.Config{Master: c.MasterURL, Framework: framework("launch"), Codec: codec, Logger: slog.New(slog.DiscardHandler)}, l)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- d.Run(ctx) }()
			<-l.registered
			l.waitState(t, "task-0", mesospb.TaskState_TASK_FINISHED)
			l.waitState(t, "task-1", mesospb.TaskState_TASK_FINISHED)
			failed := l.waitState(t, "task-2", mesospb.TaskState_TASK_FAILED)
			if failed.GetMessage() == "" {
				t.Error("TASK_FAILED without a message")
			}
			if left, _ := d.Store().NonTerminal(); len(left) != 0 {
				t.Errorf("store still holds %v", left)
			}
			if err := d.Teardown(ctx); err != nil {
				t.Fatalf("Teardown: %v", err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("Run did not return after Teardown")
			}
			cancel()
			snap.Check(t, "agora/sdk/")
		})
	}
}

// When the connection to the master breaks, the driver subscribes again
// as the same framework and reconciles its running task with the master.
func TestResubscribeAndReconcileOnCluster(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	link := tcplink.New(t, c.MasterAddr)
	snap := leakcheck.Take()
	l := newLauncher("sleep 60")
	d, err := scheduler.New(scheduler.Config{
		Master: link.Addr(), Framework: framework("reconnect"), Codec: wire.JSON,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		ReconcileInterval: 500 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
	}, l)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	id := <-l.registered
	l.expect(t, "reconciled")
	l.waitState(t, "task-0", mesospb.TaskState_TASK_RUNNING)

	link.Cut()
	l.expect(t, "disconnected")
	l.expect(t, "reregistered")
	// The master answers the driver's RECONCILE (an update may also be
	// resent first if its acknowledgement was lost with the connection).
	l.waitUpdate(t, "task-0", func(st *mesospb.TaskStatus) bool {
		if st.GetState() != mesospb.TaskState_TASK_RUNNING {
			t.Fatalf("task-0 %v after re-subscription, want TASK_RUNNING", st.GetState())
		}
		return st.Reason != nil && st.GetReason() == mesospb.TaskStatus_REASON_RECONCILIATION
	})
	l.expect(t, "reconciled")
	if got := d.FrameworkID().GetValue(); got != id.GetValue() {
		t.Fatalf("framework id changed from %s to %s", id.GetValue(), got)
	}
	state, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	if fws := state["frameworks"].([]any); len(fws) != 1 {
		t.Fatalf("master has %d frameworks, want the one re-subscribed", len(fws))
	}
	if err := d.Kill(ctx, &mesospb.TaskID{Value: proto.String("task-0")}, nil); err != nil {
		t.Fatal(err)
	}
	l.waitState(t, "task-0", mesospb.TaskState_TASK_KILLED)
	if err := d.Teardown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	snap.Check(t, "agora/sdk/scheduler")
}

// grouper launches one task group on the default executor.
type grouper struct {
	scheduler.Base
	cmds     [2]string // the tasks' commands; default "true" and "echo b"
	agent    *mesospb.AgentID
	launched bool
	updates  chan *mesospb.TaskStatus
	lost     chan string
}

func (g *grouper) ResourceOffers(ctx context.Context, d *scheduler.Driver, offers []*mesospb.Offer) {
	for _, mo := range offers {
		if g.launched {
			_ = d.Decline(ctx, time.Minute, mo.GetId())
			continue
		}
		o, err := offer.New(mo)
		if err != nil {
			panic(err)
		}
		small := resources.Must(resources.NewScalar("cpus", 0.1), resources.NewScalar("mem", 32))
		ex := task.DefaultExecutor("group-executor")
		ex.Resources, _ = o.Take(small)
		cmds := g.cmds
		if cmds[0] == "" {
			cmds = [2]string{"true", "echo b"}
		}
		a, okA := task.Command("group-a", cmds[0]).Need(small.Slice()...).Build(o)
		b, okB := task.Command("group-b", cmds[1]).Need(small.Slice()...).Build(o)
		if ex.Resources == nil || !okA || !okB {
			_ = d.Decline(ctx, 0, mo.GetId())
			continue
		}
		if err := d.LaunchGroup(ctx, mo.GetId(), ex, a, b); err == nil {
			g.launched, g.agent = true, mo.GetAgentId()
		}
	}
}

func (g *grouper) StatusUpdate(_ context.Context, _ *scheduler.Driver, st *mesospb.TaskStatus) {
	g.updates <- st
}

func (g *grouper) ExecutorLost(_ context.Context, _ *scheduler.Driver, ex *mesospb.ExecutorID, _ *mesospb.AgentID, status int) {
	g.lost <- fmt.Sprintf("%s %d", ex.GetValue(), status)
}

// LaunchGroup runs a task group on the default executor; both tasks
// finish and the executor's end arrives as ExecutorLost with status 0.
func TestLaunchGroupOnCluster(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	snap := leakcheck.Take()
	g := &grouper{updates: make(chan *mesospb.TaskStatus, 20), lost: make(chan string, 2)}
	d, err := scheduler.New(scheduler.Config{Master: c.MasterURL, Framework: framework("group"), Logger: slog.New(slog.DiscardHandler)}, g)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	finished := map[string]bool{}
	deadline := time.After(30 * time.Second)
	for len(finished) < 2 {
		select {
		case st := <-g.updates:
			switch st.GetState() {
			case mesospb.TaskState_TASK_FINISHED:
				finished[st.GetTaskId().GetValue()] = true
			case mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING:
			default:
				t.Fatalf("%s: %v (%s)", st.GetTaskId().GetValue(), st.GetState(), st.GetMessage())
			}
		case <-deadline:
			t.Fatalf("finished %v", finished)
		}
	}
	select {
	case got := <-g.lost:
		if got != "group-executor 0" {
			t.Fatalf("ExecutorLost %q, want group-executor 0", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no ExecutorLost for the finished group")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	snap.Check(t, "agora/sdk/")
}

// UPDATE_FRAMEWORK against the real master: the master takes the new name
// and roles without a re-subscription.
func TestUpdateFrameworkOnCluster(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{})
	snap := leakcheck.Take()
	l := newLauncher()
	d, err := scheduler.New(scheduler.Config{Master: c.MasterURL, Framework: framework("before"), Codec: wire.JSON, Logger: slog.New(slog.DiscardHandler)}, l)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	<-l.registered
	info := framework("after")
	info.Roles = []string{"web", "batch"}
	info.Capabilities = []*mesospb.FrameworkInfo_Capability{{Type: mesospb.FrameworkInfo_Capability_MULTI_ROLE.Enum()}}
	if err := d.UpdateFramework(ctx, info, "batch"); err != nil {
		t.Fatalf("UpdateFramework: %v", err)
	}
	state, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	fws := state["frameworks"].([]any)
	fw := fws[0].(map[string]any)
	if len(fws) != 1 || fw["name"] != "after" || fmt.Sprint(fw["roles"]) != "[web batch]" {
		t.Fatalf("master's framework after UPDATE_FRAMEWORK: name %v, roles %v", fw["name"], fw["roles"])
	}
	bad := framework("after")
	bad.User = proto.String("someone-else")
	if err := d.UpdateFramework(ctx, bad); !errors.Is(err, scheduler.ErrCallRejected) {
		t.Fatalf("UpdateFramework changing the user: %v, want ErrCallRejected", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	snap.Check(t, "agora/sdk/")
}

// SHUTDOWN of an executor on the real cluster: its running tasks end and
// its end arrives as ExecutorLost.
func TestShutdownExecutorOnCluster(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{Agents: 1})
	snap := leakcheck.Take()
	g := &grouper{cmds: [2]string{"sleep 60", "sleep 60"}, updates: make(chan *mesospb.TaskStatus, 20), lost: make(chan string, 2)}
	d, err := scheduler.New(scheduler.Config{Master: c.MasterURL, Framework: framework("shutdown"), Codec: wire.JSON, Logger: slog.New(slog.DiscardHandler)}, g)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	wait := func(want func(mesospb.TaskState) bool, what string) {
		t.Helper()
		seen := map[string]bool{}
		deadline := time.After(30 * time.Second)
		for len(seen) < 2 {
			select {
			case st := <-g.updates:
				if want(st.GetState()) {
					seen[st.GetTaskId().GetValue()] = true
				}
			case <-deadline:
				t.Fatalf("tasks %s: %v", what, seen)
			}
		}
	}
	wait(func(s mesospb.TaskState) bool { return s == mesospb.TaskState_TASK_RUNNING }, "running")
	if err := d.Shutdown(ctx, &mesospb.ExecutorID{Value: proto.String("group-executor")}, g.agent); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	wait(scheduler.IsTerminal, "ended")
	select {
	case got := <-g.lost:
		if !strings.HasPrefix(got, "group-executor ") {
			t.Fatalf("ExecutorLost %q", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no ExecutorLost after SHUTDOWN")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	snap.Check(t, "agora/sdk/")
}
