// Command unique-per-rack keeps one long-running task on every rack of a
// cluster: a placement constraint (rack UNIQUE) allows at most one
// instance per rack, and the scheduler replaces an instance whose agent is
// lost by launching another on a different agent of the same rack. When a
// lost agent comes back with its old instance, reconciliation shows two on
// that rack and the scheduler kills the one it had replaced.
//
//	go run ./examples/unique-per-rack --master=127.0.0.1:5050 --cmd='sleep 3600'
//
// Ctrl-C tears the framework down (its tasks are killed).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/constraints"
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
	fs := flag.NewFlagSet("unique-per-rack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	master := fs.String("master", "127.0.0.1:5050", "Mesos or agora master, host:port")
	cmd := fs.String("cmd", "sleep 3600", "the long-running shell command of each instance")
	field := fs.String("field", "rack", "agent attribute to spread over: one instance per value")
	codec := fs.String("codec", "protobuf", "encoding to speak to the master: protobuf or json")
	frameworkID := fs.String("framework_id", "", "fail over to this framework (a previous run left with --keep) and adopt its tasks")
	keep := fs.Bool("keep", false, "on Ctrl-C leave the tasks running (for failover_timeout, 5 min) instead of tearing down")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cs, err := constraints.ParseMarathon([]byte(fmt.Sprintf(`[[%q, "UNIQUE"]]`, *field)))
	if err != nil {
		fmt.Fprintln(stderr, "unique-per-rack:", err)
		return 2
	}
	c := wire.Protobuf
	if *codec == "json" {
		c = wire.JSON
	}
	k := &keeper{
		out:     stdout,
		field:   *field,
		spec:    task.Command("", *cmd).Need(resources.NewScalar("cpus", 0.1), resources.NewScalar("mem", 32)),
		place:   offer.NewPlacement(cs...),
		active:  map[string]instance{},
		retired: map[string]instance{},
		resume:  *frameworkID != "",
	}
	info := &mesospb.FrameworkInfo{
		User: proto.String("nobody"), Name: proto.String("unique-per-rack"),
		FailoverTimeout: proto.Float64(300),
		// PARTITION_AWARE: a partitioned agent's tasks are reported
		// TASK_UNREACHABLE (and RUNNING again if the agent returns)
		// instead of TASK_LOST.
		Capabilities: []*mesospb.FrameworkInfo_Capability{{Type: mesospb.FrameworkInfo_Capability_PARTITION_AWARE.Enum()}},
	}
	if *frameworkID != "" {
		info.Id = &mesospb.FrameworkID{Value: proto.String(*frameworkID)}
	}
	d, err := scheduler.New(scheduler.Config{
		Master:    *master,
		Framework: info,
		Codec:     c,
		Logger:    slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}, k)
	if err != nil {
		fmt.Fprintln(stderr, "unique-per-rack:", err)
		return 2
	}
	// Run until interrupted, then tear the framework down (or leave it).
	go func() {
		<-ctx.Done()
		if *keep {
			d.Stop()
			return
		}
		tctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := d.Teardown(tctx); err != nil {
			d.Stop()
		}
	}()
	if err := d.Run(context.Background()); err != nil {
		fmt.Fprintln(stderr, "unique-per-rack:", err)
		return 1
	}
	if *keep {
		fmt.Fprintf(stdout, "left running; resume with --framework_id=%s\n", d.FrameworkID().GetValue())
	} else {
		fmt.Fprintln(stdout, "torn down")
	}
	return 0
}

// instance is one task of the framework and where it runs.
type instance struct {
	agent constraints.Agent
	value string // the agent's value of the spread field
}

// keeper owns the placement state; all of it is touched only from driver
// callbacks, which run one at a time.
type keeper struct {
	scheduler.Base
	out   io.Writer
	field string
	spec  task.Spec
	place *offer.Placement
	seq   int
	// active holds the instances counted in place: at most one per value.
	active map[string]instance
	// retired holds instances given up on (their agent was lost), in case
	// they come back.
	retired map[string]instance
	// resume: failing over to an existing framework whose tasks this
	// process does not know yet; adopting until they are all reported.
	resume, adopting bool
}

func (k *keeper) Registered(ctx context.Context, d *scheduler.Driver, id *mesospb.FrameworkID, _ *mesospb.MasterInfo) {
	fmt.Fprintf(k.out, "registered as framework %s\n", id.GetValue())
	if k.resume {
		// A new process knows none of the framework's tasks: implicit
		// reconciliation makes the master report every one of them. It
		// has no end marker, so an explicit question about a task that
		// never existed follows: its answer (TASK_UNKNOWN) comes after the
		// others, and until then offers are declined, so that no rack gets
		// a second instance before its first is adopted.
		k.adopting = true
		_ = d.Reconcile(ctx)
		_ = d.Reconcile(ctx, &schedulerpb.Call_Reconcile_Task{TaskId: &mesospb.TaskID{Value: proto.String(markerTask)}})
	}
}

// markerTask is the id of a task that never exists, see Registered.
const markerTask = "unique-per-rack-reconciliation-marker"

// Reconciled: the driver confirmed every task's state with the master after
// a (re)subscription. Ask for offers again in case a rack lost its instance
// while we were away.
func (k *keeper) Reconciled(ctx context.Context, d *scheduler.Driver) {
	fmt.Fprintf(k.out, "reconciled: %d instance(s) on %s\n", len(k.active), k.values())
	_ = d.Revive(ctx)
}

