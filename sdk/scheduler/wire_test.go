package scheduler_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mesospb "agora/api/mesos/v1"
	schedulerpb "agora/api/mesos/v1/scheduler"
	"agora/sdk/internal/fakestream"
	"agora/sdk/internal/jsonshape"
	"agora/sdk/internal/leakcheck"
	"agora/sdk/scheduler"
	"agora/wire"
)

// newMesosMaster answers like a Mesos 1.11 master, with JSON written by
// hand as Mesos writes it (not by agora's codec), and records each request
// as it arrived on the wire.
func newMesosMaster(t *testing.T) *fakestream.Scripted {
	return fakestream.NewScripted(t, func(n int) (http.Header, []byte) {
		return http.Header{"Mesos-Stream-Id": {fmt.Sprintf("130ae4e3-6b13-4ef4-baa9-%012d", n)}},
			[]byte(`{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"fw-1"},"heartbeat_interval_seconds":15}}`)
	})
}

// Fields the driver sends that Mesos's examples leave out: defaults of
// FrameworkInfo that Mesos's own JSON writer prints too.
var frameworkDefaults = []string{"failover_timeout", "checkpoint"}

func withPrefix(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

// Every call the driver makes, in JSON, has the shape of the same call in
// Mesos's docs/scheduler-http-api.md, with the headers Mesos requires
// (Content-Type and Accept application/json; Mesos-Stream-Id on every call
// but SUBSCRIBE, with the value the master gave), and the driver
// understands events as a Mesos master writes them. Nothing agora-specific
// crosses the wire.
func TestWireFormatIsMesos(t *testing.T) {
	m := newMesosMaster(t)
	snap := leakcheck.Take()
	updates := make(chan *mesospb.TaskStatus, 1)
	sched := &wireScheduler{updates: updates, registered: make(chan string, 1)}
	d, err := scheduler.New(scheduler.Config{
		Master: m.Server.URL, Codec: wire.JSON, Logger: slog.New(slog.DiscardHandler),
		Framework: &mesospb.FrameworkInfo{
			User: proto.String("foo"), Name: proto.String("Example HTTP Framework"), Roles: []string{"test1", "test2"},
			Capabilities: []*mesospb.FrameworkInfo_Capability{{Type: mesospb.FrameworkInfo_Capability_MULTI_ROLE.Enum()}},
		},
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	}, sched)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	check := func(name, shape string, extra ...string) fakestream.Request {
		t.Helper()
		r := m.Next(t)
		if r.Method != http.MethodPost || r.Path != "/api/v1/scheduler" || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Accept") != "application/json" {
			t.Fatalf("%s: %s %s headers %v", name, r.Method, r.Path, r.Header)
		}
		if err := jsonshape.Match(r.Body, shape, extra...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return r
	}
	sub := check("SUBSCRIBE", `{
		"type": "SUBSCRIBE",
		"subscribe": {"framework_info": {"user": "foo", "name": "Example HTTP Framework",
			"roles": ["test1", "test2"], "capabilities": [{"type": "MULTI_ROLE"}]}}
	}`, withPrefix("subscribe.framework_info.", frameworkDefaults)...)
	if sub.Header.Get("Mesos-Stream-Id") != "" {
		t.Fatalf("SUBSCRIBE carried Mesos-Stream-Id %q", sub.Header.Get("Mesos-Stream-Id"))
	}
	if got := <-sched.registered; got != "fw-1" {
		t.Fatalf("Registered with %q", got)
	}
	call := func(name, shape string, extra ...string) {
		t.Helper()
		r := check(name, shape, extra...)
		if r.Header.Get("Mesos-Stream-Id") != "130ae4e3-6b13-4ef4-baa9-000000000001" {
			t.Fatalf("%s: Mesos-Stream-Id %q, want the SUBSCRIBE response's", name, r.Header.Get("Mesos-Stream-Id"))
		}
	}

	// An OFFERS event as Mesos writes it reaches ResourceOffers, whose
	// ACCEPT launches a task with a command executor. (The example in
	// docs/scheduler-http-api.md drops a level: Event.offers is an Offers
	// message holding the list, and that is what masters send.)
	m.Events <- []byte(`{"type":"OFFERS","offers":{"offers":[{"allocation_info":{"role":"test1"},"id":{"value":"O12"},"framework_id":{"value":"fw-1"},` +
		`"agent_id":{"value":"S1233"},"hostname":"agent.host","resources":[` +
		`{"allocation_info":{"role":"test1"},"name":"cpus","type":"SCALAR","scalar":{"value":2},"role":"*"},` +
		`{"allocation_info":{"role":"test1"},"name":"mem","type":"SCALAR","scalar":{"value":512},"role":"*"}],` +
		`"attributes":[{"name":"os","type":"TEXT","text":{"value":"ubuntu16.04"}}],"executor_ids":[{"value":"my-executor"}]}]}}`)
	call("ACCEPT", `{
		"framework_id": {"value": "fw-1"},
		"type": "ACCEPT",
		"accept": {
			"offer_ids": [{"value": "O12"}],
			"operations": [{"type": "LAUNCH", "launch": {"task_infos": [{
				"name": "My Task", "task_id": {"value": "my-task"}, "agent_id": {"value": "S1233"},
				"executor": {"command": {"shell": true, "value": "sleep 1000"}, "executor_id": {"value": "my-executor"}},
				"resources": [
					{"allocation_info": {"role": "test1"}, "name": "cpus", "role": "*", "type": "SCALAR", "scalar": {"value": 1.0}},
					{"allocation_info": {"role": "test1"}, "name": "mem", "role": "*", "type": "SCALAR", "scalar": {"value": 128.0}}
				]}]}}],
			"filters": {"refuse_seconds": 5.0}
		}
	}`)

	// An UPDATE with a uuid is acknowledged with the uuid in base64.
	m.Events <- []byte(`{"type":"UPDATE","update":{"status":{"task_id":{"value":"my-task"},"state":"TASK_RUNNING",` +
		`"source":"SOURCE_EXECUTOR","agent_id":{"value":"S1233"},"executor_id":{"value":"my-executor"},` +
		`"uuid":"ZDQwZjNmM2UtYmJlMy00NA==","timestamp":1.5e9}}}`)
	if st := <-updates; st.GetState() != mesospb.TaskState_TASK_RUNNING || len(st.GetUuid()) != 16 {
		t.Fatalf("StatusUpdate %v", st)
	}
	call("ACKNOWLEDGE", `{
		"framework_id": {"value": "fw-1"},
		"type": "ACKNOWLEDGE",
		"acknowledge": {"agent_id": {"value": "S1233"}, "task_id": {"value": "my-task"}, "uuid": "ZDQwZjNmM2UtYmJlMy00NA=="}
	}`)

	offer := func(id string) *mesospb.OfferID { return &mesospb.OfferID{Value: proto.String(id)} }
	agent := &mesospb.AgentID{Value: proto.String("S1233")}
	for _, c := range []struct {
		name, shape string
		do          func() error
	}{
		{"DECLINE", `{"framework_id": {"value": "fw-1"}, "type": "DECLINE",
			"decline": {"offer_ids": [{"value": "O12"}, {"value": "O13"}], "filters": {"refuse_seconds": 5.0}}}`,
			func() error { return d.Decline(ctx, 5*time.Second, offer("O12"), offer("O13")) }},
		{"REVIVE", `{"framework_id": {"value": "fw-1"}, "type": "REVIVE", "revive": {"roles": ["test1"]}}`,
			func() error { return d.Revive(ctx, "test1") }},
		{"SUPPRESS", `{"framework_id": {"value": "fw-1"}, "type": "SUPPRESS", "suppress": {"roles": ["test2"]}}`,
			func() error { return d.Suppress(ctx, "test2") }},
		{"KILL", `{"framework_id": {"value": "fw-1"}, "type": "KILL",
			"kill": {"task_id": {"value": "my-task"}, "agent_id": {"value": "S1233"}}}`,
			func() error { return d.Kill(ctx, &mesospb.TaskID{Value: proto.String("my-task")}, agent) }},
		{"SHUTDOWN", `{"framework_id": {"value": "fw-1"}, "type": "SHUTDOWN",
			"shutdown": {"executor_id": {"value": "my-executor"}, "agent_id": {"value": "S1233"}}}`,
			func() error {
				return d.Shutdown(ctx, &mesospb.ExecutorID{Value: proto.String("my-executor")}, agent)
			}},
		{"RECONCILE", `{"framework_id": {"value": "fw-1"}, "type": "RECONCILE",
			"reconcile": {"tasks": [{"task_id": {"value": "312325"}, "agent_id": {"value": "123535"}}]}}`,
			func() error {
				return d.Reconcile(ctx, &schedulerpb.Call_Reconcile_Task{
					TaskId: &mesospb.TaskID{Value: proto.String("312325")}, AgentId: &mesospb.AgentID{Value: proto.String("123535")},
				})
			}},
		{"MESSAGE", `{"framework_id": {"value": "fw-1"}, "type": "MESSAGE",
			"message": {"agent_id": {"value": "S1233"}, "executor_id": {"value": "my-framework-executor"}, "data": "aGVsbG8="}}`,
			func() error {
				return d.Message(ctx, agent, &mesospb.ExecutorID{Value: proto.String("my-framework-executor")}, []byte("hello"))
			}},
		{"UPDATE_FRAMEWORK", `{"framework_id": {"value": "fw-1"}, "type": "UPDATE_FRAMEWORK",
			"update_framework": {"framework_info": {"id": {"value": "fw-1"}, "user": "foo", "name": "Renamed",
				"roles": ["test1", "test2"], "capabilities": [{"type": "MULTI_ROLE"}]}, "suppressed_roles": ["test2"]}}`,
			func() error {
				return d.UpdateFramework(ctx, &mesospb.FrameworkInfo{
					User: proto.String("foo"), Name: proto.String("Renamed"), Roles: []string{"test1", "test2"},
					Capabilities: []*mesospb.FrameworkInfo_Capability{{Type: mesospb.FrameworkInfo_Capability_MULTI_ROLE.Enum()}},
				}, "test2")
			}},
	} {
		if err := c.do(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		extra := []string{}
		if c.name == "UPDATE_FRAMEWORK" {
			extra = withPrefix("update_framework.framework_info.", frameworkDefaults)
		}
		call(c.name, c.shape, extra...)
	}

	// After a broken stream the driver subscribes again as the same
	// framework, with its suppressed roles, as Mesos's docs describe,
	m.End <- struct{}{}
	resub := check("re-SUBSCRIBE", `{
		"framework_id": {"value": "fw-1"},
		"type": "SUBSCRIBE",
		"subscribe": {"framework_info": {"id": {"value": "fw-1"}, "user": "foo", "name": "Renamed",
			"roles": ["test1", "test2"], "capabilities": [{"type": "MULTI_ROLE"}]},
			"suppressed_roles": ["test2"]}
	}`, withPrefix("subscribe.framework_info.", frameworkDefaults)...)
	if resub.Header.Get("Mesos-Stream-Id") != "" {
		t.Fatalf("re-SUBSCRIBE carried Mesos-Stream-Id %q", resub.Header.Get("Mesos-Stream-Id"))
	}
	// and reconciles the task it launched, still running as far as it
	// knows (docs/reconciliation.md).
	check("RECONCILE after re-subscribing", `{"framework_id": {"value": "fw-1"}, "type": "RECONCILE",
		"reconcile": {"tasks": [{"task_id": {"value": "my-task"}, "agent_id": {"value": "S1233"}}]}}`)
	for sched.reregistered() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	if err := d.Teardown(ctx); err != nil {
		t.Fatal(err)
	}
	r := check("TEARDOWN", `{"framework_id": {"value": "fw-1"}, "type": "TEARDOWN"}`)
	if r.Header.Get("Mesos-Stream-Id") != "130ae4e3-6b13-4ef4-baa9-000000000002" {
		t.Fatalf("TEARDOWN: Mesos-Stream-Id %q, want the second stream's", r.Header.Get("Mesos-Stream-Id"))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	cancel()
	snap.Check(t, "agora/sdk/")
}

// wireScheduler accepts the first offer with the task of Mesos's ACCEPT
// example and reports updates.
type wireScheduler struct {
	scheduler.Base
	updates    chan *mesospb.TaskStatus
	registered chan string
	mu         sync.Mutex
	rereg      int
}

func (s *wireScheduler) Registered(_ context.Context, _ *scheduler.Driver, id *mesospb.FrameworkID, _ *mesospb.MasterInfo) {
	s.registered <- id.GetValue()
}

func (s *wireScheduler) Reregistered(context.Context, *scheduler.Driver, *mesospb.MasterInfo) {
	s.mu.Lock()
	s.rereg++
	s.mu.Unlock()
}

func (s *wireScheduler) reregistered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rereg
}

func (s *wireScheduler) ResourceOffers(ctx context.Context, d *scheduler.Driver, offers []*mesospb.Offer) {
	o := offers[0]
	res := func(name string, v float64) *mesospb.Resource {
		return &mesospb.Resource{
			AllocationInfo: &mesospb.Resource_AllocationInfo{Role: proto.String("test1")}, Name: proto.String(name),
			Role: proto.String("*"), Type: mesospb.Value_SCALAR.Enum(), Scalar: &mesospb.Value_Scalar{Value: proto.Float64(v)},
		}
	}
	t := &mesospb.TaskInfo{
		Name: proto.String("My Task"), TaskId: &mesospb.TaskID{Value: proto.String("my-task")}, AgentId: o.GetAgentId(),
		Executor: &mesospb.ExecutorInfo{
			Command:    &mesospb.CommandInfo{Shell: proto.Bool(true), Value: proto.String("sleep 1000")},
			ExecutorId: &mesospb.ExecutorID{Value: proto.String("my-executor")},
		},
		Resources: []*mesospb.Resource{res("cpus", 1), res("mem", 128)},
	}
	_ = d.Accept(ctx, []*mesospb.OfferID{o.GetId()}, []*mesospb.Offer_Operation{scheduler.LaunchOperation(t)},
		&mesospb.Filters{RefuseSeconds: proto.Float64(5)})
}

func (s *wireScheduler) StatusUpdate(_ context.Context, _ *scheduler.Driver, st *mesospb.TaskStatus) {
	s.updates <- st
}