func (k *keeper) values() string {
	var vs []string
	for _, in := range k.active {
		vs = append(vs, in.value)
	}
	sort.Strings(vs)
	return "[" + strings.Join(vs, " ") + "]"
}

func (k *keeper) ResourceOffers(ctx context.Context, d *scheduler.Driver, offers []*mesospb.Offer) {
	for _, mo := range offers {
		if k.adopting {
			_ = d.Decline(ctx, time.Second, mo.GetId())
			continue
		}
		o, err := offer.New(mo)
		if err != nil || k.place.Check(o) != nil {
			// This rack has its instance (or the agent has no rack).
			_ = d.Decline(ctx, 10*time.Second, mo.GetId())
			continue
		}
		id := fmt.Sprintf("%s-%s-%d", k.field, o.Agent().Attributes[k.field], k.seq)
		info, ok := k.spec.WithID(id).Build(o)
		if !ok {
			_ = d.Decline(ctx, 0, mo.GetId())
			continue
		}
		if err := d.Launch(ctx, mo.GetId(), info); err != nil {
			continue
		}
		k.seq++
		in := instance{agent: o.Agent(), value: o.Agent().Attributes[k.field]}
		k.active[id] = in
		k.place.Add(in.agent)
		fmt.Fprintf(k.out, "launching %s on %s (%s %s)\n", id, in.agent.Hostname, k.field, in.value)
	}
}

func (k *keeper) StatusUpdate(ctx context.Context, d *scheduler.Driver, st *mesospb.TaskStatus) {
	id, state := st.GetTaskId().GetValue(), st.GetState()
	if id == markerTask {
		k.adopting = false
		fmt.Fprintf(k.out, "adopted %d instance(s) on %s\n", len(k.active), k.values())
		_ = d.Revive(ctx)
		return
	}
	if in, ok := k.active[id]; ok {
		switch {
		case state == mesospb.TaskState_TASK_RUNNING:
			fmt.Fprintf(k.out, "%s running on %s (%s %s)\n", id, in.agent.Hostname, k.field, in.value)
		case scheduler.IsTerminal(state) || state == mesospb.TaskState_TASK_UNREACHABLE || state == mesospb.TaskState_TASK_UNKNOWN:
			// The instance is gone or cannot be reached: free its rack
			// and ask for offers to place a replacement.
			delete(k.active, id)
			k.place.Remove(in.agent)
			if !scheduler.IsTerminal(state) {
				k.retired[id] = in
			}
			fmt.Fprintf(k.out, "%s on %s is %s: replacing it\n", id, in.agent.Hostname, state)
			_ = d.Revive(ctx)
		}
		return
	}
	in, ok := k.retired[id]
	if !ok {
		k.adopt(ctx, d, st)
		return
	}
	if scheduler.IsTerminal(state) {
		delete(k.retired, id)
		fmt.Fprintf(k.out, "%s (replaced) is %s\n", id, state)
		return
	}
	if state != mesospb.TaskState_TASK_RUNNING {
		return
	}
	// A replaced instance came back with its agent. Keep it if its rack
	// has no instance now, else kill it: the constraint allows one.
	delete(k.retired, id)
	if len(k.place.Placed.Check(k.place.Constraints, in.agent)) == 0 {
		k.active[id] = in
		k.place.Add(in.agent)
		fmt.Fprintf(k.out, "%s came back on %s and is kept\n", id, in.agent.Hostname)
		return
	}
	fmt.Fprintf(k.out, "%s came back on %s, but %s %s has an instance: killing it\n", id, in.agent.Hostname, k.field, in.value)
	_ = d.Kill(ctx, st.GetTaskId(), st.GetAgentId())
}

// adopt takes over a running task of the framework this process did not
// launch (after a failover), reading its rack from its id
// ("<field>-<value>-<seq>"), unless its rack already has an instance.
func (k *keeper) adopt(ctx context.Context, d *scheduler.Driver, st *mesospb.TaskStatus) {
	if st.GetState() != mesospb.TaskState_TASK_RUNNING {
		return
	}
	id := st.GetTaskId().GetValue()
	rest, ok := strings.CutPrefix(id, k.field+"-")
	i := strings.LastIndexByte(rest, '-')
	if !ok || i < 0 {
		return
	}
	value := rest[:i]
	if seq, err := strconv.Atoi(rest[i+1:]); err == nil && seq >= k.seq {
		k.seq = seq + 1 // never reuse a task id
	}
	in := instance{agent: constraints.Agent{ID: st.GetAgentId().GetValue(), Hostname: st.GetAgentId().GetValue(),
		Attributes: map[string]string{k.field: value}}, value: value}
	if len(k.place.Placed.Check(k.place.Constraints, in.agent)) > 0 {
		fmt.Fprintf(k.out, "%s is a second instance on %s %s: killing it\n", id, k.field, value)
		_ = d.Kill(ctx, st.GetTaskId(), st.GetAgentId())
		return
	}
	k.active[id] = in
	k.place.Add(in.agent)
	fmt.Fprintf(k.out, "adopted %s (%s %s)\n", id, k.field, value)
}
